"""ResourceQuota (the admission half; plugin/pkg/admission/resourcequota): the
last validating plugin. A new object is measured by its kind's quota evaluator
(:mod:`kubelab.quota.evaluators`) and charged to every quota of its namespace
that tracks what it uses; if any quota would go over ``hard`` the request is
refused, 403::

    pods "web-2" is forbidden: exceeded quota: compute, requested: requests.cpu=500m,
    used: requests.cpu=1500m, limited: requests.cpu=2

Charging writes the quotas' ``status.used`` before the object is stored,
guarded by the quotas' resourceVersion (a compare-and-swap: on a conflict the
quotas are re-read and the check runs again, three times at most), so two
requests can never both take the last unit. A dry run is checked but not
charged. The quota controller later recounts ``used`` from the objects that
exist, which also returns what a failed create had charged.

Other refusals: ``failed quota: compute: must specify limits.cpu for: app``
(a quota on cpu/memory needs every container to set it) and ``status unknown
for quota: compute, resources: requests.cpu`` (the controller has not counted
yet). A quota counts only once the controller has copied ``spec.hard`` to
``status.hard``.
"""
from __future__ import annotations

from ... import errors
from ...api.quantity import Quantity
from ...quota.evaluators import evaluator_for, quota_matches
from ...quota.resources import (add, equals, format_list, less_than_or_equal, mask, parse_list, pretty_print,
                                remove_zeros, subtract_non_negative)
from .forbidden import forbidden

__all__ = ["ResourceQuota", "resource_quota"]

RETRIES = 3


class ResourceQuota:
    """The admission plugin (validating only: it has no mutating ``__call__``)."""

    name = "ResourceQuota"

    def validate(self, api, operation, obj, old, rtype, *, dry_run: bool = False) -> None:
        namespace = obj["metadata"].get("namespace")
        evaluator = evaluator_for(rtype)
        if not namespace or evaluator is None or not evaluator.handles(operation):
            return
        quotas_type = api.registry.resolve("resourcequotas")
        pending = None            # names still to charge (None: every quota of the namespace)
        for _ in range(RETRIES + 1):
            kvs, _rev = api.store.range(quotas_type.prefix(namespace))
            quotas = [dict(kv.value, metadata=dict(kv.value["metadata"], resourceVersion=str(kv.mod_revision)))
                      for kv in kvs if pending is None or kv.value["metadata"]["name"] in pending]
            charged = self._check(evaluator, quotas, operation, obj, old, rtype, api.clock.now())
            if dry_run or not charged:
                return
            pending = set()
            for quota in charged:
                try:
                    api.update(quota, subresource="status")
                except errors.Conflict:
                    pending.add(quota["metadata"]["name"])    # recount just these against fresh copies
            if not pending:
                return
        raise errors.Conflict(f'Operation cannot be fulfilled on resourcequotas "{sorted(pending)[0]}": the '
                              'object has been modified; please apply your changes to the latest version and try again',
                              kind="resourcequotas", name=sorted(pending)[0])

    @staticmethod
    def _check(evaluator, quotas, operation, obj, old, rtype, now) -> list[dict]:
        """checkRequest: the quotas whose ``used`` this request changes, as they
        would be stored; raises Forbidden if the request does not fit."""
        interesting = []
        for quota in sorted(quotas, key=lambda q: q["metadata"]["name"]):
            if not quota_matches(evaluator, quota, obj):
                continue
            status = quota.get("status") or {}
            restricted = evaluator.matching_resources(sorted(status.get("hard") or {}))
            problem = evaluator.constraints(restricted, obj)
            if problem:
                raise forbidden(rtype, obj, f'failed quota: {quota["metadata"]["name"]}: {problem}')
            used = status.get("used") or {}
            if any(name not in used for name in restricted):
                raise forbidden(rtype, obj, f'status unknown for quota: {quota["metadata"]["name"]}, '
                                            f'resources: {",".join(sorted(restricted))}')
            interesting.append(quota)
        if not interesting:
            return []
        delta = evaluator.usage(obj, now)
        negative = sorted(name for name, value in delta.items() if value < Quantity(0))
        if negative:
            raise forbidden(rtype, obj, f"quota usage is negative for resource(s): {','.join(negative)}")
        if operation == "UPDATE" and old is not None:
            delta = subtract_non_negative(delta, evaluator.usage(old, now))
        delta = remove_zeros(delta)
        if not delta:
            return []
        charged = []
        for quota in interesting:
            hard, used = parse_list(quota["status"]["hard"]), parse_list(quota["status"].get("used"))
            requested = mask(delta, hard)
            new_used = add(used, requested)
            ok, exceeded = less_than_or_equal(mask(new_used, requested), hard)
            if not ok:
                raise forbidden(rtype, obj, f'exceeded quota: {quota["metadata"]["name"]}, '
                                            f'requested: {pretty_print(mask(requested, exceeded))}, '
                                            f'used: {pretty_print(mask(used, exceeded))}, '
                                            f'limited: {pretty_print(mask(hard, exceeded))}')
            if not equals(new_used, used):
                updated = dict(quota, status=dict(quota["status"], used=format_list(new_used)))
                charged.append(updated)
        return charged


resource_quota = ResourceQuota()

"""The resource quota controller (pkg/controller/resourcequota): keeps every
ResourceQuota's ``status`` true to what its namespace holds.

``status.hard`` is a copy of ``spec.hard``; ``status.used`` is recounted from
the objects that exist, by the same evaluators admission charges with
(:mod:`kubelab.quota.evaluators`), each tracked resource starting at zero.
Admission adds to ``used`` as objects are created; this controller gives back
what goes away. A quota is recounted when

* it is created or its ``spec.hard`` changes (before that, admission ignores it);
* an object it tracks is deleted, a Pod it counts reaches Succeeded/Failed (the
  "pods" and compute resources of terminal Pods are released), a Service changes
  type, or a claim's storage request changes (replenishment);
* every 5 minutes for all quotas (``--resource-quota-sync-period``), which also
  catches Pods stuck terminating past their grace period and charges of creates
  that failed after admission.

simplified: kinds are watched from the first quota that names them (Kubernetes
watches every quotable resource from the start).
"""
from __future__ import annotations

from .. import errors
from ..client.informer import NAMESPACE_INDEX
from ..quota.evaluators import evaluator_for, usage_stats
from ..quota.resources import equals, format_list, mask, parse_list
from .base import Controller

__all__ = ["ResourceQuotaController", "RESYNC_PERIOD"]

#: --resource-quota-sync-period
RESYNC_PERIOD = 300.0
#: the evaluators of the kinds with their own usage rules (always watched)
_CORE = ("pods", "services", "persistentvolumeclaims")


def _pod_counts(evaluator, pod: dict, now) -> bool:
    return "pods" in evaluator.usage(pod, now)


def _service_type(svc: dict) -> str:
    """GetQuotaServiceType: only NodePort and LoadBalancer matter to quota."""
    kind = (svc.get("spec") or {}).get("type")
    return kind if kind in ("NodePort", "LoadBalancer") else ""


def _claim_request(pvc: dict):
    return (((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")


class ResourceQuotaController(Controller):
    """kube-controller-manager's resourcequota-controller."""

    name = "resourcequota-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.quotas = self.informer("resourcequotas")
        self.quotas.add_handler(self.enqueue, self._quota_updated, self.enqueue)
        self.evaluators: dict[str, object] = {}       # group-resource -> evaluator of a watched kind
        for resource in _CORE:
            self._monitor(resource)
        self._timer = None

    # -- watching ---------------------------------------------------------------
    def _monitor(self, resource: str):
        """Watch a namespaced resource (once): its deletions and relevant updates replenish quota."""
        rtype = self.api.resolve(resource)
        if rtype.group_resource in self.evaluators or not rtype.namespaced:
            return
        evaluator = self.evaluators[rtype.group_resource] = evaluator_for(rtype)
        informer = self.informer(rtype)
        informer.add_handler(None, lambda old, new: self._object_updated(evaluator, old, new),
                             lambda obj: self._replenish(evaluator, obj))
        if self.running:
            informer.start()

    def _quota_updated(self, old: dict, new: dict) -> None:
        """Only spec changes matter (status writes are this controller's and admission's)."""
        if not equals(parse_list(old["spec"].get("hard")), parse_list(new["spec"].get("hard"))):
            self.enqueue(new)

    def _object_updated(self, evaluator, old: dict, new: dict) -> None:
        if not self.quotas.by_index(NAMESPACE_INDEX, new["metadata"].get("namespace")):
            return          # nothing in this namespace to replenish (the common case)
        now = self.loop.clock.now()
        if evaluator.plural == "pods" and not evaluator.group:
            changed = _pod_counts(evaluator, old, now) and not _pod_counts(evaluator, new, now)
        elif evaluator.plural == "services" and not evaluator.group:
            changed = _service_type(old) != _service_type(new)
        elif evaluator.plural == "persistentvolumeclaims" and not evaluator.group:
            changed = _claim_request(old) != _claim_request(new)
        else:
            changed = False
        if changed:
            self._replenish(evaluator, new)

    def _replenish(self, evaluator, obj: dict) -> None:
        """replenishQuota: recount the namespace's quotas that track this kind."""
        namespace = obj["metadata"].get("namespace")
        for quota in self.quotas.list(namespace=namespace):
            if evaluator.matching_resources((quota.get("status") or {}).get("hard") or {}):
                self.enqueue(quota)

    # -- the periodic full resync ----------------------------------------------
    def start(self) -> None:
        super().start()
        self._timer = self.loop.later(RESYNC_PERIOD, self._resync, self.name, daemon=True)

    def stop(self) -> None:
        super().stop()
        if self._timer is not None:
            self._timer.cancel()

    def _resync(self) -> None:
        for quota in self.quotas.list():
            self.enqueue(quota)
        self._timer = self.loop.later(RESYNC_PERIOD, self._resync, self.name, daemon=True)

    # -- the recipe ---------------------------------------------------------------
    def _evaluators_for(self, names) -> list:
        """The evaluators that count something in ``names`` (watching new kinds as needed)."""
        for name in names:
            if name.startswith("count/") or name in ("configmaps", "secrets", "resourcequotas",
                                                     "replicationcontrollers"):
                try:
                    self._monitor(name[len("count/"):] if name.startswith("count/") else name)
                except errors.NotFound:
                    continue        # no such resource: nothing to count
        return [e for e in self.evaluators.values() if e.matching_resources(names)]

    def calculate_usage(self, quota: dict) -> dict:
        """quota.CalculateUsage: the usage of every hard resource some evaluator tracks."""
        namespace = quota["metadata"]["namespace"]
        hard = sorted(parse_list(quota["spec"].get("hard")))
        now = self.loop.clock.now()
        used, matched = {}, set()
        for evaluator in self._evaluators_for(hard):
            resources = evaluator.matching_resources(hard)
            matched.update(resources)
            items = self.informers[f"{evaluator.plural}.{evaluator.group}"].list(namespace=namespace)
            stats = usage_stats(evaluator, items, quota, resources, now)
            for name, value in stats.items():
                used[name] = used[name] + value if name in used else value
        return mask(used, matched)

    def sync(self, key: str) -> None:
        """syncResourceQuota: status.hard = spec.hard; status.used = the recount."""
        namespace, name = key.split("/", 1)
        quota = self.quotas.get(name, namespace)
        if quota is None:
            return
        status = quota.get("status") or {}
        hard = parse_list(quota["spec"].get("hard"))
        used = parse_list(status.get("used"))
        used.update(self.calculate_usage(quota))
        used = mask(used, hard)
        dirty = (status.get("hard") is None or status.get("used") is None
                 or not equals(hard, parse_list(status.get("hard")))
                 or not equals(used, parse_list(status.get("used"))))
        if dirty:
            self.api.update(dict(quota, status={"hard": format_list(hard), "used": format_list(used)}),
                            subresource="status")

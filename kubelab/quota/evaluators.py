"""Quota evaluators (pkg/quota/v1/evaluator/core and apiserver's quota/v1/generic):
for one kind of object, which quota resource names it uses, how much of each
one object uses, and which quota scopes it falls in.

=====================  ============================================================
evaluator              resource names
=====================  ============================================================
pods                   ``pods`` (non-terminal Pods), ``count/pods`` (all), ``cpu`` and
                       ``requests.cpu``, ``limits.cpu``, the same for ``memory`` and
                       ``ephemeral-storage``, ``requests.<extended resource>``
services               ``services``, ``count/services``, ``services.nodeports``,
                       ``services.loadbalancers``
persistentvolumeclaims ``persistentvolumeclaims``, ``count/persistentvolumeclaims``,
                       ``requests.storage``, and per class
                       ``<class>.storageclass.storage.k8s.io/requests.storage`` and
                       ``.../persistentvolumeclaims``
any other resource     ``count/<resource>.<group>`` (``count/deployments.apps``), and the
                       legacy ``configmaps``, ``secrets``, ``resourcequotas``,
                       ``replicationcontrollers``
=====================  ============================================================

Only Pods have scopes (Terminating, NotTerminating, BestEffort, NotBestEffort,
PriorityClass, CrossNamespacePodAffinity); a quota with any scope matches no
other kind of object.

simplified: a claim is charged its requested storage (not the larger of that and
``status.allocatedResources``); the VolumeAttributesClass scope is not modelled.
"""
from __future__ import annotations

from ..api.labels import SelectorError, selector_from_label_selector
from ..api.meta import parse_time
from ..api.qos import pod_qos_class
from ..api.quantity import Quantity
from .resources import ResourceList, add, parse_list, pod_limits, pod_requests

__all__ = ["Evaluator", "PodEvaluator", "ServiceEvaluator", "PVCEvaluator", "ObjectCountEvaluator",
           "evaluator_for", "scope_selectors", "quota_matches", "usage_stats", "object_count_name",
           "VALIDATION_SET"]

STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"
#: If a quota tracks one of these, every container must set it (a historical
#: mistake Kubernetes keeps for compatibility; no other resource gets this rule).
VALIDATION_SET = frozenset({"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"})
_NATIVE = frozenset({"cpu", "memory", "ephemeral-storage", "pods", "storage"})
_ONE = Quantity(1)


def object_count_name(plural: str, group: str = "") -> str:
    """ObjectCountQuotaResourceNameFor: ``count/pods``, ``count/deployments.apps``."""
    return f"count/{plural}.{group}" if group else f"count/{plural}"


def scope_selectors(quota: dict) -> list[dict]:
    """getScopeSelectorsFromQuota: ``spec.scopes`` (as Exists) plus ``spec.scopeSelector``."""
    spec = quota.get("spec") or {}
    out = [{"scopeName": s, "operator": "Exists"} for s in spec.get("scopes") or ()]
    return out + list((spec.get("scopeSelector") or {}).get("matchExpressions") or ())


class Evaluator:
    """One group-resource's quota evaluator (quota.Evaluator)."""

    plural, group = "", ""
    operations = ("CREATE",)

    def __init__(self):
        self.count_name = object_count_name(self.plural, self.group)

    def handles(self, operation: str) -> bool:
        return operation in self.operations

    def matching_resources(self, names) -> list[str]:
        """The quota resource names (of ``names``) this evaluator accounts for."""
        return [n for n in names if n == self.count_name]

    def matches_scope(self, selector: dict, obj: dict) -> bool:
        """MatchesNoScopeFunc: only Pods have scopes."""
        return False

    def constraints(self, required: list[str], obj: dict) -> str | None:
        """An error message if ``obj`` does not say what a quota requires of it."""
        return None

    def usage(self, obj: dict, now) -> ResourceList:
        return {self.count_name: _ONE}


class ObjectCountEvaluator(Evaluator):
    """generic.NewObjectCountEvaluator: one per stored object (``alias`` is a legacy name)."""

    def __init__(self, plural: str, group: str, alias: str | None = None):
        self.plural, self.group, self.alias = plural, group, alias
        super().__init__()

    def matching_resources(self, names) -> list[str]:
        return [n for n in names if n in (self.count_name, self.alias)]

    def usage(self, obj: dict, now) -> ResourceList:
        usage = {self.count_name: _ONE}
        if self.alias:
            usage[self.alias] = _ONE
        return usage


class PodEvaluator(Evaluator):
    """podEvaluator: compute resources of live Pods, counts, scopes."""

    plural = "pods"
    _RESOURCES = ("count/pods", "pods", "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
                  "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage")

    def matching_resources(self, names) -> list[str]:
        return [n for n in names if n in self._RESOURCES or n.startswith(("hugepages-", "requests.hugepages-"))
                or _is_extended_request(n)]

    def matches_scope(self, selector: dict, pod: dict) -> bool:
        """podMatchesScopeFunc."""
        scope, spec = selector.get("scopeName"), pod.get("spec") or {}
        if scope in ("Terminating", "NotTerminating"):
            deadline = spec.get("activeDeadlineSeconds")
            terminating = deadline is not None and deadline >= 0
            return terminating == (scope == "Terminating")
        if scope in ("BestEffort", "NotBestEffort"):
            return (pod_qos_class(pod) == "BestEffort") == (scope == "BestEffort")
        if scope == "PriorityClass":
            if selector.get("operator") == "Exists":
                return bool(spec.get("priorityClassName"))
            labels = {"PriorityClass": spec["priorityClassName"]} if spec.get("priorityClassName") else {}
            expression = {"key": "PriorityClass", "operator": selector.get("operator"),
                          "values": selector.get("values") or []}
            try:
                return selector_from_label_selector({"matchExpressions": [expression]}).matches(labels)
            except SelectorError:
                return False
        if scope == "CrossNamespacePodAffinity":
            return _cross_namespace_affinity(spec)
        return False

    def constraints(self, required: list[str], pod: dict) -> str | None:
        """A quota on cpu or memory needs every container to set it:
        ``must specify limits.cpu for: app; requests.memory for: app,sidecar``."""
        wanted = VALIDATION_SET.intersection(required)
        missing: dict[str, set[str]] = {}
        spec = pod.get("spec") or {}
        for container in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
            resources = container.get("resources") or {}
            have = _compute_usage(parse_list(resources.get("requests")), parse_list(resources.get("limits")))
            for name in wanted - have.keys():
                missing.setdefault(name, set()).add(container.get("name", ""))
        if not missing:
            return None
        return "must specify " + "; ".join(f"{name} for: {','.join(sorted(missing[name]))}"
                                           for name in sorted(missing))

    def usage(self, pod: dict, now) -> ResourceList:
        """PodUsageFunc: ``count/pods`` always; compute resources only while the Pod counts."""
        usage = {self.count_name: _ONE}
        if not counts_against_quota(pod, now):
            return usage
        return add(usage, _compute_usage(pod_requests(pod), pod_limits(pod)))


def counts_against_quota(pod: dict, now) -> bool:
    """QuotaV1Pod: not Succeeded/Failed, and not stuck terminating past its grace period."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    m = pod["metadata"]
    if m.get("deletionTimestamp") and m.get("deletionGracePeriodSeconds") is not None:
        deadline = parse_time(m["deletionTimestamp"]).timestamp() + m["deletionGracePeriodSeconds"]
        if now.timestamp() > deadline:
            return False
    return True


def _is_extended_request(name: str) -> bool:
    return name.startswith("requests.") and "/" in name and name[len("requests."):] not in _NATIVE


def _compute_usage(requests: ResourceList, limits: ResourceList) -> ResourceList:
    """podComputeUsageHelper: ``cpu`` and ``requests.cpu`` from a request, ``limits.cpu``
    from a limit; the same for memory and ephemeral-storage; ``pods`` = 1."""
    usage: ResourceList = {"pods": _ONE}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            usage[name] = usage["requests." + name] = requests[name]
        if name in limits:
            usage["limits." + name] = limits[name]
    for name, value in requests.items():
        if name.startswith("hugepages-"):
            usage[name] = usage["requests." + name] = value
        elif "/" in name:
            usage["requests." + name] = value
    return usage


def _cross_namespace_affinity(spec: dict) -> bool:
    affinity = spec.get("affinity") or {}
    for kind in ("podAffinity", "podAntiAffinity"):
        terms = affinity.get(kind) or {}
        required = terms.get("requiredDuringSchedulingIgnoredDuringExecution") or []
        preferred = [t.get("podAffinityTerm") or {}
                     for t in terms.get("preferredDuringSchedulingIgnoredDuringExecution") or []]
        if any(t.get("namespaces") or t.get("namespaceSelector") is not None for t in required + preferred):
            return True
    return False


class ServiceEvaluator(Evaluator):
    """serviceEvaluator: ``services``, and node ports / load balancers by type."""

    plural = "services"
    operations = ("CREATE", "UPDATE")
    _RESOURCES = ("count/services", "services", "services.nodeports", "services.loadbalancers")

    def matching_resources(self, names) -> list[str]:
        return [n for n in names if n in self._RESOURCES]

    def usage(self, svc: dict, now) -> ResourceList:
        spec = svc.get("spec") or {}
        ports = spec.get("ports") or []
        usage = {self.count_name: _ONE, "services": _ONE,
                 "services.loadbalancers": Quantity(0), "services.nodeports": Quantity(0)}
        if spec.get("type") == "NodePort":
            usage["services.nodeports"] = Quantity(len(ports))
        elif spec.get("type") == "LoadBalancer":
            usage["services.loadbalancers"] = _ONE
            if spec.get("allocateLoadBalancerNodePorts") is False:
                usage["services.nodeports"] = Quantity(sum(1 for p in ports if p.get("nodePort")))
            else:
                usage["services.nodeports"] = Quantity(len(ports))
        return usage


class PVCEvaluator(Evaluator):
    """pvcEvaluator: claims and requested storage, in total and per StorageClass."""

    plural = "persistentvolumeclaims"
    operations = ("CREATE", "UPDATE")
    _RESOURCES = ("count/persistentvolumeclaims", "persistentvolumeclaims", "requests.storage")

    def matching_resources(self, names) -> list[str]:
        return [n for n in names if n in self._RESOURCES or (
            STORAGE_CLASS_SUFFIX in n and n.endswith(("/requests.storage", "/persistentvolumeclaims")))]

    def usage(self, pvc: dict, now) -> ResourceList:
        spec = pvc.get("spec") or {}
        usage = {self.count_name: _ONE, "persistentvolumeclaims": _ONE}
        storage = parse_list((spec.get("resources") or {}).get("requests")).get("storage")
        if storage is not None:
            usage["requests.storage"] = storage
        klass = spec.get("storageClassName")
        if klass:
            usage[klass + STORAGE_CLASS_SUFFIX + "persistentvolumeclaims"] = _ONE
            if storage is not None:
                usage[klass + STORAGE_CLASS_SUFFIX + "requests.storage"] = storage
        return usage


_LEGACY_COUNTS = {"configmaps": "configmaps", "secrets": "secrets", "resourcequotas": "resourcequotas",
                  "replicationcontrollers": "replicationcontrollers"}
_SPECIFIC = {"pods": PodEvaluator, "services": ServiceEvaluator, "persistentvolumeclaims": PVCEvaluator}


def evaluator_for(rtype) -> Evaluator | None:
    """The evaluator of a namespaced resource type (None for cluster-scoped ones)."""
    if not rtype.namespaced:
        return None
    if not rtype.group and rtype.plural in _SPECIFIC:
        return _SPECIFIC[rtype.plural]()
    alias = _LEGACY_COUNTS.get(rtype.plural) if not rtype.group else None
    return ObjectCountEvaluator(rtype.plural, rtype.group, alias)


def quota_matches(evaluator: Evaluator, quota: dict, obj: dict) -> bool:
    """generic.Matches: the quota's ``status.hard`` names something this evaluator
    accounts for, and ``obj`` is in every one of the quota's scopes."""
    hard = (quota.get("status") or {}).get("hard") or {}
    if not evaluator.matching_resources(hard):
        return False
    return all(evaluator.matches_scope(s, obj) for s in scope_selectors(quota))


def usage_stats(evaluator: Evaluator, items, quota: dict, resources: list[str], now) -> ResourceList:
    """generic.CalculateUsageStats: the summed usage of the objects in the
    quota's scopes, each tracked resource starting at zero."""
    used: ResourceList = {name: Quantity(0) for name in resources}
    selectors = scope_selectors(quota)
    for obj in items:
        if all(evaluator.matches_scope(s, obj) for s in selectors):
            used = add(used, evaluator.usage(obj, now))
    return used

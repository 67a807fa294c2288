"""LimitRanger (plugin/pkg/admission/limitranger): a namespace's LimitRanges
fill in missing container resources and bound what Pods and claims may ask for.

Mutating, on Pod creation: every container and init container without a
request or limit for a resource gets the LimitRange's ``defaultRequest`` /
``default`` (the API defaults those from ``max``/``min``), and the Pod is
annotated ``kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory
request for container app; ...``.

Validating: per container (``type: Container``) and per Pod (``type: Pod``,
the Pod's summed requests and limits) ``min``, ``max`` and
``maxLimitRequestRatio``; per claim (``type: PersistentVolumeClaim``) min/max
of ``requests.storage``. Every violation is reported at once::

    pods "web" is forbidden: [maximum cpu usage per Container is 1, but limit is 2,
    minimum memory usage per Container is 64Mi, but request is 32Mi]

Pod updates are not checked (containers' resources are immutable), claims are.
simplified: constraints are checked in sorted resource order (Go walks a map).
"""
from __future__ import annotations

from ...api.quantity import Quantity, parse_quantity
from ...quota.resources import ResourceList, parse_list, pod_limits, pod_requests
from .forbidden import aggregate, forbidden

__all__ = ["LimitRanger", "limit_ranger", "min_constraint", "max_constraint", "ratio_constraint"]

ANNOTATION = "kubernetes.io/limit-ranger"
_MAX_MILLI = (2**63 - 1) // 1000       # resource.MaxMilliValue


def _comparable(*quantities: Quantity) -> list[int]:
    """requestLimitEnforcedValues: milli-units when none overflows, else whole units."""
    values = [q.value() for q in quantities]
    if all(v <= _MAX_MILLI for v in values):
        return [q.milli_value() for q in quantities]
    return values


def min_constraint(kind: str, name: str, enforced: Quantity, request: ResourceList,
                   limit: ResourceList) -> str | None:
    req, lim = request.get(name), limit.get(name)
    if req is None:
        return f"minimum {name} usage per {kind} is {enforced}.  No request is specified"
    observed_req, observed_lim, floor = _comparable(req, lim or Quantity(0), enforced)
    if observed_req < floor:
        return f"minimum {name} usage per {kind} is {enforced}, but request is {req}"
    if lim is not None and observed_lim < floor:
        return f"minimum {name} usage per {kind} is {enforced}, but limit is {lim}"
    return None


def max_constraint(kind: str, name: str, enforced: Quantity, request: ResourceList,
                   limit: ResourceList) -> str | None:
    req, lim = request.get(name), limit.get(name)
    if lim is None:
        return f"maximum {name} usage per {kind} is {enforced}.  No limit is specified"
    observed_req, observed_lim, ceiling = _comparable(req or Quantity(0), lim, enforced)
    if observed_lim > ceiling:
        return f"maximum {name} usage per {kind} is {enforced}, but limit is {lim}"
    if req is not None and observed_req > ceiling:
        return f"maximum {name} usage per {kind} is {enforced}, but request is {req}"
    return None


def _max_request_constraint(kind: str, name: str, enforced: Quantity, request: ResourceList) -> str | None:
    """For claims, whose requests are all a user gives."""
    req = request.get(name)
    if req is None:
        return f"maximum {name} usage per {kind} is {enforced}.  No request is specified"
    observed_req, ceiling = _comparable(req, enforced)
    if observed_req > ceiling:
        return f"maximum {name} usage per {kind} is {enforced}, but request is {req}"
    return None


def ratio_constraint(kind: str, name: str, enforced: Quantity, request: ResourceList,
                     limit: ResourceList) -> str | None:
    """maxLimitRequestRatio: limit / request may not exceed it (printed with %f)."""
    req, lim = request.get(name), limit.get(name)
    observed_req, observed_lim, _ = _comparable(req or Quantity(0), lim or Quantity(0), enforced)
    if req is None or observed_req == 0:
        return (f"{name} max limit to request ratio per {kind} is {enforced}, "
                "but no request is specified or request is 0")
    if lim is None or observed_lim == 0:
        return f"{name} max limit to request ratio per {kind} is {enforced}, but no limit is specified or limit is 0"
    ratio = observed_lim / observed_req
    allowed = float(enforced.value())
    scaled = ratio
    if enforced.value() <= _MAX_MILLI:
        scaled, allowed = ratio * 1000, float(enforced.milli_value())
    if scaled > allowed:
        return f"{name} max limit to request ratio per {kind} is {enforced}, but provided ratio is {ratio:f}"
    return None


def _check(item: dict, kind: str, request: ResourceList, limit: ResourceList) -> list[str]:
    found = []
    for field, check in (("min", min_constraint), ("max", max_constraint), ("maxLimitRequestRatio", ratio_constraint)):
        bounds = parse_list(item.get(field))
        for name in sorted(bounds):
            message = check(kind, name, bounds[name], request, limit)
            if message:
                found.append(message)
    return found


def _containers(pod: dict) -> list[tuple[str, dict]]:
    spec = pod.get("spec") or {}
    return [("container", c) for c in spec.get("containers") or ()] + \
        [("init container", c) for c in spec.get("initContainers") or ()]


def _set_defaults(limit_range: dict, pod: dict) -> None:
    """PodMutateLimitFunc: missing requests/limits from the Container item's defaults."""
    default_requests, default_limits = {}, {}
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        if item.get("type") == "Container":
            default_requests.update(item.get("defaultRequest") or {})
            default_limits.update(item.get("default") or {})
    notes = []
    for label, container in _containers(pod):
        resources = container.setdefault("resources", {})
        for field, defaults, word in (("requests", default_requests, "request"), ("limits", default_limits, "limit")):
            if not defaults:
                continue
            current = resources.setdefault(field, {})
            added = sorted(name for name in defaults if name not in current)
            for name in added:
                current[name] = str(parse_quantity(defaults[name]))
            if added:
                notes.append(f"{', '.join(added)} {word} for {label} {container.get('name', '')}")
    if notes:
        pod["metadata"].setdefault("annotations", {})[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)


def _pod_violations(limit_range: dict, pod: dict) -> list[str]:
    found = []
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        if item.get("type") == "Container":
            for _, container in _containers(pod):
                resources = container.get("resources") or {}
                found += _check(item, "Container", parse_list(resources.get("requests")),
                                parse_list(resources.get("limits")))
        elif item.get("type") == "Pod":
            found += _check(item, "Pod", pod_requests(pod, overhead=False), pod_limits(pod, overhead=False))
    return found


def _claim_violations(limit_range: dict, pvc: dict) -> list[str]:
    requests = parse_list(((pvc.get("spec") or {}).get("resources") or {}).get("requests"))
    found = []
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        if item.get("type") != "PersistentVolumeClaim":
            continue
        bounds = parse_list(item.get("min"))
        found += [m for m in (min_constraint("PersistentVolumeClaim", n, bounds[n], requests, {})
                              for n in sorted(bounds)) if m]
        bounds = parse_list(item.get("max"))
        found += [m for m in (_max_request_constraint("PersistentVolumeClaim", n, bounds[n], requests)
                              for n in sorted(bounds)) if m]
    return found


class LimitRanger:
    """The admission plugin: ``plugin(...)`` mutates, ``plugin.validate(...)`` checks."""

    name = "LimitRanger"

    @staticmethod
    def _applies(operation: str, obj: dict, old: dict | None, rtype) -> bool:
        if old is not None and old["metadata"].get("deletionTimestamp"):
            return False
        if rtype.group or rtype.kind not in ("Pod", "PersistentVolumeClaim"):
            return False
        return not (rtype.kind == "Pod" and operation != "CREATE")

    @staticmethod
    def _ranges(api, namespace: str) -> list[dict]:
        kvs, _ = api.store.range(api.registry.resolve("limitranges").prefix(namespace))
        return sorted((kv.value for kv in kvs), key=lambda lr: lr["metadata"]["name"])

    def __call__(self, api, operation, obj, old, rtype) -> None:
        if rtype.kind != "Pod" or not self._applies(operation, obj, old, rtype):
            return
        for limit_range in self._ranges(api, obj["metadata"]["namespace"]):
            _set_defaults(limit_range, obj)

    def validate(self, api, operation, obj, old, rtype, *, dry_run: bool = False) -> None:
        if not self._applies(operation, obj, old, rtype):
            return
        check = _pod_violations if rtype.kind == "Pod" else _claim_violations
        for limit_range in self._ranges(api, obj["metadata"]["namespace"]):
            found = check(limit_range, obj)
            if found:
                raise forbidden(rtype, obj, aggregate(found))


limit_ranger = LimitRanger()

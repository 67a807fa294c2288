"""Resource lists — ``{"requests.cpu": Quantity("500m"), ...}`` — and the
arithmetic quota does with them (k8s.io/apiserver/pkg/quota/v1/resources.go),
plus a Pod's summed requests and limits (component-helpers' PodRequests and
PodLimits) as resource lists.

Worked example (``exceeded quota``): a quota with ``hard: {requests.cpu: 2}``
and ``used: {requests.cpu: 1500m}`` is asked for ``requests.cpu: 500m`` more:
1500m + 500m = 2 <= 2, admitted. Asked for 600m: 2100m > 2, so the request
fails with ``requested: requests.cpu=600m, used: requests.cpu=1500m,
limited: requests.cpu=2``.
"""
from __future__ import annotations

from ..api.quantity import Quantity, parse_quantity

__all__ = ["ResourceList", "parse_list", "format_list", "add", "subtract_non_negative", "mask",
           "less_than_or_equal", "equals", "remove_zeros", "pretty_print", "pod_requests", "pod_limits"]

ResourceList = dict[str, Quantity]
_ZERO = Quantity(0)


def parse_list(raw: dict | None) -> ResourceList:
    """A wire-shape resource list (strings or numbers) as Quantities."""
    return {name: parse_quantity(value) for name, value in (raw or {}).items()}


def format_list(resources: ResourceList) -> dict[str, str]:
    """The wire shape: canonical quantity strings, keys sorted."""
    return {name: str(resources[name]) for name in sorted(resources)}


def add(a: ResourceList, b: ResourceList) -> ResourceList:
    """quota.Add: the sum per name; a name in only one list keeps its value."""
    out = dict(a)
    for name, value in b.items():
        out[name] = out[name] + value if name in out else value
    return out


def subtract_non_negative(a: ResourceList, b: ResourceList) -> ResourceList:
    """quota.SubtractWithNonNegativeResult: a - b per name of ``a``, never below zero."""
    out = {}
    for name, value in a.items():
        diff = value - b[name] if name in b else value
        out[name] = diff if diff > _ZERO else Quantity(0)
    return out


def mask(resources: ResourceList, names) -> ResourceList:
    """quota.Mask: only the given names."""
    return {name: value for name, value in resources.items() if name in names}


def less_than_or_equal(a: ResourceList, b: ResourceList) -> tuple[bool, list[str]]:
    """quota.LessThanOrEqual: whether a <= b for every name both have; the names that exceed."""
    exceeded = sorted(name for name, value in a.items() if name in b and value > b[name])
    return not exceeded, exceeded


def equals(a: ResourceList, b: ResourceList) -> bool:
    return a.keys() == b.keys() and all(a[name] == b[name] for name in a)


def remove_zeros(resources: ResourceList) -> ResourceList:
    return {name: value for name, value in resources.items() if value}


def pretty_print(resources: ResourceList) -> str:
    """prettyPrint: ``name=value`` pairs sorted by name, joined by commas."""
    return ",".join(f"{name}={resources[name]}" for name in sorted(resources))


def _container_lists(pod: dict, field: str):
    """(restartable?, resources.<field>) for init containers, then containers."""
    spec = pod.get("spec") or {}
    return ([(c.get("restartPolicy") == "Always", parse_list((c.get("resources") or {}).get(field)))
             for c in spec.get("initContainers") or ()],
            [parse_list((c.get("resources") or {}).get(field)) for c in spec.get("containers") or ()])


def _max_into(acc: ResourceList, other: ResourceList) -> None:
    for name, value in other.items():
        if name not in acc or value > acc[name]:
            acc[name] = value


def _aggregate(pod: dict, field: str) -> ResourceList:
    """The Pod's need for requests or limits: its containers and sidecars together,
    or the peak of any init container (with the sidecars started before it)."""
    inits, containers = _container_lists(pod, field)
    total: ResourceList = {}
    for resources in containers:
        total = add(total, resources)
    sidecars: ResourceList = {}
    init_peak: ResourceList = {}
    for restartable, resources in inits:
        if restartable:
            total = add(total, resources)
            sidecars = add(sidecars, resources)
            _max_into(init_peak, sidecars)
        else:
            _max_into(init_peak, add(resources, sidecars))
    _max_into(total, init_peak)
    return total


def pod_requests(pod: dict, *, overhead: bool = True) -> ResourceList:
    """resourcehelper.PodRequests: containers + sidecars, at least each init
    container's peak, plus ``spec.overhead`` (LimitRanger leaves it out)."""
    requests = _aggregate(pod, "requests")
    if overhead:
        requests = add(requests, parse_list((pod.get("spec") or {}).get("overhead")))
    return requests


def pod_limits(pod: dict, *, overhead: bool = True) -> ResourceList:
    """resourcehelper.PodLimits: as requests, for limits (overhead is added only
    to resources that have a limit)."""
    limits = _aggregate(pod, "limits")
    if overhead:
        limits = add(limits, mask(parse_list((pod.get("spec") or {}).get("overhead")), limits))
    return limits

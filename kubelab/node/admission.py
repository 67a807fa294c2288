"""Kubelet admission: a Pod the node cannot hold is rejected (pkg/kubelet/lifecycle/predicate.go).

The scheduler normally only binds Pods that fit, but a Pod created with
``spec.nodeName`` set skips the scheduler. The kubelet checks it anyway: if
the requests of the Pods it already runs plus this one exceed the node's
allocatable (or its Pod count), the Pod is rejected — phase Failed, reason
``OutOfcpu`` (``OutOfmemory``, ``OutOfpods``), message ``Pod was rejected:
Node didn't have enough resource: cpu, requested: 8000, used: 0, capacity:
4000`` — and a Warning event with the same reason.
"""
from __future__ import annotations

from ..api.quantity import QuantityError, parse_quantity

__all__ = ["pod_requests", "admit"]


def _amount(name: str, value) -> int:
    try:
        q = parse_quantity(value)
    except QuantityError:
        return 0
    return q.milli_value() if name == "cpu" else q.value()


def _requests(container: dict) -> dict[str, int]:
    reqs = ((container.get("resources") or {}).get("requests") or {})
    return {name: _amount(name, value) for name, value in reqs.items()}


def pod_requests(pod: dict) -> dict[str, int]:
    """The Pod's effective requests (cpu in millicores): its containers and sidecars together,
    or its largest init container (plus the sidecars started before it) if that is more."""
    spec = pod.get("spec") or {}
    total: dict[str, int] = {}
    sidecars: dict[str, int] = {}
    init_peak: dict[str, int] = {}
    for ctr in spec.get("initContainers") or []:
        reqs = _requests(ctr)
        if ctr.get("restartPolicy") == "Always":
            for k, v in reqs.items():
                sidecars[k] = sidecars.get(k, 0) + v
        else:
            for k, v in reqs.items():
                init_peak[k] = max(init_peak.get(k, 0), v + sidecars.get(k, 0))
    for ctr in spec.get("containers") or []:
        for k, v in _requests(ctr).items():
            total[k] = total.get(k, 0) + v
    for k, v in sidecars.items():
        total[k] = total.get(k, 0) + v
    for k, v in init_peak.items():
        total[k] = max(total.get(k, 0), v)
    return total


def admit(pod: dict, running: list[dict], allocatable: dict) -> tuple[str, str] | None:
    """None if the Pod fits next to ``running``; else (reason, message) of the first shortfall."""
    want = pod_requests(pod)
    used: dict[str, int] = {}
    for other in running:
        for k, v in pod_requests(other).items():
            used[k] = used.get(k, 0) + v
    checks = [("pods", 1, len(running))] + [(name, want.get(name, 0), used.get(name, 0))
                                           for name in ("cpu", "memory", "ephemeral-storage")]
    for name, requested, in_use in checks:
        if name not in allocatable or (requested == 0 and name != "pods"):
            continue
        capacity = _amount(name, allocatable[name])
        if in_use + requested > capacity:
            return f"OutOf{name}", (f"Node didn't have enough resource: {name}, requested: {requested}, "
                                    f"used: {in_use}, capacity: {capacity}")
    return None

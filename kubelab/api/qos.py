"""Pod quality of service classes (pkg/apis/core/v1/helper/qos: ComputePodQOS).

A Pod's QoS class decides the order in which a kubelet under memory pressure
evicts Pods, and the OOM score of its processes. It depends only on the cpu and
memory requests and limits of all its containers, init containers included:

* **BestEffort** — no container sets a (non-zero) cpu or memory request or limit;
* **Guaranteed** — every container sets cpu and memory limits, and for each of
  cpu and memory the Pod's summed requests equal its summed limits;
* **Burstable** — anything else.

Worked example: one container with ``limits: {cpu: 500m, memory: 128Mi}`` is
Guaranteed (defaulting copies limits into missing requests); add a second
container without limits and the Pod becomes Burstable.
"""
from __future__ import annotations

from .quantity import Quantity, QuantityError, parse_quantity

__all__ = ["pod_qos_class", "QOS_RESOURCES"]

#: The only resources QoS looks at (isSupportedQoSComputeResource).
QOS_RESOURCES = ("cpu", "memory")


def _positive(resources) -> dict[str, Quantity]:
    out = {}
    for name, value in (resources or {}).items() if isinstance(resources, dict) else ():
        if name not in QOS_RESOURCES:
            continue
        try:
            q = parse_quantity(value)
        except QuantityError:
            continue
        if q > Quantity(0):
            out[name] = q
    return out


def pod_qos_class(pod: dict) -> str:
    """``Guaranteed``, ``Burstable`` or ``BestEffort`` for a Pod (as a wire-shape dict)."""
    spec = pod.get("spec") or {}
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for ctr in list(spec.get("containers") or []) + list(spec.get("initContainers") or []):
        resources = ctr.get("resources") or {} if isinstance(ctr, dict) else {}
        for name, q in _positive(resources.get("requests")).items():
            requests[name] = requests[name] + q if name in requests else q
        found = _positive(resources.get("limits"))
        for name, q in found.items():
            limits[name] = limits[name] + q if name in limits else q
        if not all(r in found for r in QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(name in limits and limits[name] == q for name, q in requests.items()) \
            and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"

"""A Pod's resource requests as the scheduler counts them
(k8s.io/component-helpers/resource PodRequests, and the scheduler's Resource type).

Worked example (the init-container max rule, with a sidecar): containers ask
for 200m and 300m cpu, a restartable init container (a sidecar) for 100m and a
plain init container for 1 cpu. While the plain init container runs, the
sidecar started before it is running too: 1000m + 100m = 1100m. Afterwards
the containers and the sidecar run: 200m + 300m + 100m = 600m. The Pod needs
the larger, max(600m, 1100m) = 1100m, plus ``spec.overhead`` if set.

Containers that request no cpu or memory count as 100m / 200Mi when the
scheduler *scores* nodes (``non_zero``), so that many request-less Pods do not
all pile onto one node; they count as 0 when it checks that a Pod *fits*.
"""
from __future__ import annotations

from ..api.quantity import parse_quantity

__all__ = ["Resource", "pod_requests", "DEFAULT_MILLI_CPU_REQUEST", "DEFAULT_MEMORY_REQUEST",
           "is_scalar_resource"]

#: schedutil.DefaultMilliCPURequest and DefaultMemoryRequest (200 MiB).
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

_NATIVE = ("cpu", "memory", "pods", "ephemeral-storage")


def is_scalar_resource(name: str) -> bool:
    """schedutil.IsScalarResourceName: extended resources (``nvidia.com/gpu``),
    hugepages and attachable volumes; everything but the four native resources."""
    return name not in _NATIVE


class Resource:
    """framework.Resource: cpu in millicores, memory and ephemeral storage in
    bytes, a pod count, and extended ("scalar") resources by name."""

    __slots__ = ("milli_cpu", "memory", "ephemeral_storage", "allowed_pod_number", "scalar")

    def __init__(self, milli_cpu=0, memory=0, ephemeral_storage=0, allowed_pod_number=0, scalar=None):
        self.milli_cpu, self.memory, self.ephemeral_storage = milli_cpu, memory, ephemeral_storage
        self.allowed_pod_number = allowed_pod_number
        self.scalar = dict(scalar) if scalar else {}

    @classmethod
    def from_list(cls, resource_list: dict | None) -> "Resource":
        """NewResource(ResourceList): ``{"cpu": "2", "memory": "4Gi", "pods": "110"}``."""
        r = cls()
        r.add_list(resource_list)
        return r

    def add_list(self, resource_list: dict | None) -> None:
        for name, value in (resource_list or {}).items():
            q = parse_quantity(value)
            if name == "cpu":
                self.milli_cpu += q.milli_value()
            elif name == "memory":
                self.memory += q.value()
            elif name == "pods":
                self.allowed_pod_number += q.value()
            elif name == "ephemeral-storage":
                self.ephemeral_storage += q.value()
            else:
                self.scalar[name] = self.scalar.get(name, 0) + q.value()

    def add(self, other: "Resource", sign: int = 1) -> None:
        self.milli_cpu += sign * other.milli_cpu
        self.memory += sign * other.memory
        self.ephemeral_storage += sign * other.ephemeral_storage
        for name, value in other.scalar.items():
            self.scalar[name] = self.scalar.get(name, 0) + sign * value

    def clone(self) -> "Resource":
        return Resource(self.milli_cpu, self.memory, self.ephemeral_storage, self.allowed_pod_number, self.scalar)

    def get(self, name: str) -> int:
        """The amount of one resource by its API name (cpu in millicores)."""
        if name == "cpu":
            return self.milli_cpu
        if name == "memory":
            return self.memory
        if name == "ephemeral-storage":
            return self.ephemeral_storage
        if name == "pods":
            return self.allowed_pod_number
        return self.scalar.get(name, 0)

    def is_zero(self) -> bool:
        return not (self.milli_cpu or self.memory or self.ephemeral_storage or any(self.scalar.values()))

    def __eq__(self, other) -> bool:
        return isinstance(other, Resource) and (
            self.milli_cpu, self.memory, self.ephemeral_storage, self.allowed_pod_number,
            {k: v for k, v in self.scalar.items() if v}) == (
            other.milli_cpu, other.memory, other.ephemeral_storage, other.allowed_pod_number,
            {k: v for k, v in other.scalar.items() if v})

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v}" for k, v in sorted(self.scalar.items()))
        return (f"Resource(cpu={self.milli_cpu}m, memory={self.memory}, "
                f"ephemeral-storage={self.ephemeral_storage}, pods={self.allowed_pod_number}{extra})")


def _container_requests(container: dict, non_zero: bool) -> Resource:
    requests = (container.get("resources") or {}).get("requests") or {}
    r = Resource.from_list(requests)
    if non_zero:
        # applyNonMissing: only a *missing* cpu/memory request takes the default
        if "cpu" not in requests:
            r.milli_cpu = DEFAULT_MILLI_CPU_REQUEST
        if "memory" not in requests:
            r.memory = DEFAULT_MEMORY_REQUEST
    return r


def _max_into(acc: Resource, r: Resource) -> None:
    acc.milli_cpu = max(acc.milli_cpu, r.milli_cpu)
    acc.memory = max(acc.memory, r.memory)
    acc.ephemeral_storage = max(acc.ephemeral_storage, r.ephemeral_storage)
    for name, value in r.scalar.items():
        acc.scalar[name] = max(acc.scalar.get(name, 0), value)


def pod_requests(pod: dict, *, non_zero: bool = False) -> Resource:
    """resourcehelper.PodRequests: containers + sidecars, at least each init
    container's peak (with the sidecars started before it), plus overhead."""
    spec = pod.get("spec") or {}
    total = Resource()
    for c in spec.get("containers") or ():
        total.add(_container_requests(c, non_zero))
    sidecars = Resource()
    init_peak = Resource()
    for c in spec.get("initContainers") or ():
        r = _container_requests(c, non_zero)
        if c.get("restartPolicy") == "Always":
            total.add(r)
            sidecars.add(r)
            _max_into(init_peak, sidecars)
        else:
            r.add(sidecars)
            _max_into(init_peak, r)
    _max_into(total, init_peak)
    if spec.get("overhead"):
        total.add(Resource.from_list(spec["overhead"]))
    return total

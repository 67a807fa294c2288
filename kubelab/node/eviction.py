"""Node-pressure eviction (pkg/kubelet/eviction), for memory.

Every 10 s the eviction manager compares ``memory.available`` with the node's
hard threshold: its KubeletConfiguration's ``evictionHard["memory.available"]``
(a quantity, or a percentage of capacity), else the kubelet's default
``memory.available<100Mi``. A node whose ``evictionHard`` leaves out
``memory.available`` has no memory threshold (a map given replaces the defaults).
Below the threshold, the node reports MemoryPressure and the kubelet evicts one
Pod per round, chosen as rankMemoryPressure orders them:

1. Pods whose memory use exceeds their request before those within it
   (BestEffort Pods request nothing, so any use exceeds it);
2. then lower ``priority`` first;
3. then the largest use above the request first.

The evicted Pod's containers get a 1 s grace period; it ends Failed with
reason ``Evicted``, a DisruptionTarget condition and a Warning ``Evicted``
event. MemoryPressure stays True for 5 minutes after the last observation
(``evictionPressureTransitionPeriod``).

simplified: ``memory.available`` is capacity minus the working sets of the
node's containers (no system daemons, no page cache); only memory is watched.
"""
from __future__ import annotations

from ..api.quantity import QuantityError, parse_quantity
from .registration import DEFAULT_EVICTION_HARD, threshold_quantity

__all__ = ["EvictionManager", "MONITOR_PERIOD", "PRESSURE_TRANSITION", "format_bytes"]

MONITOR_PERIOD = 10.0
PRESSURE_TRANSITION = 300.0


def format_bytes(n: int) -> str:
    """A byte count the way a BinarySI resource.Quantity prints it (``88712Ki``, ``1Gi``)."""
    for suffix, unit in (("Ei", 1 << 60), ("Pi", 1 << 50), ("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20),
                         ("Ki", 1 << 10)):
        if n and n % unit == 0:
            return f"{n // unit}{suffix}"
    return str(n)


def _request(spec: dict) -> int:
    try:
        return parse_quantity(((spec.get("resources") or {}).get("requests") or {}).get("memory", "0")).value()
    except QuantityError:
        return 0


class EvictionManager:
    def __init__(self, kubelet):
        self.kubelet = kubelet
        given = kubelet.config.get("evictionHard")
        threshold = (DEFAULT_EVICTION_HARD if given is None else given).get("memory.available")
        #: the threshold as given (None: no memory threshold) and in bytes
        self.threshold = None if threshold is None else threshold_quantity(threshold, self.memory_capacity())
        self.threshold_bytes = 0 if self.threshold is None else self.threshold.value()
        self._percentage = str(threshold).endswith("%")       # evictionMessage shows no quantity then
        self.last_observed: float | None = None
        self._timer = None
        self._pressure = False

    def start(self) -> None:
        self._timer = self.kubelet.loop.later(MONITOR_PERIOD, self._tick, self.kubelet.owner, daemon=True)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def memory_capacity(self) -> int:
        return parse_quantity(self.kubelet.node_manifest["status"]["capacity"].get("memory", "0")).value()

    def memory_available(self) -> int:
        used = sum(c.usage()[1] for c in self.kubelet.runtime.containers.values() if c.state == "running")
        return self.memory_capacity() - used

    def under_memory_pressure(self) -> bool:
        seen = self.last_observed
        return seen is not None and self.kubelet.clock.seconds - seen < PRESSURE_TRANSITION

    def _tick(self) -> None:
        self._timer = self.kubelet.loop.later(MONITOR_PERIOD, self._tick, self.kubelet.owner, daemon=True)
        available = self.memory_available()
        if available < self.threshold_bytes:
            self.last_observed = self.kubelet.clock.seconds
        if self.under_memory_pressure() != self._pressure:
            self._pressure = not self._pressure
            self.kubelet.node_status.update()
        if available < self.threshold_bytes:
            self.evict_one(available)

    def _usage(self, worker) -> list[tuple[dict, int]]:
        """(container spec, memory bytes) of the Pod's running containers."""
        out = []
        for spec in worker.specs():
            c = worker.current(spec["name"])
            if c is not None and c.state == "running":
                out.append((spec, c.usage()[1]))
        return out

    def rank(self, workers) -> list:
        def key(w):
            usage = self._usage(w)
            used, requested = sum(u for _, u in usage), sum(_request(s) for s in w.specs())
            return (used <= requested, w.pod["spec"].get("priority", 0), -(used - requested))
        candidates = [w for w in workers if not w.terminal and not w.terminating and self._usage(w)]
        return sorted(candidates, key=key)

    def evict_one(self, available: int) -> None:
        ranked = self.rank(self.kubelet.workers.values())
        if not ranked:
            return
        victim = ranked[0]
        message = "The node was low on resource: memory. "
        if not self._percentage:
            message += (f"Threshold quantity: {self.threshold}, "
                        f"available: {format_bytes(max(available, 0) // 1024 * 1024)}. ")
        usage = sorted(self._usage(victim), key=lambda su: -(su[1] - _request(su[0])))
        for spec, used in usage:
            if used > _request(spec):
                message += (f"Container {spec['name']} was using {format_bytes(used // 1024 * 1024)}, request is "
                            f"{format_bytes(_request(spec)) if _request(spec) else '0'}, has larger consumption of "
                            f"memory. ")
        victim.event("Warning", "Evicted", message)
        victim.eviction = ("Evicted", message)
        victim.request_sync()

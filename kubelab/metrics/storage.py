"""metrics-server's storage: the last two points of every container, and usage from them.

CPU usage is a rate: the growth of the cumulative counter between the two latest
scrapes, divided by the time between them (the *window*, normally the 15 s metric
resolution). So a container has metrics only from its second scrape on, except a
fresh one: started 10 s or more (but less than one resolution) before a scrape, its
start (counter zero) serves as the earlier point. A Pod has metrics only when every
one of its running containers has both points; a restarted container starts over.

    scrape at 0 s:  web-1 app: cpu counter 0.0 s,  started at 0 s (too fresh: < 10 s)
    scrape at 15 s: web-1 app: cpu counter 3.75 s -> rate 3.75 s / 15 s = 250m (window 15s)

Every stored batch also appends each Pod's and node's usage to a bounded history, so
views can plot it.

simplified: a node's usage is the sum of its Pods' (no system daemons or kernel).
"""
from __future__ import annotations

from collections import deque
from typing import NamedTuple

from .source import Point

__all__ = ["Storage", "Usage", "FRESH_CONTAINER_MIN"]

#: freshContainerMinMetricsResolution: a container younger than this has no rate yet.
FRESH_CONTAINER_MIN = 10.0


class Usage(NamedTuple):
    """Usage measured over ``window`` seconds ending at ``timestamp``: per container
    (or, for a node, under its name) ``(CPU nanocores, memory bytes)``."""

    timestamp: float
    window: float
    containers: dict[str, tuple[int, int]]

    @property
    def cpu(self) -> int:
        return sum(cpu for cpu, _ in self.containers.values())

    @property
    def memory(self) -> int:
        return sum(memory for _, memory in self.containers.values())


def _rate(last: Point, prev: Point) -> tuple[int, int]:
    """resourceUsage: (nanocores over the window, working set now)."""
    return int((last.cpu - prev.cpu) / (last.timestamp - prev.timestamp)), last.memory


class Storage:
    """The latest two scrapes, as metrics-server keeps them, plus a bounded history."""

    def __init__(self, resolution: float, history: int):
        self.resolution = resolution
        self.last: dict[tuple[str, str], dict[str, Point]] = {}
        self.prev: dict[tuple[str, str], dict[str, Point]] = {}
        self.node_pods: dict[str, list[tuple[str, str]]] = {}     # node -> its Pods in the last scrape
        self.node_times: dict[str, tuple[float, ...]] = {}      # the node's last two scrape times
        self.history_length = history
        self.pod_history: dict[tuple[str, str], deque] = {}
        self.node_history: dict[str, deque] = {}

    def store(self, batches: dict[str, dict | None], now: float) -> None:
        """Keep one scrape: node -> its kubelet's batch (None: the kubelet did not answer)."""
        last, prev, node_pods = {}, {}, {}
        for node, batch in batches.items():
            if batch is None:
                self.node_times.pop(node, None)
                continue
            self.node_times[node] = (self.node_times.get(node, ())[-1:]) + (now,)
            node_pods[node] = list(batch)
            for key, points in batch.items():
                last[key] = points
                earlier = {name: p for name, p in ((n, self._earlier(key, n, p)) for n, p in points.items())
                           if p is not None}
                if earlier:
                    prev[key] = earlier
        self.last, self.prev, self.node_pods = last, prev, node_pods
        self._record(now)

    def _earlier(self, key, name: str, new: Point) -> Point | None:
        """podStorage.Store: the point to compute ``new``'s rate against, if any."""
        age = new.timestamp - new.start
        if new.start < new.timestamp and FRESH_CONTAINER_MIN <= age < self.resolution:
            return Point(new.start, new.start, 0, new.memory)
        old = self.last.get(key, {}).get(name)
        if old is None or not new.start < old.timestamp:       # unknown, or restarted since
            return None
        if new.timestamp > old.timestamp:
            return old
        before = self.prev.get(key, {}).get(name)
        return before if before is not None and before.timestamp < new.timestamp else None

    # -- reading -----------------------------------------------------------
    def pod(self, namespace: str, name: str) -> Usage | None:
        """GetMetrics for one Pod: None unless every container has two points."""
        key = (namespace, name)
        last, prev = self.last.get(key), self.prev.get(key)
        if last is None or prev is None or any(c not in prev for c in last):
            return None
        containers, earliest = {}, None
        for cname, point in last.items():
            containers[cname] = _rate(point, prev[cname])
            if earliest is None or point.timestamp < earliest[0]:
                earliest = (point.timestamp, point.timestamp - prev[cname].timestamp)
        return Usage(earliest[0], earliest[1], containers)

    def node(self, name: str, pods: dict | None = None) -> Usage | None:
        """A node's usage over its last window (None before its second answered scrape);
        ``pods`` holds its Pods' usage when the caller has computed it already."""
        times = self.node_times.get(name, ())
        if len(times) < 2:
            return None
        cpu = memory = 0
        for key in self.node_pods.get(name, ()):
            usage = pods[key] if pods is not None else self.pod(*key)
            cpu += usage.cpu if usage is not None else 0
            memory += sum(p.memory for p in self.last[key].values())
        return Usage(times[1], times[1] - times[0], {name: (cpu, memory)})

    # -- history -----------------------------------------------------------
    def _record(self, now: float) -> None:
        pods = {key: self.pod(*key) for key in self.last}
        for key, usage in pods.items():
            if usage is not None:
                self._append(self.pod_history, key, (now, usage.cpu // 1_000_000, usage.memory))
        for node in self.node_times:
            usage = self.node(node, pods)
            if usage is not None:
                self._append(self.node_history, node, (now, usage.cpu // 1_000_000, usage.memory))
        horizon = now - self.history_length * self.resolution
        for series in (self.pod_history, self.node_history):
            for key in [k for k, points in series.items() if points[-1][0] < horizon]:
                del series[key]             # a Pod gone for a whole history span

    def _append(self, series: dict, key, point: tuple) -> None:
        if key not in series:
            series[key] = deque(maxlen=self.history_length)
        series[key].append(point)

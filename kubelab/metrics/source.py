"""What metrics-server scrapes from a kubelet: its resource metrics endpoint.

The kubelet's ``/metrics/resource`` reports, for every running container, when it
started, when it was measured, its cumulative CPU time
(``container_cpu_usage_seconds_total``, cAdvisor's counter) and its memory working
set (``container_memory_working_set_bytes``). A CPU *rate* needs two such points;
metrics-server's storage (:mod:`.storage`) computes it.

simplified: the endpoint is read in process, and only containers are reported (the
node's own counters are derived from its Pods' in :mod:`.storage`).
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["Point", "scrape"]


class Point(NamedTuple):
    """One container measured once (times are simulated seconds)."""

    start: float          # when the container started (the counter's zero)
    timestamp: float      # when it was measured
    cpu: int              # cumulative CPU time, nanosecond-cores (an integer counter, as cAdvisor's)
    memory: int           # working set, bytes


def scrape(kubelet, now: float) -> dict[tuple[str, str], dict[str, Point]] | None:
    """(namespace, pod) -> container -> Point for the running containers of ``kubelet``'s
    Pods; None when the kubelet does not answer (a failed or partitioned node)."""
    if not kubelet.running:
        return None
    batch = {}
    for worker in sorted(kubelet.workers.values(), key=lambda w: (w.namespace, w.name)):
        points = {}
        for spec in worker.specs():
            c = worker.current(spec["name"])
            if c is not None and c.state == "running":
                points[c.name] = Point(c.started_at, now, round(c.cpu_seconds() * 1e9), c.usage()[1])
        if points:
            batch[(worker.namespace, worker.name)] = points
    return batch

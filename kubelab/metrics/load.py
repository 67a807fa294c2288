"""A load generator: simulated clients sending requests per second to a Service.

Requests enter on a node (the first, by default) and go where that node's kube-proxy
sends new connections: to the Service's endpoints in its iptables rules, each with the
same probability, so each backend gets ``rps / endpoints`` on average (not-ready Pods
are not endpoints and get nothing). Each backend's serving process then uses CPU:

    millicores = base + served_rps × cpu_per_request        (e.g. 10 rps × 20m = 200m)

capped by the container's CPU limit (or its node's CPUs): a backend serves at most
``(cap - base) / cpu_per_request`` requests per second and the rest fail. Response
time follows an M/M/1 queue: ``service time / (1 - utilization)``, where the service
time is ``cpu_per_request / cap`` seconds. So the HPA sees usage rise with load,
scales the Deployment, and the new endpoints take their share::

    load = kl.metrics.LoadGenerator(c, "web", rps=kl.metrics.waves(low=20, high=200))
    load.start(); c.run(3600); load.samples[-1]

simplified: the expected split (no per-request randomness), no NetworkPolicy check,
no contention between backends sharing a node; ClusterIP Services only.
"""
from __future__ import annotations

import math
from collections import deque
from typing import Callable, NamedTuple

from .. import errors
from ..api.quantity import parse_quantity
from ..network.kubeproxy import port_proto_hash, service_port_name

__all__ = ["LoadGenerator", "Sample", "constant", "steps", "waves"]


# -- schedules: requests per second as a function of seconds since the load started -----------
def constant(rps: float) -> Callable[[float], float]:
    """The same rate all along."""
    return lambda t: float(rps)


def steps(*changes: tuple[float, float]) -> Callable[[float], float]:
    """A step function: ``steps((0, 10), (300, 100))`` is 10 rps, then 100 from 300 s on."""
    ordered = sorted(changes)

    def rate(t: float) -> float:
        current = 0.0
        for at, rps in ordered:
            if t >= at:
                current = float(rps)
        return current
    return rate


def waves(low: float, high: float, period: float = 86400.0, peak: float = 0.5) -> Callable[[float], float]:
    """A smooth daily wave between ``low`` and ``high``, highest at ``peak`` (a fraction of
    ``period``: 0.5 puts the peak mid-period, the trough at the start)."""
    return lambda t: low + (high - low) * (1 - math.cos(2 * math.pi * (t / period - peak + 0.5))) / 2


class Sample(NamedTuple):
    """One tick of load: what was offered and what came of it."""

    seconds: float            # simulated time of the tick
    offered: float            # requests per second sent
    served: float             # requests per second answered
    failed: float             # refused (no endpoint or nothing listening) or over capacity
    backends: int             # endpoints in the client node's rules
    latency: float | None     # mean response time of served requests, seconds


class LoadGenerator:
    """``rps`` requests per second (a number or a schedule) at ``service``'s ``port``."""

    TICK = 5.0                # seconds between updates of the backends' CPU

    def __init__(self, cluster, service: str, *, rps=10.0, namespace: str = "default", port: int | None = None,
                 cpu_per_request: str = "10m", node: str | None = None, history: int = 17280):
        self.api, self.loop, self.networking = cluster.api, cluster.loop, cluster.networking
        self.service, self.namespace, self.port = service, namespace, port
        self.schedule = rps if callable(rps) else constant(rps)
        self.cpu_per_request = parse_quantity(cpu_per_request).milli_value()
        self.node = node or sorted(self.networking.proxies)[0]
        self.samples: deque[Sample] = deque(maxlen=history)
        self.running = False
        self._started = 0.0
        self._timer = None
        self._driven: dict[int, tuple[object, int]] = {}    # id(process) -> (process, its own CPU)
        self.owner = f"load/{namespace}/{service}"

    def start(self) -> "LoadGenerator":
        self.running, self._started = True, self.loop.clock.seconds
        self._tick()
        return self

    def stop(self) -> None:
        """No more requests: every backend goes back to its own CPU use."""
        self.running = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._drive({})

    def _tick(self) -> None:
        now = self.loop.clock.seconds
        self.samples.append(self.send(self.schedule(now - self._started)))
        self._timer = self.loop.later(self.TICK, self._tick, self.owner, daemon=True)

    # -- one tick --------------------------------------------------------------------
    def endpoints(self) -> list[tuple[str, int]]:
        """``(ip, port)`` of every endpoint the client node's rules send this Service's
        connections to (none: the rules reject them, or there is no such Service)."""
        try:
            svc = self.api.get("services", self.service, namespace=self.namespace)
        except errors.NotFound:
            return []
        ports = svc["spec"].get("ports") or []
        port = next((p for p in ports if self.port in (None, p["port"])), None)
        if port is None:
            return []
        local = svc["spec"].get("internalTrafficPolicy") == "Local"
        chain = ("KUBE-SVL-" if local else "KUBE-SVC-") + port_proto_hash(service_port_name(svc, port),
                                                                            port.get("protocol", "TCP").lower())
        nat = self.networking.proxies[self.node].nat
        if not any(rule.target == chain for rule in nat.chains.get("KUBE-SERVICES", [])):
            return []
        found = []
        for sep in dict.fromkeys(r.target for r in nat.chains.get(chain, []) if r.target.startswith("KUBE-SEP-")):
            dnat = next(r for r in nat.chains[sep] if r.target == "DNAT")
            host, number = dnat.options.split()[1].rsplit(":", 1)
            found.append((host, int(number)))
        return found

    def send(self, rps: float) -> Sample:
        """Spread ``rps`` over the endpoints and set each backend's CPU accordingly."""
        now = self.loop.clock.seconds
        endpoints = self.endpoints()
        if not endpoints:
            self._drive({})
            return Sample(now, rps, 0.0, rps, 0, None)
        share, served, latencies, load = rps / len(endpoints), 0.0, [], {}
        for ip, port in endpoints:
            sandbox = self.networking.network.sandboxes.get(ip)
            listener = sandbox.listeners.get(port) if sandbox is not None else None
            if listener is None or listener.process.host.state != "running":
                continue                                    # refused: nothing listens
            proc = listener.process
            base = self._driven.get(id(proc), (proc, proc.cpu_millis))[1]
            container = proc.host
            cap = container.cpu_limit if container.cpu_limit is not None else container.cpus * 1000
            capacity = max(cap - base, 0) / self.cpu_per_request
            answered = min(share, capacity) + load.get(id(proc), (None, 0.0))[1]
            load[id(proc)] = (proc, answered)
            served += min(share, capacity)
            if capacity and share < capacity:
                latencies.append((min(share, capacity), self.cpu_per_request / cap / (1 - share / capacity)))
        self._drive(load)
        weight = sum(r for r, _ in latencies)
        latency = sum(r * t for r, t in latencies) / weight if weight else None
        return Sample(now, rps, served, max(rps - served, 0.0), len(endpoints), latency)

    def _drive(self, load: dict) -> None:
        """Set the CPU of every backend process: its own use plus what it serves."""
        for key, (proc, base) in list(self._driven.items()):
            if key not in load:
                del self._driven[key]
                if proc.host.state == "running":
                    proc.use(cpu_millis=base)
        for key, (proc, answered) in load.items():
            base = self._driven.setdefault(key, (proc, proc.cpu_millis))[1]
            proc.use(cpu_millis=round(base + answered * self.cpu_per_request))

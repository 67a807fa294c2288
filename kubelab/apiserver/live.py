"""The live engine: one lab cluster shared by HTTP request threads, played in real time.

The engine is single-threaded and deterministic, so every request runs its engine
work inside ``with engine.lock:``, one at a time. A driver thread plays simulated
time forward in step with the wall clock (``speed`` simulated seconds per real
second), each tick being ``cluster.run(seconds=dt)`` under the same lock. This is
the only module of the server that reads real time (DESIGN §5): the engine itself
never does; :func:`wall_clock_start` lets the served cluster's clock start at the
present, so timestamps a client compares with its own clock (``kubectl describe``'s
event ages) read naturally at ``speed=1``; faster, simulated time runs ahead of the
client's clock and kubectl prints such ages as ``<invalid>`` (the server's own Table
ages, as ``kubectl get`` shows them, are always right).
"""
from __future__ import annotations

import contextlib
import threading
import time
from datetime import datetime, timezone

from ..sim import Clock, Loop

__all__ = ["LiveEngine", "wall_clock_start"]


def wall_clock_start() -> Loop:
    """A loop whose simulated clock starts now (to the second), for a served cluster."""
    return Loop(Clock(datetime.now(timezone.utc).replace(microsecond=0)))


class LiveEngine:
    """A cluster, the lock that serializes access to it, and its real-time driver.

    ``tick`` is how often (real seconds) the driver advances the simulation;
    ``speed`` how many simulated seconds pass per real second (0: time stands still
    until :meth:`advance` is called, as tests do).
    """

    def __init__(self, cluster, *, speed: float = 1.0, tick: float = 0.05):
        if speed < 0 or tick <= 0:
            raise ValueError(f"speed must be >= 0 and tick > 0, got speed={speed}, tick={tick}")
        self.cluster = cluster
        self.speed = speed
        self.tick = tick
        self.lock = threading.RLock()
        self.error: Exception | None = None     # what stopped the driver, if the engine failed
        self._paused = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "LiveEngine":
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._drive, name="kubelab-live", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def settle(self) -> None:
        """Run what is due at the current instant (after a write: informers see it now)."""
        with self.lock:
            self.cluster.run(0)

    def advance(self, seconds: float) -> None:
        """Play ``seconds`` of simulated time at once (whatever the speed)."""
        with self.lock:
            self.cluster.run(seconds)

    @contextlib.contextmanager
    def paused(self):
        """Hold simulated time still (requests are still served) inside the block."""
        with self.lock:
            self._paused += 1
        try:
            yield self
        finally:
            with self.lock:
                self._paused -= 1

    def _drive(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.tick):
            now = time.monotonic()
            elapsed, last = now - last, now
            with self.lock:
                if self._paused or not self.speed:
                    continue
                try:
                    self.cluster.run(elapsed * self.speed)
                except Exception as e:          # keep serving what is there; report it on /livez
                    self.error = e
                    return

"""The live driver: plays a cluster forward in simulated time, in real time.

It is a driver on top of the deterministic loop, not a second engine: each
tick is ``cluster.run(seconds=step)``, exactly what a cell would call. The
ticks run as an asyncio task on the notebook kernel's event loop, sleeping
``interval`` real seconds between them, so the notebook stays responsive and
buttons (Pause) work while it plays. Only this module reads real time.
"""
from __future__ import annotations

import asyncio
from typing import Callable

__all__ = ["LiveDriver"]


class LiveDriver:
    """Play / pause / step a cluster; ``on_tick`` runs after every step (to redraw)."""

    def __init__(self, cluster, *, step: float = 1.0, interval: float = 0.5,
                 on_tick: Callable[[], None] | None = None):
        if step <= 0 or interval < 0:
            raise ValueError(f"step must be > 0 and interval >= 0, got step={step}, interval={interval}")
        self.cluster, self.step_seconds, self.interval = cluster, step, interval
        self.on_tick = on_tick
        self.ticks = 0
        self.error: Exception | None = None     # what stopped the play, if it failed
        self._task: asyncio.Task | None = None

    @property
    def playing(self) -> bool:
        return self._task is not None and not self._task.done()

    def step(self) -> None:
        """Advance simulated time by one step, now."""
        self.cluster.run(seconds=self.step_seconds)
        self.ticks += 1
        if self.on_tick is not None:
            self.on_tick()

    def play(self) -> None:
        """Start stepping every ``interval`` seconds on the running event loop (Jupyter's)."""
        if self.playing:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("play() needs a running event loop, as in a Jupyter kernel; "
                               "call step() in a script") from None
        self.error = None
        self._task = loop.create_task(self._play())

    def pause(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _play(self) -> None:
        try:
            while True:
                self.step()
                await asyncio.sleep(self.interval)
        except Exception as e:      # keep it for the widget to show, not lost in the kernel's log
            self.error = e

    def __repr__(self) -> str:
        state = "playing" if self.playing else "paused"
        return f"<LiveDriver {state}: {self.ticks} steps of {self.step_seconds:g}s>"

"""The discrete-event loop that drives every component deterministically.

Components never run on their own threads: they ask the loop to call them
``soon`` (a watch delivered events) or ``at`` a simulated instant (a timer).
Callbacks run one at a time in FIFO order, then time jumps to the next timer.
"""
from __future__ import annotations

import contextlib
import gc
import heapq
from collections import Counter, deque
from typing import Callable

from .clock import Clock

__all__ = ["Loop", "Timer", "NotSettled"]

#: the young generation's collection threshold while the loop runs (CPython's default: 700)
YOUNG_THRESHOLD = 50_000


class NotSettled(RuntimeError):
    """``run()`` found a component that keeps working and never lets the cluster settle."""

    def __init__(self, message: str, owner: str):
        super().__init__(message)
        self.owner = owner


class Timer:
    """A callback due at a simulated instant; ``daemon`` timers (heartbeats,
    resyncs) fire as time passes but do not keep ``run()`` from settling."""

    __slots__ = ("when", "seq", "fn", "owner", "daemon", "cancelled", "_loop")

    def __init__(self, loop, when, seq, fn, owner, daemon):
        self._loop = loop
        self.when, self.seq, self.fn, self.owner, self.daemon = when, seq, fn, owner, daemon
        self.cancelled = False

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            if not self.daemon:
                self._loop._pending_work -= 1

    def __lt__(self, other: "Timer") -> bool:
        return (self.when, self.seq) < (other.when, other.seq)


class Loop:
    """Run callbacks in a deterministic order on the simulated clock."""

    #: callbacks at one instant before the loop calls it a livelock
    MAX_STEPS_PER_INSTANT = 500_000
    #: how much simulated time ``run()`` (no deadline) may take to settle
    SETTLE_LIMIT = 3600.0

    def __init__(self, clock: Clock):
        self.clock = clock
        self._soon: deque[tuple[str, Callable[[], None]]] = deque()
        self._timers: list[Timer] = []
        self._seq = 0
        self._pending_work = 0
        self.steps = 0
        #: the owner of the callback running now (None between callbacks): which component
        #: is acting, as a request's user agent tells the API server
        self.running: str | None = None

    def soon(self, fn: Callable[[], None], owner: str) -> None:
        """Call ``fn`` at the current instant, after what is already queued."""
        self._soon.append((owner, fn))

    def at(self, when: float, fn: Callable[[], None], owner: str, *, daemon: bool = False) -> Timer:
        """Call ``fn`` when the clock reaches ``when`` (seconds since the clock's start)."""
        self._seq += 1
        timer = Timer(self, max(when, self.clock.seconds), self._seq, fn, owner, daemon)
        heapq.heappush(self._timers, timer)
        if not daemon:
            self._pending_work += 1
        return timer

    def later(self, delay: float, fn: Callable[[], None], owner: str, *, daemon: bool = False) -> Timer:
        return self.at(self.clock.seconds + delay, fn, owner, daemon=daemon)

    @property
    def idle(self) -> bool:
        """Nothing queued now and no work timer pending: the cluster has settled."""
        return not self._soon and self._pending_work == 0

    def run(self, seconds: float | None = None) -> None:
        """Advance the simulation by ``seconds``, or (None) until it settles."""
        with _fewer_collections():
            self._run(seconds)

    def _run(self, seconds: float | None) -> None:
        clock = self.clock
        deadline = None if seconds is None else clock.seconds + seconds
        started = clock.seconds
        busy: Counter[str] = Counter()
        while True:
            self._drain(busy)
            timers = self._timers
            while timers and timers[0].cancelled:
                heapq.heappop(timers)
            if not timers:
                break
            head = timers[0]
            if deadline is not None:
                if head.when > deadline:
                    break
            elif self._pending_work == 0:
                break
            elif head.when - started > self.SETTLE_LIMIT:
                owner = self._busiest_timer_owner()
                raise NotSettled(
                    f"the cluster did not settle within {self.SETTLE_LIMIT:.0f}s of simulated time: "
                    f"{owner} keeps scheduling work. Use run(seconds=...) to advance a fixed time.", owner)
            heapq.heappop(timers)
            if head.when > clock.seconds:
                clock.advance_to(head.when)
                busy.clear()
            if not head.daemon:
                self._pending_work -= 1
            head.cancelled = True
            busy[head.owner] += 1
            self.steps += 1
            self._call(head.owner, head.fn)
        if deadline is not None and deadline > clock.seconds:
            clock.advance_to(deadline)

    def _drain(self, busy: Counter) -> None:
        soon = self._soon
        while soon:
            owner, fn = soon.popleft()
            busy[owner] += 1
            self.steps += 1
            if busy[owner] > self.MAX_STEPS_PER_INSTANT:
                raise NotSettled(
                    f"{owner} ran {busy[owner]} times at one simulated instant without settling "
                    f"(a controller fighting another, or a loop that writes on every event)", owner)
            self._call(owner, fn)

    def _call(self, owner: str, fn: Callable[[], None]) -> None:
        outer, self.running = self.running, owner
        try:
            fn()
        finally:
            self.running = outer

    def _busiest_timer_owner(self) -> str:
        counts = Counter(t.owner for t in self._timers if not t.cancelled and not t.daemon)
        return counts.most_common(1)[0][0] if counts else "unknown"


@contextlib.contextmanager
def _fewer_collections():
    """Run the young-generation collector less often while the simulation runs: its
    objects (API objects as plain dicts, watch events) rarely form cycles, and with
    a large cluster's live objects each collection is costly. Restored afterwards."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)

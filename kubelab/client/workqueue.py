"""A rate-limited work queue with client-go's guarantees (util/workqueue).

* An item is queued at most once however often it is added (``dirty`` set).
* An item is never handed to two workers at once: added while it is being
  processed, it is queued again only after ``done()``.
* ``add_rate_limited`` waits per item: 5 ms doubling up to 1000 s
  (ItemExponentialFailureRateLimiter), combined with an overall token bucket
  of 10 qps, burst 100 (BucketRateLimiter): the larger delay wins.
  ``forget()`` resets the item's failures.
"""
from __future__ import annotations

from collections import deque

__all__ = ["WorkQueue", "RateLimiter"]


class RateLimiter:
    """DefaultControllerRateLimiter: max(per-item exponential, overall bucket)."""

    def __init__(self, clock, base: float = 0.005, cap: float = 1000.0, qps: float = 10.0, burst: int = 100):
        self.clock, self.base, self.cap, self.qps, self.burst = clock, base, cap, qps, burst
        self.failures: dict = {}
        self._tokens = float(burst)
        self._last = 0.0

    def when(self, item) -> float:
        """Seconds to wait before ``item`` is retried."""
        n = self.failures.get(item, 0)
        self.failures[item] = n + 1
        per_item = min(self.base * (2 ** n), self.cap)
        now = self.clock.seconds
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1
        bucket = 0.0 if self._tokens >= 0 else -self._tokens / self.qps
        return max(per_item, bucket)

    def forget(self, item) -> None:
        self.failures.pop(item, None)


class WorkQueue:
    """Keys waiting for a worker; the loop runs ``process(key)`` for each, one at a time."""

    def __init__(self, loop, owner: str, process, *, rate_limiter: RateLimiter | None = None):
        self.loop, self.owner, self.process = loop, owner, process
        self.limiter = rate_limiter or RateLimiter(loop.clock)
        self._queue: deque = deque()
        self._dirty: set = set()
        self._processing: set = set()
        self._waiting: dict = {}
        self._scheduled = False
        self.shutting_down = False

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, item) -> None:
        """Queue ``item`` now (no-op if it is already waiting)."""
        if self.shutting_down or item in self._dirty:
            return
        self._dirty.add(item)
        if item in self._processing:
            return
        self._queue.append(item)
        self._kick()

    def add_after(self, item, delay: float) -> None:
        """Queue ``item`` after ``delay`` simulated seconds (the earliest request wins)."""
        if self.shutting_down:
            return
        if delay <= 0:
            self.add(item)
            return
        due = self.loop.clock.seconds + delay
        timer = self._waiting.get(item)
        if timer is not None and not timer.cancelled and timer.when <= due:
            return
        if timer is not None:
            timer.cancel()

        def fire(item=item):
            self._waiting.pop(item, None)
            self.add(item)
        self._waiting[item] = self.loop.at(due, fire, self.owner)

    def cancel_delayed(self, item) -> None:
        """Drop a pending ``add_after`` of ``item`` (kubelab only: a check that became
        pointless should not keep ``run()`` from settling; client-go lets it fire)."""
        timer = self._waiting.pop(item, None)
        if timer is not None:
            timer.cancel()

    def add_rate_limited(self, item) -> None:
        self.add_after(item, self.limiter.when(item))

    def forget(self, item) -> None:
        self.limiter.forget(item)

    def num_requeues(self, item) -> int:
        return self.limiter.failures.get(item, 0)

    def shut_down(self) -> None:
        self.shutting_down = True
        for timer in self._waiting.values():
            timer.cancel()
        self._waiting.clear()
        self._queue.clear()
        self._dirty.clear()

    def _kick(self) -> None:
        """Run the worker at this instant, after the watch events already delivered
        (a timer at the current time runs once the loop's ``soon`` queue is empty): a
        real worker is slower than the watch, so a burst of changes folds into one sync."""
        if not self._scheduled:
            self._scheduled = True
            self.loop.at(self.loop.clock.seconds, self._work, self.owner)

    def _work(self) -> None:
        self._scheduled = False
        if not self._queue:
            return
        item = self._queue.popleft()
        self._dirty.discard(item)
        self._processing.add(item)
        try:
            self.process(item)
        finally:
            self._processing.discard(item)
            if item in self._dirty and not self.shutting_down:
                self._queue.append(item)
        if self._queue:
            self._kick()

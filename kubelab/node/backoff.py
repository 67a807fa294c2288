"""client-go's flowcontrol.Backoff, as the kubelet uses it for CrashLoopBackOff and image pulls.

Per key, a delay that starts at 10 s and doubles on every ``next()`` up to
300 s (the kubelet's MaxContainerBackOff); an entry untouched for twice the
maximum (10 minutes) is forgotten, so a container that ran fine for 10 minutes
starts again from 10 s. The kubelet's backoffs have no jitter.

Worked example (CrashLoopBackOff): a container exits at t=0; no entry yet, so
the kubelet restarts it at once and ``next()`` records 10 s. It exits again at
t=1: in back-off until t=11, then restarted (``next()``: 20 s). Exits at t=12:
restarted at t=32, and so on — 10, 20, 40, 80, 160, 300, 300 s after each exit.
"""
from __future__ import annotations

__all__ = ["Backoff", "INITIAL", "MAXIMUM"]

INITIAL = 10.0
MAXIMUM = 300.0
_EPSILON = 1e-9          # simulated times are floats: a delay that has (all but) run out has


class _Entry:
    __slots__ = ("backoff", "last_update")

    def __init__(self, backoff: float, last_update: float):
        self.backoff, self.last_update = backoff, last_update


class Backoff:
    """Exponential back-off per key, on a clock reading seconds (``clock.seconds``)."""

    def __init__(self, clock, initial: float = INITIAL, maximum: float = MAXIMUM):
        self.clock, self.initial, self.maximum = clock, initial, maximum
        self._entries: dict[str, _Entry] = {}

    def _expired(self, event_time: float, entry: _Entry) -> bool:
        return event_time - entry.last_update > 2 * self.maximum

    def get(self, key: str) -> float:
        entry = self._entries.get(key)
        return entry.backoff if entry else 0.0

    def next(self, key: str, event_time: float) -> None:
        """Move ``key`` one step up (or start it at the initial delay)."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry):
            self._entries[key] = _Entry(self.initial, self.clock.seconds)
        else:
            entry.backoff = min(entry.backoff * 2, self.maximum)
            entry.last_update = self.clock.seconds

    def in_backoff_since(self, key: str, event_time: float) -> bool:
        """IsInBackOffSince: less than the delay has passed since ``event_time``."""
        return self.remaining_since(key, event_time) > 0

    def in_backoff_since_update(self, key: str, event_time: float) -> bool:
        """IsInBackOffSinceUpdate: less than the delay has passed since the last ``next()``."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry):
            return False
        return entry.backoff - (event_time - entry.last_update) > _EPSILON

    def remaining_since(self, key: str, event_time: float) -> float:
        """Seconds until ``in_backoff_since(key, event_time)`` turns False (0: not in back-off)."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry):
            return 0.0
        left = event_time + entry.backoff - self.clock.seconds
        return left if left > _EPSILON else 0.0

    def forget(self, prefix: str) -> None:
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]

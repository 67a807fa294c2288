"""The simulated clock every component reads instead of the wall clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = ["EPOCH", "Clock"]

#: Every lab cluster starts at this instant, so stored outputs never drift.
EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)


class Clock:
    """Simulated time: seconds since ``start`` (a float), advanced only by the loop."""

    __slots__ = ("start", "seconds")

    def __init__(self, start: datetime = EPOCH):
        self.start = start
        self.seconds = 0.0

    def now(self) -> datetime:
        """The current simulated instant (UTC)."""
        return self.start + timedelta(seconds=self.seconds)

    def advance_to(self, seconds: float) -> None:
        if seconds < self.seconds:
            raise ValueError(f"time cannot go backwards ({seconds} < {self.seconds})")
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"Clock({self.now().isoformat()})"

"""Deterministic simulation: a simulated clock and a discrete-event loop."""
from .clock import EPOCH, Clock
from .loop import Loop, NotSettled, Timer

__all__ = ["EPOCH", "Clock", "Loop", "NotSettled", "Timer"]

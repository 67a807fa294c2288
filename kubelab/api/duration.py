"""Go's ``time.Duration`` as Kubernetes prints and parses it: ``1m30s``, ``850ms``.

Components print durations with ``Duration.String`` (the kubelet's back-off and
pull messages, kubectl's timeouts, the scheduler's Permit timeout), and flags
and fields take them through ``time.ParseDuration`` (``--timeout=5m``, a
CronJob's ``@every 1h30m``).
"""
from __future__ import annotations

import re

from .meta import go_quote

__all__ = ["format_duration", "parse_duration"]

_UNIT = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h)")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def format_duration(seconds: float) -> str:
    """``Duration.String`` of a duration rounded to milliseconds: ``0s``, ``850ms``, ``3.284s``,
    ``1m2.5s``, ``10m0s``, ``1h0m0s``."""
    ms = int(round(seconds * 1000))
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    minutes, rest = divmod(ms, 60_000)
    secs = f"{rest / 1000:.3f}".rstrip("0").rstrip(".") + "s"
    if minutes >= 60:
        return f"{minutes // 60}h{minutes % 60}m{secs}"
    return f"{minutes}m{secs}" if minutes else secs


def parse_duration(text: str) -> float:
    """``time.ParseDuration``: seconds, or ValueError with Go's message
    (``time: invalid duration "5x"``, ``time: missing unit in duration "90"``)."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(body):
        m = _UNIT.match(body, pos)
        if not m:
            if re.fullmatch(r"\d+\.?\d*", body[pos:]):
                raise ValueError(f"time: missing unit in duration {go_quote(text)}")
            raise ValueError(f"time: invalid duration {go_quote(text)}")
        total += float(m.group(1)) * _SECONDS[m.group(2)]
        pos = m.end()
    if not body:
        raise ValueError(f"time: invalid duration {go_quote(text)}")
    return -total if text.startswith("-") else total

"""Times as kubectl shows them: AGE columns (apimachinery's ``duration.HumanDuration``)
and describe's RFC 1123 timestamps."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = ["human_duration", "parse_time", "since", "rfc1123"]


def human_duration(d: timedelta) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration: ~2-3 significant figures."""
    total = d / timedelta(seconds=1)
    seconds = int(total)                      # Go's int(d.Seconds()) truncates toward zero
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def parse_time(value) -> datetime | None:
    """An RFC 3339 timestamp from an object (``2026-01-01T00:00:00Z``); None if unset."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def since(value, now: datetime) -> str:
    """printers.go translateTimestampSince: ``<unknown>`` for a zero time."""
    t = parse_time(value)
    return "<unknown>" if t is None else human_duration(now - t)


def rfc1123(value) -> str:
    """describe's time.RFC1123Z layout: ``Mon, 02 Jan 2006 15:04:05 -0700``."""
    t = parse_time(value)
    return t.strftime("%a, %d %b %Y %H:%M:%S %z") if t else ""

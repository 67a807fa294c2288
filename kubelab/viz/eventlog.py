"""The event log as ``kubectl events`` lists it: time, type, reason, object, message."""
from __future__ import annotations

from .render import esc

__all__ = ["event_rows", "events_html", "events_text", "sorted_events"]


def sorted_events(events: list[dict]) -> list[dict]:
    """Oldest first: by last occurrence, then by resourceVersion (as ``Cluster.events()``)."""
    return sorted(events, key=lambda e: (e.get("lastTimestamp") or "", int(e["metadata"]["resourceVersion"])))


def event_rows(events: list[dict]) -> list[tuple[str, str, str, str, str]]:
    """(time of day, type, reason, kind/name, message) per event; ``xN`` marks a repeated one."""
    rows = []
    for e in events:
        obj = e.get("involvedObject") or {}
        count = e.get("count") or 1
        rows.append(((e.get("lastTimestamp") or "")[11:19], e.get("type", ""), e.get("reason", ""),
                     f'{obj.get("kind", "").lower()}/{obj.get("name", "")}',
                     e.get("message", "") + (f" (x{count})" if count > 1 else "")))
    return rows


def events_text(events: list[dict]) -> str:
    return "\n".join("  ".join(row) for row in event_rows(events))


def events_html(events: list[dict], title: str = "events") -> str:
    body = "".join(f'<tr class="kl-event-{esc(row[1])}">' + "".join(f"<td>{esc(cell)}</td>" for cell in row)
                   + "</tr>" for row in event_rows(events))
    empty = "" if events else '<tr><td colspan="5" class="kl-empty">no events</td></tr>'
    return (f'<div class="kl-events"><style>.kl-events td{{padding:0 6px}}.kl-events td:nth-child(-n+4)'
            f'{{white-space:nowrap}}</style><b>{esc(title)}</b><table style="font-size:12px">'
            "<thead><tr><th>TIME</th><th>TYPE</th><th>REASON</th><th>OBJECT</th><th>MESSAGE</th></tr></thead>"
            f'<tbody>{body}{empty}</tbody></table></div>')

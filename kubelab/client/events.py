"""EventRecorder (client-go tools/record): components report what they did as Events.

Repeats of the same event (same object, reason, message, type and source) are
folded into one Event whose ``count`` grows and ``lastTimestamp`` moves, as
client-go's EventCorrelator does.
"""
from __future__ import annotations

from .. import errors
from ..api.meta import format_time

__all__ = ["EventRecorder"]


class EventRecorder:
    """Records core/v1 Events for one component (``source.component``)."""

    def __init__(self, api, component: str, *, host: str | None = None):
        self.api, self.component, self.host = api, component, host
        self._seen: dict[tuple, str] = {}

    def event(self, obj: dict, type_: str, reason: str, message: str) -> None:
        """Record ``reason``/``message`` (type Normal or Warning) about ``obj``."""
        m = obj["metadata"]
        namespace = m.get("namespace") or "default"
        ref = {"kind": obj["kind"], "namespace": m.get("namespace"), "name": m["name"], "uid": m.get("uid"),
               "apiVersion": obj["apiVersion"], "resourceVersion": m.get("resourceVersion")}
        ref = {k: v for k, v in ref.items() if v}
        key = (ref["kind"], namespace, ref["name"], ref.get("uid"), type_, reason, message)
        now = format_time(self.api.clock.now())
        name = self._seen.get(key)
        if name is not None:
            try:
                current = self.api.get("events", name, namespace=namespace)
                self.api.patch("events", name, {"count": current.get("count", 1) + 1, "lastTimestamp": now},
                               namespace=namespace, patch_type="merge")
                return
            except errors.NotFound:
                pass
        nanos = int((self.api.clock.start.timestamp() + self.api.clock.seconds) * 1e9)
        source = {"component": self.component}
        if self.host:
            source["host"] = self.host
        event = {
            "apiVersion": "v1", "kind": "Event", "metadata": {"namespace": namespace},
            "involvedObject": ref, "reason": reason, "message": message, "type": type_,
            "source": source, "count": 1, "firstTimestamp": now, "lastTimestamp": now,
            "reportingComponent": self.component, "reportingInstance": self.host or "",
        }
        while True:
            # client-go names events <object>.<UnixNano in hex>; in simulated time many
            # share an instant, so take the next free nanosecond
            event["metadata"]["name"] = name = f'{m["name"]}.{nanos:x}'
            try:
                self.api.create(event)
                break
            except errors.AlreadyExists:
                nanos += 1
            except errors.ApiError:
                return              # events are best effort, as in client-go
        self._seen[key] = name

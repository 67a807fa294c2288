"""EventRecorder (client-go tools/record): components report what they did as Events.

Every event goes through client-go's EventCorrelator before it is written:

* aggregation: the 10th distinct message with the same reason for the same
  object within 10 minutes becomes one Event "(combined from similar events):
  <message>", whose count grows from then on;
* deduplication: a repeat (same object, reason, message, type, source) raises
  the ``count`` of the Event already written and moves ``lastTimestamp``;
* spam filter: at most 25 writes per source and object in a burst, then one
  per 5 minutes (a token bucket); the rest are dropped.

Each of the correlator's caches keeps its 4,096 most recently used keys, as
client-go's LRU caches do (``maxLruCacheEntries``), so a long-running component's
memory stays bounded. Time is the simulated clock's.
"""
from __future__ import annotations

from collections import OrderedDict

from .. import errors
from ..api.meta import format_time

__all__ = ["EventRecorder"]

#: EventAggregator: distinct messages per reason before they are combined, and the window
AGGREGATE_MAX_EVENTS = 10
AGGREGATE_INTERVAL = 600.0
AGGREGATE_PREFIX = "(combined from similar events): "
#: EventSourceObjectSpamFilter: burst and refill (1 per 300 s)
SPAM_BURST = 25
SPAM_QPS = 1 / 300
#: entries per correlator cache (client-go's maxLruCacheEntries)
LRU_ENTRIES = 4096


class _LRU(OrderedDict):
    """groupcache/lru as client-go uses it: a bounded map that forgets the least recently used key."""

    def get(self, key, default=None):
        if key in self:
            self.move_to_end(key)
            return self[key]
        return default

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > LRU_ENTRIES:
            self.popitem(last=False)


class EventRecorder:
    """Records core/v1 Events for one component (``source.component``)."""

    def __init__(self, api, component: str, *, host: str | None = None):
        self.api, self.component, self.host = api, component, host
        self._aggregates: dict[tuple, tuple[float, set]] = _LRU()   # aggregate key -> (last seen, messages)
        self._written: dict[tuple, tuple[str, int]] = _LRU()        # event key -> (name, count)
        self._buckets: dict[tuple, tuple[float, float]] = _LRU()    # spam key -> (tokens, when)
        self._next_nanos: dict[str, int] = _LRU()

    def event(self, obj: dict, type_: str, reason: str, message: str) -> None:
        """Record ``reason``/``message`` (type Normal or Warning) about ``obj``."""
        m = obj["metadata"]
        namespace = m.get("namespace") or "default"
        ref = {"kind": obj["kind"], "namespace": m.get("namespace"), "name": m["name"], "uid": m.get("uid"),
               "apiVersion": obj["apiVersion"], "resourceVersion": m.get("resourceVersion")}
        ref = {k: v for k, v in ref.items() if v}
        obj_key = (ref["kind"], namespace, ref["name"], ref.get("uid"))
        now = self.api.clock.seconds
        key, message = self._aggregate(obj_key + (type_, reason), message, now)
        written = self._written.get(key)
        if not self._allow(obj_key, now):
            return
        stamp = format_time(self.api.clock.now())
        if written is not None:
            name, count = written
            try:
                self.api.patch("events", name, {"count": count + 1, "lastTimestamp": stamp, "message": message},
                               namespace=namespace, patch_type="merge")
                self._written[key] = (name, count + 1)
                return
            except errors.ApiError:
                pass                # gone (deleted, say): write it anew
        source = {"component": self.component}
        if self.host:
            source["host"] = self.host
        event = {
            "apiVersion": "v1", "kind": "Event", "metadata": {"namespace": namespace},
            "involvedObject": ref, "reason": reason, "message": message, "type": type_,
            "source": source, "count": 1, "firstTimestamp": stamp, "lastTimestamp": stamp,
            "reportingComponent": self.component, "reportingInstance": self.host or "",
        }
        # client-go names events <object>.<UnixNano in hex>; in simulated time many
        # share an instant, so take the next free nanosecond
        nanos = max(int((self.api.clock.start.timestamp() + now) * 1e9), self._next_nanos.get(m["name"], 0))
        while True:
            event["metadata"]["name"] = name = f'{m["name"]}.{nanos:x}'
            nanos += 1
            try:
                self.api.create(event)
                break
            except errors.AlreadyExists:
                continue
            except errors.ApiError:
                return              # events are best effort, as in client-go
        self._next_nanos[m["name"]] = nanos
        self._written[key] = (name, 1)

    def _aggregate(self, agg_key: tuple, message: str, now: float) -> tuple[tuple, str]:
        """EventAggregate: the key the event is written under, and its message."""
        last, messages = self._aggregates.get(agg_key, (now, set()))
        if now - last > AGGREGATE_INTERVAL:
            messages = set()
        messages.add(message)
        self._aggregates[agg_key] = (now, messages)
        if len(messages) < AGGREGATE_MAX_EVENTS:
            return agg_key + (message,), message
        messages.discard(message)
        return agg_key, AGGREGATE_PREFIX + message

    def _allow(self, obj_key: tuple, now: float) -> bool:
        """The spam filter's token bucket for this source and object."""
        tokens, when = self._buckets.get(obj_key, (float(SPAM_BURST), now))
        tokens = min(float(SPAM_BURST), tokens + (now - when) * SPAM_QPS)
        if tokens < 1:
            self._buckets[obj_key] = (tokens, now)
            return False
        self._buckets[obj_key] = (tokens - 1, now)
        return True

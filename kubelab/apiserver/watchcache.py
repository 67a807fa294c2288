"""Watch fan-out (kube-apiserver's Cacher): one store watch per resource, many client watches.

Each client watch filters by namespace and selectors. As in the real watch
cache, an object that stops matching a watch's selector is sent as DELETED
and one that starts matching as ADDED; Pod watches on ``spec.nodeName=<node>``
(every kubelet has one) are indexed so a write reaches only its node's watch.
"""
from __future__ import annotations

from collections import deque
from typing import Callable

__all__ = ["ApiWatch", "Cacher"]


class ApiWatch:
    """A client's watch: ``take()`` returns pending ``{"type", "object"}`` events in order.

    Event objects are shared with the API server's cache (as client-go's informer
    objects are): treat them as read-only. A watch on another served version of a
    resource gets each object through ``convert`` (stored version -> its version).
    """

    def __init__(self, cacher: "Cacher | None", namespace, label_selector, field_selector,
                 notify: Callable[[], None] | None = None, convert: Callable[[dict], dict] | None = None):
        self._cacher = cacher
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.node = field_selector.requires("spec.nodeName") if field_selector is not None else None
        self.events: deque = deque()
        self.notify = notify
        self.convert = convert
        self.stopped = False

    def matches(self, obj: dict | None) -> bool:
        if obj is None:
            return False
        meta = obj["metadata"]
        if self.namespace and meta.get("namespace") != self.namespace:
            return False
        if self.label_selector is not None and not self.label_selector.matches(meta.get("labels") or {}):
            return False
        return self.field_selector is None or self.field_selector.matches(obj)

    def offer(self, type_: str, obj: dict, prev: dict | None) -> None:
        """Deliver one store change, translated to what this watch should see."""
        now_in = type_ != "DELETED" and self.matches(obj)
        was_in = prev is not None and self.matches(prev)
        if type_ == "DELETED":
            if was_in:
                self._push("DELETED", obj)
        elif now_in:
            self._push("MODIFIED" if was_in else "ADDED", obj)
        elif was_in:
            self._push("DELETED", obj)

    def _push(self, type_: str, obj: dict) -> None:
        if self.stopped:
            return
        wake = not self.events
        self.events.append({"type": type_, "object": obj if self.convert is None else self.convert(obj)})
        if wake and self.notify is not None:
            self.notify()

    def take(self) -> list[dict]:
        events = list(self.events)
        self.events.clear()
        return events

    def stop(self) -> None:
        self.stopped = True
        self.events.clear()
        if self._cacher is not None:
            self._cacher.remove(self)

    def __iter__(self):
        """Iterate over the events pending now (does not block)."""
        return iter(self.take())


class Cacher:
    """Owns one store watch on a resource's prefix and fans its events out."""

    def __init__(self, store, prefix: str, decode: Callable):
        self._decode = decode
        self._everyone: list[ApiWatch] = []
        self._by_node: dict[str, list[ApiWatch]] = {}
        self._watch = store.watch(prefix, None, notify=self._dispatch)

    def add(self, watch: ApiWatch) -> None:
        if watch.node is not None:
            self._by_node.setdefault(watch.node, []).append(watch)
        else:
            self._everyone.append(watch)

    def remove(self, watch: ApiWatch) -> None:
        group = self._by_node.get(watch.node, []) if watch.node is not None else self._everyone
        if watch in group:
            group.remove(watch)

    def _dispatch(self) -> None:
        for event in self._watch.take():
            type_, obj, prev = self._decode(event)
            self.deliver(type_, obj, prev)

    def deliver(self, type_: str, obj: dict, prev: dict | None) -> None:
        for w in tuple(self._everyone):
            w.offer(type_, obj, prev)
        if self._by_node:
            nodes = {(obj.get("spec") or {}).get("nodeName")}
            if prev is not None:
                nodes.add((prev.get("spec") or {}).get("nodeName"))
            for node in sorted(n for n in nodes if n):
                for w in tuple(self._by_node.get(node, ())):
                    w.offer(type_, obj, prev)

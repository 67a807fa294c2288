"""Watch over HTTP: ``GET ...?watch=1`` streams one JSON event per line, chunked.

Each line is a ``{"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, "object": ...}`` event,
as kube-apiserver writes them. The stream ends after ``timeoutSeconds`` (real
seconds; default 30 min, kube-apiserver's min-request-timeout), when the client
goes away, or when the server stops. With ``allowWatchBookmarks=true`` an idle stream
gets a BOOKMARK carrying the current resourceVersion every ``bookmark_interval``
seconds, and ``sendInitialEvents=true`` marks the end of the initial ADDED events with
a bookmark annotated ``k8s.io/initial-events-end: "true"`` (the watch-list protocol).
A resourceVersion that has been compacted away is an ERROR event carrying a 410 Status,
as a real server sends once the stream has started. Asked for a Table (``kubectl get
-w``), each event's object is a one-row Table; the column definitions come only with
the first.
"""
from __future__ import annotations

import json
import threading
import time

from .. import errors
from .tables import to_table

__all__ = ["WatchStream"]

DEFAULT_TIMEOUT = 1800.0


class WatchStream:
    """One client's watch: opened under the engine lock, then written until it ends."""

    def __init__(self, engine, req, query: dict, *, table: str | None, bookmark_interval: float,
                 stopping: threading.Event):
        self.engine, self.req, self.query = engine, req, query
        self.table = table                  # None, or includeObject for Table events
        self.bookmark_interval = bookmark_interval
        self.stopping = stopping
        self.wake = threading.Event()
        self.bookmarks = (query.get("allowWatchBookmarks") or "").lower() == "true"
        self.initial_end = (query.get("sendInitialEvents") or "").lower() == "true" and self.bookmarks
        self.columns_sent = False
        try:
            self.timeout = float(query.get("timeoutSeconds") or DEFAULT_TIMEOUT)
        except ValueError:
            raise errors.BadRequest(f"timeoutSeconds: invalid value {query.get('timeoutSeconds')!r}") from None

    def open(self, api):
        """Start the engine's watch (call under the engine lock); ApiError if it cannot start,
        except a compacted resourceVersion, which the stream reports as its first event."""
        req, q = self.req, self.query
        rv = q.get("resourceVersion")
        if self.initial_end and not rv:
            rv = "0"                           # sendInitialEvents: the current state first
        try:
            self.watch = api.watch(req.rtype, namespace=req.namespace, resource_version=rv,
                                   label_selector=q.get("labelSelector"), field_selector=q.get("fieldSelector"),
                                   notify=self.wake.set)
            self.error = None
        except errors.Gone as e:
            self.watch, self.error = None, e

    def lines(self, write) -> None:
        """Write events with ``write(bytes)`` until the stream ends (the client leaving
        raises OSError out of ``write``)."""
        if self.error is not None:
            write(self._line("ERROR", self.error.to_status()))
            return
        deadline = time.monotonic() + self.timeout
        try:
            first = True
            while not self.stopping.is_set():
                self.wake.clear()
                with self.engine.lock:
                    out = [self._line(e["type"], self._object(e["object"])) for e in self.watch.take()]
                    if first and self.initial_end:
                        out.append(self._bookmark(initial_end=True))
                first = False
                if out:
                    write(b"".join(out))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                if not self.wake.wait(min(remaining, self.bookmark_interval)) and self.bookmarks:
                    with self.engine.lock:
                        pending = bool(self.watch.events)
                        bookmark = None if pending else self._bookmark()
                    if bookmark:
                        write(bookmark)
        finally:
            with self.engine.lock:
                self.watch.stop()

    def _object(self, obj: dict) -> dict:
        if self.table is None:
            return obj
        table = to_table([obj], obj["kind"], self.engine.cluster.now, include=self.table,
                         headers=not self.columns_sent)
        self.columns_sent = True
        return table

    def _bookmark(self, initial_end: bool = False) -> bytes:
        rtype = self.req.rtype
        meta = {"resourceVersion": str(self.engine.cluster.api.store.revision)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return self._line("BOOKMARK", {"kind": rtype.kind, "apiVersion": rtype.api_version, "metadata": meta})

    @staticmethod
    def _line(type_: str, obj: dict) -> bytes:
        return json.dumps({"type": type_, "object": obj}, separators=(",", ":")).encode() + b"\n"

"""etcd watches on a single-threaded loop: streams read by threads, events delivered by the writer.

The engine expects a watch's ``notify()`` to run synchronously inside the
write that produced the event (the API server's watch cache fans out inside
the write call), while etcd sends events over its own streams. So each watch
is one etcd Watch stream whose reader thread only buffers events, and the
:class:`Fanout` delivers on the writer's thread: after a write at revision R it
waits (at most the store's ``timeout``) until every watch whose prefix covers
the written key has buffered the event at R, then hands events over revision
by revision, calling ``notify()`` exactly as the memory store does. Delivery
order, and so the simulation, is the same on both backends.

A watch from a past revision first replays history through a temporary etcd
watch on the whole key space: every revision has an event there, so the event
at the newest delivered revision marks the end of the replay (a prefix watch
sends nothing when its keys did not change, which cannot be told from "not yet").

Simplified: events of writes made by other etcd clients reach the watches at
this store's next write; a watch whose resume revision was compacted while it
was disconnected ends, with ``error`` set (kube-apiserver's Cacher would relist).
"""
from __future__ import annotations

import http.client
import socket
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Callable

from . import Compacted, Event
from .etcd_gateway import GatewayError, b64, read_message, unb64

if TYPE_CHECKING:
    from .etcd import EtcdStore

__all__ = ["EtcdWatch", "Fanout", "EVERYTHING"]

EVERYTHING = b64("\0")      # as key and range_end: every key (etcd: range_end "\0" means ">= key")
#: how long a replay waits for a tombstone at the compaction revision, which etcd before
#: PR #18274 (Debian's 3.4.23) deletes, so that the replay's last event never comes
_TOMBSTONE_WAIT = 0.3


class EtcdWatch:
    """One etcd watch stream on a key prefix (the Watch protocol of ``kubelab.store``)."""

    def __init__(self, fanout: Fanout, prefix: str, notify: Callable[[], None] | None):
        self.prefix = prefix
        self.error: Compacted | None = None    # set if etcd ended the watch (see the module docstring)
        self._fanout = fanout
        self._notify = notify
        self._pending: list[Event] = []       # delivered, not yet taken
        self._inbox: deque[Event] = deque()   # received by the reader thread, not yet delivered
        self._start = 0                       # the revision the stream watches from
        self._seen = 0                        # the newest revision received
        self._stopped = False
        self._conn: http.client.HTTPConnection | None = None

    def take(self) -> list[Event]:
        """Remove and return the delivered events, oldest first."""
        events, self._pending = self._pending, []
        return events

    def stop(self) -> None:
        """Cancel the watch: its stream is closed and pending events are dropped."""
        if self._stopped:
            return
        with self._fanout.cond:
            self._stopped = True
            conn, self._conn = self._conn, None
            self._fanout.cond.notify_all()
        self._notify = None
        self._pending = []
        self._fanout.remove(self)
        hang_up(conn)

    def __repr__(self) -> str:
        return f"<EtcdWatch {self.prefix!r} pending={len(self._pending)} buffered={len(self._inbox)}>"

    def _open(self, start: int) -> None:
        self._start, self._seen = start, start - 1
        self._conn, response = self._fanout.store._stream(self.prefix, start)
        threading.Thread(target=self._read, args=(response,), daemon=True,
                         name=f"etcd watch {self.prefix!r}").start()

    def _read(self, response: http.client.HTTPResponse) -> None:
        """The reader thread: buffer the stream's events; when the stream breaks (a member
        stopped or lost its leader), resume on another member from the first revision not seen."""
        store = self._fanout.store
        while True:
            try:
                while (message := read_message(response)) is not None:
                    if message.get("compact_revision"):
                        self.error = Compacted(self._seen + 1, int(message["compact_revision"]))
                        return
                    if message.get("events"):
                        self._fanout.buffer(self, [store._event(e) for e in message["events"]])
            except Exception:       # any break of the stream (a closed socket, a member gone): resume
                pass
            response = self._resume()
            if response is None:
                return

    def _resume(self) -> http.client.HTTPResponse | None:
        pause = 0.02
        while not self._stopped:
            try:
                conn, response = self._fanout.store._stream(self.prefix, self._seen + 1, once=True)
            except GatewayError:
                time.sleep(pause)               # no member takes it: back off, up to a second
                pause = min(pause * 2, 1.0)
                continue
            with self._fanout.cond:
                if not self._stopped:
                    self._conn = conn
                    return response
            hang_up(conn)
        return None

    def _drain(self, upto: int) -> None:
        """Deliver the buffered events up to revision ``upto`` (on the writer's thread)."""
        with self._fanout.cond:
            inbox = self._inbox
            events = []
            while inbox and inbox[0].kv.mod_revision <= upto:
                events.append(inbox.popleft())
        if events and not self._stopped:
            wake = not self._pending
            self._pending.extend(events)
            if wake and self._notify is not None:
                self._notify()


class Fanout:
    """The store's watches and the hand-over of their events on the writer's thread."""

    def __init__(self, store: EtcdStore):
        self.store = store
        self.cond = threading.Condition()
        self._watches: list[EtcdWatch] = []      # in registration order: the delivery order
        self._written: dict[int, str] = {}       # the store's writes not yet delivered: revision -> key
        self._delivered = store.revision         # the newest revision handed to the watches
        self._delivering = False

    def watch(self, prefix: str, start: int, notify: Callable[[], None] | None) -> EtcdWatch:
        """A watch from ``start``: history up to the newest delivered revision is pending
        when this returns (without a notify()), later events are delivered as they commit."""
        watch = EtcdWatch(self, prefix, notify)
        if start <= self._delivered:
            watch._pending = self._replay(prefix, start, self._delivered)
        watch._open(max(start, self._delivered + 1))
        self._watches.append(watch)
        return watch

    def remove(self, watch: EtcdWatch) -> None:
        if watch in self._watches:
            self._watches.remove(watch)

    def close(self) -> None:
        for watch in list(self._watches):
            watch.stop()

    def buffer(self, watch: EtcdWatch, events: list[Event]) -> None:
        """A reader thread received ``events``: buffer them and wake a writer waiting for them."""
        with self.cond:
            watch._inbox.extend(events)
            watch._seen = events[-1].kv.mod_revision
            self.cond.notify_all()

    def committed(self, revision: int, key: str) -> None:
        """The store wrote ``key`` at ``revision``: deliver it, and everything before it."""
        self._written[revision] = key
        if self._delivering:        # a write from inside a notify(): the running loop delivers it
            return
        self._delivering = True
        try:
            while self._delivered < self.store.revision:
                target = min(self._written, default=self.store.revision)
                key = self._written.pop(target, None)
                if key is not None:
                    self._await(target, key)
                self._delivered = target
                for watch in tuple(self._watches):
                    watch._drain(target)
        finally:
            self._delivering = False

    def _await(self, revision: int, key: str) -> None:
        """Wait until every watch covering ``key`` has buffered the event at ``revision``."""
        covering = [w for w in self._watches if w._start <= revision and key.startswith(w.prefix)]
        if covering:
            with self.cond:
                self.cond.wait_for(lambda: all(w._seen >= revision or w._stopped or w.error
                                               for w in covering), self.store.timeout)

    def _replay(self, prefix: str, start: int, upto: int) -> list[Event]:
        """The events under ``prefix`` from ``start`` to ``upto``, read from a watch on every key."""
        store = self.store
        deadline = time.monotonic() + (_TOMBSTONE_WAIT if upto <= store.compacted else store.timeout)
        conn, response = store._stream(None, start)
        under, events = store.prefix + prefix, []
        try:
            while (left := deadline - time.monotonic()) > 0:
                conn.sock.settimeout(left)
                message = read_message(response)
                if message is None:
                    break
                if message.get("compact_revision"):
                    store.compacted = max(store.compacted, int(message["compact_revision"]))
                    raise Compacted(start, store.compacted)
                raws = message.get("events", ())
                for raw in raws:
                    kv = raw["kv"]
                    if int(kv["mod_revision"]) <= upto and unb64(kv["key"]).decode().startswith(under):
                        events.append(store._event(raw))
                if raws and int(raws[-1]["kv"]["mod_revision"]) >= upto:
                    break
        except (socket.timeout, GatewayError):
            pass        # only a lost tombstone (see _TOMBSTONE_WAIT) gets here: nothing more to replay
        finally:
            hang_up(conn)
        return events


def hang_up(conn: http.client.HTTPConnection | None) -> None:
    """Close a stream's connection, waking the thread reading it."""
    if conn is None:
        return
    if conn.sock is not None:
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    conn.close()

"""The embedded backend: etcd v3's MVCC key space, in memory and single-threaded.

It models etcd's ``mvcc`` package. Every create, update and delete is one
transaction and bumps the one global revision (an empty store is at revision 1).
Each key keeps its versions until compaction, so reads and watches can start at
any retained revision ("time travel"). Values are opaque Python objects kept by
reference: the API server treats stored objects as immutable.

Simplified: one key per transaction (no multi-key txns, so no sub-revisions),
no leases. As in etcd, history grows until someone calls :meth:`MemoryStore.compact`:
in a cluster, kube-apiserver's compactor does, every 5 minutes
(kubelab/apiserver/compaction.py).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from typing import Any, Callable

from . import (
    MAX_VALUE_BYTES, Compacted, CompareFailed, Event, FutureRevision, KeyExists,
    KeyValue, ValueTooLarge,
)

__all__ = ["MemoryStore", "MemoryWatch"]

_Groups = dict[str, tuple["MemoryWatch", ...]]   # watch prefix -> the watches on it


class MemoryWatch:
    """One etcd watcher (``mvcc.watcher``): a key prefix and its pending events.

    The store appends events in revision order; :meth:`take` hands them over.
    ``notify()`` runs, synchronously, each time the pending list goes from
    empty to non-empty, but not for the history replayed when the watch is
    created: those events are pending when ``watch()`` returns. It may read,
    write, open or stop watches (a write's event is queued behind the one
    being delivered); it should not raise: the error would propagate out of
    the write that triggered it, which stays committed.
    """

    __slots__ = ("prefix", "_pending", "_notify", "_store", "_stopped")

    def __init__(self, store: MemoryStore, prefix: str, notify: Callable[[], None] | None):
        self.prefix = prefix
        self._pending: list[Event] = []
        self._notify = notify
        self._store = store
        self._stopped = False

    def take(self) -> list[Event]:
        """Remove and return the pending events, oldest first."""
        if self._stopped:
            return []
        events, self._pending = self._pending, []
        return events

    def stop(self) -> None:
        """Cancel the watch (etcd's WatchCancelRequest); pending events are dropped."""
        if not self._stopped:
            self._stopped = True
            self._notify = None
            self._pending = []
            self._store._unwatch(self)

    def __repr__(self) -> str:
        return f"<MemoryWatch {self.prefix!r} pending={len(self._pending)}>"


class MemoryStore:
    """etcd's MVCC store (``mvcc.store`` + ``mvcc.watchableStore``) in memory.

    Data structures, each modelling a part of etcd:

    - ``_latest``: key -> current KeyValue of every live key (the newest
      generation in etcd's ``treeIndex``), for O(1) reads of the present;
    - ``_history``: key -> (mod revisions, KeyValues) of every retained
      version, ``None`` marking a deletion (etcd's tombstone); bisect on the
      revisions answers a read at any revision;
    - ``_live`` / ``_keys``: sorted live keys / sorted keys with retained
      history (etcd's B-tree key index), so a prefix range bisects instead
      of scanning the key space;
    - ``_log``: one Event per revision since ``_log_start`` (what etcd reads
      back from its backend to catch up an unsynced watcher);
    - ``_watchers``: watches indexed by their key's segment up to the third
      "/" (``/registry/pods/``), then by exact prefix, so a write only looks
      at watches of its own resource (``_wide`` holds shorter prefixes).
    """

    __slots__ = (
        "revision", "compacted", "_latest", "_history", "_live", "_keys", "_log",
        "_log_start", "_watchers", "_wide", "_deferred", "_delivered", "_delivering",
    )

    def __init__(self) -> None:
        self.revision = 1                 # etcd: "When the store is created, the initial revision is 1."
        self.compacted = 0
        self._latest: dict[str, KeyValue] = {}
        self._history: dict[str, tuple[list[int], list[KeyValue | None]]] = {}
        self._live: list[str] = []
        self._keys: list[str] = []
        self._log: list[Event] = []
        self._log_start = 2               # the revision of _log[0]: the first write is revision 2
        self._watchers: dict[str, _Groups] = {}
        self._wide: _Groups = {}
        self._deferred: dict[int, list[MemoryWatch]] = {}   # start revision -> watches waiting for it
        self._delivered = 1               # the newest revision handed to the watches
        self._delivering = False

    def __repr__(self) -> str:
        return f"<MemoryStore revision={self.revision} keys={len(self._latest)} compacted={self.compacted}>"

    # -- reads -----------------------------------------------------------------

    def get(self, key: str, revision: int | None = None) -> KeyValue | None:
        """etcd Range on one key: its KeyValue now, or at a past ``revision``; None if absent."""
        if revision is None:
            return self._latest.get(key)
        revision = self._read_revision(revision)
        if revision == self.revision:
            return self._latest.get(key)
        versions = self._history.get(key)
        if versions is None:
            return None
        i = bisect_right(versions[0], revision)
        return versions[1][i - 1] if i else None

    def range(self, prefix: str, revision: int | None = None) -> tuple[list[KeyValue], int]:
        """etcd Range with a prefix: the keys under ``prefix`` sorted by key, and the revision read at."""
        revision = self.revision if revision is None else self._read_revision(revision)
        if revision == self.revision:
            latest = self._latest
            live = self._live
            lo, hi = _bounds(live, prefix)
            return [latest[key] for key in live[lo:hi]], revision
        history = self._history
        keys = self._keys
        lo, hi = _bounds(keys, prefix)
        kvs = []
        for key in keys[lo:hi]:
            revs, versions = history[key]
            i = bisect_right(revs, revision)
            if i and (kv := versions[i - 1]) is not None:
                kvs.append(kv)
        return kvs, revision

    def count(self, prefix: str) -> int:
        """etcd Range with count_only: how many live keys are under ``prefix``."""
        lo, hi = _bounds(self._live, prefix)
        return hi - lo

    def _read_revision(self, revision: int) -> int:
        """etcd's rangeKeys checks: <= 0 reads the newest revision, a future one or a compacted one fails."""
        if revision > self.revision:
            raise FutureRevision(revision, self.revision)
        if revision <= 0:
            return self.revision
        if revision < self.compacted:
            raise Compacted(revision, self.compacted)
        return revision

    # -- writes ----------------------------------------------------------------

    def create(self, key: str, value: Any, size: int = 0) -> KeyValue:
        """Txn(If mod_revision(key) == 0, Then Put): kube-apiserver's Create."""
        if size > MAX_VALUE_BYTES:
            raise ValueTooLarge(key, size)
        if key in self._latest:
            raise KeyExists(key)
        revision = self.revision + 1
        kv = KeyValue(key, value, revision, revision, 1)
        versions = self._history.get(key)
        if versions is None:
            self._history[key] = ([revision], [kv])
            insort(self._keys, key)
        else:
            versions[0].append(revision)
            versions[1].append(kv)
        insort(self._live, key)
        self._latest[key] = kv
        self.revision = revision
        self._publish(Event("PUT", kv, None))
        return kv

    def update(self, key: str, value: Any, mod_revision: int | None = None, size: int = 0) -> KeyValue:
        """Txn(If mod_revision(key) == mod_revision, Then Put): kube-apiserver's GuaranteedUpdate.

        ``mod_revision=None`` drops the comparison, but the key must still exist.
        """
        if size > MAX_VALUE_BYTES:
            raise ValueTooLarge(key, size)
        current = self._latest.get(key)
        if current is None or (mod_revision is not None and current.mod_revision != mod_revision):
            raise CompareFailed(key, current)
        revision = self.revision + 1
        kv = KeyValue(key, value, current.create_revision, revision, current.version + 1)
        revs, versions = self._history[key]
        revs.append(revision)
        versions.append(kv)
        self._latest[key] = kv
        self.revision = revision
        self._publish(Event("PUT", kv, current))
        return kv

    def delete(self, key: str, mod_revision: int | None = None) -> KeyValue:
        """Txn(If mod_revision(key) == mod_revision, Then DeleteRange): returns the deleted KeyValue."""
        current = self._latest.get(key)
        if current is None or (mod_revision is not None and current.mod_revision != mod_revision):
            raise CompareFailed(key, current)
        revision = self.revision + 1
        revs, versions = self._history[key]
        revs.append(revision)
        versions.append(None)
        del self._latest[key]
        live = self._live
        del live[bisect_left(live, key)]
        self.revision = revision
        # mvccpb.Event: a DELETE carries the key with mod_revision set to the deletion's revision.
        self._publish(Event("DELETE", KeyValue(key, None, 0, revision, 0), current))
        return current

    def compact(self, revision: int) -> None:
        """etcd Compact: forget every version superseded at ``revision``.

        What was visible at ``revision`` stays readable; reads and watches below
        it raise Compacted from now on.
        """
        if revision <= self.compacted:
            raise Compacted(revision, self.compacted)
        if revision > self.revision:
            raise FutureRevision(revision, self.revision)
        history = self._history
        gone = []
        for key, (revs, versions) in history.items():
            i = bisect_right(revs, revision) - 1      # the version visible at `revision`
            if i >= 0 and versions[i] is None:
                i += 1                                # a deletion: nothing is visible, drop the tombstone too
            if i > 0:
                del revs[:i], versions[:i]
                if not revs:
                    gone.append(key)
        if gone:
            for key in gone:
                del history[key]
            self._keys = [key for key in self._keys if key in history]
        # Keep events not yet handed to the watches (a compact() called from a notify()).
        drop = min(revision, self._delivered + 1) - self._log_start
        if drop > 0:
            del self._log[:drop]
            self._log_start += drop
        self.compacted = revision

    # -- watches ---------------------------------------------------------------

    def watch(self, prefix: str, start_revision: int | None = None,
              notify: Callable[[], None] | None = None) -> MemoryWatch:
        """etcd Watch on a prefix from ``start_revision`` (inclusive).

        None or 0 means "now" (the next write); a retained past revision replays
        history first; a future one waits for it. Below the compaction point:
        Compacted.
        """
        if not start_revision:
            start_revision = self.revision + 1
        if start_revision < self.compacted:
            raise Compacted(start_revision, self.compacted)
        watch = MemoryWatch(self, prefix, notify)
        delivered = self._delivered
        if start_revision <= delivered:
            log = self._log[max(start_revision - self._log_start, 0):delivered + 1 - self._log_start]
            watch._pending = [event for event in log if event.kv.key.startswith(prefix)]
        if start_revision <= delivered + 1:
            self._register(watch)
        else:
            self._deferred.setdefault(start_revision, []).append(watch)
        return watch

    def _register(self, watch: MemoryWatch) -> None:
        # Copy-on-write, so a delivery in progress keeps the watcher set it started with.
        segment = _segment(watch.prefix)
        groups = dict(self._wide if segment is None else self._watchers.get(segment, {}))
        groups[watch.prefix] = groups.get(watch.prefix, ()) + (watch,)
        self._set_groups(segment, groups)

    def _unwatch(self, watch: MemoryWatch) -> None:
        segment = _segment(watch.prefix)
        groups = self._wide if segment is None else self._watchers.get(segment, {})
        if watch in groups.get(watch.prefix, ()):
            groups = dict(groups)
            groups[watch.prefix] = tuple(w for w in groups[watch.prefix] if w is not watch)
            if not groups[watch.prefix]:
                del groups[watch.prefix]
            self._set_groups(segment, groups)
            return
        for start, waiting in self._deferred.items():
            if watch in waiting:
                waiting.remove(watch)
                if not waiting:
                    del self._deferred[start]
                return

    def _set_groups(self, segment: str | None, groups: _Groups) -> None:
        if segment is None:
            self._wide = groups
        elif groups:
            self._watchers[segment] = groups
        else:
            del self._watchers[segment]

    def _publish(self, event: Event) -> None:
        """Log a committed event and hand every undelivered event to the watches, in revision order.

        A notify() that writes to the store only logs its event: the delivery
        loop already running picks it up after the current one, so every watch
        still sees revisions in order (etcd's "ordered" watch guarantee).
        """
        self._log.append(event)
        if self._delivering:
            return
        self._delivering = True
        try:
            while self._delivered < self.revision:
                self._deliver(self._log[self._delivered + 1 - self._log_start])
        finally:
            self._delivering = False

    def _deliver(self, event: Event) -> None:
        kv = event.kv
        self._delivered = kv.mod_revision
        if self._deferred:
            for watch in self._deferred.pop(kv.mod_revision, ()):
                self._register(watch)
        key = kv.key
        # Take both watcher sets before any notify() can add or stop a watch.
        wide = self._wide
        narrow = self._watchers.get(_segment(key)) if self._watchers else None
        if narrow:
            _fan_out(narrow, key, event)
        if wide:
            _fan_out(wide, key, event)


def _fan_out(groups: _Groups, key: str, event: Event) -> None:
    """Append ``event`` to every watch whose prefix ``key`` starts with (shared, not copied)."""
    for prefix, watches in groups.items():
        if key.startswith(prefix):
            for watch in watches:
                pending = watch._pending
                pending.append(event)
                if len(pending) == 1 and watch._notify is not None:
                    watch._notify()


def _segment(key: str) -> str | None:
    """The key up to its third "/": "/registry/pods/" for "/registry/pods/default/web"; None if shorter.

    A watch prefix containing a whole segment can only match keys of that segment.
    """
    i = key.find("/")
    if i >= 0:
        i = key.find("/", i + 1)
        if i >= 0:
            i = key.find("/", i + 1)
            if i >= 0:
                return key[:i + 1]
    return None


def _bounds(keys: list[str], prefix: str) -> tuple[int, int]:
    """The slice of sorted ``keys`` starting with ``prefix`` (etcd's [key, GetPrefixRangeEnd(key)))."""
    lo = bisect_left(keys, prefix)
    for i in range(len(prefix) - 1, -1, -1):
        if prefix[i] != "\U0010ffff":
            return lo, bisect_left(keys, prefix[:i] + chr(ord(prefix[i]) + 1), lo)
    return lo, len(keys)

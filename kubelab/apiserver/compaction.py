"""kube-apiserver's compactor: etcd's history is compacted every ``--etcd-compaction-interval``.

etcd keeps every revision until someone compacts it, and it is kube-apiserver,
not etcd, that does so: its storage layer starts one compactor per etcd
(k8s.io/apiserver/pkg/storage/etcd3/compact.go, started by startCompactorOnce in
storagebackend/factory/etcd3.go; the flag ``--etcd-compaction-interval`` of
server/options/etcd.go, default ``storagebackend.DefaultCompactInterval`` = 5
minutes, "If 0, the compaction request from apiserver is disabled"). Each tick
compacts to the revision recorded at the *previous* tick, so the store always
keeps at least one whole interval of history, enough for a watcher that fell a
little behind to resume: the first tick (5 min) only records a revision, the
second (10 min) compacts to it, the third (15 min) to the one recorded at 10
min, and so on.

Several API servers over one etcd coordinate through the key ``compact_rev_key``:
its *version* is their shared logical clock ("compact time"). A tick is one
compare-and-swap, ``Txn(If version(compact_rev_key) == my compact time, Then
Put(compact_rev_key, rev), Else Get(compact_rev_key))``: the one server whose
compact time is current wins, bumps the version and compacts; the others learn
the new version and try again next interval. So one compaction happens per
interval however many servers run, and if the winner dies a survivor takes
over within two intervals. The key is written by the storage layer, not the
API, so it is in no audit log.

Simplified: the compare is a read then a write conditioned on the key's
mod_revision (etcd does it in one Txn; over one store the result is the same);
on an EtcdStore with a prefix the key is under the prefix, not at etcd's root.
"""
from __future__ import annotations

from ..store import Compacted, CompareFailed, KeyExists

__all__ = ["Compactor", "compact", "COMPACT_REV_KEY", "DEFAULT_COMPACTION_INTERVAL"]

#: compact.go's compactRevKey: outside /registry/, so no resource's list or watch sees it
COMPACT_REV_KEY = "compact_rev_key"
#: storagebackend.DefaultCompactInterval, the default of --etcd-compaction-interval (seconds)
DEFAULT_COMPACTION_INTERVAL = 300.0


class Compactor:
    """One API server's compactor, ticking on the simulated loop every ``interval`` seconds
    (``interval=0``: never, as ``--etcd-compaction-interval=0``). Its timer is a daemon:
    compaction does not keep ``run()`` from settling.

    ``compactions`` lists the ``(seconds, revision)`` of the compactions this one made.
    """

    def __init__(self, store, loop, *, interval: float = DEFAULT_COMPACTION_INTERVAL,
                 owner: str = "kube-apiserver"):
        self.store, self.loop, self.interval, self.owner = store, loop, interval, owner
        self.compact_time = 0        # the version of compact_rev_key last seen (0: no key yet)
        self.rev = 0                 # the store's revision at the last tick: the next tick's target
        self.compactions: list[tuple[float, int]] = []
        self._timer = None

    @property
    def running(self) -> bool:
        return self._timer is not None

    def start(self) -> None:
        """Start ticking; a restarted process starts afresh (compact time 0), as kube-apiserver does."""
        if self.interval and self._timer is None:
            self.compact_time, self.rev = 0, 0
            self._timer = self.loop.later(self.interval, self._tick, self.owner, daemon=True)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        # compact.go runCompactLoop: "The first compaction happens after interval."
        self._timer = self.loop.later(self.interval, self._tick, self.owner, daemon=True)
        self.compact_time, self.rev, compacted = compact(self.store, self.compact_time, self.rev)
        if compacted:
            self.compactions.append((self.loop.clock.seconds, compacted))

    def __repr__(self) -> str:
        every = f"every {self.interval:g}s" if self.interval else "disabled"
        return f"<Compactor {self.owner} {every} compact_time={self.compact_time} rev={self.rev}>"


def compact(store, expect_version: int, rev: int) -> tuple[int, int, int]:
    """One tick of compact.go's ``compact()``: (compact time, the store's revision, the
    revision compacted to by this call, else 0).

    Win the compare-and-swap on ``compact_rev_key``'s version and compact to ``rev`` (not
    on bootstrap, when ``rev`` is 0); lose it and adopt the winner's compact time.
    """
    current = store.get(COMPACT_REV_KEY)
    if (current.version if current is not None else 0) == expect_version:
        try:
            if current is None:
                store.create(COMPACT_REV_KEY, rev)
            else:
                store.update(COMPACT_REV_KEY, rev, current.mod_revision)
        except (KeyExists, CompareFailed):         # another writer got in between: we lost
            current = store.get(COMPACT_REV_KEY)
        else:
            if rev == 0:                           # "We don't compact on bootstrap."
                return expect_version + 1, store.revision, 0
            try:
                store.compact(rev)
            except Compacted:                      # compacted further already (etcdctl compact):
                return expect_version + 1, store.revision, 0   # kube-apiserver logs it and goes on
            return expect_version + 1, store.revision, rev
    return (current.version if current is not None else 0), store.revision, 0

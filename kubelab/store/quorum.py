"""An etcd cluster in memory: n members and Raft's majority rule, without the network.

    store = QuorumStore(members=3)          # over a fresh MemoryStore
    c = kl.Cluster(store=store)
    store.stop(0)                           # 2 of 3 up: the quorum holds, writes go on
    store.stop(1)                           # 1 of 3: every request fails, as etcd's do
    store.start(0)                          # 2 of 3 again: served again, nothing lost

It has the shape of :class:`~kubelab.store.etcd_cluster.EtcdCluster` (``stop``,
``start``, ``health``) for the lab's deterministic world, where real etcd
processes (their timing, their ports) have no place. A request is served only
while a **quorum**, ⌊n/2⌋ + 1 members, is up: Raft commits an entry once a
majority of the members has it in its log and elects a leader only with a
majority of the votes, and etcd's reads are linearizable (the leader confirms
with a quorum that it still leads), so reads need it too. Without a quorum
every request fails with ServiceUnavailable, worded as EtcdStore words it:
``etcd cluster is unavailable: quorum is lost: 2 of 4 members up, 3 needed
(etcdserver: no leader)``.

simplified: no logs to replicate and no elections to wait for: every member
holds the backend's data, the leader is the first member up, a new leader
takes over at once, and a member that comes back is up to date at once;
watches stay open and receive nothing while nothing can be committed.
"""
from __future__ import annotations

from typing import Any, Callable

from .. import errors
from .etcd_cluster import MemberHealth
from .memory import MemoryStore

__all__ = ["QuorumStore"]


class QuorumStore:
    """A store backend replicated over ``members`` etcd members, in memory."""

    def __init__(self, members: int = 3, backend=None):
        if not isinstance(members, int) or isinstance(members, bool) or members < 1:
            raise ValueError(f"an etcd cluster needs at least one member, got {members!r}")
        self.backend = backend if backend is not None else MemoryStore()
        self.members = members
        self.down: set[int] = set()

    # -- the members ---------------------------------------------------------
    @property
    def quorum(self) -> int:
        """⌊n/2⌋ + 1: the members that must be up for the cluster to serve."""
        return self.members // 2 + 1

    @property
    def up(self) -> int:
        return self.members - len(self.down)

    @property
    def fault_tolerance(self) -> int:
        """How many members may fail with the cluster still serving: n - quorum = ⌊(n-1)/2⌋."""
        return self.members - self.quorum

    @property
    def leader(self) -> int | None:
        """The leading member (the first one up), or None without a quorum."""
        if self.up < self.quorum:
            return None
        return next(i for i in range(self.members) if i not in self.down)

    def stop(self, i: int) -> None:
        """Member ``i`` goes away (its machine fails or is stopped for maintenance)."""
        self._check(i)
        self.down.add(i)

    kill = stop

    def start(self, i: int) -> None:
        """Member ``i`` is back, with every committed write (its disk and the log catch it up)."""
        self._check(i)
        self.down.discard(i)

    def health(self) -> list[MemberHealth]:
        """Every member, as ``etcdctl endpoint status`` sees it: up, and leader or not."""
        leader = self.leader
        return [MemberHealth(f"m{i}", f"memory://m{i}", i not in self.down, i == leader)
                for i in range(self.members)]

    def __repr__(self) -> str:
        return f"<QuorumStore {self.up} of {self.members} members up, quorum {self.quorum}>"

    def _check(self, i: int) -> None:
        if not isinstance(i, int) or not 0 <= i < self.members:
            raise IndexError(f"no etcd member {i!r}; the members are 0..{self.members - 1}")

    def _serve(self) -> None:
        if self.up < self.quorum:
            raise errors.ServiceUnavailable(
                f"etcd cluster is unavailable: quorum is lost: {self.up} of {self.members} members up, "
                f"{self.quorum} needed (etcdserver: no leader)")

    # -- the Backend interface -------------------------------------------------
    @property
    def revision(self) -> int:
        return self.backend.revision

    @property
    def compacted(self) -> int:
        return self.backend.compacted

    def get(self, key: str, revision: int | None = None):
        self._serve()
        return self.backend.get(key, revision)

    def range(self, prefix: str, revision: int | None = None):
        self._serve()
        return self.backend.range(prefix, revision)

    def count(self, prefix: str) -> int:
        self._serve()
        return self.backend.count(prefix)

    def create(self, key: str, value: Any, size: int = 0):
        self._serve()
        return self.backend.create(key, value, size)

    def update(self, key: str, value: Any, mod_revision: int | None = None, size: int = 0):
        self._serve()
        return self.backend.update(key, value, mod_revision, size)

    def delete(self, key: str, mod_revision: int | None = None):
        self._serve()
        return self.backend.delete(key, mod_revision)

    def compact(self, revision: int) -> None:
        self._serve()
        self.backend.compact(revision)

    def watch(self, prefix: str, start_revision: int | None = None, notify: Callable[[], None] | None = None):
        return self.backend.watch(prefix, start_revision, notify)

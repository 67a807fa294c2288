"""Every store backend runs the same contract tests (test_contract.py, test_properties.py).

To add a backend, add its factory to BACKENDS: a zero-argument callable that
returns an empty store, at revision 1 with nothing compacted, as a fresh etcd is.
A factory may have ``close()`` (called when the session ends) and
``max_examples`` (a cap on hypothesis examples, for backends slow to create).
"""
from __future__ import annotations

import pytest

from kubelab.store import etcd_cluster
from kubelab.store.etcd import EtcdStore
from kubelab.store.memory import MemoryStore


class FreshEtcd:
    """Each call starts a fresh single-member etcd (its data dir on /dev/shm, random loopback
    ports, elected in under 0.1 s) and returns an EtcdStore on it; the previous one is removed."""

    max_examples = 20           # each hypothesis example starts a server

    def __init__(self):
        self._last = None

    def __call__(self) -> EtcdStore:
        self.close()
        cluster = etcd_cluster.EtcdCluster(1, heartbeat_ms=10, election_ms=50)
        self._last = cluster, EtcdStore(cluster.endpoints)
        return self._last[1]

    def close(self) -> None:
        if self._last is not None:
            cluster, store = self._last
            store.close()
            cluster.close()
            self._last = None


BACKENDS = {
    "memory": MemoryStore,
    "etcd": FreshEtcd(),
}


@pytest.fixture(params=sorted(BACKENDS), scope="session")
def make_store(request):
    """A factory of empty stores of one backend (property tests need a fresh store per example)."""
    if request.param == "etcd":
        ok, reason = etcd_cluster.available()
        if not ok:
            pytest.skip(f"the etcd backend needs a real etcd: {reason}")
    factory = BACKENDS[request.param]
    yield factory
    if hasattr(factory, "close"):
        factory.close()


@pytest.fixture
def store(make_store):
    """An empty store of each backend."""
    return make_store()

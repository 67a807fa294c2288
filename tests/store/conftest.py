"""Every store backend runs the same contract tests (test_contract.py, test_properties.py).

To add a backend, add its factory to BACKENDS: a zero-argument callable that
returns an empty store, at revision 1 with nothing compacted, as a fresh etcd is.
"""
from __future__ import annotations

import pytest

from kubelab.store.memory import MemoryStore

BACKENDS = {
    "memory": MemoryStore,
}


@pytest.fixture(params=sorted(BACKENDS), scope="session")
def make_store(request):
    """A factory of empty stores of one backend (property tests need a fresh store per example)."""
    return BACKENDS[request.param]


@pytest.fixture
def store(make_store):
    """An empty store of each backend."""
    return make_store()

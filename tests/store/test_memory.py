"""What only the in-memory backend promises, on top of the contract (test_contract.py).

It runs in the API server's thread: values are kept by reference and every
watch shares one event object per write. (How notify() callbacks may re-enter
the store is part of the contract: test_contract.py.)
"""
from __future__ import annotations

import pytest

from kubelab.store.memory import MemoryStore

POD_A = "/registry/pods/default/a"
POD_B = "/registry/pods/default/b"


@pytest.fixture
def store():
    return MemoryStore()


def test_values_are_kept_by_reference_not_copied(store):
    pod = {"metadata": {"name": "a"}}
    watch = store.watch("/registry/pods/")
    store.create(POD_A, pod)
    assert store.get(POD_A).value is pod
    assert store.range("/registry/pods/")[0][0].value is pod
    assert watch.take()[0].kv.value is pod


def test_watches_share_one_event_object_per_write(store):
    first, second = store.watch("/registry/pods/"), store.watch("")
    store.create(POD_A, 1)
    assert first.take()[0] is second.take()[0]


def test_compaction_forgets_deleted_keys_entirely(store):
    store.create(POD_A, 1)
    store.delete(POD_A)
    store.create(POD_B, 1)
    store.compact(store.revision)
    assert store.range("/registry/pods/", store.revision)[0] == store.range("/registry/pods/")[0]
    assert repr(store) == "<MemoryStore revision=4 keys=1 compacted=4>"
    assert POD_A not in store._history

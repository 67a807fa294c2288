"""What only the in-memory backend promises, on top of the contract (test_contract.py).

It runs in the API server's thread: values are kept by reference, events are
delivered synchronously, and notify() callbacks may re-enter the store.
"""
from __future__ import annotations

import pytest

from kubelab.store.memory import MemoryStore

POD_A = "/registry/pods/default/a"
POD_B = "/registry/pods/default/b"


@pytest.fixture
def store():
    return MemoryStore()


def revisions(events):
    return [e.kv.mod_revision for e in events]


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


def test_replayed_events_are_pending_when_watch_returns_without_a_notify(store):
    # The caller takes them right away; notify() fires again once the queue was emptied.
    store.create(POD_A, 1)
    calls = []
    watch = store.watch("/registry/pods/", start_revision=2, notify=lambda: calls.append(store.revision))
    assert calls == []
    assert revisions(watch.take()) == [2]
    store.create(POD_B, 1)
    assert calls == [3]


def test_a_write_made_by_a_notify_reaches_every_watch_after_the_event_being_delivered(store):
    # etcd's "ordered" guarantee must hold even when a callback writes while events fan out.
    def write_once():
        if store.revision == 2:
            store.create(POD_B, "written by notify")

    first = store.watch("/registry/pods/", notify=write_once)
    second = store.watch("/registry/pods/")
    wide = store.watch("/registry/")
    store.create(POD_A, 1)
    assert revisions(first.take()) == revisions(second.take()) == revisions(wide.take()) == [2, 3]


def test_a_watch_opened_by_a_notify_starts_after_the_event_being_delivered(store):
    opened = []
    store.watch("/registry/pods/", notify=lambda: opened.append(store.watch("/registry/")))
    store.create(POD_A, 1)
    store.create(POD_B, 1)
    assert revisions(opened[0].take()) == [3]


def test_watches_opened_by_a_notify_after_it_wrote_get_each_event_once_in_order(store):
    opened = {}

    def write_then_watch():
        if store.revision == 2:
            store.create(POD_B, 1)            # revision 3: delivered once revision 2 is done
            opened["past"] = store.watch("/registry/", start_revision=2)
            opened["now"] = store.watch("/registry/")

    store.watch("/registry/pods/", notify=write_then_watch)
    store.create(POD_A, 1)
    store.create("/registry/pods/default/c", 1)
    assert revisions(opened["past"].take()) == [2, 3, 4]
    assert revisions(opened["now"].take()) == [4]


def test_a_watch_stopped_by_another_watchs_notify_gets_nothing_more(store):
    victim = store.watch("/registry/pods/")
    store.watch("/registry/pods/default/", notify=victim.stop)
    store.create(POD_A, 1)
    store.create(POD_B, 1)
    assert victim.take() == []


def test_a_notify_that_raises_fails_the_write_call_but_not_the_store(store):
    # The write is committed (etcd applied it); later writes are delivered as usual.
    def boom():
        raise RuntimeError("handler bug")

    broken = store.watch("/registry/pods/", notify=boom)
    with pytest.raises(RuntimeError):
        store.create(POD_A, 1)
    broken.stop()
    watch = store.watch("/registry/pods/")
    store.create(POD_B, 1)
    assert store.get(POD_A).version == 1
    assert revisions(watch.take()) == [3]


def test_compaction_forgets_deleted_keys_entirely(store):
    store.create(POD_A, 1)
    store.delete(POD_A)
    store.create(POD_B, 1)
    store.compact(store.revision)
    assert store.range("/registry/pods/", store.revision)[0] == store.range("/registry/pods/")[0]
    assert repr(store) == "<MemoryStore revision=4 keys=1 compacted=4>"
    assert POD_A not in store._history

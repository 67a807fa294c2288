"""The store contract: etcd v3's behaviour, which every backend must show.

Each test first cites what etcd does, then checks the backend does the same.
Sources, cited by short name below:

- data model: etcd.io/docs/latest/learning/data_model ("When the store is
  created, the initial revision is 1. Each atomic mutative operation creates
  a new revision on the key space.")
- kv.proto: etcd api/mvccpb/kv.proto (KeyValue and Event field comments)
- rpc.proto: etcd api/etcdserverpb/rpc.proto (RangeRequest.revision,
  WatchCreateRequest.start_revision)
- rangeKeys: etcd server/storage/mvcc/kvstore_txn.go (read revision checks)
- Compact: etcd server/storage/mvcc/kvstore.go (compaction revision checks)
- watchable_store: etcd server/storage/mvcc/watchable_store.go (watch start)
- guarantees: etcd.io/docs/latest/learning/api_guarantees (watch: ordered,
  reliable, atomic)
- kube-apiserver: k8s.io/apiserver/pkg/storage/etcd3/store.go (Create is a
  txn If mod_revision(key) == 0, GuaranteedUpdate one on the object's mod_revision)

The last section is kubelab's own promise, not etcd's: watches deliver on the
writer's thread, and a notify() may read, write, open or stop watches
(kubelab/store/memory.py MemoryWatch, kubelab/store/etcd_watch.py).
"""
from __future__ import annotations

import pytest

from kubelab.store import (
    MAX_VALUE_BYTES, Compacted, CompareFailed, FutureRevision, KeyExists, ValueTooLarge,
)

POD_A = "/registry/pods/default/a"
POD_B = "/registry/pods/default/b"
POD_KS = "/registry/pods/kube-system/c"


def keys(kvs):
    return [kv.key for kv in kvs]


def summary(events):
    """(type, key, mod_revision) of each event: what a watcher can check at a glance."""
    return [(e.type, e.kv.key, e.kv.mod_revision) for e in events]


# -- revisions and versions ----------------------------------------------------

def test_an_empty_store_is_at_revision_1_with_nothing_compacted(store):
    # data model: "When the store is created, the initial revision is 1."
    assert store.revision == 1
    assert store.compacted == 0
    assert store.range("") == ([], 1)


def test_each_create_update_and_delete_bumps_the_revision_by_one(store):
    # data model: each atomic mutative operation creates a new revision.
    a = store.create(POD_A, "v1")
    assert (a.mod_revision, store.revision) == (2, 2)
    a = store.update(POD_A, "v2")
    assert (a.mod_revision, store.revision) == (3, 3)
    store.delete(POD_A)
    assert store.revision == 4


def test_a_new_key_has_version_1_and_create_revision_equal_to_mod_revision(store):
    # kv.proto: create_revision is "the revision of last creation on this key";
    # "A PUT event with kv.Version=1 indicates the creation of a key."
    store.create(POD_B, "other")
    a = store.create(POD_A, {"spec": 1})
    assert (a.key, a.value, a.create_revision, a.mod_revision, a.version) == (POD_A, {"spec": 1}, 3, 3, 1)
    assert store.get(POD_A) == a


def test_an_update_keeps_create_revision_and_increments_version(store):
    # kv.proto: "any modification of the key increases its version".
    a = store.create(POD_A, "v1")
    store.create(POD_B, "other")
    a2 = store.update(POD_A, "v2", a.mod_revision)
    a3 = store.update(POD_A, "v3")
    assert [(kv.create_revision, kv.mod_revision, kv.version) for kv in (a, a2, a3)] == [
        (2, 2, 1), (2, 4, 2), (2, 5, 3)]


def test_recreating_a_deleted_key_starts_a_new_generation_at_version_1(store):
    # kv.proto: "A deletion resets the version to zero"; the next put is a creation.
    store.create(POD_A, "v1")
    store.update(POD_A, "v2")
    store.delete(POD_A)
    again = store.create(POD_A, "v3")
    assert (again.create_revision, again.mod_revision, again.version) == (5, 5, 1)


def test_delete_returns_the_key_value_it_deleted(store):
    # etcd DeleteRange with prev_kv returns the deleted pair; kube-apiserver needs it.
    store.create(POD_A, "v1")
    a = store.update(POD_A, "v2")
    assert store.delete(POD_A) == a
    assert store.get(POD_A) is None
    assert store.count("/registry/pods/") == 0


# -- compare-and-swap ------------------------------------------------------------

def test_creating_an_existing_key_raises_key_exists_and_writes_nothing(store):
    # kube-apiserver: Create is Txn(If mod_revision(key) == 0) -> AlreadyExists (409).
    a = store.create(POD_A, "v1")
    with pytest.raises(KeyExists) as caught:
        store.create(POD_A, "v2")
    assert caught.value.key == POD_A
    assert store.get(POD_A) == a
    assert store.revision == 2


@pytest.mark.parametrize("write, key, current", [
    # kube-apiserver: GuaranteedUpdate and a precondition-checked Delete compare mod_revision; a
    # stale one is a Conflict (409), and the failed txn returns what the key holds now for a retry.
    pytest.param(lambda s: s.update(POD_A, "v3", 2), POD_A, "v2", id="update, stale mod_revision"),
    pytest.param(lambda s: s.delete(POD_A, 2), POD_A, "v2", id="delete, stale mod_revision"),
    # A compare on a key that does not exist fails too (etcd: mod_revision of an absent key is 0).
    pytest.param(lambda s: s.update(POD_B, "v3"), POD_B, None, id="update, absent key"),
    pytest.param(lambda s: s.update(POD_B, "v3", 3), POD_B, None, id="update, absent key, mod_revision"),
    pytest.param(lambda s: s.delete(POD_B), POD_B, None, id="delete, absent key"),
])
def test_a_failed_compare_raises_compare_failed_with_what_the_key_holds_now(store, write, key, current):
    store.create(POD_A, "v1")
    store.update(POD_A, "v2")                 # revision 3
    with pytest.raises(CompareFailed) as caught:
        write(store)
    assert caught.value.key == key
    assert (caught.value.current and caught.value.current.value) == current
    assert store.revision == 3


def test_update_and_delete_succeed_when_mod_revision_matches(store):
    a = store.create(POD_A, "v1")
    a2 = store.update(POD_A, "v2", a.mod_revision)
    assert store.delete(POD_A, a2.mod_revision) == a2


def test_update_without_mod_revision_is_unconditional(store):
    store.create(POD_A, "v1")
    store.update(POD_A, "v2")
    assert store.update(POD_A, "v3").value == "v3"


# -- values --------------------------------------------------------------------

def test_a_value_up_to_the_request_limit_is_accepted(store):
    # etcd refuses requests over --max-request-bytes (1.5 MiB by default).
    assert store.create(POD_A, "big", size=MAX_VALUE_BYTES).value == "big"
    assert store.update(POD_A, "big", size=MAX_VALUE_BYTES).version == 2


@pytest.mark.parametrize("write, key", [
    pytest.param(lambda s: s.create(POD_B, "huge", size=MAX_VALUE_BYTES + 1), POD_B, id="create"),
    pytest.param(lambda s: s.update(POD_A, "huge", size=MAX_VALUE_BYTES + 1), POD_A, id="update"),
])
def test_a_value_over_the_request_limit_raises_value_too_large_and_writes_nothing(store, write, key):
    # etcd: "etcdserver: request is too large" (ErrRequestTooLarge); nothing is applied.
    store.create(POD_A, "v1")
    with pytest.raises(ValueTooLarge) as caught:
        write(store)
    assert (caught.value.key, caught.value.size) == (key, MAX_VALUE_BYTES + 1)
    assert store.revision == 2
    assert store.get(POD_A).value == "v1"


# -- reads now and in the past -------------------------------------------------------

def test_range_returns_the_keys_under_a_prefix_sorted_and_the_revision_read_at(store):
    # data model: "a lexically sorted index on byte string keys so range queries are inexpensive".
    for key in (POD_KS, POD_B, "/registry/services/default/s", POD_A):
        store.create(key, key)
    kvs, revision = store.range("/registry/pods/")
    assert keys(kvs) == [POD_A, POD_B, POD_KS]
    assert revision == store.revision == 5
    assert keys(store.range("/registry/pods/default/")[0]) == [POD_A, POD_B]
    assert keys(store.range("")[0]) == [POD_A, POD_B, POD_KS, "/registry/services/default/s"]
    assert store.range("/registry/nodes/") == ([], 5)


def test_count_counts_the_live_keys_under_a_prefix(store):
    # etcd Range with count_only.
    for key in (POD_A, POD_B, POD_KS, "/registry/services/default/s"):
        store.create(key, 1)
    store.delete(POD_B)
    assert store.count("/registry/pods/") == 2
    assert store.count("/registry/") == 3
    assert store.count("/registry/nodes/") == 0


def test_get_at_a_past_revision_returns_the_value_then(store):
    # data model: "Old versions of key can still be accessed through previous revisions."
    a1 = store.create(POD_A, "v1")            # revision 2
    store.create(POD_B, "b")                  # 3
    a2 = store.update(POD_A, "v2")            # 4
    store.delete(POD_A)                       # 5
    store.create(POD_A, "v3")                 # 6
    assert [store.get(POD_A, revision) for revision in (1, 2, 3, 4, 5)] == [None, a1, a1, a2, None]
    assert store.get(POD_A, 6).value == "v3"
    assert store.get("/registry/pods/default/never", 3) is None


def test_range_at_a_past_revision_shows_the_key_space_then(store):
    # etcd RangeRequest.revision: "the point-in-time of the key-value store to use for the range".
    store.create(POD_A, "a1")                 # revision 2
    store.create(POD_B, "b1")                 # 3
    store.update(POD_A, "a2")                 # 4
    store.delete(POD_B)                       # 5
    store.create(POD_KS, "c1")                # 6
    history = {revision: [(kv.key, kv.value) for kv in store.range("/registry/pods/", revision)[0]]
               for revision in range(1, 7)}
    assert history == {
        1: [],
        2: [(POD_A, "a1")],
        3: [(POD_A, "a1"), (POD_B, "b1")],
        4: [(POD_A, "a2"), (POD_B, "b1")],
        5: [(POD_A, "a2")],
        6: [(POD_A, "a2"), (POD_KS, "c1")],
    }
    assert store.range("/registry/pods/", 3)[1] == 3


@pytest.mark.parametrize("revision", [0, -1])
def test_a_read_at_revision_zero_or_below_reads_the_newest_revision(store, revision):
    # rpc.proto RangeRequest: "If revision is less or equal to zero, the range is over the newest key-value store."
    a = store.create(POD_A, "v1")
    assert store.get(POD_A, revision) == a
    assert store.range("/registry/pods/", revision) == ([a], 2)


def test_a_read_at_a_future_revision_raises_future_revision(store):
    # rangeKeys: rev > currentRev -> ErrFutureRev ("mvcc: required revision is a future revision").
    store.create(POD_A, "v1")
    with pytest.raises(FutureRevision) as caught:
        store.get(POD_A, 3)
    assert (caught.value.requested, caught.value.current) == (3, 2)
    with pytest.raises(FutureRevision):
        store.range("/registry/pods/", 3)


# -- prefix isolation ------------------------------------------------------------------

SIBLINGS = [
    "/registry/pods/default/a",
    "/registry/pods0/default/a",              # "0" is the byte right after "/": the prefix range's end
    "/registry/podsx/default/a",
    "/registry/podtemplates/default/a",
    "/registry/pods-other/default/a",
    "/registry/pod",
]


def test_a_range_on_a_resource_prefix_excludes_resources_sharing_its_name_prefix(store):
    # etcd prefix ranges are byte ranges: kube-apiserver ends every prefix in "/" so that
    # "/registry/pods/" cannot match "/registry/podsx/..." or "/registry/podtemplates/...".
    for key in SIBLINGS:
        store.create(key, key)
    assert keys(store.range("/registry/pods/")[0]) == ["/registry/pods/default/a"]
    assert keys(store.range("/registry/pods/", 3)[0]) == ["/registry/pods/default/a"]
    assert store.count("/registry/pods/") == 1


@pytest.mark.parametrize("prefix, expected", [
    ("/registry/pods/", ["/registry/pods/default/a"]),
    ("/registry/podsx/", ["/registry/podsx/default/a"]),
    ("/registry/pods0/", ["/registry/pods0/default/a"]),
    ("/registry/podtemplates/", ["/registry/podtemplates/default/a"]),
    ("/registry/pods/kube-system/", []),
    # A prefix not ending in "/" is still a plain etcd prefix: it matches every sibling.
    ("/registry/pod", SIBLINGS),
    ("/registry/", SIBLINGS),
    ("", SIBLINGS),
])
def test_a_watch_sees_exactly_the_keys_under_its_prefix(store, prefix, expected):
    # etcd WatchCreateRequest with range_end = prefix end: every key k with prefix <= k < end.
    watch = store.watch(prefix)
    for key in SIBLINGS:
        store.create(key, key)
    assert sorted(e.kv.key for e in watch.take()) == sorted(expected)


def test_a_watch_from_a_past_revision_replays_only_keys_under_its_prefix(store):
    for key in SIBLINGS:
        store.create(key, key)
    assert [e.kv.key for e in store.watch("/registry/pods/", 1).take()] == ["/registry/pods/default/a"]


# -- watches -------------------------------------------------------------------------------

@pytest.mark.parametrize("start_revision", [None, 0])
def test_a_watch_without_start_revision_sees_only_later_writes(store, start_revision):
    # rpc.proto: start_revision "No start_revision is 'now'" (0, the proto default, is "none");
    # watchable_store: startRev == 0 -> minRev = currentRev + 1.
    store.create(POD_A, "v1")
    watch = store.watch("/registry/pods/", start_revision)
    assert watch.take() == []
    store.update(POD_A, "v2")
    assert summary(watch.take()) == [("PUT", POD_A, 3)]


def test_a_watch_delivers_every_event_in_revision_order(store):
    # guarantees: "Ordered - events are ordered by revision"; "Reliable - a sequence of events will
    # never drop any subsequence of events".
    watch = store.watch("/registry/pods/")
    store.create(POD_B, 1)
    store.create(POD_A, 1)
    store.create("/registry/services/default/s", 1)
    store.update(POD_B, 2)
    store.delete(POD_A)
    store.create(POD_KS, 1)
    assert summary(watch.take()) == [
        ("PUT", POD_B, 2), ("PUT", POD_A, 3), ("PUT", POD_B, 5), ("DELETE", POD_A, 6), ("PUT", POD_KS, 7)]


def test_watch_events_carry_the_new_and_the_previous_key_value(store):
    # kv.proto Event: "A PUT event contains current kv pair"; "A DELETE/EXPIRE event contains the
    # deleted key with its modification revision set to the revision of deletion"; prev_kv is the
    # key-value pair before the event (kube-apiserver always asks for it).
    watch = store.watch("/registry/pods/")
    a1 = store.create(POD_A, "v1")
    a2 = store.update(POD_A, "v2")
    store.delete(POD_A)
    created, updated, deleted = watch.take()
    assert (created.type, created.kv, created.prev_kv) == ("PUT", a1, None)
    assert (updated.type, updated.kv, updated.prev_kv) == ("PUT", a2, a1)
    assert (deleted.type, deleted.kv.key, deleted.kv.value, deleted.kv.mod_revision, deleted.prev_kv) == (
        "DELETE", POD_A, None, 4, a2)
    assert (deleted.kv.create_revision, deleted.kv.version) == (0, 0)


def test_take_returns_the_pending_events_once(store):
    watch = store.watch("/registry/pods/")
    store.create(POD_A, 1)
    assert len(watch.take()) == 1
    assert watch.take() == []
    store.create(POD_B, 1)
    assert summary(watch.take()) == [("PUT", POD_B, 3)]


def test_a_watch_from_a_past_revision_replays_history_inclusively_then_continues_live(store):
    # rpc.proto: start_revision is "an optional revision to watch from (inclusive)".
    store.create(POD_A, "v1")                 # revision 2
    store.update(POD_A, "v2")                 # 3
    store.create(POD_B, "b")                  # 4
    watch = store.watch("/registry/pods/", start_revision=3)
    assert summary(watch.take()) == [("PUT", POD_A, 3), ("PUT", POD_B, 4)]
    store.delete(POD_A)
    assert summary(watch.take()) == [("DELETE", POD_A, 5)]


def test_a_watch_from_the_next_revision_is_a_watch_from_now(store):
    store.create(POD_A, "v1")
    watch = store.watch("/registry/pods/", start_revision=store.revision + 1)
    assert watch.take() == []
    store.update(POD_A, "v2")
    assert summary(watch.take()) == [("PUT", POD_A, 3)]


def test_a_watch_from_a_future_revision_waits_for_it(store):
    # watchable_store: a start revision above the current one is allowed; minRev = startRev.
    store.create(POD_A, 1)                    # revision 2
    watch = store.watch("/registry/pods/", start_revision=4)
    store.create(POD_B, 1)                    # 3
    assert watch.take() == []
    store.update(POD_A, 2)                    # 4
    store.delete(POD_B)                       # 5
    assert summary(watch.take()) == [("PUT", POD_A, 4), ("DELETE", POD_B, 5)]


def test_notify_is_called_when_the_pending_events_go_from_empty_to_non_empty(store):
    calls = []
    watch = store.watch("/registry/pods/", notify=lambda: calls.append(store.revision))
    store.create(POD_A, 1)
    store.create(POD_B, 1)
    store.create("/registry/services/default/s", 1)
    assert calls == [2]
    watch.take()
    store.update(POD_A, 2)
    assert calls == [2, 5]


def test_every_watch_on_the_same_prefix_gets_every_event(store):
    watches = [store.watch("/registry/pods/") for _ in range(5)]
    store.create(POD_A, 1)
    store.create(POD_B, 1)
    assert all(summary(w.take()) == [("PUT", POD_A, 2), ("PUT", POD_B, 3)] for w in watches)


def test_a_stopped_watch_receives_nothing_more(store):
    # etcd WatchCancelRequest: the watcher is removed and gets no further events.
    watch = store.watch("/registry/pods/")
    other = store.watch("/registry/pods/")
    store.create(POD_A, 1)
    watch.stop()
    store.create(POD_B, 1)
    assert watch.take() == []
    assert len(other.take()) == 2
    watch.stop()                              # stopping twice is harmless


def test_a_watch_stopped_before_its_future_start_revision_receives_nothing(store):
    watch = store.watch("/registry/pods/", start_revision=3)
    watch.stop()
    store.create(POD_A, 1)
    store.create(POD_B, 1)
    assert watch.take() == []


# -- compaction ------------------------------------------------------------------------------

def history_store(store):
    """a: v1@2 v2@3 v3@5; b: b1@4, deleted @6; c: c1@7. Now at revision 7."""
    store.create(POD_A, "v1")
    store.update(POD_A, "v2")
    store.create(POD_B, "b1")
    store.update(POD_A, "v3")
    store.delete(POD_B)
    store.create(POD_KS, "c1")
    return store


def test_compaction_keeps_what_was_visible_at_the_compaction_revision(store):
    # Compact API: "All superseded keys with a revision less than the compaction revision will be
    # removed"; the version visible at that revision is not superseded, so reads there still work.
    history_store(store)
    before = {revision: store.range("/registry/pods/", revision) for revision in range(4, 8)}
    store.compact(4)
    assert store.compacted == 4
    assert store.revision == 7
    assert {revision: store.range("/registry/pods/", revision) for revision in range(4, 8)} == before
    assert store.get(POD_A, 4).value == "v2"
    assert store.get(POD_B, 4).value == "b1"


def test_compaction_keeps_the_latest_value_of_each_live_key(store):
    history_store(store)
    store.compact(7)
    assert [(kv.key, kv.value, kv.version) for kv in store.range("")[0]] == [
        (POD_A, "v3", 3), (POD_KS, "c1", 1)]
    assert store.update(POD_A, "v4").version == 4


@pytest.mark.parametrize("read", [
    lambda store: store.get(POD_A, 3),
    lambda store: store.range("/registry/pods/", 2),
    lambda store: store.watch("/registry/pods/", start_revision=3),
])
def test_reads_and_watches_below_the_compaction_revision_raise_compacted(store, read):
    # rangeKeys: rev < compactMainRev -> ErrCompacted; watchable_store: minRev < compactRev -> compacted
    # (kube-apiserver turns both into 410 Gone).
    history_store(store)
    store.compact(4)
    with pytest.raises(Compacted) as caught:
        read(store)
    assert caught.value.compacted == 4


def loses_tombstone_at_compaction_revision(store) -> bool:
    """etcd before PR #18274 (backported as #18475 to 3.4.34, #18474 to 3.5.16) deleted a tombstone
    whose revision equals the compaction revision, so a watch from there missed that DELETE (etcd
    issue #18089). Debian's etcd-server 3.4.23 is such a release."""
    version = getattr(store, "server_version", None)
    return version is not None and (version < (3, 4, 34) or (3, 5) <= version < (3, 5, 16))


def test_a_watch_from_the_compaction_revision_replays_from_there(store):
    # watchable_store compacts a watcher only when minRev < compactRev; etcd keeps the event at the
    # compaction revision itself (etcd PR #18274 "keep tombstone if revision == compactAtRev").
    history_store(store)
    store.compact(6)
    replay = [("DELETE", POD_B, 6), ("PUT", POD_KS, 7)]
    if loses_tombstone_at_compaction_revision(store):
        replay = replay[1:]
    assert summary(store.watch("/registry/pods/", start_revision=6).take()) == replay


def test_a_watch_from_the_compaction_revision_replays_a_put_there(store):
    # The same, for a PUT at the compaction revision: every etcd release keeps it.
    history_store(store)
    store.compact(5)
    assert summary(store.watch("/registry/pods/", start_revision=5).take()) == [
        ("PUT", POD_A, 5), ("DELETE", POD_B, 6), ("PUT", POD_KS, 7)]


@pytest.mark.parametrize("first, second, error", [
    # Compact: rev <= compactMainRev -> ErrCompacted; rev > currentRev -> ErrFutureRev.
    (4, 4, Compacted),
    (4, 3, Compacted),
    (None, 8, FutureRevision),
])
def test_compact_refuses_an_already_compacted_or_a_future_revision(store, first, second, error):
    history_store(store)
    if first:
        store.compact(first)
    with pytest.raises(error):
        store.compact(second)
    assert store.compacted == (first or 0)


def test_compacting_to_the_current_revision_is_allowed(store):
    # Compact: only rev > currentRev is a future revision.
    history_store(store)
    store.compact(7)
    assert store.range("/registry/pods/", 7)[0] == store.range("/registry/pods/")[0]


def test_a_key_deleted_before_the_compaction_revision_is_gone_from_every_readable_revision(store):
    history_store(store)
    store.compact(6)
    assert all(store.get(POD_B, revision) is None for revision in (6, 7))
    assert POD_B not in keys(store.range("/registry/pods/", 6)[0])


def test_a_live_watch_keeps_receiving_events_after_compaction(store):
    watch = store.watch("/registry/pods/")
    history_store(store)
    store.compact(7)
    store.update(POD_A, "v4")
    assert [e.kv.mod_revision for e in watch.take()] == [2, 3, 4, 5, 6, 7, 8]


# -- delivery on the writer's thread (kubelab's promise) ---------------------------------------

def revisions(events):
    return [e.kv.mod_revision for e in events]


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

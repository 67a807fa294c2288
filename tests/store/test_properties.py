"""Property tests of the store contract, on every backend.

(a) A Kubernetes reflector lists at revision r, then watches from r + 1 and
    applies the events: the state it rebuilds must equal a range at every
    later revision (etcd's watch guarantees: ordered, reliable, atomic).
(b) Random create/update/delete/compact/read sequences behave like a plain
    dict of snapshots per revision (etcd's data model: one revision per write,
    old revisions readable until compacted).
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kubelab.store import Compacted, CompareFailed, FutureRevision, KeyExists, KeyValue

KEYS = [
    "/registry/pods/a/x", "/registry/pods/a/y", "/registry/pods/b/x",
    "/registry/pods0/a/x", "/registry/podsx/a/x", "/registry/services/a/x", "/registry/pod",
]
PREFIXES = ["", "/registry/", "/registry/pods/", "/registry/pods/a/", "/registry/podsx/", "/registry/pod"]

keys = st.sampled_from(KEYS)
values = st.integers(0, 9)
compares = st.sampled_from([None, "current", "stale"])     # the mod_revision a CAS is made with
writes = st.one_of(
    st.tuples(st.just("create"), keys, values),
    st.tuples(st.just("update"), keys, values, compares),
    st.tuples(st.just("delete"), keys, compares),
)
picks = st.integers(0, 1000)                               # picks a revision relative to the store's
operations = st.one_of(
    writes,
    st.tuples(st.just("compact"), picks),
    st.tuples(st.just("read"), keys, st.sampled_from(PREFIXES), picks),
)


def examples(make_store, n: int) -> int:
    """Hypothesis examples for a backend: ``n``, capped by the factory's ``max_examples`` (a real
    etcd starts a server per example)."""
    return min(n, getattr(make_store, "max_examples", n))


def mod_revision_for(store, key, compare):
    current = store.get(key)
    if compare is None:
        return None
    if compare == "current":
        return current.mod_revision if current else 1
    return current.mod_revision - 1 if current else store.revision


def write(store, op):
    """Apply one write; a refused one (KeyExists, CompareFailed) leaves the store as it was."""
    kind, key = op[0], op[1]
    try:
        if kind == "create":
            store.create(key, op[2])
        elif kind == "update":
            store.update(key, op[2], mod_revision_for(store, key, op[3]))
        else:
            store.delete(key, mod_revision_for(store, key, op[2]))
    except (KeyExists, CompareFailed):
        pass


# -- (a) list + watch reproduces every later range ---------------------------------------------

def state_at(store, prefix, revision):
    return {kv.key: kv for kv in store.range(prefix, revision)[0]}


def test_a_list_at_r_plus_a_watch_from_r_plus_1_reproduces_every_later_range(make_store):
    @settings(max_examples=examples(make_store, 150), deadline=None)
    @given(before=st.lists(writes, max_size=25), compact_at=picks, after=st.lists(writes, max_size=25),
           prefix=st.sampled_from(PREFIXES))
    def check(before, compact_at, after, prefix):
        store = make_store()
        for op in before:
            write(store, op)
        if store.revision > 1:
            store.compact(1 + compact_at % store.revision)
        first = max(store.compacted, 1)
        lists = {r: (state_at(store, prefix, r), store.watch(prefix, start_revision=r + 1))
                 for r in range(first, store.revision + 1)}
        for op in after:                                   # these reach the watches live
            write(store, op)
        for r, (state, watch) in lists.items():
            events = watch.take()
            assert [e.kv.mod_revision for e in events] == sorted({e.kv.mod_revision for e in events})
            pending = iter(events)
            event = next(pending, None)
            for q in range(r + 1, store.revision + 1):
                while event is not None and event.kv.mod_revision == q:
                    assert event.prev_kv == state.get(event.kv.key)
                    if event.type == "PUT":
                        state[event.kv.key] = event.kv
                    else:
                        del state[event.kv.key]
                    event = next(pending, None)
                assert state == state_at(store, prefix, q)
            assert event is None

    check()


# -- (b) the store behaves like a dict of snapshots -------------------------------------------------

class Model:
    """The simplest etcd: a dict {key: KeyValue} for every revision, and a compaction mark."""

    def __init__(self):
        self.snapshots = {1: {}}
        self.revision = 1
        self.compacted = 0

    @property
    def now(self):
        return self.snapshots[self.revision]

    def commit(self, state):
        self.revision += 1
        self.snapshots[self.revision] = state

    def create(self, key, value):
        if key in self.now:
            raise KeyExists(key)
        kv = KeyValue(key, value, self.revision + 1, self.revision + 1, 1)
        self.commit({**self.now, key: kv})
        return kv

    def update(self, key, value, mod_revision):
        current = self.check(key, mod_revision)
        kv = KeyValue(key, value, current.create_revision, self.revision + 1, current.version + 1)
        self.commit({**self.now, key: kv})
        return kv

    def delete(self, key, mod_revision):
        current = self.check(key, mod_revision)
        self.commit({k: kv for k, kv in self.now.items() if k != key})
        return current

    def check(self, key, mod_revision):
        current = self.now.get(key)
        if current is None or mod_revision not in (None, current.mod_revision):
            raise CompareFailed(key, current)
        return current

    def compact(self, revision):
        if revision <= self.compacted:
            raise Compacted(revision, self.compacted)
        if revision > self.revision:
            raise FutureRevision(revision, self.revision)
        self.compacted = revision

    def at(self, revision):
        if revision > self.revision:
            raise FutureRevision(revision, self.revision)
        if revision <= 0:
            return self.now, self.revision
        if revision < self.compacted:
            raise Compacted(revision, self.compacted)
        return self.snapshots[revision], revision

    def get(self, key, revision):
        return self.at(revision)[0].get(key)

    def range(self, prefix, revision):
        state, revision = self.at(revision)
        return [state[k] for k in sorted(state) if k.startswith(prefix)], revision

    def count(self, prefix):
        return sum(k.startswith(prefix) for k in self.now)


def outcome(call):
    """What a call returned, or the error it raised with its fields."""
    try:
        return "ok", call()
    except (KeyExists, CompareFailed, Compacted, FutureRevision) as error:
        return type(error).__name__, {k: v for k, v in vars(error).items() if not k.startswith("_")}


def test_random_operations_match_a_dict_of_snapshots(make_store):
    @settings(max_examples=examples(make_store, 300), deadline=None)
    @given(ops=st.lists(operations, max_size=40))
    def check(ops):
        store, model = make_store(), Model()
        for op in ops:
            kind = op[0]
            if kind == "create":
                calls = [lambda s: s.create(op[1], op[2])]
            elif kind in ("update", "delete"):
                mod_revision = mod_revision_for(store, op[1], op[-1])
                if kind == "update":
                    calls = [lambda s: s.update(op[1], op[2], mod_revision)]
                else:
                    calls = [lambda s: s.delete(op[1], mod_revision)]
            elif kind == "compact":
                # From one below the compaction mark to one above the current revision.
                revision = model.compacted - 1 + op[1] % (model.revision - model.compacted + 3)
                calls = [lambda s: s.compact(revision)]
            else:
                revision = op[3] % (model.revision + 2) - 1        # -1 .. revision + 1
                calls = [lambda s: s.get(op[1], revision), lambda s: s.range(op[2], revision),
                         lambda s: s.count(op[2])]
            for call in calls:
                assert outcome(lambda: call(store)) == outcome(lambda: call(model))
            assert (store.revision, store.compacted) == (model.revision, model.compacted)
            assert store.range("") == model.range("", 0)

    check()

"""kube-apiserver compacts etcd's history on its own, every --etcd-compaction-interval.

What Kubernetes does (k8s.io/apiserver/pkg/storage/etcd3/compact.go; the interval's default
is storagebackend.DefaultCompactInterval, 5 minutes, and "If 0, the compaction request from
apiserver is disabled"):

- "The first compaction happens after interval": each tick is a Txn on compact_rev_key,
  If version(compact_rev_key) == local compact time, Then Put(compact_rev_key, rev), and the
  first tick does not compact ("We don't compact on bootstrap"); each later tick compacts to
  the revision recorded at the tick before, so at least one interval of history is kept.
- Several API servers share the key: only the one whose compact time is current wins the
  compare-and-swap, so there is one compaction per interval; "If an APIServer crashed,
  another one would take over".
- A watch from a compacted resourceVersion: 410 Gone "too old resource version" (reason
  Expired); client-go's Reflector lists again.
"""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.apiserver.compaction import COMPACT_REV_KEY, Compactor
from kubelab.client import Informer

INTERVAL = 300


def run_until(c, seconds):
    c.run(seconds - c.clock.seconds)


def marker(c):
    """compact_rev_key: (its version = the compact time, its value, the revision of its put)."""
    kv = c.store.get(COMPACT_REV_KEY)
    return None if kv is None else (kv.version, kv.value, kv.mod_revision)


def retained(store):
    """How many versions and events the memory store holds (its MVCC history and its event log)."""
    return sum(len(revs) for revs, _ in store._history.values()) + len(store._log)


def test_the_first_tick_records_a_revision_and_each_later_tick_compacts_to_the_one_before():
    c = kl.Cluster(nodes=1)
    assert c.clock.seconds < INTERVAL and c.api.compactor.interval == INTERVAL
    run_until(c, INTERVAL - 1)
    assert marker(c) is None and c.store.compacted == 0
    run_until(c, INTERVAL)                      # 5 min: records the revision, compacts nothing
    version, value, at_5 = marker(c)
    assert (version, value, c.store.compacted) == (1, 0, 0)
    run_until(c, 2 * INTERVAL)                  # 10 min: compacts to the revision of 5 min
    version, value, at_10 = marker(c)
    assert (version, value, c.store.compacted) == (2, at_5, at_5)
    run_until(c, 3 * INTERVAL)                  # 15 min: to the revision of 10 min
    assert marker(c)[:2] == (3, at_10) and c.store.compacted == at_10
    assert c.api.compactor.compactions == [(600.0, at_5), (900.0, at_10)]


def test_the_compactors_key_is_outside_the_registry_and_not_in_the_audit_log():
    c = kl.Cluster(nodes=1)
    audited = len(c.api.audit)
    run_until(c, INTERVAL)
    assert [kv.key for kv in c.store.range("/registry/")[0] if "compact" in kv.key] == []
    assert all(a.revision != marker(c)[2] for a in c.api.audit[audited:])


def test_a_watch_from_a_compacted_revision_is_410_too_old_resource_version():
    c = kl.Cluster(nodes=1)
    start = c.store.revision
    c.api.watch("pods", resource_version=str(start)).stop()     # retained: fine
    run_until(c, 2 * INTERVAL)
    with pytest.raises(errors.Gone) as gone:
        c.api.watch("pods", resource_version=str(start))
    assert (gone.value.code, gone.value.reason) == (410, "Expired")
    assert str(gone.value) == f"too old resource version: {start} ({c.store.compacted})"
    with pytest.raises(errors.Gone):
        c.api.list("pods", resource_version=str(start))
    # one interval back is always retained
    c.api.watch("pods", resource_version=str(c.store.compacted)).stop()


def test_an_informer_cut_off_past_a_compaction_lists_again_when_it_reconnects():
    # reflector.go: the re-watch from the last resourceVersion it saw answers 410 Gone, so it relists
    c = kl.Cluster(nodes=1, control_plane_replicas=3)
    conn = c.control_plane.balancer.connect("test-informer")
    seen = []
    inf = Informer(conn, "configmaps", loop=c.loop, owner="test-informer")
    inf.add_handler(lambda o: seen.append(("add", o["metadata"]["name"])),
                    lambda old, new: seen.append(("update", new["metadata"]["name"])),
                    lambda o: seen.append(("delete", o["metadata"]["name"])))
    c.apply("{apiVersion: v1, kind: ConfigMap, metadata: {name: old}}")
    inf.start()
    seen.clear()
    conn.partition()
    c.delete("configmap", "old")
    c.apply("{apiVersion: v1, kind: ConfigMap, metadata: {name: new}}")
    run_until(c, 2 * INTERVAL)
    assert c.store.compacted > int(inf.last_resource_version)
    conn.heal()
    c.run(0)
    assert inf.relists == 2
    assert seen == [("delete", "old"), ("add", "new")]
    assert sorted(inf.cache) == sorted(f"{cm['metadata']['namespace']}/{cm['metadata']['name']}"
                                       for cm in c.get("configmaps", namespace=None))


def test_with_three_api_servers_only_one_compacts_per_interval():
    c = kl.Cluster(nodes=1, control_plane_replicas=3)
    run_until(c, 6 * INTERVAL)
    done = sorted(t for server in c.apiservers for t, _ in server.compactor.compactions)
    assert done == [600.0, 900.0, 1200.0, 1500.0, 1800.0]
    assert marker(c)[0] == 6                    # one successful compare-and-swap per interval
    assert [len(s.compactor.compactions) for s in c.apiservers] == [5, 0, 0]


def test_when_the_compacting_api_server_dies_another_takes_over():
    c = kl.Cluster(nodes=1, control_plane_replicas=3)
    run_until(c, 2 * INTERVAL)
    c.stop("kube-apiserver-0")
    run_until(c, 5 * INTERVAL)
    assert [t for t, _ in c.apiservers[1].compactor.compactions] == [900.0, 1200.0, 1500.0]
    c.start("kube-apiserver-0")                 # a new process: it learns the compact time, then waits
    run_until(c, 7 * INTERVAL)
    done = sorted(t for server in c.apiservers for t, _ in server.compactor.compactions)
    assert done == [600.0, 900.0, 1200.0, 1500.0, 1800.0, 2100.0]


def test_an_interval_of_zero_never_compacts_and_a_negative_one_is_refused():
    c = kl.Cluster(nodes=1, etcd_compaction_interval=0)
    run_until(c, 12 * INTERVAL)
    assert (c.store.compacted, marker(c), c.api.compactor.running) == (0, None, False)
    with pytest.raises(ValueError, match="etcd_compaction_interval must be a number of seconds >= 0"):
        kl.Cluster(nodes=0, etcd_compaction_interval=-1)


def test_the_interval_is_configurable():
    c = kl.Cluster(nodes=1, etcd_compaction_interval=60)
    run_until(c, 180)
    assert [t for t, _ in c.api.compactor.compactions] == [120.0, 180.0]


def test_compaction_timers_do_not_keep_the_cluster_from_settling():
    c = kl.Cluster(nodes=1)
    c.apply("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}")
    c.run()
    assert c.clock.seconds < INTERVAL


def test_a_compaction_made_by_hand_past_the_compactors_target_is_tolerated():
    # compact.go logs the error of a Compact and carries on at the next interval
    c = kl.Cluster(nodes=1)
    run_until(c, INTERVAL + 100)
    by_hand = c.store.revision
    c.store.compact(by_hand)
    run_until(c, 2 * INTERVAL)
    assert c.store.compacted == by_hand and c.api.compactor.compactions == []
    run_until(c, 3 * INTERVAL)
    assert c.store.compacted > by_hand and len(c.api.compactor.compactions) == 1


def test_an_hour_of_a_three_node_cluster_keeps_about_one_interval_of_history():
    # What the compactor is for: without it etcd's history grows with every write.
    c = kl.Cluster(nodes=3)
    c.apply("""{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 3,
      selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}},
      spec: {containers: [{name: web, image: "nginx:1.27"}]}}}}""")
    run_until(c, 2 * INTERVAL)
    at_10_min = c.store.revision
    run_until(c, 4 * INTERVAL)
    per_interval = (c.store.revision - at_10_min) / 2
    half_hour = retained(c.store)
    run_until(c, 12 * INTERVAL)
    # Between two compactions the store keeps the live keys' versions plus at most two
    # intervals of writes; it does not grow from the half hour to the hour.
    live = len(c.store._latest)
    assert c.store.revision - c.store.compacted <= 2 * per_interval + 10
    assert retained(c.store) <= 2 * (live + 2 * per_interval)
    assert abs(retained(c.store) - half_hour) <= per_interval / 10
    never = kl.Cluster(nodes=3, etcd_compaction_interval=0)
    run_until(never, 12 * INTERVAL)
    assert retained(never.store) > 5 * retained(c.store)


def test_a_compactor_made_by_hand_runs_on_any_loop_and_store():
    c = kl.Cluster(nodes=0, etcd_compaction_interval=0)
    compactor = Compactor(c.store, c.loop, interval=10, owner="my-apiserver")
    compactor.start()
    assert repr(compactor) == "<Compactor my-apiserver every 10s compact_time=0 rev=0>"
    c.apply("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}")
    c.run(20)
    assert compactor.compactions == [(c.clock.seconds, c.store.compacted)]
    compactor.stop()
    c.run(100)
    assert len(compactor.compactions) == 1

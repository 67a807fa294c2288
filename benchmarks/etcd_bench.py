"""What real etcd costs the lab: the same operations on the memory store and on EtcdStore.

Run: ``python benchmarks/etcd_bench.py`` (about half a minute; needs Debian's
etcd-server). Prints one markdown table; each number is the best of 3 runs (a
fresh store each, on etcd under its own key prefix). etcd runs as a single
member on loopback with its data in /dev/shm, so the numbers are the gateway's
JSON, HTTP and raft round trip, not a disk's fsync; the failover rows use a
three-member cluster and measure wall time around one call.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kubelab as kl  # noqa: E402
from kubelab import errors  # noqa: E402
from kubelab.store.etcd import EtcdStore  # noqa: E402
from kubelab.store.etcd_cluster import EtcdCluster, available  # noqa: E402
from kubelab.store.memory import MemoryStore  # noqa: E402

KEYS = 300
RUNS = 3
WATCHERS = 20
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": [{"name": "c"}]}}
WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 10
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
"""


def rate(count: int, run) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def writes(store) -> float:
    keys = [f"/registry/pods/default/w{i}" for i in range(KEYS)]

    def run():
        for key in keys:
            kv = store.create(key, POD)
            store.update(key, POD, kv.mod_revision)
            store.delete(key)
    return rate(3 * KEYS, run)


def reads(store) -> float:
    for i in range(KEYS):
        store.create(f"/registry/pods/default/r{i}", POD)
    return rate(KEYS, lambda: [store.get(f"/registry/pods/default/r{i}") for i in range(KEYS)])


def watched_writes(store) -> float:
    """Writes with WATCHERS watches on the prefix, each notified inside the write."""
    watches = [store.watch("/registry/pods/", notify=lambda: None) for _ in range(WATCHERS)]
    rate_ = rate(KEYS, lambda: [store.create(f"/registry/pods/default/x{i}", POD) for i in range(KEYS)])
    assert all(len(w.take()) == KEYS for w in watches)
    for w in watches:
        w.stop()
    return rate_


def rollout(store) -> float:
    """Seconds to build a 3-node lab and roll out a 10-replica Deployment."""
    start = time.perf_counter()
    c = kl.Cluster(store=store)
    c.apply(WEB)
    c.run(120)
    assert len(c.get("pods", selector="app=web")) == 10
    return time.perf_counter() - start


def on_both(measure, best=max) -> tuple[float, float]:
    memory = best(measure(MemoryStore()) for _ in range(RUNS))
    with EtcdCluster(1, heartbeat_ms=10, election_ms=50) as etcd:
        results = []
        for run in range(RUNS):
            with EtcdStore(etcd.endpoints, prefix=f"/run{run}") as store:
                results.append(measure(store))
        return memory, best(results)


def failover() -> list[tuple[str, float]]:
    with EtcdCluster(3) as etcd, EtcdStore(etcd.endpoints, timeout=1.0) as store:
        store.create("/registry/pods/default/a", POD)
        leader = next(i for i, h in enumerate(etcd.health()) if h.leader)
        etcd.stop(leader)
        start = time.perf_counter()
        store.update("/registry/pods/default/a", POD)
        after_leader_stop = time.perf_counter() - start
        etcd.stop(next(i for i, h in enumerate(etcd.health()) if h.up and not h.leader))
        start = time.perf_counter()
        try:
            store.update("/registry/pods/default/a", POD)
        except errors.ServiceUnavailable:
            quorum_lost = time.perf_counter() - start
        etcd.start(0), etcd.start(1), etcd.start(2)
        start = time.perf_counter()
        store.create("/registry/pods/default/b", POD)
        recovered = time.perf_counter() - start
    return [("first write after the leader stops (s)", after_leader_stop),
            ("503 with a lost quorum, timeout=1.0 (s)", quorum_lost),
            ("first write after restarting members (s)", recovered)]


def main() -> None:
    ok, reason = available()
    if not ok:
        sys.exit(f"etcd_bench needs etcd: {reason}")
    start = time.perf_counter()
    with EtcdCluster(3):
        three_members = time.perf_counter() - start
    print("| measure | memory | etcd |")
    print("|---|---:|---:|")
    for name, measure in [("writes/s (create, CAS update, delete)", writes), ("gets/s", reads),
                          (f"writes/s with {WATCHERS} watches notified", watched_writes)]:
        memory, etcd = on_both(measure)
        print(f"| {name} | {memory:,.0f} | {etcd:,.0f} |")
    memory, etcd = on_both(rollout, best=min)
    print(f"| 3-node lab + 10-replica rollout (s) | {memory:.2f} | {etcd:.2f} |")
    print(f"| start a 3-member etcd cluster (s) | | {three_members:.2f} |")
    for name, seconds in failover():
        print(f"| {name} | | {seconds:.2f} |")


if __name__ == "__main__":
    main()

"""How fast is the in-memory etcd? Writes, reads and watch fan-out, each next to a plain dict.

Run: ``python benchmarks/store_bench.py`` (a few seconds). Prints one markdown
table; each number is the best of 3 runs, single-threaded. The dict baseline
does the least work that gives the same answer, so the ratio shows what MVCC
history, the sorted key index and the watcher index cost on top of a hash map.
"""
from __future__ import annotations

import random
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubelab.store.memory import MemoryStore  # noqa: E402

KEYS = 20_000          # pods spread over 50 namespaces, created in random order
UPDATES = 3            # each pod is then updated 3 times and deleted: 5 writes per key
READS = 300_000
WATCHERS = 100         # informers on /registry/pods/ (cluster-wide) and its namespaces
WATCHED_WRITES = 10_000
TAKE_EVERY = 100       # watchers drain their queue every 100 writes, as an API server would
RUNS = 3


def pod_keys() -> list[str]:
    rng = random.Random(0)
    keys = [f"/registry/pods/ns-{i % 50}/web-{rng.getrandbits(40):010x}" for i in range(KEYS)]
    rng.shuffle(keys)
    return keys


def best(run) -> float:
    """The fastest of RUNS timings of run(), which returns (operations, seconds)."""
    return max(ops / seconds for ops, seconds in (run() for _ in range(RUNS)))


def writes_store() -> tuple[int, float]:
    keys, store, pod = pod_keys(), MemoryStore(), {"kind": "Pod"}
    start = time.perf_counter()
    for key in keys:
        store.create(key, pod, 600)
    for _ in range(UPDATES):
        for key in keys:
            store.update(key, pod, None, 600)
    for key in keys:
        store.delete(key)
    return KEYS * (UPDATES + 2), time.perf_counter() - start


def writes_dict() -> tuple[int, float]:
    keys, data, pod, revision = pod_keys(), {}, {"kind": "Pod"}, 1
    start = time.perf_counter()
    for key in keys:
        revision += 1
        data[key] = (pod, revision)
    for _ in range(UPDATES):
        for key in keys:
            revision += 1
            data[key] = (pod, revision)
    for key in keys:
        revision += 1
        del data[key]
    return KEYS * (UPDATES + 2), time.perf_counter() - start


def reads(get, keys: list[str]) -> tuple[int, float]:
    lookups = [keys[i % len(keys)] for i in range(READS)]
    start = time.perf_counter()
    for key in lookups:
        get(key)
    return READS, time.perf_counter() - start


def reads_store() -> tuple[int, float]:
    keys, store = pod_keys(), MemoryStore()
    for key in keys:
        store.create(key, {"kind": "Pod"})
    return reads(store.get, keys)


def reads_dict() -> tuple[int, float]:
    keys = pod_keys()
    return reads(dict.fromkeys(keys, {"kind": "Pod"}).get, keys)


def watch_prefixes() -> list[str]:
    """Half the watchers see every pod, half one namespace each: every write reaches 51."""
    return ["/registry/pods/" if i % 2 else f"/registry/pods/ns-{i // 2}/" for i in range(WATCHERS)]


def deliveries_store() -> tuple[int, float]:
    keys, store, ready = pod_keys()[:WATCHED_WRITES], MemoryStore(), []
    watches = [store.watch(prefix, notify=partial(ready.append, i)) for i, prefix in enumerate(watch_prefixes())]
    for resource in ("services", "endpoints", "nodes"):   # watchers the pod writes must skip cheaply
        store.watch(f"/registry/{resource}/")
    delivered = 0
    start = time.perf_counter()
    for i, key in enumerate(keys, 1):
        store.create(key, {"kind": "Pod"})
        if i % TAKE_EVERY == 0:
            for watch in watches:
                delivered += len(watch.take())
            ready.clear()
    return delivered, time.perf_counter() - start


def deliveries_dict() -> tuple[int, float]:
    keys, queues = pod_keys()[:WATCHED_WRITES], [(prefix, []) for prefix in watch_prefixes()]
    delivered = 0
    start = time.perf_counter()
    for i, key in enumerate(keys, 1):
        event = ("PUT", key, {"kind": "Pod"})
        for prefix, queue in queues:
            if key.startswith(prefix):
                queue.append(event)
        if i % TAKE_EVERY == 0:
            for prefix, queue in queues:
                delivered += len(queue)
                queue.clear()
    return delivered, time.perf_counter() - start


MEASUREMENTS = [
    ("writes/s (create, 3× update, delete; 20k keys)", writes_store, writes_dict, 50_000),
    ("reads/s (get by key, 20k keys)", reads_store, reads_dict, 140_000),
    (f"watch deliveries/s ({WATCHERS} watchers)", deliveries_store, deliveries_dict, 500_000),
]


def main() -> None:
    print("| measurement | kubelab | dict baseline | target |")
    print("| --- | ---: | ---: | ---: |")
    for name, store_run, dict_run, target in MEASUREMENTS:
        print(f"| {name} | {best(store_run):,.0f} | {best(dict_run):,.0f} | ≥ {target:,} |")


if __name__ == "__main__":
    main()

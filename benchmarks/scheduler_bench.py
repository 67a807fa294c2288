"""How fast does kube-scheduler place Pods? The whole path, next to a naive loop.

Run: ``python benchmarks/scheduler_bench.py`` (about two minutes; ``--quick``
for a smaller run). For each case, N Pods (100m cpu, 128Mi each) are created
through the API server onto M nodes (4 cpu / 16Gi / 110 pods) and the
cluster runs until every Pod is bound: informer, queue, the default plugins'
PreFilter/Filter/PreScore/Score, assume, Bind through pods/binding, the
Scheduled event. Nodes run no kubelet (Pods are bound, not started), so the
numbers are the scheduler's. "end to end" counts from the first create to the last bind;
"scheduling" counts only ``run()`` after all Pods were created. The naive
baseline is a plain Python loop over dicts that checks cpu/memory/pod count
on every node and picks the least-allocated one (no API, no events, no
percentageOfNodesToScore). Prints one markdown table.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kubelab as kl  # noqa: E402
from kubelab.api.meta import format_time  # noqa: E402
from kubelab.node.registration import node_conditions, node_manifest  # noqa: E402

CPU_M, MEM = 100, 128 * 2**20


def pod(i: int) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p-{i}", "labels": {"app": "bench"}},
            "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10",
                                     "resources": {"requests": {"cpu": f"{CPU_M}m", "memory": "128Mi"}}}]}}


def cluster(nodes: int) -> kl.Cluster:
    """A cluster whose Nodes are registered through the API but run no kubelet:
    this measures the scheduler's path, not the Pods' start-up."""
    c = kl.Cluster(nodes=0, seed=0)
    stamp = format_time(c.now)
    for i in range(1, nodes + 1):
        node = node_manifest(f"node-{i}", i)
        node["status"]["conditions"] = node_conditions(stamp)
        c.api.create(node)
    c.run(0)
    return c


def whole_path(pods: int, nodes: int) -> tuple[float, float, float]:
    """(end-to-end pods/s, scheduling-only pods/s, seconds) through kl.Cluster."""
    c = cluster(nodes)
    manifests = [pod(i) for i in range(pods)]
    start = time.perf_counter()
    for m in manifests:
        c.api.create(m)
    created = time.perf_counter()
    c.run(0)
    end = time.perf_counter()
    bound = sum(1 for p in c.api.list("pods")["items"] if p["spec"].get("nodeName"))
    assert bound == pods, f"only {bound}/{pods} pods bound"
    return pods / (end - start), pods / (end - created), end - start


def naive(pods: int, nodes: int) -> float:
    """A filter-and-score loop with no framework: the floor of what Python costs."""
    alloc_cpu, alloc_mem, max_pods = 4000, 16 * 2**30 - 100 * 2**20, 110
    state = [[0, 0, 0] for _ in range(nodes)]
    start = time.perf_counter()
    for _ in range(pods):
        best, best_score = None, -1
        for n in state:
            if n[2] + 1 > max_pods or n[0] + CPU_M > alloc_cpu or n[1] + MEM > alloc_mem:
                continue
            score = ((alloc_cpu - n[0] - CPU_M) * 100 // alloc_cpu + (alloc_mem - n[1] - MEM) * 100 // alloc_mem) // 2
            if score > best_score:
                best, best_score = n, score
        best[0] += CPU_M
        best[1] += MEM
        best[2] += 1
    return pods / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 pods instead of 10,000")
    args = parser.parse_args()
    pods = 2000 if args.quick else 10_000
    cases = [(pods, 1000, 1500), (pods, 5000, 680)]
    print("| pods | nodes | end to end (pods/s) | scheduling only (pods/s) | naive loop (pods/s) | target (pods/s) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n_pods, n_nodes, target in cases:
        e2e, sched, _ = whole_path(n_pods, n_nodes)
        base = naive(n_pods, n_nodes)
        print(f"| {n_pods:,} | {n_nodes:,} | {e2e:,.0f} | {sched:,.0f} | {base:,.0f} | ≥ {target:,} |", flush=True)


if __name__ == "__main__":
    main()

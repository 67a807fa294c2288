"""How fast do kubelets run Pods? Wall time to bring N Pods to Running, and to run them on.

Run: ``python benchmarks/kubelet_bench.py`` (under a minute). Prints one markdown
table: for N nginx Pods on 10 nodes, the wall time from ``apply`` until the cluster
settles with every Pod Running (sandbox, image pull, start, status writes), the
simulated seconds that took, and the wall time to advance 10 simulated minutes with
every Pod running a readiness probe (every 10 s) and the kubelets heartbeating.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kubelab as kl  # noqa: E402

NODES = 10
SIZES = (100, 500, 1000)


def pods(n: int) -> list[dict]:
    return [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"web-{i:04d}"},
             "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                      "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}]}}
            for i in range(n)]


def measure(n: int) -> tuple[float, float, float, int]:
    c = kl.Cluster(nodes=NODES)
    t0, sim0 = time.perf_counter(), c.clock.seconds
    c.apply(pods(n))
    c.run()
    start_wall, start_sim = time.perf_counter() - t0, c.clock.seconds - sim0
    running = sum(p["status"].get("phase") == "Running" for p in c.get("pods"))
    t1 = time.perf_counter()
    c.run(600)
    return start_wall, start_sim, time.perf_counter() - t1, running


def main() -> None:
    print(f"| pods ({NODES} nodes) | to Running: wall s | simulated s | 10 simulated min: wall s | Running |")
    print("|---:|---:|---:|---:|---:|")
    for n in SIZES:
        wall, sim, steady, running = measure(n)
        print(f"| {n} | {wall:.2f} | {sim:.1f} | {steady:.2f} | {running} |")


if __name__ == "__main__":
    main()

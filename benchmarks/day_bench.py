"""A simulated day: load waves, a HorizontalPodAutoscaler and the cluster autoscaler.

Run: ``python benchmarks/day_bench.py`` (24 simulated hours, several wall-clock
minutes; ``--hours 2`` for a shorter run, ``--hourly`` for an hour-by-hour table).

Everything is the real engine: a load generator (kubelab.metrics) sends a
daily wave of requests per second, trough at midnight and peak at noon, to a
Service in front of a Deployment; the backends' CPU follows the requests they
serve; metrics-server scrapes the kubelets every 15 s; the HPA (autoscaling/v2,
60 % CPU) resizes the Deployment every 15 s; Pods that do not fit go Pending and
the cluster autoscaler grows the node group (new nodes join 60 s after the
request), and shrinks it again when nodes sit under half used for 10 minutes,
draining them through the Eviction API. Node group: 4-cpu workers, 2 to 100
nodes; one fixed system node takes the clients' traffic.

Prints one markdown table: simulated time covered, wall-clock time and the
speed-up over real time (and the same for the process's CPU time, which other
work on a shared machine does not inflate), and what the autoscalers did.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kubelab as kl  # noqa: E402
from kubelab.autoscaler import ClusterAutoscaler, NodeGroup  # noqa: E402
from kubelab.metrics import LoadGenerator, waves  # noqa: E402

DAY = 86400.0

WORKLOAD = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
     "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
              "template": {"metadata": {"labels": {"app": "web"}},
                           "spec": {"nodeSelector": {"kubelab.io/node-group": "workers"},
                                    "containers": [{"name": "nginx", "image": "nginx:1.27", "resources": {
                                        "requests": {"cpu": "500m", "memory": "256Mi"}}}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
     "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
    {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
     "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
              "minReplicas": 4, "maxReplicas": 800,
              "metrics": [{"type": "Resource", "resource": {
                  "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]}},
]


def day(hours: float, low: float, high: float, max_nodes: int, seed: int, hourly: bool) -> dict:
    started, cpu_started = time.perf_counter(), time.process_time()
    c = kl.Cluster(nodes=[{"metadata": {"name": "system-1"}}], seed=seed)
    ca = ClusterAutoscaler(c, [NodeGroup("workers", min_size=2, max_size=max_nodes, size=2,
                                         capacity={"cpu": "4", "memory": "16Gi", "pods": "110"})])
    c.apply(WORKLOAD)
    load = LoadGenerator(c, "web", rps=waves(low, high, period=DAY), cpu_per_request="10m").start()
    workers = lambda: len(ca.groups["workers"].registered)          # noqa: E731
    peak_nodes, low_nodes, peak_replicas, served, offered = workers(), workers(), 0, 0.0, 0.0
    rows, hour_started = [], time.perf_counter()
    for step in range(int(hours * 6)):                   # ten simulated minutes at a time
        c.run(600)
        deployment = c.get("deployment", "web")
        peak_nodes, low_nodes = max(peak_nodes, workers()), min(low_nodes, workers())
        peak_replicas = max(peak_replicas, deployment["spec"]["replicas"])
        window = [s for s in load.samples if s.seconds > c.clock.seconds - 600]
        served += sum(s.served for s in window)
        offered += sum(s.offered for s in window)
        if hourly and step % 6 == 5:
            rows.append((f"{c.clock.seconds / 3600:.0f}", f"{time.perf_counter() - hour_started:.1f}",
                         f"{window[-1].offered:.0f}", str(deployment["spec"]["replicas"]), str(workers())))
            hour_started = time.perf_counter()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    events = c.events(None)
    ups = [e for e in events if e["reason"] == "ScaledUpGroup"]
    removed = [e for e in events if e["reason"] in ("ScaleDown", "ScaleDownEmpty") and " removed" in e["message"]]
    return {"simulated": c.clock.seconds, "wall": wall, "cpu": cpu, "peak_nodes": peak_nodes, "low_nodes": low_nodes,
            "peak_replicas": peak_replicas, "scale_ups": len(ups), "removed": len(removed),
            "served": served / offered if offered else 1.0, "steps": c.loop.steps, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--low", type=float, default=1000.0, help="requests per second at midnight")
    parser.add_argument("--high", type=float, default=25000.0, help="requests per second at noon")
    parser.add_argument("--max-nodes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hourly", action="store_true", help="also print an hour-by-hour table")
    args = parser.parse_args()
    r = day(args.hours, args.low, args.high, args.max_nodes, args.seed, args.hourly)
    print("| simulated | wall clock | speed-up | CPU time | speed-up (CPU) | worker nodes (min-max) | "
          "replicas (max) | scale-ups | nodes removed | requests served | loop callbacks |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {r['simulated'] / 3600:.0f} h | {r['wall']:.0f} s | {r['simulated'] / r['wall']:.0f}x | "
          f"{r['cpu']:.0f} s | {r['simulated'] / r['cpu']:.0f}x | "
          f"{r['low_nodes']}-{r['peak_nodes']} (max {args.max_nodes}) | {r['peak_replicas']} | {r['scale_ups']} | "
          f"{r['removed']} | {r['served']:.1%} | {r['steps']:,} |")
    if r["rows"]:
        print("\n| hour | wall clock of the hour (s) | requests/s | replicas | worker nodes |")
        print("|---|---|---|---|---|")
        for row in r["rows"]:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()

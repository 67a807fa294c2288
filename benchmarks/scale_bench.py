"""Can the lab run a cluster for an hour, and how big can it get?

Run: ``python benchmarks/scale_bench.py`` for both, or ``hour`` (about a
minute) or ``envelope`` (up to ``--budget`` wall seconds, default 300). Everything is the real lab: kubelets with their leases, node
status and eviction checks, the node lifecycle controller, metrics-server, the
controllers, the scheduler.

* hour: 100 nodes and a 3,000-replica Deployment, settled; then one simulated
  hour of steady state. Reports the wall time and the ratio of simulated to
  wall time (target ≥ 3,600×: an hour in a second).
* envelope: Kubernetes' documented limits (5,000 nodes, 150,000 Pods) built and
  converged: 5,000 nodes, then 30 Deployments of 5,000 replicas, run until
  every Pod is Running and Ready, or until a watchdog thread finds the
  wall-clock budget or the memory budget (``--memory``, default 2 GiB of
  resident memory) spent and interrupts it. Reports how far it got. Target:
  all of it in ≤ 60 s within 2 GiB.

Prints one markdown table per scenario.
"""
from __future__ import annotations

import _thread
import argparse
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import kubelab as kl  # noqa: E402
from controllers_bench import deployment, ready_pods  # noqa: E402

GIB = 2**30


def rss() -> int:
    """This process's current resident set size in bytes (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def hour(nodes: int = 100, replicas: int = 3000, seconds: float = 3600.0) -> str:
    started = time.perf_counter()
    c = kl.Cluster(nodes=nodes, seed=0)
    c.apply(deployment(replicas))
    c.run()
    assert ready_pods(c) == replicas
    built = time.perf_counter()
    steps, revision = c.loop.steps, c.api.store.revision
    c.run(seconds)
    done = time.perf_counter()
    assert ready_pods(c) == replicas
    wall = done - built
    return "\n".join([
        "| nodes | pods | build and settle (s) | simulated (s) | wall (s) | × real time | loop steps | store writes | RSS (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {nodes:,} | {replicas:,} | {built - started:.1f} | {seconds:,.0f} | {wall:.1f} | {seconds / wall:,.0f} | "
        f"{c.loop.steps - steps:,} | {c.api.store.revision - revision:,} | {rss() // 2**20:,} |"])


def envelope(nodes: int, deployments: int, replicas: int, budget: float, memory: int) -> str:
    started = time.perf_counter()
    stopped: list[str] = []
    watchdog = threading.Thread(target=_watch, args=(started, budget, memory, stopped), daemon=True)
    watchdog.start()
    c, built, total = None, None, deployments * replicas
    try:
        c = kl.Cluster(nodes=nodes, seed=0)
        built = time.perf_counter()
        for i in range(deployments):
            d = deployment(replicas)
            d["metadata"]["name"] = d["spec"]["selector"]["matchLabels"]["app"] = \
                d["spec"]["template"]["metadata"]["labels"]["app"] = f"web-{i}"
            c.apply(d)
        while _ready(c) < total:
            c.run(1)
        stopped.append("converged")
    except KeyboardInterrupt:           # the watchdog's budget ran out (one simulated instant can be long)
        pass
    done = time.perf_counter()
    pods = len(c.api.list("pods")["items"]) if c is not None else 0
    ready = _ready(c) if c is not None else 0
    setup = f"{built - started:.1f}" if built is not None else "-"
    return "\n".join([
        "| nodes | pods asked | pods created | ready | cluster setup (s) | wall (s) | simulated (s) | RSS (GiB) | outcome |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {nodes:,} | {total:,} | {pods:,} | {ready:,} | {setup} | {done - started:.1f} | "
        f"{c.clock.seconds if c is not None else 0:,.0f} | {rss() / GIB:.2f} | {stopped[0]} |"])


def _ready(c: kl.Cluster) -> int:
    return sum(d["status"].get("availableReplicas") or 0 for d in c.api.list("deployments")["items"])


def _watch(started: float, budget: float, memory: int, stopped: list[str]) -> None:
    """Interrupt the run when the wall-clock or the memory budget is spent."""
    while not stopped:
        time.sleep(0.5)
        if time.perf_counter() - started > budget:
            stopped.append(f"wall-clock budget ({budget:.0f} s) spent")
        elif rss() > memory:
            stopped.append(f"memory budget ({memory / GIB:.1f} GiB) reached")
        else:
            continue
        _thread.interrupt_main()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", choices=["hour", "envelope", "both"], default="both")
    parser.add_argument("--budget", type=float, default=300.0, help="envelope: wall-clock seconds to give up after")
    parser.add_argument("--memory", type=float, default=2.0, help="envelope: GiB of resident memory to stop at")
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    args = parser.parse_args()
    if args.scenario in ("hour", "both"):
        print(hour(10, 300) if args.quick else hour(), flush=True)
    if args.scenario in ("envelope", "both"):
        shape = (500, 3, 5000) if args.quick else (5000, 30, 5000)
        print(envelope(*shape, budget=args.budget, memory=int(args.memory * GIB)))


if __name__ == "__main__":
    main()

"""How fast do Deployments come up and roll, end to end?

Run: ``python benchmarks/controllers_bench.py`` (about three minutes; ``--quick``
for a smaller run). Everything is real: the Deployment controller creates a
ReplicaSet, the ReplicaSet controller creates the Pods (slow-start batches,
500 per sync), kube-scheduler binds them, each node's kubelet starts them and
reports them Running and Ready, and the controllers' status follows.

* scale-up: a Deployment of N replicas on M nodes, from ``apply`` until every
  Pod is Running and Ready (the Deployment reports N available);
* rolling update: ``kubectl set image`` on a ready Deployment, until the
  rollout is complete (every replica updated and available, old ones gone).

Wall-clock seconds, pods per second (pods brought up, or replaced, per
wall-clock second) and the simulated seconds the run covered. Prints one
markdown table; the target is 1,000 pods/s end to end.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kubelab as kl  # noqa: E402

TARGET = 1000


def deployment(replicas: int, image: str = "nginx:1.26") -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "app", "image": image,
                                                           "resources": {"requests": {"cpu": "10m"}}}]}}}}


def ready_pods(c: kl.Cluster) -> int:
    return sum(1 for p in c.api.list("pods", namespace="default")["items"]
               if any(x["type"] == "Ready" and x["status"] == "True" for x in p["status"].get("conditions", ())))


def scale_up(replicas: int, nodes: int) -> dict:
    started = time.perf_counter()
    c = kl.Cluster(nodes=nodes, seed=0)
    built = time.perf_counter()
    sim = c.clock.seconds
    c.apply(deployment(replicas))
    c.run()
    done = time.perf_counter()
    status = c.get("deploy", "web")["status"]
    assert status.get("availableReplicas") == replicas == ready_pods(c), status
    return {"scenario": f"scale-up to {replicas:,} replicas", "pods": replicas, "nodes": nodes,
            "setup": built - started, "wall": done - built, "sim": c.clock.seconds - sim}


def rolling_update(replicas: int, nodes: int) -> dict:
    c = kl.Cluster(nodes=nodes, seed=0)
    c.apply(deployment(replicas))
    c.run()
    sim = c.clock.seconds
    started = time.perf_counter()
    out = c.kubectl("set image deployment/web app=nginx:1.27")
    assert out.returncode == 0, out
    c.run()
    done = time.perf_counter()
    d = c.get("deploy", "web")
    assert d["status"].get("updatedReplicas") == d["status"].get("availableReplicas") == replicas, d["status"]
    assert d["status"].get("replicas") == replicas, d["status"]
    return {"scenario": f"rolling update of {replicas:,} replicas", "pods": replicas, "nodes": nodes,
            "setup": None, "wall": done - started, "sim": c.clock.seconds - sim}


def table(rows: list[dict]) -> str:
    lines = ["| scenario | nodes | wall (s) | pods/s | simulated (s) | target | cluster setup (s) |",
             "|---|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        rate = r["pods"] / r["wall"]
        setup = f'{r["setup"]:.1f}' if r["setup"] is not None else "-"
        verdict = "met" if rate >= TARGET else "missed"
        lines.append(f'| {r["scenario"]} | {r["nodes"]:,} | {r["wall"]:.1f} | {rate:,.0f} | {r["sim"]:.1f} | '
                     f'≥ {TARGET:,} pods/s ({verdict}) | {setup} |')
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 replicas on 100 nodes, a 200-replica rollout")
    args = parser.parse_args()
    if args.quick:
        rows = [scale_up(1_000, 100), rolling_update(200, 20)]
    else:
        rows = [scale_up(10_000, 1_000), rolling_update(1_000, 100)]
    print(table(rows))


if __name__ == "__main__":
    main()

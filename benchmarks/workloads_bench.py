"""Workload controllers at scale: a Job, a DaemonSet, a StatefulSet and a CronJob driven by
kube-controller-manager alone (a stand-in binds Pods and reports them Running and Ready, or
Succeeded for Job Pods, at once). Prints one table: wall time and simulated time.

    python benchmarks/workloads_bench.py [--quick]
"""
from __future__ import annotations

import sys
import time

import kubelab as kl
from kubelab.api.meta import format_time
from kubelab.client import Informer
from kubelab.node.registration import node_conditions, node_manifest


def controllers_only() -> kl.Cluster:
    c = kl.Cluster(nodes=0, seed=0)
    for name, component in c.components.items():
        if name != c.controller_manager.name:
            component.stop()
    return c


def instant_kubelet(c: kl.Cluster) -> Informer:
    """Bind each new Pod, then report it Running and Ready (Succeeded if a Job owns it)."""
    def saw(pod):
        m, spec = pod["metadata"], pod["spec"]
        if m.get("deletionTimestamp"):
            c.api.delete("pods", m["name"], namespace=m["namespace"], grace_period_seconds=0)
        elif not spec.get("nodeName"):
            c.api.create({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": m["name"],
                          "namespace": m["namespace"]}, "target": {"kind": "Node", "name": "node-1"}})
        elif pod["status"].get("phase") == "Pending":
            job = any(r.get("kind") == "Job" for r in m.get("ownerReferences") or ())
            now = format_time(c.now)
            pod["status"].update(phase="Succeeded" if job else "Running", conditions=[
                {"type": "Ready", "status": "False" if job else "True", "lastTransitionTime": now}],
                containerStatuses=[{"name": ct["name"], "restartCount": 0, "state": {"terminated": {
                    "exitCode": 0, "finishedAt": now}} if job else {"running": {"startedAt": now}}}
                    for ct in spec["containers"]])
            c.api.update(pod, subresource="status")
    informer = Informer(c.api, "pods", loop=c.loop, owner="instant-kubelet")
    informer.add_handler(saw, lambda old, new: saw(new), None)
    informer.start()
    return informer


def container(image="busybox"):
    return {"containers": [{"name": "c", "image": image}]}


def measure(label: str, c: kl.Cluster, setup, done, seconds: float | None = None) -> tuple:
    start_sim, start = c.clock.seconds, time.perf_counter()
    setup()
    if seconds is None:
        c.run()
    else:
        c.run(seconds=seconds)
    wall = time.perf_counter() - start
    assert done(), label
    return label, wall, c.clock.seconds - start_sim


def main(quick: bool) -> None:
    n_job, n_nodes, n_sts = (100, 100, 20) if quick else (1000, 500, 100)
    rows = []

    c = controllers_only()
    instant_kubelet(c)
    rows.append(measure(f"Job: {n_job} completions, parallelism 50", c, lambda: c.apply({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "batch"},
        "spec": {"completions": n_job, "parallelism": 50,
                 "template": {"spec": {"restartPolicy": "Never", **container()}}}}),
        lambda: c.get("job", "batch")["status"].get("succeeded") == n_job))

    c = controllers_only()
    for i in range(1, n_nodes + 1):
        node = node_manifest(f"node-{i}", i)
        node["status"]["conditions"] = node_conditions(format_time(c.now))
        c.api.create(node)
    rows.append(measure(f"DaemonSet: {n_nodes} nodes", c, lambda: c.apply({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
                 "template": {"metadata": {"labels": {"app": "agent"}}, "spec": container("fluentd")}}}),
        lambda: c.get("ds", "agent")["status"]["currentNumberScheduled"] == n_nodes, seconds=10))

    for policy in ("OrderedReady", "Parallel"):
        c = controllers_only()
        instant_kubelet(c)
        rows.append(measure(f"StatefulSet: {n_sts} replicas, {policy}", c, lambda: c.apply({
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
            "spec": {"replicas": n_sts, "serviceName": "web", "podManagementPolicy": policy,
                     "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": container("nginx")}}}),
            lambda: c.get("sts", "web")["status"].get("readyReplicas") == n_sts))

    c = controllers_only()
    instant_kubelet(c)
    rows.append(measure("CronJob: */5 for 24 simulated hours", c, lambda: c.apply({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
        "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "Never", **container()}}}}}}),
        lambda: len(c.get("jobs")) == 3, seconds=24 * 3600))

    print(f"{'scenario':<44} {'wall s':>8} {'simulated s':>12}")
    for label, wall, simulated in rows:
        print(f"{label:<44} {wall:>8.2f} {simulated:>12.1f}")


if __name__ == "__main__":
    main("--quick" in sys.argv)

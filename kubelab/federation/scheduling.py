"""ReplicaSchedulingPreference: deal a federated Deployment's replicas to the clusters
(kubefed pkg/schedulingtypes/replicascheduler.go and plugin.go).

For every RSP whose target FederatedDeployment exists (same name and namespace),
over the Ready clusters:

* what each runs now: the member Deployment's ``readyReplicas`` when it equals
  ``spec.replicas``; otherwise its Pods are counted: running and ready ones are
  current, and Pods unschedulable for more than 60 s (podanalyzer) lower the
  cluster's *estimated capacity* to ``replicas - unschedulable``;
* :func:`~.planner.plan` splits ``totalReplicas`` by weight, min and max;
* the FederatedDeployment's ``placement`` becomes those clusters and its
  ``overrides`` set ``/spec/replicas`` for each (0 included).

So replicas leave a cluster that goes Offline (it drops out of the Ready ones),
and one whose Pods cannot be scheduled (every node failed).
"""
from __future__ import annotations

from .. import errors
from ..api.meta import parse_time
from .planner import plan

__all__ = ["schedule", "analyze_pods", "UNSCHEDULABLE_THRESHOLD", "REPLICAS_PATH"]

UNSCHEDULABLE_THRESHOLD = 60.0
REPLICAS_PATH = "/spec/replicas"


def analyze_pods(pods: list[dict], now) -> tuple[int, int]:
    """podanalyzer.AnalyzePods: (running and ready, unschedulable for over 60 s)."""
    ready = unschedulable = 0
    for pod in pods:
        if pod["metadata"].get("deletionTimestamp"):
            continue
        status = pod.get("status") or {}
        conditions = {c.get("type"): c for c in status.get("conditions") or ()}
        if status.get("phase") == "Running" and (conditions.get("Ready") or {}).get("status") == "True":
            ready += 1
        scheduled = conditions.get("PodScheduled") or {}
        if status.get("phase") == "Pending" and scheduled.get("status") == "False" and \
                scheduled.get("reason") == "Unschedulable" and scheduled.get("lastTransitionTime") and \
                (now - parse_time(scheduled["lastTransitionTime"])).total_seconds() > UNSCHEDULABLE_THRESHOLD:
            unschedulable += 1
    return ready, unschedulable


def replica_state(federation, name: str, namespace: str, clusters: list[str]):
    """clustersReplicaState: (current replicas, estimated capacity) per cluster."""
    current, capacity = {}, {}
    now = federation.loop.clock.now()
    for cluster in clusters:
        api = federation.members[cluster].api
        try:
            target = api.get("deployments", name, namespace=namespace)
        except errors.NotFound:
            continue
        replicas = target["spec"].get("replicas", 1)
        ready = (target.get("status") or {}).get("readyReplicas", 0)
        if replicas == ready:
            current[cluster] = ready
            continue
        selector = ",".join(f"{k}={v}" for k, v in sorted(
            ((target["spec"].get("selector") or {}).get("matchLabels") or {}).items()))
        pods = api.list("pods", namespace=namespace, label_selector=selector)["items"]
        current[cluster], unschedulable = analyze_pods(pods, now)
        if unschedulable:
            capacity[cluster] = replicas - unschedulable
    return current, capacity


def schedule(federation, rsp: dict, clusters: list[str]) -> dict[str, int] | None:
    """Reconcile one RSP; returns the replicas per cluster (None: no target yet)."""
    api = federation.api
    meta = rsp["metadata"]
    name, ns = meta["name"], meta["namespace"]
    if (rsp.get("spec") or {}).get("targetKind", "FederatedDeployment") != "FederatedDeployment":
        return None
    try:
        target = api.get("federateddeployments", name, namespace=ns)
    except errors.NotFound:
        return None
    if not clusters:
        return None
    current, capacity = replica_state(federation, name, ns, clusters)
    planned, overflow = plan(rsp, clusters, current, capacity, f"{ns}/{name}")
    result = {c: 0 for c in current}
    result.update(planned)
    for c, extra in overflow.items():
        result[c] = result.get(c, 0) + extra
    spec = target.get("spec") or {}
    placement = [{"name": c} for c in sorted(result)]
    kept = {o.get("clusterName"): [x for x in o.get("clusterOverrides") or () if x.get("path") != REPLICAS_PATH]
            for o in spec.get("overrides") or ()}          # a cluster's other overrides stay
    for c in result:
        kept[c] = kept.get(c, []) + [{"path": REPLICAS_PATH, "value": result[c]}]
    overrides = [{"clusterName": c, "clusterOverrides": kept[c]} for c in sorted(kept) if kept[c]]
    if (spec.get("placement") or {}).get("clusters") != placement or spec.get("overrides") != overrides:
        api.update(dict(target, spec=dict(spec, placement={"clusters": placement}, overrides=overrides)))
    return result

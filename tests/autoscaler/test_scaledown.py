"""Cluster autoscaler scale-down, through kl.Cluster.

cluster-autoscaler FAQ ("How does scale-down work?"): a node whose Pods request less
than 50 % of its allocatable cpu and memory (--scale-down-utilization-threshold 0.5),
and whose Pods can all move elsewhere, is unneeded; unneeded for 10 minutes
(--scale-down-unneeded-time) it is removed. Pods go through the Eviction API, so
PodDisruptionBudgets hold; some Pods block the removal outright ("What types of pods
can prevent CA from removing a node?").
"""
import pytest

import kubelab as kl
from kubelab.autoscaler import ClusterAutoscaler, NodeGroup

SMALL = {"cpu": "2", "memory": "8Gi", "pods": "110"}


def deployment(name, replicas, cpu="500m", node=None, annotations=None, volumes=None):
    spec = {"containers": [{"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": cpu}}}]}
    if node:
        spec["nodeSelector"] = {"kubernetes.io/hostname": node}
    if volumes:
        spec["volumes"] = volumes
    meta = {"labels": {"app": name}}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": meta, "spec": spec}}}


def two_nodes(**options):
    """A group of two 2-cpu nodes; returns the cluster, the autoscaler and the node names."""
    c = kl.Cluster(nodes=0, seed=2)
    ca = ClusterAutoscaler(c, [NodeGroup("workers", max_size=5, size=2, capacity=SMALL)], **options)
    c.run(1)
    return c, ca, sorted(n["metadata"]["name"] for n in c.get("nodes"))


def ca_events(c, reason):
    return [e for e in c.events(None) if e["source"]["component"] == "cluster-autoscaler" and e["reason"] == reason]


def node_names(c):
    return sorted(n["metadata"]["name"] for n in c.get("nodes"))


def test_a_node_unneeded_for_ten_minutes_is_drained_and_removed():
    c, ca, (a, b) = two_nodes()
    c.apply(deployment("busy", 1, cpu="1500m", node=a))       # a: 75 %, stays
    c.apply(deployment("idle", 1, cpu="200m", node=None))
    c.run(5)
    idle = next(p for p in c.get("pods") if p["metadata"]["labels"]["app"] == "idle")
    assert idle["spec"]["nodeName"] == b                      # b: 10 %, and its Pod fits on a
    c.run(10)
    since = ca.scale_down.unneeded[b]
    assert a not in ca.scale_down.unneeded
    c.run(since + 590 - c.clock.seconds)                      # 9 m 50 s: not yet
    assert node_names(c) == [a, b]
    c.run(60)
    assert node_names(c) == [a]
    [marked] = [e for e in ca_events(c, "ScaleDown") if e["involvedObject"]["kind"] == "Node"]
    assert marked["message"] == "marked the node as toBeDeleted/unschedulable"
    removing, removed = [e["message"] for e in ca_events(c, "ScaleDown") if e["involvedObject"]["kind"] == "ConfigMap"]
    assert removing == (f"Scale-down: removing node {b}, utilization: {{0.1 0 0 cpu 0.1}}, "
                        f"pods to reschedule: {idle['metadata']['name']}")
    assert removed == f"Scale-down: node {b} removed with drain"
    # the autoscaler evicted the Pod (the API server logs the eviction's delete), and its
    # ReplicaSet made a new one on a
    assert ("delete", "cluster-autoscaler") in [(x.verb, x.user_agent) for x in c.api.audit
                                                if x.name == idle["metadata"]["name"]]
    [now_idle] = [p for p in c.get("pods") if p["metadata"]["labels"]["app"] == "idle"]
    assert now_idle["spec"]["nodeName"] == a and now_idle["status"]["phase"] == "Running"


def test_nodes_at_or_above_the_utilization_threshold_stay():
    c, ca, (a, b) = two_nodes()
    c.apply(deployment("half", 1, cpu="1", node=b))           # exactly 50 %: not below the threshold
    c.run(700)
    assert b in node_names(c) and ca.scale_down.unremovable[b][0] == "NotUnderutilized"
    assert a not in node_names(c)                             # the empty one went


def test_the_group_minimum_size_is_kept():
    c = kl.Cluster(nodes=0, seed=2)
    ca = ClusterAutoscaler(c, [NodeGroup("workers", min_size=2, max_size=5, size=2, capacity=SMALL)])
    c.run(700)
    assert len(c.get("nodes")) == 2
    assert {r[0] for r in ca.scale_down.unremovable.values()} == {"NodeGroupMinSizeReached"}


def test_empty_nodes_go_together():
    c = kl.Cluster(nodes=0, seed=2)
    ClusterAutoscaler(c, [NodeGroup("workers", max_size=5, size=4, capacity=SMALL)])
    c.run(700)
    assert c.get("nodes") == []
    assert len([e for e in ca_events(c, "ScaleDownEmpty") if "removing empty node" in e["message"]]) == 4


def test_scale_down_waits_ten_minutes_after_a_scale_up():
    # --scale-down-delay-after-add 10 min
    c = kl.Cluster(nodes=0, seed=2)
    ca = ClusterAutoscaler(c, [NodeGroup("workers", max_size=5, size=1, capacity=SMALL, boot_delay=30)],
                           scale_down_unneeded_time=60)
    c.apply(deployment("web", 3, cpu="1"))
    c.run(50)                                  # scaled up at 10 s; the new node joined at 40 s
    c.kubectl("scale deployment web --replicas=1")
    c.run(200)
    assert any(ca.scale_down.unneeded.values()) and len(c.get("nodes")) == 2
    c.run(400)                                 # 650 s: the delay after the scale-up (at 10 s) is over
    assert len(c.get("nodes")) == 1


@pytest.mark.parametrize("pdb_spec, removed", [
    # disruptionsAllowed 0: "not enough pod disruption budget to move default/<pod>"
    ({"minAvailable": 1}, False),
    # maxUnavailable 1 lets one Pod move
    ({"maxUnavailable": 1}, True),
])
def test_a_pod_disruption_budget_can_keep_a_node(pdb_spec, removed):
    c, ca, (a, b) = two_nodes()
    c.apply(deployment("busy", 1, cpu="1500m", node=a))
    c.apply(deployment("db", 1, cpu="200m"))
    c.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db"},
             "spec": {"selector": {"matchLabels": {"app": "db"}}, **pdb_spec}})
    c.run(700)
    assert (b not in node_names(c)) == removed
    if not removed:
        pod = next(p for p in c.get("pods") if p["metadata"]["labels"]["app"] == "db")
        assert ca.scale_down.unremovable[b][:2] == (
            "BlockedByPod", f"NotEnoughPdb: not enough pod disruption budget to move default/{pod['metadata']['name']}")


UNMOVABLE = [
    # (what the Pod has, the reason the autoscaler gives; messages from simulator/drainability)
    ({"annotations": {"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"}},
     "NotSafeToEvictAnnotation: pod annotated as not safe to evict present: {pod}"),
    ({"volumes": [{"name": "scratch", "emptyDir": {}}]},
     "LocalStorageRequested: pod with local storage present: {pod}"),
]


@pytest.mark.parametrize("extra, reason", UNMOVABLE)
def test_an_unmovable_pod_keeps_its_node(extra, reason):
    c, ca, (a, b) = two_nodes()
    c.apply(deployment("busy", 1, cpu="1500m", node=a))
    c.apply(deployment("odd", 1, cpu="100m", node=b, **extra))
    c.run(700)
    pod = next(p for p in c.get("pods") if p["metadata"]["labels"]["app"] == "odd")
    assert b in node_names(c)
    assert ca.scale_down.unremovable[b][:2] == ("BlockedByPod", reason.format(pod=pod["metadata"]["name"]))


def test_a_pod_without_a_controller_keeps_its_node_unless_safe_to_evict():
    c, ca, (a, b) = two_nodes()
    for name, annotations in (("bare", {}), ("evictable", {"cluster-autoscaler.kubernetes.io/safe-to-evict": "true"})):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "annotations": annotations},
                 "spec": {"nodeName": a if name == "bare" else b,
                          "containers": [{"name": "app", "image": "nginx:1.27"}]}})
    c.run(700)
    assert node_names(c) == [a]
    assert ca.scale_down.unremovable[a][:2] == ("BlockedByPod", "NotReplicated: default/bare is not replicated")


def test_a_kube_system_pod_without_a_budget_keeps_its_node():
    c, ca, (a, b) = two_nodes()
    c.apply({**deployment("dns", 1, cpu="100m", node=b), "metadata": {"name": "dns", "namespace": "kube-system"}})
    c.run(700)
    pod = c.get("pods", namespace="kube-system")[0]["metadata"]["name"]
    assert b in node_names(c)
    assert ca.scale_down.unremovable[b][1] == \
        f"UnmovableKubeSystemPod: non-daemonset, non-mirrored, non-pdb-assigned kube-system pod present: {pod}"


def test_a_node_whose_pods_fit_nowhere_else_stays():
    c, ca, (a, b) = two_nodes()
    c.apply(deployment("fill", 1, cpu="1500m", node=a))
    c.apply(deployment("wide", 1, cpu="800m"))        # 40 % of b, and a has only 500m left
    c.run(700)
    assert node_names(c) == [a, b] and ca.scale_down.unremovable[b][0] == "NoPlaceToMovePods"
    assert "NoPlaceToMovePods" in ca.table()


def test_a_refused_eviction_fails_the_removal_after_two_minutes_and_the_taint_goes():
    # drain: evictions refused (429, a PodDisruptionBudget) are retried for up to 2 minutes;
    # then ScaleDownFailed, the ToBeDeleted taint is removed, and the node is left alone
    c, ca, (a, b) = two_nodes()
    c.apply(deployment("busy", 1, cpu="1500m", node=a))
    c.apply(deployment("db", 1, cpu="200m"))
    while not any(t["key"] == "ToBeDeletedByClusterAutoscaler" for t in c.get("node", b)["spec"].get("taints", [])):
        c.run(1)
    # within the 5 s between the taint and the evictions, a budget appears that allows none
    c.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db"},
             "spec": {"selector": {"matchLabels": {"app": "db"}}, "minAvailable": 1}})
    c.run(100)
    assert b in node_names(c) and ca_events(c, "ScaleDownFailed") == []
    c.run(40)
    [failed] = ca_events(c, "ScaleDownFailed")
    assert failed["message"].startswith(f"failed to drain and delete node: failed to evict pods from node {b}: ")
    assert failed["message"].endswith("Cannot evict pod as it would violate the pod's disruption budget.")
    assert not c.get("node", b)["spec"].get("taints") and ca.scale_down.unremovable[b][0] == "RecentlyUnremovable"


def test_a_restarted_autoscaler_takes_its_taint_off_the_nodes():
    c, ca, (a, b) = two_nodes()
    c.apply(deployment("busy", 1, cpu="1500m", node=a))
    c.apply(deployment("db", 1, cpu="200m"))
    while not c.get("node", b)["spec"].get("taints"):
        c.run(1)
    c.stop("cluster-autoscaler")
    c.start("cluster-autoscaler")
    assert not c.get("node", b)["spec"].get("taints")

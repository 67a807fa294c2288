"""Cluster federation through kl.Federation: KubeFed's FederatedDeployment, placement and
overrides, ReplicaSchedulingPreference weights, cluster health and failover."""
import pytest

import kubelab as kl


TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}


def federated(placement=("east", "west"), overrides=None):
    spec = {"template": TEMPLATE, "placement": {"clusters": [{"name": c} for c in placement]}}
    if overrides:
        spec["overrides"] = overrides
    return {"apiVersion": "types.kubefed.io/v1beta1", "kind": "FederatedDeployment",
            "metadata": {"name": "web", "namespace": "default"}, "spec": spec}


def preference(total=9, rebalance=False, **clusters):
    return {"apiVersion": "scheduling.kubefed.io/v1alpha1", "kind": "ReplicaSchedulingPreference",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"targetKind": "FederatedDeployment", "totalReplicas": total, "rebalance": rebalance,
                     "clusters": clusters or {"east": {"weight": 2}, "west": {"weight": 1}}}}


def replicas(fed):
    """Ready replicas of web in each member that has it."""
    out = {}
    for name, c in fed.members.items():
        d = [x for x in c.get("deployments") if x["metadata"]["name"] == "web"]
        if d:
            out[name] = (d[0]["spec"]["replicas"], d[0]["status"].get("readyReplicas", 0))
    return out


def ready_condition(fed, name):
    [cond] = fed.get("kubefedclusters", name, namespace="kube-federation-system")["status"]["conditions"]
    return cond["type"], cond["status"], cond["reason"]


def test_replicas_are_placed_by_weight_and_the_template_is_propagated():
    fed = kl.Federation.of(["east", "west"], nodes=2)
    fed.apply([federated(), preference()])
    fed.run(30)
    # ceil(9 * 2/3) = 6 and ceil(9 * 1/3) = 3 (kubefed planner)
    assert replicas(fed) == {"east": (6, 6), "west": (3, 3)}
    fd = fed.get("federateddeployments", "web")
    assert fd["spec"]["overrides"] == [
        {"clusterName": "east", "clusterOverrides": [{"path": "/spec/replicas", "value": 6}]},
        {"clusterName": "west", "clusterOverrides": [{"path": "/spec/replicas", "value": 3}]}]
    assert fd["status"]["clusters"] == [{"name": "east"}, {"name": "west"}]
    assert fd["status"]["conditions"][0]["type"] == "Propagation" and fd["status"]["conditions"][0]["status"] == "True"
    member = fed.members["east"].get("deployment", "web")
    assert member["metadata"]["labels"]["kubefed.io/managed"] == "true"
    assert ready_condition(fed, "west") == ("Ready", "True", "ClusterReady")
    assert "west      Ready    1        yes      3          3/3" in fed.table("web")


def test_an_unreachable_cluster_goes_offline_after_three_probes_and_its_replicas_move():
    fed = kl.Federation.of(["east", "west"], nodes=3)
    fed.apply([federated(), preference()])
    fed.run(30)
    fed.partition("west")
    fed.run(20)                                # two failed probes: still Ready
    assert ready_condition(fed, "west") == ("Ready", "True", "ClusterReady")
    fed.run(20)                                # the third: Offline, and west leaves the placement
    assert ready_condition(fed, "west") == ("Offline", "True", "ClusterNotReachable")
    fed.run(20)
    assert replicas(fed)["east"] == (9, 9)
    fd = fed.get("federateddeployments", "web")
    assert fd["spec"]["placement"]["clusters"] == [{"name": "east"}]
    # west's own Deployment is untouched: the federation cannot reach it
    assert replicas(fed)["west"] == (3, 3)


@pytest.mark.parametrize("rebalance, after", [
    # rebalance: false keeps replicas where they run (the planner preallocates them)
    (False, {"east": (9, 9), "west": (0, 0)}),
    # rebalance: true deals them by weight again
    (True, {"east": (6, 6), "west": (3, 3)}),
])
def test_a_cluster_that_comes_back_gets_replicas_only_with_rebalance(rebalance, after):
    fed = kl.Federation.of(["east", "west"], nodes=3)
    fed.apply([federated(), preference(rebalance=rebalance)])
    fed.run(30)
    fed.partition("west")
    fed.run(60)
    fed.heal("west")
    fed.run(30)
    assert ready_condition(fed, "west") == ("Ready", "True", "ClusterReady")
    assert replicas(fed) == after


def test_a_cluster_whose_nodes_all_failed_loses_its_replicas_once_they_are_unschedulable():
    fed = kl.Federation.of(["east", "west"], nodes=2)
    fed.apply([federated(), preference()])
    fed.run(30)
    for node in list(fed.members["west"].kubelets):
        fed.members["west"].fail_node(node)
    # the API server still answers (west stays Ready); after ~350 s the node lifecycle
    # controller evicts the Pods and the new ones cannot be scheduled; once they have been
    # unschedulable for over 60 s the planner caps west's capacity at 3 - 3 = 0
    fed.run(380)
    assert ready_condition(fed, "west")[0] == "Ready" and replicas(fed)["east"] == (6, 6)
    fed.run(120)
    assert replicas(fed)["east"] == (9, 9) and replicas(fed)["west"][0] == 0


def test_placement_and_overrides_without_a_scheduling_preference():
    fed = kl.Federation.of(["east", "west"], nodes=1)
    image = [{"path": "/spec/template/spec/containers/0/image", "value": "nginx:1.28"}]
    fed.apply(federated(placement=["east"], overrides=[{"clusterName": "east", "clusterOverrides": image}]))
    fed.run(20)
    assert set(replicas(fed)) == {"east"}
    east = fed.members["east"].get("deployment", "web")
    assert east["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    fed.apply(federated(placement=["west"]))     # moved: deleted from east, created in west
    fed.run(20)
    assert set(replicas(fed)) == {"west"}
    reasons = [e["reason"] for e in fed.get("events")]
    assert reasons == ["CreateInCluster", "DeleteInCluster", "CreateInCluster"]


def test_members_must_share_one_clock():
    with pytest.raises(ValueError, match="share one loop"):
        kl.Federation({"east": kl.Cluster(nodes=0), "west": kl.Cluster(nodes=0)})

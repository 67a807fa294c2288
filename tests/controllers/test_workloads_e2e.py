"""Deployments and ReplicaSets end to end through kl.Cluster: the real scheduler binds
the pods and the kubelets run them; the behaviour checked is the Deployments concept
page's (kubernetes.io/docs/concepts/workloads/controllers/deployment/)."""
import pytest

import kubelab as kl


def deployment(replicas=4, image="nginx:1.26", surge=1, unavailable=1):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "app", "image": image}]}}}}


@pytest.fixture
def c():
    cluster = kl.Cluster(nodes=3, seed=0)
    cluster.apply(deployment())
    cluster.run()
    return cluster


def running_images(c):
    return sorted(p["spec"]["containers"][0]["image"] for p in c.get("pods")
                  if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp"))


def test_all_replicas_run_and_are_ready(c):
    d = c.get("deploy", "web")
    assert d["status"]["availableReplicas"] == 4 and running_images(c) == ["nginx:1.26"] * 4


def test_a_rolling_update_keeps_availability_and_the_surge_bound_at_every_step(c):
    # maxUnavailable 1 of 4: at least 3 available; maxSurge 1: at most 5 pods wanted
    listed = c.api.list("replicasets", namespace="default")
    watch = c.api.watch("replicasets", namespace="default", resource_version=listed["metadata"]["resourceVersion"])
    state = {rs["metadata"]["name"]: rs for rs in listed["items"]}
    c.kubectl("set image deployment/web app=nginx:1.27")
    steps = 0
    for _ in range(300):
        c.run(1)
        for event in watch.take():
            state[event["object"]["metadata"]["name"]] = event["object"]
            assert sum(rs["spec"]["replicas"] for rs in state.values()) <= 4 + 1
            assert sum(rs["status"].get("availableReplicas", 0) for rs in state.values()) >= 4 - 1
            steps += 1
        if c.loop.idle:
            break
    assert steps > 4
    assert running_images(c) == ["nginx:1.27"] * 4


def test_undo_brings_the_previous_template_back(c):
    c.kubectl("set image deployment/web app=nginx:1.27")
    c.run()
    assert str(c.kubectl("rollout undo deployment/web")) == "deployment.apps/web rolled back\n"
    c.run()
    assert running_images(c) == ["nginx:1.26"] * 4
    assert c.get("deploy", "web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"


def test_a_deleted_pod_is_replaced(c):
    victim = c.get("pods")[0]["metadata"]["name"]
    c.delete("pod", victim)
    c.run()
    names = [p["metadata"]["name"] for p in c.get("pods")]
    assert victim not in names and len(names) == 4 and running_images(c) == ["nginx:1.26"] * 4


def test_scaling_down_removes_a_pod_from_the_most_crowded_node(c):
    # 4 pods on 3 nodes: one node runs two; ActivePodsWithRanks deletes from it first
    per_node = {}
    for p in c.get("pods"):
        per_node.setdefault(p["spec"]["nodeName"], []).append(p["metadata"]["name"])
    crowded = [n for n, pods in per_node.items() if len(pods) == 2]
    assert len(crowded) == 1
    c.kubectl("scale deployment/web --replicas=3")
    c.run()
    nodes = sorted(p["spec"]["nodeName"] for p in c.get("pods"))
    assert nodes == ["node-1", "node-2", "node-3"]
    (deleted,) = [e["message"] for e in c.events() if e["reason"] == "SuccessfulDelete"]
    assert deleted.removeprefix("Deleted pod: ") in per_node[crowded[0]]


def test_scaling_down_removes_a_pod_that_is_not_ready_before_ready_ones(c):
    c.kubectl("scale deployment/web --replicas=5")
    (rs,) = c.get("rs")
    c.run(0)                                    # the fifth pod exists but is not running yet
    fresh = [p["metadata"]["name"] for p in c.get("pods") if p["status"].get("phase") == "Pending"]
    c.kubectl("scale deployment/web --replicas=4")
    c.run()
    (deleted,) = [e["message"] for e in c.events() if e["reason"] == "SuccessfulDelete"]
    assert deleted == f"Deleted pod: {fresh[0]}" and rs["metadata"]["name"] in deleted

"""The scale subresource (autoscaling/v1 Scale) of Deployments, ReplicaSets and StatefulSets."""
import pytest

import kubelab as kl


def workload(kind, name="web", replicas=2):
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}


@pytest.fixture
def cluster():
    return kl.Cluster(nodes=1)


@pytest.mark.parametrize("kind, resource", [
    ("Deployment", "deployments"), ("ReplicaSet", "replicasets"), ("StatefulSet", "statefulsets")])
def test_a_scale_shows_desired_and_current_replicas_and_the_selector(cluster, kind, resource):
    cluster.apply(workload(kind))
    cluster.run(30)
    scale = cluster.api.scale.get(resource, "web")
    assert (scale["kind"], scale["apiVersion"]) == ("Scale", "autoscaling/v1")
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"] == {"replicas": 2, "selector": "app=web"}      # LabelSelectorAsSelector().String()
    assert scale["metadata"]["resourceVersion"] == cluster.get(kind, "web")["metadata"]["resourceVersion"]


def test_updating_the_scale_sets_spec_replicas_only(cluster):
    cluster.apply(workload("Deployment"))
    scale = cluster.api.scale.get("deployments", "web")
    updated = cluster.api.scale.update("deployments", {**scale, "spec": {"replicas": 5}})
    assert updated["spec"]["replicas"] == 5
    assert cluster.get("deployment", "web")["spec"]["replicas"] == 5


def test_a_stale_scale_is_a_conflict(cluster):
    cluster.apply(workload("Deployment"))
    scale = cluster.api.scale.get("deployments", "web")
    cluster.api.scale.update("deployments", {**scale, "spec": {"replicas": 3}})
    with pytest.raises(kl.errors.Conflict, match='Operation cannot be fulfilled on deployments.apps "web"'):
        cluster.api.scale.update("deployments", {**scale, "spec": {"replicas": 4}})


def test_negative_replicas_are_invalid(cluster):
    cluster.apply(workload("Deployment"))
    scale = cluster.api.scale.get("deployments", "web")
    with pytest.raises(kl.errors.Invalid, match="spec.replicas: Invalid value: -1: must be greater than or equal to 0"):
        cluster.api.scale.update("deployments", {**scale, "spec": {"replicas": -1}})


def test_kinds_without_a_scale_subresource_have_none(cluster):
    with pytest.raises(kl.errors.NotFound, match="could not find the requested resource"):
        cluster.api.scale.get("daemonsets", "web")
    with pytest.raises(kl.errors.NotFound, match='deployments.apps "nope" not found'):
        cluster.api.scale.get("deployments", "nope")

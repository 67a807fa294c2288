"""PodDisruptionBudgets and the Eviction API
(https://kubernetes.io/docs/concepts/workloads/pods/disruptions/,
https://kubernetes.io/docs/concepts/scheduling-eviction/api-eviction/)."""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.controllers.disruption import desired_healthy


@pytest.mark.parametrize("spec,expected,want", [
    ({"minAvailable": 2}, 3, 2),             # an integer is taken as is
    ({"minAvailable": "50%"}, 3, 2),         # percentages of expected pods round up: ceil(1.5)
    ({"maxUnavailable": 1}, 3, 2),           # expected - maxUnavailable
    ({"maxUnavailable": "50%"}, 3, 1),       # maxUnavailable rounds up too: 3 - ceil(1.5)
    ({"maxUnavailable": 0}, 4, 4),
    ({}, 5, 1),                              # minAvailable defaults to 1
])
def test_desired_healthy_follows_the_disruption_controller(spec, expected, want):
    assert desired_healthy(spec, expected) == want


def ready_pod(c, name):
    c.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "db"}},
                  "spec": {"containers": [{"name": "db", "image": "redis:7"}]}})
    pod = c.api.get("pods", name)
    pod["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    c.api.update(pod, subresource="status")


def eviction(name):
    return {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "default"}}


@pytest.fixture
def c():
    c = kl.Cluster(nodes=0)
    for name in ("db-0", "db-1", "db-2"):
        ready_pod(c, name)
    c.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db"},
             "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "db"}}}})
    c.run()
    return c


def test_the_budget_status_counts_healthy_pods(c):
    status = c.get("pdb", "db")["status"]
    assert (status["currentHealthy"], status["desiredHealthy"], status["expectedPods"],
            status["disruptionsAllowed"]) == (3, 2, 3, 1)


def test_an_eviction_within_budget_deletes_and_the_next_is_refused_with_429(c):
    c.api.create(eviction("db-0"))
    assert "db-0" not in [p["metadata"]["name"] for p in c.get("pods")]
    c.run()
    with pytest.raises(errors.TooManyRequests) as e:
        c.api.create(eviction("db-1"))
    assert e.value.code == 429
    assert e.value.message == "Cannot evict pod as it would violate the pod's disruption budget."
    assert str(e.value.causes[0]) == "The disruption budget db needs 2 healthy pods and has 2 currently"
    assert c.get("pdb", "db")["status"]["disruptionsAllowed"] == 0
    assert "db-1" in [p["metadata"]["name"] for p in c.get("pods")]

"""The resource quota controller (pkg/controller/resourcequota/resource_quota_controller.go):
status.hard mirrors spec.hard, status.used is recounted on replenishment and every 5 minutes."""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.controllers.resourcequota import RESYNC_PERIOD


def pod(name, cpu="100m", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": dict({"containers": [{"name": "app", "image": "nginx",
                                          "resources": {"requests": {"cpu": cpu}}}]}, **spec)}


def status(c, name="compute"):
    return c.get("resourcequota", name)["status"]


@pytest.fixture
def c():
    c = kl.Cluster(nodes=0)
    c.apply({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "compute"},
             "spec": {"hard": {"pods": "10", "count/pods": "10", "requests.cpu": "4"}}})
    c.run()
    return c


def test_a_new_quota_gets_its_hard_limits_and_zero_usage(c):
    # syncResourceQuota: every tracked resource starts at zero (CalculateUsageStats)
    assert status(c) == {"hard": {"count/pods": "10", "pods": "10", "requests.cpu": "4"},
                         "used": {"count/pods": "0", "pods": "0", "requests.cpu": "0"}}


def test_existing_objects_are_counted_when_a_quota_is_created(c):
    c.apply(pod("a", cpu="250m"))
    c.apply({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "later"},
             "spec": {"hard": {"requests.cpu": "1"}}})
    c.run()
    assert status(c, "later")["used"] == {"requests.cpu": "250m"}


def test_deleting_a_pod_gives_its_share_back(c):
    c.apply(pod("a", cpu="1"))
    c.apply(pod("b", cpu="500m"))
    assert status(c)["used"] == {"count/pods": "2", "pods": "2", "requests.cpu": "1500m"}
    c.delete("pod", "a")
    c.run()
    assert status(c)["used"] == {"count/pods": "1", "pods": "1", "requests.cpu": "500m"}


def test_a_finished_pod_releases_its_compute_but_still_counts_as_an_object(c):
    # PodUsageFunc: "pods" and compute resources only while not Succeeded/Failed;
    # count/pods tracks every Pod in storage
    c.apply(pod("job", cpu="1"))
    done = c.get("pod", "job")
    done["status"]["phase"] = "Succeeded"
    c.api.update(done, subresource="status")
    c.run()
    assert status(c)["used"] == {"count/pods": "1", "pods": "0", "requests.cpu": "0"}


def test_changing_the_hard_limits_recounts(c):
    c.apply(pod("a", cpu="1"))
    c.apply({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "compute"},
             "spec": {"hard": {"requests.cpu": "2", "limits.cpu": "2"}}})
    c.run()
    assert status(c) == {"hard": {"limits.cpu": "2", "requests.cpu": "2"},
                         "used": {"limits.cpu": "0", "requests.cpu": "1"}}


def test_the_periodic_resync_returns_what_a_failed_create_was_charged(c):
    # admission charges before the object is stored; a create that then fails (here:
    # AlreadyExists) leaves the charge until the controller's full resync recounts
    c.apply(pod("a", cpu="1"))
    with pytest.raises(errors.AlreadyExists):
        c.api.create(pod("a", cpu="1"))
    assert status(c)["used"]["requests.cpu"] == "2"
    c.run(RESYNC_PERIOD + 1)
    assert status(c)["used"]["requests.cpu"] == "1"


def test_a_pod_stuck_terminating_past_its_grace_period_stops_counting(c):
    # QuotaV1Pod: deletionTimestamp + grace period in the past (a lost node) -> not charged
    c.apply(pod("stuck", cpu="1"))
    c.api.create({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "stuck"},
                  "target": {"kind": "Node", "name": "lost-node"}})
    c.delete("pod", "stuck")                  # graceful: nobody on lost-node finishes it
    c.run(60)
    assert status(c)["used"]["pods"] == "1"
    c.run(RESYNC_PERIOD)
    assert status(c)["used"] == {"count/pods": "1", "pods": "0", "requests.cpu": "0"}


def test_object_count_quotas_watch_the_kinds_they_name(c):
    c.apply({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "objects"},
             "spec": {"hard": {"count/configmaps": "5", "secrets": "5"}}})
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "one"}})
    c.run()
    assert status(c, "objects")["used"] == {"count/configmaps": "1", "secrets": "0"}
    c.delete("configmap", "one")
    c.run()
    assert status(c, "objects")["used"] == {"count/configmaps": "0", "secrets": "0"}

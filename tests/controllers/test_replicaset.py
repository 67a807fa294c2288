"""The ReplicaSet controller, checked against kubernetes v1.32 pkg/controller/replicaset
(replica_set.go, replica_set_test.go) with pod status written by a fake kubelet."""
import re

import pytest
from fake_kubelet import FakeKubelet, controllers_only, set_status

from kubelab import errors

RS = "replicaset-controller"


def replicaset(name="web", replicas=3, labels=None, min_ready=0):
    labels = labels or {"app": name}
    spec = {"replicas": replicas, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}
    if min_ready:
        spec["minReadySeconds"] = min_ready
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name}, "spec": spec}


@pytest.fixture
def c():
    return controllers_only(seed=0)


def pods(c, **kw):
    return sorted(p["metadata"]["name"] for p in c.get("pods", **kw) if not p["metadata"].get("deletionTimestamp"))


def test_it_creates_the_missing_pods_named_after_the_replicaset(c):
    c.apply(replicaset())
    c.run()
    names = pods(c)
    assert len(names) == 3 and all(re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", n) for n in names)
    pod = c.get("pod", names[0])
    rs = c.get("rs", "web")
    assert pod["metadata"]["ownerReferences"] == [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web",
                                                   "uid": rs["metadata"]["uid"], "controller": True,
                                                   "blockOwnerDeletion": True}]
    assert pod["metadata"]["generateName"] == "web-"
    # replica_set.go / controller_utils.go: SuccessfulCreate "Created pod: <name>"
    assert sorted(e["message"] for e in c.events() if e["reason"] == "SuccessfulCreate") == \
        [f"Created pod: {n}" for n in names]


def test_status_counts_ready_and_available_pods_and_the_observed_generation(c):
    FakeKubelet(c, ready_after=1)
    c.apply(replicaset(min_ready=10))
    c.run()
    status = c.get("rs", "web")["status"]
    # minReadySeconds: ready pods become available only after 10 s; the controller
    # requeues itself to notice, with no other event to wake it
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                      "observedGeneration": 1}


def test_ready_pods_are_not_available_before_min_ready_seconds(c):
    FakeKubelet(c, ready_after=1)
    c.apply(replicaset(min_ready=10))
    c.run(5)
    status = c.get("rs", "web")["status"]
    assert status["readyReplicas"] == 3 and "availableReplicas" not in status


def test_a_stale_cache_never_creates_twice(c):
    c.apply(replicaset())
    c.run()
    ctl = c.controller_manager[RS]
    c.api.delete("pods", pods(c)[0])
    ctl.sync("default/web")          # replaces the pod ...
    ctl.sync("default/web")          # ... and, before the informer has seen the new pod, waits
    c.run()
    assert len(pods(c)) == 3


def test_a_deleted_pod_is_replaced(c):
    c.apply(replicaset())
    c.run()
    before = pods(c)
    c.delete("pod", before[0])
    c.run()
    after = pods(c)
    assert len(after) == 3 and before[0] not in after


def test_at_most_500_pods_are_created_per_sync(c):
    ctl = c.controller_manager[RS]
    created_per_sync = []
    sync = ctl.sync

    def counting(key):
        n = len(c.get("pods"))
        sync(key)
        created_per_sync.append(len(c.get("pods")) - n)
    ctl.sync = counting
    c.apply(replicaset(replicas=600))
    c.run()
    # burstReplicas = 500; the rest once the first 500 have been observed
    assert [n for n in created_per_sync if n] == [500, 100]


def test_a_failing_create_stops_the_slow_start_and_sets_replica_failure(c, monkeypatch):
    real_create, attempts = c.api.create, []

    def quota(obj, **kw):
        if obj.get("kind") == "Pod":
            attempts.append(1)
            if len(attempts) > 3:
                raise errors.Forbidden('pods "web-x" is forbidden: exceeded quota: q, requested: pods=1, '
                                       'used: pods=3, limited: pods=3')
        return real_create(obj, **kw)
    monkeypatch.setattr(c.api, "create", quota)
    ctl, per_sync = c.controller_manager[RS], []
    sync = ctl.sync

    def counting(key):
        before = len(attempts)
        try:
            sync(key)
        finally:
            per_sync.append(len(attempts) - before)
    monkeypatch.setattr(ctl, "sync", counting)
    c.apply(replicaset(replicas=10))
    c.run(0)
    # batches of 1 and 2 succeed; the whole batch of 4 fails, and no batch of 8 follows
    assert per_sync[0] == 7 and len(pods(c)) == 3
    cond = c.get("rs", "web")["status"]["conditions"][0]
    assert (cond["type"], cond["status"], cond["reason"]) == ("ReplicaFailure", "True", "FailedCreate")
    assert cond["message"].endswith("limited: pods=3")
    warnings = [e for e in c.events() if e["reason"] == "FailedCreate"]
    assert warnings and warnings[0]["message"].startswith('Error creating: pods "web-x" is forbidden')


def test_the_replica_failure_condition_goes_once_creates_succeed(c, monkeypatch):
    real_create, failing = c.api.create, [True]

    def flaky(obj, **kw):
        if obj.get("kind") == "Pod" and failing[0]:
            raise errors.Forbidden("exceeded quota")
        return real_create(obj, **kw)
    monkeypatch.setattr(c.api, "create", flaky)
    c.apply(replicaset(replicas=2))
    c.run(0)
    assert c.get("rs", "web")["status"]["conditions"][0]["reason"] == "FailedCreate"
    failing[0] = False
    c.run()                              # the rate-limited retry
    status = c.get("rs", "web")["status"]
    assert "conditions" not in status and status["replicas"] == 2


def test_scaling_down_deletes_the_pods_kubernetes_ranks_first(c):
    c.apply(replicaset(replicas=5))
    c.run()
    names = pods(c)
    # three Running and Ready on node-1..3, one bound but not ready, one never scheduled
    for name, node in zip(names[:4], ["node-1", "node-2", "node-3", "node-1"]):
        c.api.create({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name, "namespace": "default"},
                      "target": {"kind": "Node", "name": node}})
    for name in names[:3]:
        set_status(c, c.get("pod", name))
    set_status(c, c.get("pod", names[3]), ready=False)
    c.run()
    c.api.patch("rs", "web", {"spec": {"replicas": 3}})
    c.run()
    # unassigned first, then not ready (ActivePodsWithRanks rules 1 and 3)
    assert pods(c) == sorted(names[:3])
    deleted = sorted(e["message"] for e in c.events() if e["reason"] == "SuccessfulDelete")
    assert deleted == sorted(f"Deleted pod: {n}" for n in names[3:])


def test_an_orphan_matching_the_selector_is_adopted_instead_of_creating_a_pod(c):
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    c.apply(replicaset(replicas=1))
    c.run()
    assert pods(c) == ["stray"]
    assert c.get("pod", "stray")["metadata"]["ownerReferences"][0]["name"] == "web"


def test_a_pod_relabelled_out_of_the_selector_is_released_and_replaced(c):
    c.apply(replicaset(replicas=1))
    c.run()
    (name,) = pods(c)
    c.api.patch("pods", name, {"metadata": {"labels": {"app": "debug"}}})
    c.run()
    assert not c.get("pod", name)["metadata"].get("ownerReferences")
    assert len(pods(c, selector="app=web")) == 1


def test_a_pod_controlled_by_another_owner_is_left_alone(c):
    other = c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}})
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "uid": other["metadata"]["uid"],
           "controller": True}
    c.apply({"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "theirs", "labels": {"app": "web"}, "ownerReferences": [ref]},
             "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    c.apply(replicaset(replicas=1))
    c.run()
    assert c.get("pod", "theirs")["metadata"]["ownerReferences"] == [ref]
    assert len(pods(c)) == 2


def test_the_status_is_written_only_when_it_changes(c):
    c.apply(replicaset(replicas=2))
    c.run()
    rv = c.get("rs", "web")["metadata"]["resourceVersion"]
    c.controller_manager[RS].sync("default/web")
    assert c.get("rs", "web")["metadata"]["resourceVersion"] == rv

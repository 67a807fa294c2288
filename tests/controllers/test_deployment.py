"""The Deployment controller, checked against kubernetes v1.32 pkg/controller/deployment
and the Deployments concept page (kubernetes.io/docs/concepts/workloads/controllers/deployment/),
with pod status written by a fake kubelet."""
import pytest
from fake_kubelet import FakeKubelet, controllers_only

from kubelab.controllers.deployment_util import resolve_fenceposts


def deployment(name="web", replicas=3, image="nginx:1.27", strategy=None, **spec):
    body = {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "app", "image": image}]}}, **spec}
    if strategy:
        body["strategy"] = strategy
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": body}


def set_image(c, image, name="web"):
    c.api.patch("deploy", name, {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}})


@pytest.fixture
def c():
    cluster = controllers_only(seed=0)
    FakeKubelet(cluster, ready_after=2, bad_images={"nginx:broken"})
    return cluster


def rs_by_revision(c):
    rss = c.get("rs")
    return sorted(rss, key=lambda r: int(r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))


def scaling_events(c):
    return [e["message"] for e in c.events() if e["reason"] == "ScalingReplicaSet"]


# deployment_util_test.go TestResolveFenceposts and the docs' "Max Surge"/"Max Unavailable":
# surge rounds up, unavailable rounds down, and both zero becomes unavailable 1.
@pytest.mark.parametrize("surge,unavailable,desired,expected", [
    ("25%", "25%", 4, (1, 1)),
    ("25%", "25%", 10, (3, 2)),
    ("50%", "25%", 3, (2, 0)),
    (0, 0, 5, (0, 1)),
    ("0%", "0%", 10, (0, 1)),
    (2, "0%", 10, (2, 0)),
    ("1%", "1%", 10, (1, 0)),
])
def test_max_surge_and_max_unavailable_resolve_like_kubernetes(surge, unavailable, desired, expected):
    assert resolve_fenceposts(surge, unavailable, desired) == expected


def test_a_deployment_creates_a_replicaset_named_after_its_pod_template_hash(c):
    c.apply(deployment())
    c.run()
    (rs,) = c.get("rs")
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1",
                                             "deployment.kubernetes.io/desired-replicas": "3",
                                             "deployment.kubernetes.io/max-replicas": "4"}
    assert all(p["metadata"]["labels"]["pod-template-hash"] == pod_hash for p in c.get("pods"))
    assert scaling_events(c) == [f"Scaled up replica set web-{pod_hash} from 0 to 3"]
    d = c.get("deploy", "web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    conditions = {cond["type"]: (cond["status"], cond["reason"]) for cond in d["status"]["conditions"]}
    assert conditions == {"Available": ("True", "MinimumReplicasAvailable"),
                          "Progressing": ("True", "NewReplicaSetAvailable")}
    assert {k: d["status"][k] for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")} == \
        {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}


def test_a_rolling_update_stays_within_max_surge_and_max_unavailable_at_every_step(c):
    c.apply(deployment(replicas=10, strategy={"type": "RollingUpdate",
                                              "rollingUpdate": {"maxSurge": "30%", "maxUnavailable": 2}}))
    c.run()
    watch = c.api.watch("replicasets", namespace="default",
                        resource_version=c.api.list("rs")["metadata"]["resourceVersion"])
    set_image(c, "nginx:1.28")
    state, seen = {rs["metadata"]["name"]: rs for rs in c.get("rs")}, 0
    while True:
        c.run(1)
        events = watch.take()
        for event in events:
            state[event["object"]["metadata"]["name"]] = event["object"]
            total = sum(rs["spec"]["replicas"] for rs in state.values())
            available = sum(rs["status"].get("availableReplicas", 0) for rs in state.values())
            assert total <= 10 + 3                  # maxSurge 30% of 10, rounded up
            assert available >= 10 - 2              # maxUnavailable 2
            seen += 1
        if not events and c.loop.idle:
            break
    new, old = sorted(c.get("rs"), key=lambda r: -r["spec"]["replicas"])
    assert new["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert (new["spec"]["replicas"], old["spec"]["replicas"], seen > 5) == (10, 0, True)


def test_max_surge_zero_replaces_one_pod_at_a_time_without_going_over(c):
    c.apply(deployment(replicas=2, strategy={"type": "RollingUpdate",
                                             "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}))
    c.run()
    set_image(c, "nginx:1.28")
    c.run()
    old, new = (r["metadata"]["name"] for r in rs_by_revision(c))
    assert scaling_events(c)[1:] == [
        f"Scaled down replica set {old} from 2 to 1", f"Scaled up replica set {new} from 0 to 1",
        f"Scaled down replica set {old} from 1 to 0", f"Scaled up replica set {new} from 1 to 2"]


def test_revisions_count_up_and_undo_reuses_the_old_replicaset(c):
    c.apply(deployment())
    c.run()
    set_image(c, "nginx:1.28")
    c.run()
    set_image(c, "nginx:1.27")        # what `kubectl rollout undo` does: the old template back
    c.run()
    rss = rs_by_revision(c)
    assert len(rss) == 2
    first = rss[1]                    # the revision 1 ReplicaSet, now revision 3
    ann = first["metadata"]["annotations"]
    assert (ann["deployment.kubernetes.io/revision"], ann["deployment.kubernetes.io/revision-history"]) == ("3", "1")
    assert first["spec"]["replicas"] == 3 and rss[0]["spec"]["replicas"] == 0
    assert c.get("deploy", "web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"


def test_old_replicasets_beyond_the_revision_history_limit_are_deleted(c):
    c.apply(deployment(revisionHistoryLimit=1))
    c.run()
    for image in ("nginx:1.28", "nginx:1.29", "nginx:1.30"):
        set_image(c, image)
        c.run()
    images = sorted(r["spec"]["template"]["spec"]["containers"][0]["image"] for r in c.get("rs"))
    assert images == ["nginx:1.29", "nginx:1.30"]


def test_recreate_removes_every_old_pod_before_starting_new_ones(c):
    c.apply(deployment(replicas=3, strategy={"type": "Recreate"}))
    c.run()
    listed = c.api.list("pods", namespace="default")
    images = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in listed["items"]}
    watch = c.api.watch("pods", namespace="default", resource_version=listed["metadata"]["resourceVersion"])
    set_image(c, "nginx:1.28")
    c.run()
    live = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in c.get("pods")}
    for event in watch.take():
        p = event["object"]
        if event["type"] == "DELETED":
            images.pop(p["metadata"]["name"], None)
        else:
            images[p["metadata"]["name"]] = p["spec"]["containers"][0]["image"]
        assert len(set(images.values())) <= 1       # never old and new pods at once
    assert sorted(set(live.values())) == ["nginx:1.28"] and len(live) == 3


def test_a_paused_deployment_does_not_roll_out_until_resumed(c):
    c.apply(deployment())
    c.run()
    c.api.patch("deploy", "web", {"spec": {"paused": True}})
    set_image(c, "nginx:1.28")
    c.run()
    assert len(c.get("rs")) == 1
    progressing = [x for x in c.get("deploy", "web")["status"]["conditions"] if x["type"] == "Progressing"][0]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == \
        ("Unknown", "DeploymentPaused", "Deployment is paused")
    c.api.patch("deploy", "web", {"spec": {"paused": False}})
    c.run()
    assert [r["spec"]["replicas"] for r in rs_by_revision(c)] == [0, 3]


def test_scaling_during_a_stuck_rollout_is_proportional(c):
    # The docs' "Proportional scaling" example: 10 replicas, maxSurge 3, maxUnavailable 2,
    # an image that never becomes ready leaves 8 old + 5 new; scaling to 15 adds 3 to the
    # old ReplicaSet and 2 to the new one.
    c.apply(deployment(replicas=10, strategy={"type": "RollingUpdate",
                                              "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}))
    c.run()
    set_image(c, "nginx:broken")
    c.run(30)
    assert [r["spec"]["replicas"] for r in rs_by_revision(c)] == [8, 5]
    c.api.patch("deploy", "web", {"spec": {"replicas": 15}})
    c.run(30)
    assert [r["spec"]["replicas"] for r in rs_by_revision(c)] == [11, 7]


def test_a_rollout_without_progress_exceeds_its_deadline(c):
    c.apply(deployment(progressDeadlineSeconds=60))
    c.run()
    set_image(c, "nginx:broken")
    c.run()                           # the controller wakes itself when the deadline passes
    d = c.get("deploy", "web")
    new = rs_by_revision(c)[-1]["metadata"]["name"]
    progressing = [x for x in d["status"]["conditions"] if x["type"] == "Progressing"][0]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == \
        ("False", "ProgressDeadlineExceeded", f'ReplicaSet "{new}" has timed out progressing.')
    assert 60 < c.clock.seconds < 120


def test_too_few_available_pods_make_the_deployment_unavailable(c):
    c.apply(deployment(replicas=4, image="nginx:broken"))
    c.run(10)
    available = [x for x in c.get("deploy", "web")["status"]["conditions"] if x["type"] == "Available"][0]
    assert (available["status"], available["reason"], available["message"]) == \
        ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")


def test_min_ready_seconds_is_passed_to_the_replicaset_and_delays_availability(c):
    c.apply(deployment(minReadySeconds=20))
    c.run(10)
    (rs,) = c.get("rs")
    assert rs["spec"]["minReadySeconds"] == 20
    assert c.get("deploy", "web")["status"].get("availableReplicas", 0) == 0
    c.run()
    assert c.get("deploy", "web")["status"]["availableReplicas"] == 3


def test_deleting_a_deployment_deletes_its_replicasets_and_pods(c):
    c.apply(deployment())
    c.run()
    c.delete("deploy", "web")
    c.run()
    assert c.get("rs") == [] and c.get("pods") == []

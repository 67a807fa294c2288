"""pkg/controller/controller_utils.go's helpers: expectations, ClaimPods, readiness and
availability, the deletion ranking, slowStartBatch."""
from datetime import timedelta

import pytest

import kubelab as kl
from kubelab import errors
from kubelab.api.labels import parse_selector
from kubelab.api.meta import format_time
from kubelab.controllers.controller_utils import (
    EXPECTATIONS_TIMEOUT, ControllerExpectations, claim_pods, is_pod_available, is_pod_ready, new_controller_ref,
    pods_to_delete, rank_pods_for_deletion, slow_start_batch,
)
from kubelab.sim import EPOCH, Clock

NOW = EPOCH + timedelta(hours=10)


def stamp(seconds_ago):
    return format_time(NOW - timedelta(seconds=seconds_ago))


def pod(name, *, node="n1", phase="Running", ready=True, ready_ago=100, created_ago=1000, restarts=0,
        cost=None, uid=None):
    meta = {"name": name, "namespace": "default", "uid": uid or f"uid-{name}", "creationTimestamp": stamp(created_ago)}
    if cost is not None:
        meta["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
    status = {"phase": phase, "containerStatuses": [{"name": "c", "restartCount": restarts}]}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False",
                                 "lastTransitionTime": stamp(ready_ago)}]
    return {"metadata": meta, "spec": {"nodeName": node} if node else {}, "status": status}


# Each row: two pods that differ in one rule, and which must be deleted first
# (ActivePodsWithRanks.Less in kubernetes v1.32 pkg/controller/controller_utils.go).
RANKING = [
    ("unassigned before assigned", pod("a", node=None, phase="Pending"), pod("b")),
    ("Pending before Running", pod("a", phase="Pending"), pod("b")),
    ("Unknown before Running", pod("a", phase="Unknown"), pod("b")),
    ("Pending before Unknown", pod("a", phase="Pending"), pod("b", phase="Unknown")),
    ("not ready before ready", pod("a", ready=False), pod("b")),
    ("lower deletion cost first", pod("a", cost=-5), pod("b", cost=10)),
    ("ready for less time first (log2 buckets)", pod("a", ready_ago=10), pod("b", ready_ago=100)),
    ("more restarts first", pod("a", restarts=3), pod("b", restarts=1)),
    ("newer first", pod("a", created_ago=10), pod("b", created_ago=1000)),
]


@pytest.mark.parametrize("rule,first,second", RANKING, ids=[r[0] for r in RANKING])
def test_the_deletion_ranking_puts_the_cheaper_pod_first(rule, first, second):
    for order in ([first, second], [second, first]):
        assert [p["metadata"]["name"] for p in rank_pods_for_deletion(order, [1, 1], NOW)] == ["a", "b"]


def test_pods_on_crowded_nodes_go_before_pods_alone_on_theirs():
    # getPodsRankedByRelatedPodsOnSameNode: rank = active related pods on the same node
    crowded, alone = pod("a", node="n1"), pod("b", node="n2")
    related = [crowded, alone, pod("x", node="n1"), pod("y", node="n1")]
    assert pods_to_delete([alone, crowded], related, 1, NOW) == [crowded]


def test_ready_times_in_the_same_log2_bucket_tie_and_fall_through_to_the_uid():
    # 100 s and 120 s ago share floor(log2(ns)) = 36, so rule 6 ties; the uid decides
    a, b = pod("a", ready_ago=100, uid="2"), pod("b", ready_ago=120, uid="1")
    assert [p["metadata"]["name"] for p in rank_pods_for_deletion([a, b], [0, 0], NOW)] == ["b", "a"]


def test_expectations_wait_for_observed_creations_then_are_satisfied():
    clock = Clock()
    exp = ControllerExpectations(clock)
    assert exp.satisfied("ns/rs")                 # never set: sync
    exp.expect_creations("ns/rs", 2)
    exp.creation_observed("ns/rs")
    assert not exp.satisfied("ns/rs")
    exp.creation_observed("ns/rs")
    assert exp.satisfied("ns/rs")


def test_expectations_expire_after_five_minutes():
    clock = Clock()
    exp = ControllerExpectations(clock)
    exp.expect_creations("ns/rs", 5)
    clock.advance_to(EXPECTATIONS_TIMEOUT)
    assert not exp.satisfied("ns/rs")
    clock.advance_to(EXPECTATIONS_TIMEOUT + 0.001)
    assert exp.satisfied("ns/rs")


def test_a_deletion_is_counted_once_even_if_seen_twice():
    # UIDTrackingControllerExpectations: the deletionTimestamp update and the delete itself
    exp = ControllerExpectations(Clock())
    exp.expect_deletions("ns/rs", ["ns/a", "ns/b"])
    exp.deletion_observed("ns/rs", "ns/a")
    exp.deletion_observed("ns/rs", "ns/a")
    assert exp.pending("ns/rs") == (0, 1) and not exp.satisfied("ns/rs")


def test_slow_start_doubles_batches_and_stops_at_the_first_failing_batch():
    calls = []

    def create():
        calls.append(1)
        if len(calls) == 5:
            raise errors.Forbidden("exceeded quota")
    successes, err = slow_start_batch(10, 1, create)
    # batches 1, 2, 4: the failure is in the third batch, which still runs to its end
    assert (len(calls), successes, err.message) == (7, 6, "exceeded quota")


def test_availability_needs_min_ready_seconds_strictly_passed():
    p = pod("a", ready_ago=10)
    assert is_pod_ready(p)
    assert is_pod_available(p, 0, NOW)
    assert is_pod_available(p, 9, NOW)
    assert not is_pod_available(p, 10, NOW)      # lastTransitionTime + 10 s is not before now
    assert not is_pod_available(pod("b", ready=False), 0, NOW)


@pytest.fixture
def c():
    return kl.Cluster(nodes=0, seed=0)


def owner(c, name="rs"):
    return c.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}) | \
        {"apiVersion": "apps/v1", "kind": "ReplicaSet"}


def make_pod(c, name, labels, refs=None):
    meta = {"name": name, "labels": labels}
    if refs:
        meta["ownerReferences"] = refs
    return c.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                         "spec": {"containers": [{"name": "c", "image": "nginx"}]}})


def test_claim_pods_adopts_matching_orphans_and_releases_owned_pods_that_stopped_matching(c):
    rs = owner(c)
    other = owner(c, "other")
    orphan = make_pod(c, "orphan", {"app": "web"})
    stray = make_pod(c, "stray", {"app": "db"}, [new_controller_ref(rs)])
    foreign = make_pod(c, "foreign", {"app": "web"}, [new_controller_ref(other)])
    claimed = claim_pods(c.api, rs, parse_selector("app=web"), [orphan, stray, foreign], fresh=lambda: rs)
    assert [p["metadata"]["name"] for p in claimed] == ["orphan"]
    assert c.get("pod", "orphan")["metadata"]["ownerReferences"] == [new_controller_ref(rs)]
    assert not c.get("pod", "stray")["metadata"].get("ownerReferences")
    assert c.get("pod", "foreign")["metadata"]["ownerReferences"] == [new_controller_ref(other)]


def test_claim_pods_never_adopts_a_pod_being_deleted_nor_adopts_while_the_owner_is_deleted(c):
    rs = owner(c)
    orphan = make_pod(c, "orphan", {"app": "web"})
    going = dict(orphan, metadata=dict(orphan["metadata"], deletionTimestamp=format_time(c.now)))
    assert claim_pods(c.api, rs, parse_selector("app=web"), [going], fresh=lambda: rs) == []
    with pytest.raises(errors.Conflict, match="has just been deleted, cannot adopt"):
        claim_pods(c.api, rs, parse_selector("app=web"), [orphan], fresh=lambda: None)

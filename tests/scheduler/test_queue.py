"""The scheduling queue: PrioritySort order, backoff 1 s doubling to 10 s,
and unschedulable Pods moved only by events their rejecting plugins registered
(pkg/scheduler/backend/queue/scheduling_queue.go)."""
import pytest

from kubelab.scheduler import ClusterEvent, PodInfo
from kubelab.scheduler.diagnosis import NodeToStatus, fit_error_message
from kubelab.scheduler.framework import Status
from kubelab.scheduler.plugins import PrioritySort
from kubelab.scheduler.queue import SchedulingQueue, backoff_duration
from kubelab.scheduler.scheduler import num_feasible_nodes_to_find
from kubelab.sim import Clock, Loop


def pod(name, priority=0):
    return {"metadata": {"name": name, "namespace": "default", "uid": name}, "spec": {"priority": priority}}


@pytest.fixture
def loop():
    return Loop(Clock())


def make_queue(loop, events=None):
    return SchedulingQueue(loop, PrioritySort(), events_for=lambda plugin: (events or {}).get(plugin))


def test_active_queue_pops_higher_priority_first_then_first_come(loop):
    q = make_queue(loop)
    for name, prio in (("a", 0), ("b", 10), ("c", 0), ("d", 10)):
        q.add(PodInfo(pod(name, prio)))
    assert [q.pop().pod_info.name for _ in range(4)] == ["b", "d", "a", "c"]
    assert q.pop() is None


@pytest.mark.parametrize("attempts, seconds", [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (9, 10)])
def test_backoff_doubles_from_one_second_up_to_ten(attempts, seconds):
    # podInitialBackoffDuration 1s, podMaxBackoffDuration 10s
    assert backoff_duration(attempts) == seconds


def test_a_rejected_pod_waits_in_unschedulable_pods_until_a_registered_event_helps(loop):
    node_fits = ClusterEvent("Node", "Add", lambda p, old, new: new["metadata"]["name"] == "big-node")
    q = make_queue(loop, {"NodeResourcesFit": [node_fits]})
    q.add(PodInfo(pod("web")))
    qpi = q.pop()
    qpi.unschedulable_plugins = {"NodeResourcesFit"}
    assert q.add_unschedulable_if_not_present(qpi) == "unschedulablePods"
    assert q.move_all_on_event("AssignedPod", ("Add",)) == 0          # not registered
    assert q.move_all_on_event("Node", ("Add",), None, {"metadata": {"name": "small"}}) == 0   # hint says no
    assert q.move_all_on_event("Node", ("Add",), None, {"metadata": {"name": "big-node"}}) == 1
    assert q.pending() == {"active": 0, "backoff": 1, "unschedulable": 0}     # still backing off (1 s)
    loop.run(1)
    assert q.pending() == {"active": 1, "backoff": 0, "unschedulable": 0}


def test_pods_unschedulable_for_five_minutes_are_retried_anyway(loop):
    q = make_queue(loop, {"X": [ClusterEvent("Node", "Add")]})
    q.add(PodInfo(pod("web")))
    qpi = q.pop()
    qpi.unschedulable_plugins = {"X"}
    q.add_unschedulable_if_not_present(qpi)
    loop.run(299)
    assert q.pending()["unschedulable"] == 1
    loop.run(31)                       # the 30 s flush after the 5 minute mark
    assert q.pending()["active"] == 1


@pytest.mark.parametrize("nodes, expected", [(50, 50), (1000, 420), (5000, 500), (6000, 300)])
def test_adaptive_percentage_of_nodes_to_score(nodes, expected):
    # numFeasibleNodesToFind: percentage = max(50 - nodes/125, 5), at least 100 nodes
    assert num_feasible_nodes_to_find(None, nodes) == expected


def test_fit_error_sorts_reason_counts_as_text():
    # FitError.Error sorts "<count> <reason>" strings with sort.Strings: "10 ..." < "2 ..."
    statuses = NodeToStatus()
    for i in range(12):
        statuses.set(f"n{i}", Status.unschedulable("Insufficient memory" if i < 10 else "Insufficient cpu"))
    assert fit_error_message(12, statuses) == "0/12 nodes are available: 10 Insufficient memory, 2 Insufficient cpu."

"""The READY, STATUS and RESTARTS columns follow printers.go printPod.

Cases mirror k8s.io/kubernetes/pkg/printers/internalversion/printers_test.go
(TestPrintPod, TestPrintPodWithRestartableInitContainer) and the branches of
printPod they exercise."""
from datetime import datetime, timezone

import pytest

from kubelab.kubectl.pods import pod_cells, pod_status

NOW = datetime(2026, 1, 2, 12, 0, 0, tzinfo=timezone.utc)


def pod(phase="Running", containers=1, statuses=(), init=(), init_statuses=(), conditions=(), reason=None,
        deleting=False, gates=()):
    spec = {"containers": [{"name": f"c{i}"} for i in range(containers)],
            "initContainers": [dict(c) for c in init]}
    if gates:
        spec["readinessGates"] = [{"conditionType": g} for g in gates]
    status = {"phase": phase, "containerStatuses": [{"name": f"c{i}", **st} for i, st in enumerate(statuses)],
              "initContainerStatuses": [{"name": f"i{i}", **st} for i, st in enumerate(init_statuses)],
              "conditions": list(conditions)}
    if reason:
        status["reason"] = reason
    meta = {"name": "p", "creationTimestamp": "2026-01-02T11:00:00Z"}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-02T11:59:00Z"
    return {"metadata": meta, "spec": spec, "status": status}


RUNNING = {"state": {"running": {"startedAt": "2026-01-02T11:00:00Z"}}, "ready": True}
WAITING = lambda reason: {"state": {"waiting": {"reason": reason}}}  # noqa: E731
TERMINATED = lambda reason, code=0, signal=0: {"state": {"terminated": {"reason": reason, "exitCode": code,  # noqa: E731
                                                                          "signal": signal}}}

CASES = [
    # (description, pod, STATUS, READY)
    ("a pending pod with no statuses shows its phase", pod("Pending"), "Pending", "0/1"),
    ("a waiting container's reason wins", pod("Pending", statuses=[WAITING("ContainerCreating")]),
     "ContainerCreating", "0/1"),
    ("a crash loop shows CrashLoopBackOff", pod(statuses=[WAITING("CrashLoopBackOff")]), "CrashLoopBackOff", "0/1"),
    ("running and ready counts one of one", pod(statuses=[RUNNING]), "Running", "1/1"),
    ("a terminated container's reason wins", pod("Succeeded", statuses=[TERMINATED("Completed")]), "Completed",
     "0/1"),
    ("a terminated container without a reason shows its exit code", pod("Failed", statuses=[TERMINATED("", 2)]),
     "ExitCode:2", "0/1"),
    ("a signal beats the exit code", pod("Failed", statuses=[TERMINATED("", 137, 9)]), "Signal:9", "0/1"),
    ("status.reason replaces the phase", pod("Failed", reason="Evicted"), "Evicted", "0/1"),
    ("NodeLost shows as is without a deletion", pod(reason="NodeLost"), "NodeLost", "0/1"),
    ("an unreachable pod being deleted is Unknown", pod(reason="NodeLost", deleting=True), "Unknown", "0/1"),
    ("a deletion timestamp makes a running pod Terminating", pod(statuses=[RUNNING], deleting=True),
     "Terminating", "1/1"),
    ("a finished pod being deleted keeps its status", pod("Succeeded", statuses=[TERMINATED("Completed")],
                                                       deleting=True), "Completed", "0/1"),
    ("the first unfinished init container gives Init:N/M",
     pod("Pending", init=[{"name": "i0"}, {"name": "i1"}],
         init_statuses=[TERMINATED("Completed"), {"state": {"running": {}}}]), "Init:1/2", "0/1"),
    ("a waiting init container shows Init:reason",
     pod("Pending", init=[{"name": "i0"}], init_statuses=[WAITING("CrashLoopBackOff")]),
     "Init:CrashLoopBackOff", "0/1"),
    ("PodInitializing is not an init reason", pod("Pending", init=[{"name": "i0"}],
                                                  init_statuses=[WAITING("PodInitializing")]), "Init:0/1", "0/1"),
    ("a failed init container shows Init:reason", pod("Pending", init=[{"name": "i0"}],
                                                      init_statuses=[TERMINATED("Error", 1)]), "Init:Error", "0/1"),
    ("a failed init container without reason shows Init:ExitCode",
     pod("Pending", init=[{"name": "i0"}], init_statuses=[TERMINATED("", 3)]), "Init:ExitCode:3", "0/1"),
    ("a started sidecar counts toward READY and the total",
     pod(init=[{"name": "i0", "restartPolicy": "Always"}],
         init_statuses=[{"started": True, "ready": True, "state": {"running": {}}}], statuses=[RUNNING]),
     "Running", "2/2"),
    ("Completed with a running container is Running when the pod is Ready",
     pod(containers=2, statuses=[TERMINATED("Completed"), RUNNING], conditions=[{"type": "Ready", "status": "True"}]),
     "Running", "1/2"),
    ("Completed with a running container is NotReady otherwise",
     pod(containers=2, statuses=[RUNNING, TERMINATED("Completed")]), "NotReady", "1/2"),
    ("the last container's reason wins (statuses are read in reverse)",
     pod(containers=2, statuses=[WAITING("ErrImagePull"), WAITING("ContainerCreating")]), "ErrImagePull", "0/2"),
    ("a scheduling gate shows SchedulingGated",
     pod("Pending", conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]),
     "SchedulingGated", "0/1"),
]


@pytest.mark.parametrize("description, obj, status, ready", CASES, ids=[c[0] for c in CASES])
def test_pod_status_column(description, obj, status, ready):
    cells = pod_cells(obj, NOW)
    assert (cells[2], cells[1]) == (status, ready)


def test_restarts_show_how_long_ago_the_last_container_finished():
    # printPod: "%d (%s ago)" from the latest lastState.terminated.finishedAt.
    obj = pod(statuses=[{**RUNNING, "restartCount": 3,
                         "lastState": {"terminated": {"finishedAt": "2026-01-02T11:58:00Z"}}}])
    assert pod_cells(obj, NOW)[3] == "3 (2m ago)"


def test_restarts_without_a_last_state_are_a_bare_count():
    assert pod_cells(pod(statuses=[{**RUNNING, "restartCount": 2}]), NOW)[3] == "2"


def test_init_restarts_count_only_while_initializing():
    obj = pod("Pending", init=[{"name": "i0"}], init_statuses=[{**WAITING("CrashLoopBackOff"), "restartCount": 4}],
              statuses=[{"restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}])
    assert pod_status(obj)[3] == 4


def test_wide_columns_show_ip_node_and_readiness_gates():
    obj = pod(statuses=[RUNNING], gates=["example.com/ready"],
              conditions=[{"type": "example.com/ready", "status": "True"}])
    obj["spec"]["nodeName"] = "node-1"
    obj["status"]["podIPs"] = [{"ip": "10.244.1.5"}]
    assert pod_cells(obj, NOW)[5:] == ["10.244.1.5", "node-1", "<none>", "1/1"]

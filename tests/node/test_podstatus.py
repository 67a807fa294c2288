"""Pod phase and conditions, computed as the kubelet computes them.

Expected values: kubernetes.io "Pod Lifecycle" (phases, container states, restart
policy, Pod conditions) and the kubelet's own tables in kubelet_pods_test.go
(TestPodPhaseWithRestartAlways/Never/OnFailure, ...WithInitContainers) and
status/generate_test.go (reasons and messages).
"""
import pytest

from kubelab.node import podstatus


def running(name, started=True, ready=True):
    return {"name": name, "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}, "started": started,
            "ready": ready}


def waiting(name, reason="ContainerCreating", last_exit=None):
    s = {"name": name, "state": {"waiting": {"reason": reason}}, "started": False, "ready": False}
    if last_exit is not None:
        s["lastState"] = {"terminated": {"exitCode": last_exit}}
    return s


def done(name, code=0):
    return {"name": name, "state": {"terminated": {"exitCode": code}}, "started": False, "ready": code == 0}


def pod(policy="Always", containers=("a", "b"), inits=(), sidecars=(), gates=()):
    spec = {"restartPolicy": policy, "containers": [{"name": n} for n in containers],
            "initContainers": [{"name": n} for n in inits] + [{"name": n, "restartPolicy": "Always"} for n in sidecars]}
    if gates:
        spec["readinessGates"] = [{"conditionType": g} for g in gates]
    return {"spec": spec}


PHASES = [
    # (what, pod, statuses, terminal, phase)
    ("all containers running", pod(), [running("a"), running("b")], False, "Running"),
    ("one container still waiting to start", pod(), [running("a"), waiting("b")], False, "Pending"),
    ("no statuses yet", pod(), [], False, "Pending"),
    ("all exited 0, restartPolicy Always: being restarted", pod(), [done("a"), done("b")], False, "Running"),
    ("all exited 0, restartPolicy OnFailure", pod("OnFailure"), [done("a"), done("b")], False, "Succeeded"),
    ("all exited 0, restartPolicy Never", pod("Never"), [done("a"), done("b")], False, "Succeeded"),
    ("one exited 1, restartPolicy Always", pod(), [done("a"), done("b", 1)], False, "Running"),
    ("one exited 1, restartPolicy OnFailure", pod("OnFailure"), [done("a"), done("b", 1)], False, "Running"),
    ("one exited 1, restartPolicy Never", pod("Never"), [done("a"), done("b", 1)], False, "Failed"),
    ("one running, one exited 1, restartPolicy Never", pod("Never"), [running("a"), done("b", 1)], False, "Running"),
    ("crash loop: waiting after a failure", pod(), [running("a"), waiting("b", "CrashLoopBackOff", 1)],
     False, "Running"),
    ("a deleted Pod whose containers stopped cleanly", pod(), [done("a"), done("b")], True, "Succeeded"),
    ("a deleted Pod with a SIGKILLed container", pod(), [done("a"), done("b", 137)], True, "Failed"),
    ("init container running", pod(inits=["i"]), [running("i"), waiting("a", "PodInitializing"),
                                                  waiting("b", "PodInitializing")], False, "Pending"),
    ("init container failed, restartPolicy Never", pod("Never", inits=["i"]),
     [done("i", 1), waiting("a", "PodInitializing"), waiting("b", "PodInitializing")], False, "Failed"),
    ("init container failed, restartPolicy Always: retried", pod(inits=["i"]),
     [waiting("i", "CrashLoopBackOff", 1), waiting("a", "PodInitializing"), waiting("b", "PodInitializing")],
     False, "Pending"),
    ("init done, app containers running", pod(inits=["i"]), [done("i"), running("a"), running("b")], False, "Running"),
    ("sidecar started, app running", pod(sidecars=["s"]), [running("s"), running("a"), running("b")], False,
     "Running"),
    ("sidecar running but not started yet", pod(sidecars=["s"]),
     [running("s", started=False), waiting("a", "PodInitializing"), waiting("b", "PodInitializing")], False,
     "Pending"),
    ("Job-style Pod: app done, sidecar stopped", pod("Never", containers=["a"], sidecars=["s"]),
     [done("s", 137), done("a")], False, "Succeeded"),
]


@pytest.mark.parametrize("what, manifest, statuses, terminal, expected", PHASES, ids=[p[0] for p in PHASES])
def test_phase_follows_the_kubelets_rules(what, manifest, statuses, terminal, expected):
    assert podstatus.phase(manifest, statuses, terminal) == expected


def conditions_of(manifest, statuses, phase, sandbox_ready=True, existing=()):
    return {c["type"]: c for c in podstatus.conditions(manifest, statuses, phase, sandbox_ready=sandbox_ready,
                                                       existing=list(existing))}


def test_conditions_come_in_the_kubelets_order():
    got = podstatus.conditions(pod(), [running("a"), running("b")], "Running", sandbox_ready=True)
    assert [c["type"] for c in got] == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                        "PodScheduled"]
    assert all(c["status"] == "True" for c in got)


def test_unready_containers_are_named_in_ready_and_containers_ready():
    # generate.go: "containers with unready status: [b]" (Go's %s of a string slice)
    got = conditions_of(pod(), [running("a"), running("b", ready=False)], "Running")
    for ctype in ("Ready", "ContainersReady"):
        assert got[ctype]["status"] == "False"
        assert got[ctype]["reason"] == "ContainersNotReady"
        assert got[ctype]["message"] == "containers with unready status: [b]"


def test_a_sidecar_counts_towards_readiness():
    got = conditions_of(pod(containers=["a"], sidecars=["s"]), [running("s", ready=False), running("a")], "Running")
    assert got["ContainersReady"]["message"] == "containers with unready status: [s]"


def test_pending_init_containers_are_named_in_initialized():
    statuses = [done("i1"), running("i2", ready=False), waiting("a", "PodInitializing"), waiting("b", "PodInitializing")]
    got = conditions_of(pod(inits=["i1", "i2"]), statuses, "Pending")
    assert got["Initialized"] == {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                                  "message": "containers with incomplete status: [i2]"}


def test_a_missing_readiness_gate_keeps_the_pod_unready():
    got = conditions_of(pod(gates=["example.com/lb"]), [running("a"), running("b")], "Running")
    assert got["ContainersReady"]["status"] == "True"
    assert got["Ready"]["reason"] == "ReadinessGatesNotReady"
    assert got["Ready"]["message"] == 'corresponding condition of pod readiness gate "example.com/lb" does not exist.'


def test_a_completed_pod_is_not_ready_with_reason_pod_completed():
    got = conditions_of(pod("Never"), [done("a"), done("b")], "Succeeded", sandbox_ready=False)
    assert got["ContainersReady"]["reason"] == got["Ready"]["reason"] == "PodCompleted"
    assert got["Initialized"]["reason"] == "PodCompleted"
    assert got["PodReadyToStartContainers"]["status"] == "False"


def test_a_failed_pod_reports_pod_failed():
    got = conditions_of(pod("Never"), [done("a"), done("b", 1)], "Failed")
    assert got["Ready"]["status"] == "False" and got["Ready"]["reason"] == "PodFailed"

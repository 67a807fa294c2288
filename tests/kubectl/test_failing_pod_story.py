"""A failing Pod tells its story: ``kubectl describe`` ties together the container's state, its
last termination, restarts, probes and events, and ``kubectl logs --previous`` what it said
before dying (kubelet v1.32 reasons and messages; kubectl describe's layout)."""
import pytest

import kubelab as kl

PODS = """
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo starting; exit 1"]
---
apiVersion: v1
kind: Pod
metadata: {name: live}
spec:
  containers:
  - name: app
    image: nginx
    livenessProbe:
      httpGet: {path: /healthz, port: 80}
      periodSeconds: 5
      failureThreshold: 3
"""


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(nodes=1)
    c.apply(PODS)
    c.run(120)
    return c


def test_a_crash_looping_pod_shows_its_back_off_last_exit_and_restarts(cluster):
    out = cluster.kubectl("describe pod crash")
    assert "    State:          Waiting\n      Reason:       CrashLoopBackOff\n" in out
    assert "    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1\n" in out
    restarts = int(out.split("Restart Count:")[1].split()[0])
    assert restarts >= 3            # back-off 10 s, 20 s, 40 s, ... within two minutes
    assert "Back-off restarting failed container app in pod crash_default(" in out
    assert cluster.kubectl("logs crash --previous") == "starting\n"


def test_a_pod_failing_its_liveness_probe_shows_the_probe_the_failures_and_the_kills(cluster):
    out = cluster.kubectl("describe pod live")
    assert ("    Liveness:       http-get http://:80/healthz delay=0s timeout=1s period=5s #success=1 #failure=3\n"
            in out)
    events = {e["reason"]: e["message"] for e in cluster.events() if e["involvedObject"]["name"] == "live"}
    assert events["Unhealthy"] == "Liveness probe failed: HTTP probe failed with statuscode: 404"
    assert events["Killing"] == "Container app failed liveness probe, will be restarted"
    table = [line.split()[:2] for line in out.split("Events:\n")[1].splitlines()[2:]]
    assert {("Warning", "Unhealthy"), ("Normal", "Killing"), ("Warning", "BackOff")} <= set(map(tuple, table))
    assert "Restart Count:  0" not in out

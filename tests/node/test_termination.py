"""Graceful Pod termination, through a cluster.

kubernetes.io "Pod Lifecycle / Termination of Pods": deleting a Pod sets its
deletionTimestamp; the kubelet runs preStop hooks, sends the stop signal (SIGTERM, or
the image's STOPSIGNAL: SIGQUIT for nginx) and SIGKILLs what is still running when the
grace period (terminationGracePeriodSeconds, default 30 s, or --grace-period) ends;
the kubelet never gives less than 2 s. Then it deletes the Pod object with grace 0.
A shell running as PID 1 has no SIGTERM handler, and the kernel does not deliver
unhandled signals to a namespace's init, so `sleep` is only stopped by SIGKILL (137).
"""
import pytest

import kubelab as kl
from kubelab import errors


def pod(name, image="busybox:1.36", command=("sh", "-c", "sleep 3600"), **spec):
    ctr = {"name": "app", "image": image}
    if command:
        ctr["command"] = list(command)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [ctr], **spec}}


def gone_after(c, name, limit=120):
    """Seconds until the Pod object disappears."""
    start = c.clock.seconds
    while c.clock.seconds - start < limit:
        try:
            c.get("pod", name)
        except errors.NotFound:
            return round(c.clock.seconds - start, 3)
        c.run(0.5)
    raise AssertionError(f"{name} still exists after {limit}s")


@pytest.fixture
def c():
    cluster = kl.Cluster(nodes=1)
    cluster.apply([pod("sleeper"), pod("short", terminationGracePeriodSeconds=10), pod("web", "nginx:1.27", None),
                   pod("patient", command=("sh", "-c", "sleep 3600"))])
    cluster.run(10)
    return cluster


def test_sleep_ignores_sigterm_and_is_killed_after_the_default_thirty_seconds(c):
    c.delete("pod", "sleeper")
    assert c.get("pod", "sleeper")["metadata"]["deletionGracePeriodSeconds"] == 30
    assert [e["message"] for e in c.events() if e["reason"] == "Killing"] == ["Stopping container app"]
    assert gone_after(c, "sleeper") == 30


def test_the_pods_own_grace_period_and_a_shorter_delete_grace_period_are_honoured(c):
    c.delete("pod", "short")
    assert gone_after(c, "short") == 10
    c.delete("pod", "patient", grace_period_seconds=5)
    assert gone_after(c, "patient") == 5


def test_the_kubelet_gives_at_least_two_seconds(c):
    c.delete("pod", "sleeper", grace_period_seconds=1)
    assert gone_after(c, "sleeper") == 2


def test_nginx_stops_at_once_on_its_stop_signal(c):
    c.delete("pod", "web")
    assert gone_after(c, "web") == 0


def test_the_final_status_is_written_before_the_pod_goes(c):
    seen = []
    watch = c.api.watch("pods", namespace="default", field_selector="metadata.name=sleeper",
                        resource_version=c.get("pod", "sleeper")["metadata"]["resourceVersion"])
    c.delete("pod", "sleeper")
    c.run(40)
    for event in watch.take():
        seen.append((event["type"], event["object"]["status"].get("phase")))
    # the kubelet writes the terminal phase (SIGKILLed, exit 137: Failed), then deletes the object
    assert seen[-2:] == [("MODIFIED", "Failed"), ("DELETED", "Failed")]


def test_a_pre_stop_hook_runs_before_the_signal_and_counts_against_the_grace_period():
    c = kl.Cluster(nodes=1)
    spec = pod("hooked", "nginx:1.27", None)
    spec["spec"]["containers"][0]["lifecycle"] = {"preStop": {"exec": {"command": ["sh", "-c", "sleep 5"]}}}
    c.apply(spec)
    c.run(10)
    c.delete("pod", "hooked")
    assert gone_after(c, "hooked") == 5


def test_a_sidecar_is_stopped_after_the_app_container():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pair"},
             "spec": {"initContainers": [{"name": "proxy", "image": "nginx:1.27", "restartPolicy": "Always"}],
                      "containers": [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 3600"]}]}})
    c.run(10)
    c.delete("pod", "pair")
    killing = [e for e in c.events() if e["reason"] == "Killing"]
    assert [e["message"] for e in killing] == ["Stopping container app"]
    c.run(31)
    killing = [e for e in c.events() if e["reason"] == "Killing"]
    assert [e["message"] for e in killing] == ["Stopping container app", "Stopping container proxy"]
    with pytest.raises(errors.NotFound):
        c.get("pod", "pair")


def test_a_force_deleted_pod_goes_at_once_and_its_containers_get_two_seconds(c):
    # kubectl delete --force --grace-period=0: the object goes now; the kubelet still stops
    # the containers, with its 2 s minimum
    c.delete("pod", "sleeper", grace_period_seconds=0)
    with pytest.raises(errors.NotFound):
        c.get("pod", "sleeper")
    runtime = c.kubelets["node-1"].runtime
    sleeper = [x for x in runtime.containers.values() if x.sandbox.name == "sleeper"]
    c.run(1.5)
    assert sleeper[0].state == "running"
    c.run(1)
    assert (sleeper[0].state, sleeper[0].exit_code) == ("exited", 137)
    assert not any(x.sandbox.name == "sleeper" for x in runtime.containers.values())

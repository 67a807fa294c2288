"""CrashLoopBackOff through a cluster: when the kubelet restarts a failing container.

Kubernetes (kuberuntime_manager.go doBackOff + flowcontrol.Backoff): the first restart
after an exit is immediate; after that the kubelet waits 10 s, 20 s, 40 s ... capped at
300 s, counted from the container's finishedAt; the back-off is forgotten once a
container has run for 10 minutes. kubernetes.io "Pod Lifecycle" / "Container restarts".
"""
import kubelab as kl
from kubelab.api.meta import parse_time


def crashing(name="crash", script="sleep 1; exit 1", **extra):
    spec = {"containers": [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", script]}]}
    spec.update(extra)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def restarts(c, name, seconds):
    """[(restartCount, gap between the previous exit and this start)] as observed from the API."""
    seen, out = 0, []
    for _ in range(seconds):
        c.run(1)
        cs = c.get("pod", name)["status"]["containerStatuses"][0]
        if cs["restartCount"] > seen and "running" in cs["state"]:
            seen = cs["restartCount"]
            started = parse_time(cs["state"]["running"]["startedAt"])
            finished = parse_time(cs["lastState"]["terminated"]["finishedAt"])
            out.append((seen, (started - finished).total_seconds()))
    return out


def test_restarts_wait_ten_twenty_forty_seconds_up_to_five_minutes():
    c = kl.Cluster(nodes=1)
    c.apply(crashing())
    gaps = restarts(c, "crash", 950)
    assert gaps == [(1, 0), (2, 10), (3, 20), (4, 40), (5, 80), (6, 160), (7, 300), (8, 300)]


def test_a_waiting_container_shows_crash_loop_back_off_with_the_kubelets_message():
    c = kl.Cluster(nodes=1)
    c.apply(crashing())
    c.run(5)
    pod = c.get("pod", "crash")
    cs = pod["status"]["containerStatuses"][0]
    uid = pod["metadata"]["uid"]
    assert cs["state"]["waiting"] == {
        "reason": "CrashLoopBackOff",
        "message": f"back-off 10s restarting failed container=app pod=crash_default({uid})"}
    assert cs["lastState"]["terminated"]["reason"] == "Error"
    assert cs["lastState"]["terminated"]["exitCode"] == 1
    assert cs["restartCount"] == 1
    assert pod["status"]["phase"] == "Running"          # restartPolicy Always: being restarted
    backoff = [e for e in c.events() if e["reason"] == "BackOff"]
    assert backoff[0]["type"] == "Warning"
    assert backoff[0]["message"] == f"Back-off restarting failed container app in pod crash_default({uid})"


def test_the_back_off_starts_over_after_a_container_ran_for_ten_minutes():
    # attempts 0-3 crash at once, attempt 4 runs 700 s: its exit is restarted at once, then 10 s again
    script = ("n=$(cat /data/n 2>/dev/null || echo 0); echo $((n+1)) > /data/n; "
              "if [ $n -lt 4 ]; then exit 1; fi; sleep 700; exit 1")
    c = kl.Cluster(nodes=1)
    pod = crashing(script=script, volumes=[{"name": "data", "emptyDir": {}}])
    pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    c.apply(pod)
    c.run(80)
    assert c.get("pod", "crash")["status"]["containerStatuses"][0]["restartCount"] == 4
    c.run(700)
    cs = c.get("pod", "crash")["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 5 and "running" in cs["state"]
    assert cs["state"]["running"]["startedAt"] == cs["lastState"]["terminated"]["finishedAt"]


def test_a_busybox_without_a_command_exits_at_once_and_crash_loops():
    # `kubectl run --image=busybox`: sh with no terminal reads EOF and exits 0; restartPolicy Always
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bb"},
             "spec": {"containers": [{"name": "bb", "image": "busybox:1.36"}]}})
    c.run()
    cs = c.get("pod", "bb")["status"]["containerStatuses"][0]
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert cs["lastState"]["terminated"]["reason"] == "Completed"
    assert cs["lastState"]["terminated"]["exitCode"] == 0
    assert c.kubectl("get pod bb").splitlines()[1].split()[2] == "CrashLoopBackOff"


def test_restart_policy_on_failure_stops_after_a_success_and_never_does_not_restart():
    c = kl.Cluster(nodes=1)
    c.apply([crashing("once", "sleep 1; exit 0", restartPolicy="OnFailure"),
             crashing("never", "sleep 1; exit 2", restartPolicy="Never")])
    c.run(60)
    once, never = c.get("pod", "once"), c.get("pod", "never")
    assert once["status"]["phase"] == "Succeeded"
    assert once["status"]["containerStatuses"][0]["restartCount"] == 0
    assert never["status"]["phase"] == "Failed"
    term = never["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (term["reason"], term["exitCode"]) == ("Error", 2)

"""Liveness, readiness and startup probes, through a cluster.

kubernetes.io "Configure Liveness, Readiness and Startup Probes": the exec liveness
example (registry.k8s.io/busybox, `touch /tmp/healthy; sleep 30; rm -f /tmp/healthy;
sleep 600`, probe `cat /tmp/healthy` every 5 s after 5 s) and the HTTP one (agnhost
liveness: /healthz fails after 10 s). Kubelet details (pkg/kubelet/prober/worker.go):
workers tick every periodSeconds from the Pod's first sync; failureThreshold (3)
failures in a row flip the result; a liveness failure kills the container
("Container liveness failed liveness probe, will be restarted") with the Pod's
grace period; readiness starts as failure and gates the Ready condition.
"""
import kubelab as kl

LIVENESS_EXEC = """
apiVersion: v1
kind: Pod
metadata:
  labels:
    test: liveness
  name: liveness-exec
spec:
  containers:
  - name: liveness
    image: registry.k8s.io/busybox
    args:
    - /bin/sh
    - -c
    - touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600
    livenessProbe:
      exec:
        command:
        - cat
        - /tmp/healthy
      initialDelaySeconds: 5
      periodSeconds: 5
"""


def events(c, reason):
    return [e for e in c.events() if e["reason"] == reason]


def test_the_docs_liveness_exec_example_restarts_as_documented():
    c = kl.Cluster(nodes=1)
    c.apply(LIVENESS_EXEC)
    c.run(34)
    # the file exists for the first 30 s of the container's life: no failures yet
    assert events(c, "Unhealthy") == []
    c.run(16)                                    # t=50
    unhealthy = events(c, "Unhealthy")
    assert [(e["count"], e["firstTimestamp"], e["lastTimestamp"]) for e in unhealthy] == [
        (3, "2025-01-01T00:00:35Z", "2025-01-01T00:00:45Z")]
    assert unhealthy[0]["message"] == \
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n"
    killing = events(c, "Killing")
    assert [(e["message"], e["firstTimestamp"]) for e in killing] == [
        ("Container liveness failed liveness probe, will be restarted", "2025-01-01T00:00:45Z")]
    # sh ignores SIGTERM as PID 1: SIGKILL after the default 30 s grace period, then a restart
    cs = c.get("pod", "liveness-exec")["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 0 and "running" in cs["state"]
    c.run(30)                                    # t=80
    cs = c.get("pod", "liveness-exec")["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 1 and "running" in cs["state"]
    last = cs["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"], last["finishedAt"]) == (137, "Error", "2025-01-01T00:01:15Z")


def test_the_docs_http_liveness_example_fails_after_ten_seconds():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "liveness-http"},
             "spec": {"containers": [{
                 "name": "liveness", "image": "registry.k8s.io/e2e-test-images/agnhost:2.40", "args": ["liveness"],
                 "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080,
                                               "httpHeaders": [{"name": "Custom-Header", "value": "Awesome"}]},
                                   "initialDelaySeconds": 3, "periodSeconds": 3}}]}})
    c.run(40)
    messages = {e["message"] for e in events(c, "Unhealthy")}
    assert messages == {"Liveness probe failed: HTTP probe failed with statuscode: 500"}
    # agnhost is a Go program: SIGTERM ends it at once (status 2), so it is restarted right away
    cs = c.get("pod", "liveness-http")["status"]["containerStatuses"][0]
    assert cs["restartCount"] >= 1
    assert cs["lastState"]["terminated"]["exitCode"] == 2


def nginx(name, readiness):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "readinessProbe": readiness}]}}


def condition(pod, ctype):
    return next(c for c in pod["status"]["conditions"] if c["type"] == ctype)


def test_readiness_gates_the_ready_condition():
    c = kl.Cluster(nodes=1)
    c.apply([nginx("ok", {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}),
             nginx("broken", {"httpGet": {"path": "/missing", "port": 80}, "periodSeconds": 5}),
             nginx("gated", {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 5})])
    c.run(20)
    ok, broken, gated = (c.get("pod", n) for n in ("ok", "broken", "gated"))
    assert condition(ok, "Ready")["status"] == "True"
    assert ok["status"]["containerStatuses"][0]["ready"] is True
    for pod in (broken, gated):
        assert pod["status"]["phase"] == "Running"
        assert condition(pod, "Ready")["status"] == "False"
        assert condition(pod, "Ready")["message"] == "containers with unready status: [app]"
    assert {e["message"] for e in events(c, "Unhealthy") if e["involvedObject"]["name"] == "broken"} == \
        {"Readiness probe failed: HTTP probe failed with statuscode: 404"}
    out, code = c.api.exec("gated", "default", "app", ["touch", "/tmp/ready"])
    assert code == 0
    c.run(5)
    assert condition(c.get("pod", "gated"), "Ready")["status"] == "True"
    assert c.kubectl("get pod gated").splitlines()[1].split()[1] == "1/1"


def test_a_startup_probe_holds_back_liveness_until_it_succeeds():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "slow"},
             "spec": {"containers": [{
                 "name": "app", "image": "busybox:1.36",
                 "command": ["sh", "-c", "sleep 25; touch /tmp/up; sleep 3600"],
                 "startupProbe": {"exec": {"command": ["cat", "/tmp/up"]}, "periodSeconds": 5,
                                  "failureThreshold": 10},
                 "livenessProbe": {"exec": {"command": ["cat", "/tmp/up"]}, "periodSeconds": 5}}]}})
    c.run(20)
    cs = c.get("pod", "slow")["status"]["containerStatuses"][0]
    assert (cs["started"], cs["ready"]) == (False, False)
    c.run(20)
    cs = c.get("pod", "slow")["status"]["containerStatuses"][0]
    assert (cs["started"], cs["ready"], cs["restartCount"]) == (True, True, 0)
    assert {e["message"].split(":")[0] for e in events(c, "Unhealthy")} == {"Startup probe failed"}


def test_a_tcp_probe_passes_once_redis_listens():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cache"},
             "spec": {"containers": [{"name": "redis", "image": "redis:7.4",
                                      "readinessProbe": {"tcpSocket": {"port": 6379}, "periodSeconds": 5},
                                      "livenessProbe": {"exec": {"command": ["redis-cli", "ping"]}}}]}})
    c.run(30)
    pod = c.get("pod", "cache")
    assert condition(pod, "Ready")["status"] == "True"
    assert c.api.exec("cache", "default", "redis", ["redis-cli", "ping"]) == ("PONG\n", 0)


def test_a_probe_on_a_named_port_the_container_lacks_errors_and_its_result_is_thrown_away():
    # pkg/kubelet/prober: ResolveContainerPort fails ("couldn't find port: ..."), prober.probe
    # records "<Kind> probe errored and resulted in unknown state: ..." and worker.doProbe
    # throws the result away: readiness stays at its initial Failure, liveness at Success
    c = kl.Cluster(nodes=1)
    probe = {"httpGet": {"path": "/", "port": "web"}, "periodSeconds": 5}
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}],
                                      "readinessProbe": probe, "livenessProbe": probe}]}})
    c.run(60)
    messages = {e["message"] for e in events(c, "Unhealthy")}
    assert messages == {f"{kind} probe errored and resulted in unknown state: couldn't find port: web in "
                        "container nginx" for kind in ("Readiness", "Liveness")}
    cs = c.get("pod", "web")["status"]["containerStatuses"][0]
    assert cs["ready"] is False and cs["restartCount"] == 0

"""Init containers and sidecars, through a cluster.

kubernetes.io "Init Containers": init containers run one at a time, in order, each to
completion before the next starts, and app containers start only after all of them;
a failing one is retried (restartPolicy Always/OnFailure) or fails the Pod (Never).
"Sidecar Containers": an init container with restartPolicy Always starts in its turn,
keeps running, does not block the next containers once started, and is stopped after
the app containers.
"""
import kubelab as kl
from kubelab.api.meta import parse_time


def pod(name, inits, containers=None, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"initContainers": inits,
                     "containers": containers or [{"name": "app", "image": "busybox:1.36",
                                                   "command": ["sh", "-c", "sleep 3600"]}], **spec}}


def init(name, script, **extra):
    return {"name": name, "image": "busybox:1.36", "command": ["sh", "-c", script], **extra}


def started_at(status):
    state = status["state"].get("running") or status["state"].get("terminated")
    return parse_time(state["startedAt"])


def test_init_containers_run_in_order_then_the_app_starts():
    c = kl.Cluster(nodes=1)
    c.apply(pod("ordered", [init("first", "sleep 5"), init("second", "sleep 5")]))
    c.run(3)
    assert c.kubectl("get pod ordered").splitlines()[1].split()[2] == "Init:0/2"
    c.run(5)
    assert c.kubectl("get pod ordered").splitlines()[1].split()[2] == "Init:1/2"
    status = c.get("pod", "ordered")["status"]
    initialized = next(x for x in status["conditions"] if x["type"] == "Initialized")
    assert initialized["message"] == "containers with incomplete status: [second]"
    assert status["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    c.run(10)
    status = c.get("pod", "ordered")["status"]
    first, second = status["initContainerStatuses"]
    app = status["containerStatuses"][0]
    assert first["state"]["terminated"]["reason"] == "Completed"
    assert started_at(first) < started_at(second) <= started_at(app)
    assert parse_time(first["state"]["terminated"]["finishedAt"]) <= started_at(second)
    assert status["phase"] == "Running"


def test_a_failing_init_container_fails_a_never_restarting_pod():
    c = kl.Cluster(nodes=1)
    c.apply(pod("doomed", [init("check", "exit 3"), init("never", "true")], restartPolicy="Never"))
    c.run(10)
    status = c.get("pod", "doomed")["status"]
    assert status["phase"] == "Failed"
    assert status["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
    assert "waiting" in status["initContainerStatuses"][1]["state"]
    assert c.kubectl("get pod doomed").splitlines()[1].split()[2] == "Init:Error"


def test_a_failing_init_container_is_retried_with_back_off():
    c = kl.Cluster(nodes=1)
    c.apply(pod("retry", [init("check", "exit 1")]))
    c.run(30)
    status = c.get("pod", "retry")["status"]
    check = status["initContainerStatuses"][0]
    assert check["restartCount"] >= 2
    assert status["phase"] == "Pending"
    assert c.kubectl("get pod retry").splitlines()[1].split()[2] in ("Init:CrashLoopBackOff", "Init:Error")


def test_a_sidecar_starts_first_keeps_running_and_serves_the_app():
    c = kl.Cluster(nodes=1)
    sidecar = {"name": "proxy", "image": "nginx:1.27", "restartPolicy": "Always"}
    c.apply(pod("with-sidecar", [sidecar], [{"name": "app", "image": "busybox:1.36",
                                             "command": ["sh", "-c", "sleep 3600"]}]))
    c.run(10)
    status = c.get("pod", "with-sidecar")["status"]
    proxy, app = status["initContainerStatuses"][0], status["containerStatuses"][0]
    assert "running" in proxy["state"] and proxy["started"] is True
    assert "running" in app["state"]
    assert started_at(proxy) <= started_at(app)
    assert c.kubectl("get pod with-sidecar").splitlines()[1].split()[1:3] == ["2/2", "Running"]
    out, code = c.api.exec("with-sidecar", "default", "app", ["wget", "-qO-", "localhost:80"])
    assert code == 0 and "<title>Welcome to nginx!</title>" in out


def test_a_job_style_pod_completes_and_its_sidecar_is_stopped():
    c = kl.Cluster(nodes=1)
    logger = init("logger", "while true; do echo tick; sleep 5; done", restartPolicy="Always")
    c.apply(pod("job", [logger], [{"name": "work", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 3"]}],
                restartPolicy="Never"))
    c.run(60)
    status = c.get("pod", "job")["status"]
    assert status["phase"] == "Succeeded"
    assert "terminated" in status["initContainerStatuses"][0]["state"]
    assert [e["message"] for e in c.events() if e["reason"] == "Killing"] == ["Stopping container logger"]


def test_the_docs_logshipper_sidecar_follows_the_apps_log_file():
    # kubernetes.io "Sidecar Containers" example: the app appends to /opt/logs.txt in an
    # emptyDir, the sidecar runs `tail -F /opt/logs.txt`, and its log shows the lines
    c = kl.Cluster(nodes=1)
    mount = [{"name": "data", "mountPath": "/opt"}]
    c.apply(pod("myapp", [{"name": "logshipper", "image": "alpine:latest", "restartPolicy": "Always",
                           "command": ["sh", "-c", "tail -F /opt/logs.txt"], "volumeMounts": mount}],
                [{"name": "myapp", "image": "alpine:latest", "volumeMounts": mount,
                  "command": ["sh", "-c", 'while true; do echo "logging" >> /opt/logs.txt; sleep 1; done']}],
                volumes=[{"name": "data", "emptyDir": {}}]))
    c.run(10)
    shipped = c.api.logs("myapp", "default", "logshipper").splitlines()
    assert len(shipped) >= 5 and set(shipped) == {"logging"}

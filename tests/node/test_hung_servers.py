"""A server that accepts connections but never answers (a deadlocked one), and the lab's shop.

Kubernetes' HTTP prober is a Go http.Client with ``Timeout: timeoutSeconds``
(pkg/probe/http/http.go); a server that sends no headers in time fails the probe with
``Get "http://IP:PORT/path": context deadline exceeded (Client.Timeout exceeded while
awaiting headers)`` (the event text users report in kubernetes/kubernetes#115469 and
#89898). The kernel still completes TCP handshakes for a process that no longer calls
accept() promptly, so a tcpSocket probe (pkg/probe/tcp: a dial) passes. busybox wget
gives up after ``-T`` seconds (default 900) with ``wget: download timed out``; curl's
``-m`` ends a transfer with ``curl: (28) Operation timed out after N milliseconds with 0
bytes received``.
"""
import kubelab as kl
from kubelab.node import labapps


def shop_pod(name="shop", *, env=(), **probes):
    container = {"name": "shop", "image": "registry.example.com/shop:1.4",
                 "env": [{"name": k, "value": str(v)} for k, v in env], **probes}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [container]}}


def status(c, name="shop"):
    return c.get("pod", name)["status"]["containerStatuses"][0]


def messages(c, reason):
    return [e["message"] for e in c.events() if e["reason"] == reason]


def test_the_shop_opens_its_port_only_after_its_warm_up():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(shop_pod(env=[("WARMUP_SECONDS", 30)]))
    c.run(20)
    out = c.kubectl("exec shop -- wget -qO- localhost:8080/healthz")
    assert "Connection refused" in out
    c.run(15)
    assert c.kubectl("exec shop -- wget -qO- localhost:8080/healthz").strip() == "ok"
    assert c.kubectl("logs shop").splitlines()[-1].endswith("catalogue loaded in 30s; listening on :8080")


def test_a_deadlocked_server_fails_an_http_liveness_probe_with_gos_timeout_and_is_restarted():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(shop_pod(env=[("WARMUP_SECONDS", 0), ("DEADLOCK_AFTER", 20)],
                     livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5}))
    c.run(20)
    assert messages(c, "Unhealthy") == []
    c.run(20)
    ip = c.get("pod", "shop")["status"]["podIP"]
    assert messages(c, "Unhealthy") == [
        f'Liveness probe failed: Get "http://{ip}:8080/healthz": context deadline exceeded '
        "(Client.Timeout exceeded while awaiting headers)"]
    assert messages(c, "Killing") == ["Container shop failed liveness probe, will be restarted"]
    # the shop handles SIGTERM (exit 0), so the kill is quick and the first restart immediate
    cs = status(c)
    assert cs["restartCount"] == 1 and cs["lastState"]["terminated"]["exitCode"] == 0


def test_a_deadlocked_server_still_passes_a_tcp_probe():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(shop_pod(env=[("WARMUP_SECONDS", 0), ("DEADLOCK_AFTER", 5)],
                     livenessProbe={"tcpSocket": {"port": 8080}, "periodSeconds": 5}))
    c.run(60)
    assert messages(c, "Unhealthy") == [] and status(c)["restartCount"] == 0


def test_a_slow_answer_within_the_timeout_passes():
    from kubelab.node.network import HttpResponse
    from kubelab.node.probes import ProbeManager

    class Listener:
        grpc = False

        def __init__(self, delay):
            self.handler = lambda req: HttpResponse(200, "ok", delay=delay)

    class Sandbox:
        ip, gateway = "10.244.1.9", "10.244.1.1"

        def __init__(self, delay):
            self.listeners = {8080: Listener(delay)}

    class Worker:
        def __init__(self, delay):
            self.sandbox = Sandbox(delay)

    manager = ProbeManager.__new__(ProbeManager)
    spec = {"httpGet": {"path": "/healthz", "port": 8080}, "timeoutSeconds": 2}
    assert manager.run_probe(Worker(1.5), None, {}, spec) == ("Success", "")
    result, output = manager.run_probe(Worker(2), None, {}, spec)
    assert result == "Failure" and output.endswith("context deadline exceeded (Client.Timeout exceeded while "
                                                   "awaiting headers)")


def test_wget_and_curl_give_up_on_a_hung_server_at_their_timeouts():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(shop_pod(env=[("WARMUP_SECONDS", 0), ("DEADLOCK_AFTER", 5)]))
    c.run(10)
    assert c.kubectl("exec shop -- wget -T 3 -qO- localhost:8080/healthz") == \
        "wget: download timed out\ncommand terminated with exit code 1\n"
    out, code = c.api.exec("shop", "default", "shop", ["wget", "-qO-", "localhost:8080/"])
    assert (out, code) == ("wget: download timed out\n", 1)          # busybox's default -T is 900 s
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
             "spec": {"containers": [{"name": "curl", "image": "nginx:1.27"}]}})
    c.run(10)
    ip = c.get("pod", "shop")["status"]["podIP"]
    out, code = c.api.exec("client", "default", "curl", ["curl", "-sS", "-m", "5", f"http://{ip}:8080/"])
    assert (out, code) == ("curl: (28) Operation timed out after 5000 milliseconds with 0 bytes received\n", 28)
    result = c.curl(f"http://{ip}:8080/", from_pod="client")
    assert result.exit_code == 28 and "Operation timed out" in result.error


def test_the_shop_drains_on_a_file_and_holds_more_memory_at_its_index_rebuilds():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(shop_pod(env=[("WARMUP_SECONDS", 0), ("MEMORY", "200Mi"), ("MEMORY_PEAK", "300Mi")]))
    c.run(5)
    assert c.kubectl("exec shop -- wget -qO- localhost:8080/ready").strip() == "ready"
    c.kubectl("exec shop -- touch /tmp/drain")
    assert "503 Service Unavailable" in c.kubectl("exec shop -- wget -qO- localhost:8080/ready")
    container = next(iter(c.kubelets["node-1"].runtime.containers.values()))
    used = []
    for _ in range(8):
        used.append(container.usage()[1] // (1 << 20))
        c.run(10)
    # started at 2 s: the first rebuild at 62-72 s, the next at 122 s
    assert used == [200, 200, 200, 200, 200, 200, 300, 200]
    assert labapps.PEAK_EVERY == 60 and labapps.PEAK_SECONDS == 10

"""Inside a Pod: the shared sandbox namespaces, seen from the containers (via exec).

Kubernetes' Pod model (kubernetes.io "Pods", "Share Process Namespace between Containers
in a Pod", "Communicate Between Containers in the Same Pod Using a Shared Volume"): the
containers of a Pod share the network (one IP, localhost, one port space), IPC and UTS
(hostname) namespaces of the pause container; each has its own mount namespace and,
unless shareProcessNamespace is set, its own PID namespace.
"""
import re

import pytest

import kubelab as kl

TWO = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two"},
       "spec": {"containers": [{"name": "web", "image": "nginx:1.27"},
                               {"name": "shell", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}}


@pytest.fixture(scope="module")
def c():
    cluster = kl.Cluster(nodes=2)
    shared = {**TWO, "metadata": {"name": "shared"}, "spec": {**TWO["spec"], "shareProcessNamespace": True}}
    cluster.apply([TWO, shared])
    cluster.run(10)
    return cluster


def ns(c, pod, container, kind):
    out, code = c.api.exec(pod, "default", container, ["readlink", f"/proc/self/ns/{kind}"])
    assert code == 0
    return out.strip()


def test_containers_share_the_network_ipc_and_uts_namespaces(c):
    for kind in ("net", "ipc", "uts"):
        web, shell = ns(c, "two", "web", kind), ns(c, "two", "shell", kind)
        assert re.fullmatch(kind + r":\[40265\d{5}\]", web)
        assert web == shell


def test_each_container_has_its_own_mount_and_pid_namespace(c):
    for kind in ("mnt", "pid"):
        assert ns(c, "two", "web", kind) != ns(c, "two", "shell", kind)


def test_pods_have_different_namespaces(c):
    assert ns(c, "two", "shell", "net") != ns(c, "shared", "shell", "net")


def test_without_a_shared_pid_namespace_ps_shows_only_the_containers_own_processes(c):
    out, _ = c.api.exec("two", "default", "shell", ["ps"])
    lines = out.splitlines()
    assert lines[:2] == ["PID   USER     TIME  COMMAND", "    1 root      0:00 sleep 3600"]
    assert len(lines) == 3 and lines[2].endswith(" root      0:00 ps")


def test_with_share_process_namespace_pause_is_pid_one_and_every_process_shows(c):
    assert ns(c, "shared", "web", "pid") == ns(c, "shared", "shell", "pid")
    out, _ = c.api.exec("shared", "default", "shell", ["ps"])
    lines = out.splitlines()
    assert lines[1] == "    1 root      0:00 /pause"
    commands = [line.split(None, 3)[3] for line in lines[1:]]
    assert "nginx: master process nginx -g daemon off;" in commands
    assert commands.count("nginx: worker process") == 4       # worker_processes auto: the node's 4 CPUs
    assert "sleep 3600" in commands and commands[-1] == "ps"


def test_the_hostname_is_the_pod_name_in_every_container(c):
    assert c.api.exec("two", "default", "web", ["hostname"]) == ("two\n", 0)
    assert c.api.exec("two", "default", "shell", ["cat", "/etc/hostname"]) == ("two\n", 0)


def test_ip_addr_shows_the_pod_ip_on_eth0(c):
    pod_ip = c.get("pod", "two")["status"]["podIP"]
    assert re.fullmatch(r"10\.244\.\d\.\d+", pod_ip)
    out, _ = c.api.exec("two", "default", "shell", ["ip", "addr"])
    assert f"    inet {pod_ip}/24 brd " in out
    assert "inet 127.0.0.1/8 scope host lo" in out
    hosts, _ = c.api.exec("two", "default", "web", ["cat", "/etc/hosts"])
    assert hosts.splitlines()[0] == "# Kubernetes-managed hosts file."
    assert hosts.splitlines()[-1] == f"{pod_ip}\ttwo"


def test_containers_reach_each_other_on_localhost(c):
    out, code = c.api.exec("two", "default", "shell", ["wget", "-qO-", "localhost:80"])
    assert code == 0 and "<h1>Welcome to nginx!</h1>" in out
    log = c.api.logs("two", "default", "web")
    assert log.splitlines()[-1].startswith('127.0.0.1 - - [01/Jan/2025:00:00:')
    assert log.splitlines()[-1].endswith('"GET / HTTP/1.1" 200 615 "-" "Wget" "-"')


def test_pods_reach_each_other_by_pod_ip(c):
    other_ip = c.get("pod", "shared")["status"]["podIP"]
    out, code = c.api.exec("two", "default", "shell", ["wget", "-qO-", f"http://{other_ip}/"])
    assert code == 0 and "Welcome to nginx!" in out
    out, code = c.api.exec("two", "default", "shell", ["wget", "-qO-", f"http://{other_ip}:81/"])
    assert (out, code) == (f"wget: can't connect to remote host ({other_ip}): Connection refused\n", 1)


def test_files_written_in_one_container_are_private_to_its_mount_namespace(c):
    c.api.exec("two", "default", "shell", ["sh", "-c", "echo secret > /tmp/note"])
    assert c.api.exec("two", "default", "web", ["cat", "/tmp/note"]) == \
        ("cat: /tmp/note: No such file or directory\n", 1)


def test_two_containers_on_one_port_conflict_and_the_second_crash_loops():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "clash"},
             "spec": {"containers": [{"name": "first", "image": "nginx:1.27"},
                                     {"name": "second", "image": "registry.k8s.io/e2e-test-images/agnhost:2.40",
                                      "args": ["netexec", "--http-port=80"]}]}})
    c.run(20)
    first, second = c.get("pod", "clash")["status"]["containerStatuses"]
    assert "running" in first["state"]
    assert second["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert second["lastState"]["terminated"]["exitCode"] == 1
    for previous in (False, True):
        log = c.api.logs("clash", "default", "second", previous=previous)
        assert re.fullmatch(r"2025/01/01 00:00:\d\d listen tcp :80: bind: address already in use\n", log)


def test_an_empty_dir_is_shared_between_the_containers_of_a_pod():
    # the docs' two-container example: debian writes the page nginx serves
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two-containers"},
             "spec": {"restartPolicy": "Never", "volumes": [{"name": "shared-data", "emptyDir": {}}],
                      "containers": [
                          {"name": "nginx-container", "image": "nginx",
                           "volumeMounts": [{"name": "shared-data", "mountPath": "/usr/share/nginx/html"}]},
                          {"name": "debian-container", "image": "debian",
                           "volumeMounts": [{"name": "shared-data", "mountPath": "/pod-data"}],
                           "command": ["/bin/sh"],
                           "args": ["-c", "echo Hello from the debian container > /pod-data/index.html"]}]}})
    c.run(30)
    debian = c.get("pod", "two-containers")["status"]["containerStatuses"][1]
    assert debian["state"]["terminated"]["reason"] == "Completed"
    assert c.api.exec("two-containers", "default", "nginx-container",
                      ["cat", "/usr/share/nginx/html/index.html"]) == ("Hello from the debian container\n", 0)


def test_hostname_and_subdomain_set_the_fqdn():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "named"},
             "spec": {"hostname": "box", "subdomain": "sub", "containers": [
                 {"name": "app", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}})
    c.run(5)
    assert c.api.exec("named", "default", "app", ["hostname"]) == ("box\n", 0)
    assert c.api.exec("named", "default", "app", ["hostname", "-f"]) == ("box.sub.default.svc.cluster.local\n", 0)

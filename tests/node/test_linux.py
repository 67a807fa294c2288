"""Real Linux namespaces: a pause process and "containers" that join it with setns(2).

What a container runtime does for a Pod (and what the simulated sandbox models): the
containers share the pause process's network, UTS and IPC namespaces, so they see the
same inodes under /proc/<pid>/ns and the hostname set in the sandbox; each has its own
mount namespace and PID namespace unless the PID namespace is shared.
Runs where the machine allows it (Linux, root or unprivileged user namespaces).
"""
import os
import time

import pytest

from kubelab.node.linux import RealSandbox, RealSandboxUnavailable, namespaces, unavailable_reason

REASON = unavailable_reason()
needs_namespaces = pytest.mark.skipif(REASON is not None, reason=f"real namespaces unavailable: {REASON}")


def wait_for_child(sandbox, proc):
    for _ in range(200):
        pid = sandbox.container_pid(proc)
        if pid is not None and os.readlink(f"/proc/{pid}/exe") != os.readlink(f"/proc/{proc.pid}/exe"):
            return pid
        time.sleep(0.01)
    raise AssertionError("the container process did not start")


@needs_namespaces
def test_containers_share_the_sandboxs_network_uts_and_ipc_namespaces_but_not_mount_or_pid():
    with RealSandbox("web") as pod:
        app = wait_for_child(pod, pod.run(["sleep", "30"]))
        sidecar = wait_for_child(pod, pod.run(["sleep", "31"]))
        pause, a, b, host = namespaces(pod.pid), namespaces(app), namespaces(sidecar), namespaces()
        for kind in ("net", "uts", "ipc"):
            assert pause[kind] == a[kind] == b[kind] != host[kind]
        for kind in ("mnt", "pid"):
            assert a[kind] != b[kind]


@needs_namespaces
def test_the_hostname_set_in_the_sandbox_is_every_containers_hostname():
    with RealSandbox("web-7c5ddbdf54-x2x9k") as pod:
        assert pod.exec(["hostname"]) == ("web-7c5ddbdf54-x2x9k\n", 0)
        out, code = pod.exec(["readlink", "/proc/self/ns/net"])
        assert code == 0 and out == f"net:[{namespaces(pod.pid)['net']}]\n"


@needs_namespaces
def test_a_container_with_its_own_pid_namespace_is_pid_one_there():
    with RealSandbox("web") as pod:
        assert pod.exec(["sh", "-c", "echo $$"]) == ("1\n", 0)


@needs_namespaces
def test_a_shared_pid_namespace_has_pause_as_pid_one():
    with RealSandbox("web", share_process_namespace=True) as pod:
        app = wait_for_child(pod, pod.run(["sleep", "30"]))
        assert namespaces(app)["pid"] == namespaces(pod.pid)["pid"]
        out, _ = pod.exec(["cat", "/proc/1/cmdline"])
        assert "python" in out              # the pause process holds PID 1


@needs_namespaces
def test_closing_the_sandbox_kills_everything_it_started():
    pod = RealSandbox("web")
    app = wait_for_child(pod, pod.run(["sleep", "30"]))
    pause = pod.pid
    pod.close()
    time.sleep(0.1)
    for pid in (app, pause):
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_elsewhere_the_reason_is_explained(monkeypatch):
    monkeypatch.setattr("platform.system", lambda: "Darwin")
    with pytest.raises(RealSandboxUnavailable) as e:
        RealSandbox("web")
    assert e.value.reason == "real namespaces need Linux; this is Darwin"

"""A lab cluster served over HTTP (``kubelab serve``) for the real kubectl and the official client."""
import os
import shutil
import subprocess

import pytest

import kubelab as kl
from kubelab.apiserver.http import LabServer
from kubelab.apiserver.live import wall_clock_start

KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32"
GCLOUD_WRAPPER = "/usr/lib/google-cloud-sdk/bin/kubectl"    # picks a version and prints its own texts


def find_kubectl() -> str | None:
    """The real kubectl v1.32, else a ``kubectl`` on PATH that is not gcloud's wrapper."""
    for path in (KUBECTL, shutil.which("kubectl")):
        if path and os.access(path, os.X_OK) and os.path.realpath(path) != GCLOUD_WRAPPER:
            return path
    return None


class Served:
    """The served cluster, its server, and kubectl pointed at it."""

    def __init__(self, cluster, server, kubeconfig, home):
        self.cluster, self.server, self.kubeconfig, self.home = cluster, server, kubeconfig, home

    def env(self) -> dict:
        return {"PATH": "/usr/bin:/bin", "HOME": self.home, "KUBECONFIG": self.kubeconfig}

    def kubectl(self, line: str | list[str], stdin: str | None = None,
                timeout: float = 60) -> subprocess.CompletedProcess:
        """Run kubectl with ``line`` split at spaces (or with these arguments, for one holding a space)."""
        args = line.split() if isinstance(line, str) else line
        return subprocess.run([find_kubectl(), *args], input=stdin, capture_output=True, text=True,
                              timeout=timeout, env=self.env())

    def popen(self, line: str) -> subprocess.Popen:
        return subprocess.Popen([find_kubectl(), *line.split()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env())

    def in_process(self, line: str) -> str:
        """What kubelab's own kubectl prints for ``line`` on the same cluster, now."""
        with self.server.engine.lock:
            return str(self.cluster.kubectl(line))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A 3-node lab cluster playing 20 times faster than real time on a free loopback port."""
    tmp = tmp_path_factory.mktemp("served")
    cluster = kl.Cluster(nodes=3, loop=wall_clock_start())
    server = LabServer(cluster, speed=20).start()
    kubeconfig = server.write_kubeconfig(str(tmp / "kubeconfig"))
    home = tmp / "home"
    home.mkdir()
    yield Served(cluster, server, kubeconfig, str(home))
    server.stop()


@pytest.fixture
def kube(served):
    """The served cluster, for tests that run the real kubectl (skipped without it)."""
    if find_kubectl() is None:
        pytest.skip("the kubectl v1.32 binary is not installed")
    return served

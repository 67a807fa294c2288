"""kl.connect against ``kubelab serve``: the official client reads a served lab, and kubelab's
own printers and ClusterView show the same as they show for the lab in process."""
from __future__ import annotations

import sys

import pytest

import kubelab as kl
from kubelab import errors
from kubelab.apiserver.http import LabServer

pytest.importorskip("kubernetes", reason="the kubernetes client is in the test extra")

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
"""


class Served:
    """A settled lab cluster behind ``kubelab serve`` (time stands still: speed 0)."""

    def __init__(self, tmp_path):
        self.cluster = kl.Cluster(nodes=3)
        self.cluster.apply(WEB)
        self.cluster.run(60)
        self.server = LabServer(self.cluster, speed=0).start()
        self.kubeconfig = self.server.write_kubeconfig(str(tmp_path / "kubeconfig"))
        # ages are measured on the lab's clock, so both sides print the same AGE
        self.remote = kl.connect(kubeconfig=self.kubeconfig, now=lambda: self.cluster.now)

    def lab(self, read):
        """``read(cluster)`` in process, holding the engine's lock as the server does."""
        with self.server.engine.lock:
            return read(self.cluster)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    served = Served(tmp_path_factory.mktemp("remote"))
    yield served
    served.server.stop()


def test_connect_reads_the_kubeconfig_and_names_the_server(served):
    assert repr(served.remote) == f"<kubelab.connect {served.server.url}>"


def test_get_returns_the_objects_the_lab_holds(served):
    pods = served.remote.get("pods")
    assert [p["metadata"]["name"] for p in pods] == served.lab(
        lambda c: [p["metadata"]["name"] for p in c.get("pods")])
    name = pods[0]["metadata"]["name"]
    assert served.remote.get("po", name) == served.lab(lambda c: c.get("pod", name))
    assert served.remote.get("deployments.apps", "web")["status"]["readyReplicas"] == 3


@pytest.mark.parametrize("selector, count", [("app=web", 3), ("app=web,tier=db", 0), ("!app", 0)])
def test_get_passes_a_label_selector_to_the_server(served, selector, count):
    assert len(served.remote.get("pods", selector=selector)) == count


@pytest.mark.parametrize("line", [
    "get pods -o wide",
    "get deployments,replicasets",
    "get nodes",
    "get pods -A",
    "describe deployment web",
    "describe nodes node-1",
    "kubectl get pod -l app=web -o name",
])
def test_kubectl_prints_for_the_connected_cluster_what_it_prints_in_the_lab(served, line):
    assert served.remote.kubectl(line) == served.lab(lambda c: c.kubectl(line))


@pytest.mark.parametrize("line", [
    "delete pod web", "apply -f web.yaml", "kubectl scale deployment web --replicas=1"])
def test_kubectl_refuses_verbs_that_write(served, line):
    out = served.remote.kubectl(line)
    assert out.returncode == 1
    assert out.stderr.startswith('error: kl.connect is read-only: "kubectl ')


def test_events_are_the_labs_events_oldest_first(served):
    assert [e["metadata"]["name"] for e in served.remote.events()] == served.lab(
        lambda c: [e["metadata"]["name"] for e in c.events()])


@pytest.mark.parametrize("kind, name, message", [
    # The server's Status, rebuilt: the same message as the lab raises.
    ("pods", "nope", 'pods "nope" not found'),
    ("deployments", "nope", 'deployments.apps "nope" not found'),
    # kubectl's wording for a type it cannot map (kubelab's registry; see remote.py)
    ("widgets", None, 'the server doesn\'t have a resource type "widgets"'),
])
def test_a_missing_object_or_type_raises_not_found_as_in_the_lab(served, kind, name, message):
    with pytest.raises(errors.NotFound) as caught:
        served.remote.get(kind, name)
    assert caught.value.message == message


def test_explain_tells_what_the_schedulers_events_tell(served):
    # kube-scheduler records Scheduled ("Successfully assigned <ns>/<pod> to <node>") or
    # FailedScheduling with the same text the lab's explain() ends with.
    container = {"name": "c", "image": "nginx:1.27", "resources": {"requests": {"cpu": "64"}}}
    big = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"}, "spec": {"containers": [container]}}
    served.lab(lambda c: (c.apply(big), c.run(5)))
    assert served.remote.explain("big") == (
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
        "3 No preemption victims found for incoming pod.")
    web = served.remote.get("pods", selector="app=web")[0]
    assert served.remote.explain(web) == (
        f"Successfully assigned default/{web['metadata']['name']} to {web['spec']['nodeName']}")
    assert served.remote.explain("nope") == "no scheduling event for pod default/nope (yet)"
    served.lab(lambda c: c.delete("pod", "big"))


def test_a_cluster_view_of_a_connected_cluster_shows_what_it_shows_for_the_lab(tmp_path):
    widgets = pytest.importorskip("kubelab.widgets", reason="ClusterView needs ipywidgets (the book extra)")
    served = Served(tmp_path)
    try:
        view = widgets.ClusterView(served.remote)
        assert view.text == served.lab(lambda c: widgets.ClusterView(c).text)
        assert repr(view).startswith("<ClusterView: 3 nodes, 3 pods at revision ")
        drawn = view.html
        served.lab(lambda c: (c.kubectl("scale deployment web --replicas=4"), c.run(30)))
        view.refresh()              # the resourceVersion moved: it redraws
        assert view.html != drawn
        assert "4 pods" in repr(view)
    finally:
        served.server.stop()


def test_connect_without_the_official_client_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "kubernetes", None)
    with pytest.raises(ImportError, match="pip install kubernetes"):
        kl.connect(kubeconfig="unused")

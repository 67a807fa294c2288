"""The cluster picture: nodes with their Pods as kubectl shows them, now or at a past revision."""
import pytest

import kubelab as kl
from kubelab.viz.snapshot import tone


@pytest.mark.parametrize("status, ready, total, expected", [
    # STATUS words are kubectl's (printers.go printPod); the colour family follows them
    ("Running", 1, 1, "ok"),
    ("Running", 0, 2, "starting"),
    ("ContainerCreating", 0, 1, "pending"),
    ("Pending", 0, 1, "pending"),
    ("Init:0/1", 0, 1, "pending"),
    ("Init:CrashLoopBackOff", 0, 1, "failed"),
    ("CrashLoopBackOff", 0, 1, "failed"),
    ("ErrImagePull", 0, 1, "failed"),
    ("Completed", 0, 1, "done"),
    ("Terminating", 1, 1, "terminating"),
])
def test_a_pods_colour_follows_its_kubectl_status(status, ready, total, expected):
    assert tone(status, ready, total) == expected


def test_the_text_view_lists_each_node_with_its_pods_and_the_pods_on_no_node(web_yaml):
    c = kl.Cluster(nodes=[{"metadata": {"name": "a"}, "status": {"capacity": {"cpu": "1"}}}], seed=0)
    c.apply(web_yaml.replace("image: \"nginx:1.27\"", "image: \"nginx:1.27\", resources: {requests: {cpu: 600m}}"))
    c.run()
    running, pending = sorted(c.get("pods"), key=lambda p: p["spec"].get("nodeName") is None)
    assert kl.viz.cluster_text(c) == (
        "a  Ready\n"
        f"  {running['metadata']['name']}  Running  1/1  restarts 0\n"
        "not on a node\n"
        f"  {pending['metadata']['name']}  Pending  0/1  restarts 0")


def test_at_a_past_revision_the_picture_shows_the_cluster_as_it_was(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    before = c.store.revision
    c.apply(web_yaml)
    c.run()
    assert kl.viz.cluster_text(c, revision=before) == "node-1  Ready\n  (no pods)\nnode-2  Ready\n  (no pods)"
    now = kl.viz.cluster_state(c.api)
    assert [p.status for p in now.pods] == ["Running", "Running"]
    assert now.revision == c.store.revision


def test_the_html_view_has_a_box_per_node_and_a_coloured_chip_per_pod(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(web_yaml)
    c.run()
    html = kl.viz.cluster_html(c)
    names = sorted(p["metadata"]["name"] for p in c.get("pods"))
    assert html.count('class="kl-node"') == 2
    for name in names:
        assert f'<div class="kl-pod kl-ok" data-pod="{name}"' in html
    assert f'data-revision="{c.store.revision}"' in html


def test_the_graphviz_picture_puts_each_pod_inside_its_nodes_box(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(web_yaml)
    c.run()
    source = kl.viz.cluster_diagram(c).source
    for pod in c.get("pods"):
        block = source[source.index(f'label="{pod["spec"]["nodeName"]}"'):]
        assert pod["metadata"]["name"] in block[:block.index("}")]

"""PodInside: a Pod's pause and containers, by the namespaces they share."""
import shutil

import pytest

import kubelab as kl
from kubelab import widgets as kw


def test_it_shows_the_namespaces_of_the_chosen_pod(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(web_yaml)
    c.run()
    names = sorted(p["metadata"]["name"] for p in c.get("pods"))
    inside = kw.PodInside(c)
    assert list(inside.picker.options) == names and inside.pod == names[0]
    inside.select(names[1])
    assert inside.text == str(kl.viz.pod_namespaces(c, names[1]))
    assert inside.shared == ["net", "ipc", "uts"]
    assert "Shared by the pause container and every container: <b>net, ipc, uts</b>" in inside.html
    assert repr(inside) == f"<PodInside: {names[1]}, shared net, ipc, uts>"


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")
def test_the_diagram_carries_the_inode_numbers(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(web_yaml)
    c.run()
    inside = kw.PodInside(c)
    net = inside.namespaces.members[0].inodes["net"]
    assert f"net:[{net}]" in inside.svg and inside.svg in inside.html


def test_without_pods_on_a_node_there_is_nothing_to_pick():
    inside = kw.PodInside(kl.Cluster(nodes=0))
    assert inside.pod is None and inside.text == "no Pod selected" and inside.svg is None
    with pytest.raises(ValueError, match="no Pod 'x' on a node"):
        inside.select("x")

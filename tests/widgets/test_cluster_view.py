"""ClusterView: what it shows, and that it follows the cluster as it runs."""
import shutil

import pytest

import kubelab as kl
from kubelab import widgets as kw
from kubelab.widgets.base import refresh_views


def test_it_shows_every_node_and_the_pods_on_it(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(web_yaml)
    c.run()
    view = kw.ClusterView(c)
    assert view.text == kl.viz.cluster_text(c)
    assert view.html == kl.viz.cluster_html(c)
    assert repr(view) == f"<ClusterView: 2 nodes, 2 pods at revision {c.store.revision}>"


def test_it_redraws_when_the_cluster_ran_and_not_otherwise(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    view = kw.ClusterView(c)
    assert "web-" not in view.text
    c.apply(web_yaml)
    assert "web-" not in view.text                  # nothing redraws by itself...
    refresh_views(c)                                # ...until a cell ends or a live step happens
    assert view.text.count("ContainerCreating") == 2
    c.run()
    drawn = view.html
    refresh_views(kl.Cluster(nodes=1))              # another cluster's views only
    assert view.html == drawn and "Running" not in view.text
    view.refresh()
    assert view.text.count("Running  1/1") == 2


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")
def test_the_diagram_mode_shows_the_graphviz_svg(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(web_yaml)
    c.run()
    view = kw.ClusterView(c)
    view.mode = "svg"
    assert view.svg.startswith("<svg") and view.svg in view.html
    for pod in c.get("pods"):
        assert pod["metadata"]["name"].replace("-", "&#45;") in view.svg      # dot escapes "-"
    view.mode = "html"
    assert "<svg" not in view.html

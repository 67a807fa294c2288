"""ClusterView: what it shows, and that it follows the cluster as it runs."""
import shutil
import subprocess
import sys

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


def test_in_ipython_a_cell_that_runs_the_cluster_updates_the_views():
    # a fresh process: the IPython shell is a process-wide singleton
    code = ("from IPython.core.interactiveshell import InteractiveShell\n"
            "ip = InteractiveShell.instance()\n"
            "ip.run_cell('import kubelab as kl; from kubelab import widgets as kw; c = kl.Cluster(nodes=1, seed=0)')\n"
            "ip.run_cell('view = kw.ClusterView(c)')\n"
            "ip.run_cell(\"c.apply({'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'p'}, "
            "'spec': {'containers': [{'name': 'a', 'image': 'nginx:1.27'}]}}); _ = c.run()\")\n"
            "print(ip.user_ns['view'].text)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "node-1  Ready\n  p  Running  1/1  restarts 0\n"

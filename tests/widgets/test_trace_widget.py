"""ArchitectureTrace: apply a manifest and show the trace of what followed."""
import shutil

import pytest

import kubelab as kl
from kubelab import widgets as kw
from kubelab.viz.trace import Trace


def test_apply_and_trace_shows_the_trace_of_that_apply_only(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(web_yaml.replace("name: web}", "name: earlier}", 1))
    c.run()
    start = c.store.revision
    widget = kw.ArchitectureTrace(c, web_yaml)
    assert widget.text == "nothing traced yet" and widget.steps == []
    widget.button.click()
    assert widget.text == str(Trace.between(c, start, c.store.revision))
    assert "earlier" not in widget.text
    assert widget.steps[0].request() == "create deployments web"
    assert repr(widget) == f"<ArchitectureTrace: Trace: {len(widget.steps)} writes by 6 clients>"


def test_the_events_box_adds_the_events_to_the_same_trace(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    widget = kw.ArchitectureTrace(c, web_yaml)
    widget.run()
    without = len(widget.steps)
    widget.events_box.value = True
    assert len(widget.steps) == without + len(c.events())


def test_a_rejected_manifest_shows_kubectls_error_and_traces_nothing(web_yaml):
    widget = kw.ArchitectureTrace(kl.Cluster(nodes=1), web_yaml.replace("replicas: 2", "replicas: -1"))
    assert widget.run() is None
    assert widget.text == ('The Deployment "web" is invalid: spec.replicas: Invalid value: -1: '
                           "must be greater than or equal to 0")
    assert widget.svg is None


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")
def test_the_sequence_diagram_is_an_svg_with_a_lifeline_per_component(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    widget = kw.ArchitectureTrace(c, web_yaml)
    widget.run()
    for participant in ("kubectl", "kube&#45;apiserver", "deployment&#45;controller", "replicaset&#45;controller",
                        "kube&#45;scheduler"):
        assert f">{participant}</text>" in widget.svg
    assert widget.svg in widget.html


def test_a_trace_whose_history_was_compacted_meanwhile_shows_the_410(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    widget = kw.ArchitectureTrace(c, web_yaml)
    start = c.store.revision
    widget.run()
    c.run(600)                                  # kube-apiserver's compactor ran twice meanwhile
    widget.events_box.value = True              # retrace
    assert widget.text == f"Error from server (Expired): too old resource version: {start} ({c.store.compacted})"
    assert widget.steps == [] and widget.svg is None

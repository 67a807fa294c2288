"""Diagrams render to SVG with graphviz's dot, and fall back to HTML with a hint without it."""
import shutil

import pytest

import kubelab as kl
from kubelab.viz.render import _SVG_CACHE, DOT_MISSING_HINT, Diagram, to_svg

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")


@needs_dot
def test_a_diagram_renders_to_inline_svg_without_the_xml_prolog():
    d = Diagram('digraph { a -> b }', "<p>a then b</p>")
    assert d.svg.startswith("<svg") and "<title>a&#45;&gt;b</title>" in d.svg
    assert d.html == f'<div class="kl-diagram">{d.svg}</div>'


@needs_dot
def test_dot_renders_the_same_source_to_the_same_svg():
    # the book stores outputs: a diagram must not change between runs
    first = to_svg("digraph { x -> y }")
    _SVG_CACHE.clear()
    assert to_svg("digraph { x -> y }") == first


def test_without_dot_the_html_view_is_shown_with_a_one_line_hint(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))          # no `dot` anywhere on the PATH
    d = Diagram('digraph { "never rendered" }', "<p>fallback</p>")
    assert d.svg is None
    assert d.html == (f'<div class="kl-diagram"><p class="kl-hint"><i>{DOT_MISSING_HINT.replace(chr(39), "&#x27;")}'
                      '</i></p><p>fallback</p></div>')
    assert "\n" not in DOT_MISSING_HINT


def test_the_cluster_diagram_falls_back_to_the_compact_html_view(monkeypatch, tmp_path):
    c = kl.Cluster(nodes=1)
    monkeypatch.setenv("PATH", str(tmp_path))
    d = kl.viz.cluster_diagram(c)
    assert kl.viz.cluster_svg(c) is None
    assert DOT_MISSING_HINT.split(",")[0].replace("'", "&#x27;") in d.html
    assert kl.viz.cluster_html(c) in d.html

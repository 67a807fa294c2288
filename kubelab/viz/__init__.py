"""Diagrams of the cluster (graphviz, with an HTML fallback when ``dot`` is missing).

    import kubelab as kl
    kl.viz.cluster_svg(c)                       # nodes and their Pods
    kl.viz.pod_namespaces_diagram(c, "web-x")   # a Pod's pause and containers, by namespace
    kl.viz.trace_apply(c, manifest)             # what happened for one kubectl apply

The engine never imports this package; ``import kubelab`` does not load it.
"""
from .cluster import cluster_diagram, cluster_html, cluster_svg, cluster_text
from .podns import pod_namespaces, pod_namespaces_diagram
from .render import DOT_MISSING_HINT, Diagram, to_svg
from .snapshot import ClusterState, cluster_state
from .trace import Trace, trace_apply

__all__ = ["DOT_MISSING_HINT", "ClusterState", "Diagram", "Trace", "cluster_diagram", "cluster_html", "cluster_state",
           "cluster_svg", "cluster_text", "pod_namespaces", "pod_namespaces_diagram", "to_svg", "trace_apply"]

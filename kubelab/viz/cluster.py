"""The cluster picture: nodes as boxes holding their Pods, coloured by status.

Three renderings of one :class:`~kubelab.viz.snapshot.ClusterState`: plain text
(for doctests and nbval), compact HTML (fast enough to redraw on every step of
a live simulation) and a graphviz diagram (the static picture for the page).
"""
from __future__ import annotations

from .render import Diagram, esc
from .snapshot import ClusterState, PodState, cluster_state

__all__ = ["TONES", "cluster_diagram", "cluster_html", "cluster_svg", "cluster_text", "state_of"]

#: tone -> (fill, border): green running and ready, yellow starting, orange pending,
#: grey-blue completed, red failed, grey terminating
TONES = {"ok": ("#c8e6c9", "#2e7d32"), "starting": ("#fff9c4", "#f9a825"), "pending": ("#ffe0b2", "#ef6c00"),
         "done": ("#cfd8dc", "#546e7a"), "failed": ("#ffcdd2", "#c62828"), "terminating": ("#eeeeee", "#757575")}

_CSS = ("<style>.kl-cluster{display:flex;flex-wrap:wrap;gap:8px;font:12px sans-serif}"
        ".kl-node{border:2px solid #455a64;border-radius:6px;padding:4px;min-width:150px}"
        ".kl-node.kl-notready{border-color:#c62828;border-style:dashed}"
        ".kl-nodename{font-weight:bold;margin-bottom:3px}"
        ".kl-pod{border:1px solid;border-radius:4px;padding:2px 4px;margin:2px 0;white-space:nowrap}"
        ".kl-pod small{color:#37474f}.kl-empty{color:#90a4ae;font-style:italic}"
        + "".join(f".kl-{t}{{background:{f};border-color:{b}}}" for t, (f, b) in TONES.items())
        + ".kl-terminating{border-style:dashed}</style>")


def state_of(source, revision: int | None = None, namespace: str | None = None) -> ClusterState:
    """A ClusterState from a Cluster (read now or at ``revision``) or a ClusterState itself."""
    if isinstance(source, ClusterState):
        return source
    return cluster_state(source.api, revision, namespace)


def _pod_line(p: PodState) -> str:
    extra = f", priority class {p.priority_class}" if p.priority_class else ""
    extra += f", nominated {p.nominated_node}" if p.nominated_node and not p.node else ""
    name = p.name if p.namespace == "default" else f"{p.namespace}/{p.name}"
    return f"{name}  {p.status}  {p.ready_text}  restarts {p.restarts}{extra}"


def cluster_text(source, revision: int | None = None, namespace: str | None = None) -> str:
    """Each node and its Pods, one per line, then the Pods on no node."""
    state = state_of(source, revision, namespace)
    lines = []
    for node in state.nodes:
        flags = "Ready" if node.ready else "NotReady"
        lines.append(f"{node.name}  {flags}{',SchedulingDisabled' if node.unschedulable else ''}")
        lines += [f"  {_pod_line(p)}" for p in node.pods] or ["  (no pods)"]
    if state.unscheduled:
        lines.append("not on a node")
        lines += [f"  {_pod_line(p)}" for p in state.unscheduled]
    return "\n".join(lines)


def _pod_html(p: PodState) -> str:
    title = esc(_pod_line(p))
    name = p.name if p.namespace == "default" else f"{p.namespace}/{p.name}"
    restarts = f" ↻{p.restarts}" if p.restarts else ""
    priority = f" · {esc(p.priority_class)}" if p.priority_class else ""
    return (f'<div class="kl-pod kl-{p.tone}" data-pod="{esc(name)}" title="{title}">{esc(name)}<br>'
            f'<small>{esc(p.status)} {p.ready_text}{restarts}{priority}</small></div>')


def cluster_html(source, revision: int | None = None, namespace: str | None = None) -> str:
    """Compact HTML: one box per node with its Pods, and a box for Pods on no node."""
    state = state_of(source, revision, namespace)
    boxes = []
    for node in state.nodes:
        status = ("Ready" if node.ready else "NotReady") + (", SchedulingDisabled" if node.unschedulable else "")
        pods = "".join(_pod_html(p) for p in node.pods) or '<div class="kl-empty">no pods</div>'
        boxes.append(f'<div class="kl-node{"" if node.ready else " kl-notready"}" data-node="{esc(node.name)}">'
                     f'<div class="kl-nodename">{esc(node.name)} <small>{status}</small></div>{pods}</div>')
    if state.unscheduled:
        boxes.append('<div class="kl-node kl-notready" data-node=""><div class="kl-nodename">not on a node</div>'
                     + "".join(_pod_html(p) for p in state.unscheduled) + "</div>")
    return f'{_CSS}<div class="kl-cluster" data-revision="{state.revision}">{"".join(boxes)}</div>'


def cluster_diagram(source, revision: int | None = None, namespace: str | None = None) -> Diagram:
    """The graphviz picture: a cluster box per node, a filled box per Pod."""
    import graphviz

    state = state_of(source, revision, namespace)
    g = graphviz.Digraph("cluster", graph_attr={"rankdir": "TB", "fontname": "Helvetica", "nodesep": "0.15",
                                                "label": f"revision {state.revision}", "labelloc": "b"},
                         node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                                    "fontsize": "10"})
    groups = [(n.name + ("" if n.ready else " (NotReady)"), n.pods) for n in state.nodes]
    if state.unscheduled:
        groups.append(("not on a node", state.unscheduled))
    for i, (label, pods) in enumerate(groups):
        with g.subgraph(name=f"cluster_{i}") as sub:
            sub.attr(label=label, labelloc="t", style="rounded", color="#455a64", fontname="Helvetica-Bold")
            ids = [f"g{i}p{j}" for j in range(len(pods))] or [f"g{i}empty"]
            if not pods:
                sub.node(ids[0], "no pods", shape="plaintext", style="", fontcolor="#90a4ae")
            for node_id, p in zip(ids, pods):
                fill, border = TONES[p.tone]
                sub.node(node_id, f"{p.name}\\n{p.status} {p.ready_text}  restarts {p.restarts}",
                         fillcolor=fill, color=border, style="rounded,filled" + (",dashed" if p.tone == "terminating" else ""))
            for a, b in zip(ids, ids[1:]):
                sub.edge(a, b, style="invis")
    return Diagram(g.source, cluster_html(state), title="cluster diagram")


def cluster_svg(source, revision: int | None = None, namespace: str | None = None) -> str | None:
    """The cluster diagram as SVG text (None when graphviz's ``dot`` is not installed)."""
    return cluster_diagram(source, revision, namespace).svg

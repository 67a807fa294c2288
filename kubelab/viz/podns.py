"""Inside a Pod: the pause container, each container, and the Linux namespaces they share.

Each running container is asked, through pods/exec, what ``readlink
/proc/self/ns/<kind>`` says (``net:[4026532162]``): equal inode numbers mean one
namespace. The pause container cannot be exec'd into; its namespaces are read
from the node's runtime, as ``lsns`` on the node would list them. In a Pod the
containers join the sandbox's net, ipc and uts namespaces and get their own
mnt (and pid, unless ``shareProcessNamespace``) namespaces.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .render import Diagram, esc

__all__ = ["KINDS", "Member", "PodNamespaces", "pod_namespaces", "pod_namespaces_diagram"]

#: the namespaces a Pod's containers may share with the sandbox
KINDS = ("net", "ipc", "uts", "pid", "mnt")
_LINK = re.compile(r"^(\w+):\[(\d+)\]$")
_COLOURS = {"net": "#bbdefb", "ipc": "#d1c4e9", "uts": "#c8e6c9", "pid": "#ffe0b2", "mnt": "#f8bbd0"}


@dataclass(frozen=True)
class Member:
    """The pause process or one container, with its namespace inodes (empty: not running)."""

    name: str
    inodes: dict[str, int]


@dataclass(frozen=True)
class PodNamespaces:
    pod: str
    node: str | None
    members: tuple[Member, ...]        # pause first, then the containers in spec order

    def shared(self) -> list[str]:
        """The kinds every running member has in common (``net``, ``ipc``, ``uts`` normally)."""
        running = [m for m in self.members if m.inodes]
        return [k for k in KINDS if running and len({m.inodes[k] for m in running}) == 1]

    def __str__(self) -> str:
        head = ["", *KINDS]
        rows = [head] + [[m.name, *(str(m.inodes[k]) if m.inodes else "-" for k in KINDS)]
                         for m in self.members]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.append(f"shared by all: {', '.join(self.shared()) or 'none'}")
        return f"Pod {self.pod} on {self.node or '<no node>'}\n" + "\n".join(lines)


def _sandbox_inodes(c, pod: dict) -> dict[str, int]:
    meta = pod["metadata"]
    kubelet = c.kubelets.get(pod["spec"].get("nodeName") or "")
    worker = kubelet.worker_for(meta["name"], meta.get("namespace", "default")) if kubelet else None
    if worker is None or worker.sandbox is None:
        return {}
    return {k: worker.sandbox.ns[k] for k in KINDS}


def _container_inodes(c, pod: dict, container: str) -> dict[str, int]:
    meta = pod["metadata"]
    running = any(s.get("name") == container and "running" in (s.get("state") or {})
                  for s in (pod.get("status") or {}).get("containerStatuses") or [])
    if not running:
        return {}
    out, code = c.api.exec(meta["name"], meta.get("namespace", "default"), container,
                           ["readlink"] + [f"/proc/self/ns/{k}" for k in KINDS])
    links = dict(m.groups() for m in map(_LINK.match, out.split()) if m)
    return {k: int(links[k]) for k in KINDS} if code == 0 and len(links) == len(KINDS) else {}


def pod_namespaces(c, name: str, namespace: str = "default") -> PodNamespaces:
    """The namespace inodes of a Pod's pause process and of each of its containers."""
    pod = c.api.get("pods", name, namespace=namespace)
    members = [Member("pause", _sandbox_inodes(c, pod))]
    members += [Member(ct["name"], _container_inodes(c, pod, ct["name"])) for ct in pod["spec"]["containers"]]
    return PodNamespaces(name, pod["spec"].get("nodeName"), tuple(members))


def _fallback_html(ns: PodNamespaces) -> str:
    head = "".join(f"<th>{k}</th>" for k in KINDS)
    rows = "".join(f'<tr><td>{esc(m.name)}</td>'
                   + "".join(f'<td>{m.inodes[k] if m.inodes else "-"}</td>' for k in KINDS) + "</tr>"
                   for m in ns.members)
    return f'<table class="kl-podns"><thead><tr><th></th>{head}</tr></thead><tbody>{rows}</tbody></table>'


def pod_namespaces_diagram(c_or_ns, name: str | None = None, namespace: str = "default") -> Diagram:
    """Processes on the left, namespaces (with inode numbers) on the right; an edge means
    "lives in". A namespace with several edges is shared."""
    import graphviz

    ns = c_or_ns if isinstance(c_or_ns, PodNamespaces) else pod_namespaces(c_or_ns, name, namespace)
    g = graphviz.Digraph("podns", graph_attr={"rankdir": "LR", "fontname": "Helvetica", "ranksep": "1.2",
                                              "label": f"Pod {ns.pod}: namespaces by inode", "labelloc": "t"},
                         node_attr={"fontname": "Helvetica", "fontsize": "10"})
    with g.subgraph(name="cluster_pod") as pod:
        pod.attr(label=f"Pod {ns.pod}", style="rounded", color="#455a64")
        for i, m in enumerate(ns.members):
            label = "pause (sandbox)" if i == 0 else f"container {m.name}"
            pod.node(f"m{i}", label + ("" if m.inodes else "\\n(not running)"), shape="box",
                     style="rounded,filled", fillcolor="#eceff1" if i == 0 else "#ffffff")
    users: dict[tuple[str, int], list[int]] = {}
    for i, m in enumerate(ns.members):
        for kind in KINDS:
            if kind in m.inodes:
                users.setdefault((kind, m.inodes[kind]), []).append(i)
    for (kind, inode), members in users.items():
        shared = len(members) > 1
        g.node(f"ns_{kind}_{inode}", f"{kind}:[{inode}]" + ("\\nshared" if shared else ""), shape="ellipse",
               style="filled", fillcolor=_COLOURS[kind], penwidth="2" if shared else "1")
        for i in members:
            g.edge(f"m{i}", f"ns_{kind}_{inode}", color="#37474f" if shared else "#90a4ae",
                   penwidth="1.6" if shared else "1")
    return Diagram(g.source, _fallback_html(ns), title="pod namespaces diagram")

"""PodInside: the pause container and each container of a Pod, and the namespaces they share.

The diagram links every process to its net, ipc, uts, pid and mnt namespaces,
labelled with the inode numbers ``readlink /proc/self/ns/<kind>`` reports
inside each container (see :mod:`kubelab.viz.podns`).
"""
from __future__ import annotations

import ipywidgets as w

from ..viz.podns import pod_namespaces, pod_namespaces_diagram
from ..viz.render import esc
from ..viz.snapshot import cluster_state
from .base import View

__all__ = ["PodInside"]


class PodInside(View):
    """A Pod picker and the diagram of its sandbox and containers by namespace."""

    css_class = "kl-podinside"

    def __init__(self, cluster, pod: str | None = None, *, namespace: str = "default"):
        self.namespace = namespace
        self.picker = w.Dropdown(description="Pod", layout=w.Layout(width="60%"))
        self.namespaces = None
        super().__init__(cluster, [self.picker])
        self._update_options()
        if pod is not None:
            self.select(pod)
        self.picker.observe(lambda change: self.redraw(), names="value")
        self.redraw()

    def select(self, pod: str) -> None:
        if pod not in self.picker.options:
            raise ValueError(f"no Pod {pod!r} on a node in namespace {self.namespace!r}; "
                             f"choose one of {list(self.picker.options)}")
        self.picker.value = pod

    @property
    def pod(self) -> str | None:
        return self.picker.value

    def refresh(self, *, force: bool = False) -> None:
        self._update_options()
        super().refresh(force=force)

    def _update_options(self) -> None:
        names = sorted(p.name for p in cluster_state(self.cluster.api, namespace=self.namespace).pods if p.node)
        if names != list(self.picker.options):
            current = self.picker.value
            self.picker.options = names
            self.picker.value = current if current in names else (names[0] if names else None)

    @property
    def shared(self) -> list[str]:
        """The namespace kinds the pause process and every running container share."""
        return self.namespaces.shared() if self.namespaces is not None else []

    def render(self) -> str:
        if self.pod is None:
            self.namespaces = None
            return f'<p class="kl-empty">no Pod on a node in namespace {esc(self.namespace)}</p>'
        self.namespaces = pod_namespaces(self.cluster, self.pod, self.namespace)
        shared = ", ".join(self.shared) or "none"
        return (f'<p>Shared by the pause container and every container: <b>{esc(shared)}</b>; '
                f'each container has its own mnt (and pid, unless shareProcessNamespace).</p>'
                + pod_namespaces_diagram(self.namespaces).html)

    @property
    def svg(self) -> str | None:
        return pod_namespaces_diagram(self.namespaces).svg if self.namespaces is not None else None

    @property
    def text(self) -> str:
        return str(self.namespaces) if self.namespaces is not None else "no Pod selected"

    def summary(self) -> str:
        return f"{self.pod}, shared {', '.join(self.shared) or 'none'}" if self.pod else "no Pod"

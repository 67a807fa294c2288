"""ClusterView: the nodes as boxes holding their Pods, redrawn as the simulation runs."""
from __future__ import annotations

import ipywidgets as w

from ..viz.cluster import cluster_diagram, cluster_html, cluster_text
from ..viz.snapshot import cluster_state
from .base import View

__all__ = ["ClusterView"]


class ClusterView(View):
    """Nodes with their Pods (status colours, READY, RESTARTS). ``mode="html"`` is the
    compact view redrawn on every change; ``mode="svg"`` the graphviz picture.
    ``.text`` says what it shows, as plain text; ``namespace`` limits the Pods.
    """

    css_class = "kl-clusterview"

    def __init__(self, cluster, *, namespace: str | None = None, mode: str = "html"):
        self.namespace = namespace
        self.modes = w.ToggleButtons(options=[("live", "html"), ("diagram", "svg")], value=mode)
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        super().__init__(cluster, [w.HBox([self.modes, self.refresh_button])])
        self.modes.observe(lambda change: self.redraw(), names="value")
        self.refresh_button.on_click(lambda _: self.redraw())
        self.state = None
        self.redraw()

    @property
    def mode(self) -> str:
        return self.modes.value

    @mode.setter
    def mode(self, value: str) -> None:
        self.modes.value = value

    def render(self) -> str:
        self.state = cluster_state(self.cluster.api, namespace=self.namespace)
        if self.mode == "svg":
            return cluster_diagram(self.state).html
        return cluster_html(self.state)

    @property
    def text(self) -> str:
        return cluster_text(self.state)

    @property
    def svg(self) -> str | None:
        """The graphviz picture of what is shown (None without graphviz's ``dot``)."""
        return cluster_diagram(self.state).svg

    def summary(self) -> str:
        return f"{len(self.state.nodes)} nodes, {len(self.state.pods)} pods at revision {self.state.revision}"

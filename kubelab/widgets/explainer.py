"""SchedulerExplainer: pick a Pod, see every node's Filter verdict and Score plugin scores.

It shows ``Cluster.explain(pod)``: the scheduler's record of the Pod's last
scheduling attempt. Nodes a Filter plugin rejected are marked with the plugin
and its reason; for a Pending Pod the scheduler's FailedScheduling message
(``0/3 nodes are available: ...``) says why, above the table.
"""
from __future__ import annotations

import ipywidgets as w

from .. import errors
from ..viz.render import esc
from ..viz.snapshot import cluster_state
from .base import View

__all__ = ["SchedulerExplainer"]


class SchedulerExplainer(View):
    """A Pod picker (Pending Pods first) and the scheduler's explanation for the Pod."""

    css_class = "kl-explainer"

    def __init__(self, cluster, pod: str | None = None, *, namespace: str = "default"):
        self.namespace = namespace
        self.picker = w.Dropdown(description="Pod", layout=w.Layout(width="60%"))
        self.explanation = None
        self.problem: str | None = None        # why there is no explanation to show
        super().__init__(cluster, [self.picker])
        self._update_options()
        if pod is not None:
            self.select(pod)
        self.picker.observe(lambda change: self.redraw(), names="value")
        self.redraw()

    # -- driving ----------------------------------------------------------------------
    def select(self, pod: str) -> None:
        """Pick a Pod by name."""
        if pod not in dict(self.picker.options).values():
            raise ValueError(f"no Pod {pod!r} in namespace {self.namespace!r}; "
                             f"choose one of {sorted(v for _, v in self.picker.options)}")
        self.picker.value = pod

    @property
    def pod(self) -> str | None:
        return self.picker.value

    def refresh(self, *, force: bool = False) -> None:
        self._update_options()
        super().refresh(force=force)

    def _update_options(self) -> None:
        pods = cluster_state(self.cluster.api, namespace=self.namespace).pods
        pending = [p for p in pods if p.node is None]
        placed = [p for p in pods if p.node is not None]
        options = [(f"{p.name} (Pending)", p.name) for p in pending] + \
                  [(f"{p.name} on {p.node}", p.name) for p in placed]
        if options != list(self.picker.options):
            current = self.picker.value
            self.picker.options = options
            values = [v for _, v in options]
            self.picker.value = current if current in values else (values[0] if values else None)

    # -- what it shows ------------------------------------------------------------------
    @property
    def rows(self) -> list[dict]:
        """Per node: ``node``, ``filter`` (``passed`` or ``Plugin: reason``), ``scores``,
        ``total`` and ``chosen``, as the scheduler recorded them."""
        return self.explanation.rows if self.explanation is not None else []

    @property
    def message(self) -> str | None:
        """The FailedScheduling message of an unschedulable Pod (None once it is placed)."""
        return self.explanation.message if self.explanation is not None else None

    def _explain(self) -> None:
        self.explanation, self.problem = None, None
        if self.pod is None:
            self.problem = f"no Pods in namespace {self.namespace}"
            return
        try:
            self.explanation = self.cluster.explain(self.pod, namespace=self.namespace)
        except (LookupError, errors.NotFound) as e:
            self.problem = str(e)

    def render(self) -> str:
        self._explain()
        if self.explanation is None:
            return f'<p class="kl-empty">{esc(self.problem)}</p>'
        ex = self.explanation
        plugins = ex.score_plugins
        head = "".join(f"<th>{esc(h)}</th>" for h in ["NODE", "FILTER", *plugins] + (["TOTAL"] if plugins else []))
        body = []
        for row in ex.rows:
            failed = row["filter"] not in ("passed", "not evaluated")
            style = "background:#c8e6c9;font-weight:bold" if row["chosen"] else ("background:#ffcdd2" if failed else "")
            cells = [row["node"] + (" ✔" if row["chosen"] else ""), row["filter"]]
            for plugin in plugins:
                s = row["scores"].get(plugin)
                cells.append(f'{s["raw"]}→{s["normalized"]}×{s["weight"]}' if s else "")
            if plugins:
                cells.append("" if row["total"] is None else str(row["total"]))
            body.append(f'<tr style="{style}" data-node="{esc(row["node"])}">'
                        + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
        why = (f'<p class="kl-why" style="background:#fff3e0;border-left:4px solid #ef6c00;padding:4px">'
               f'<b>Why Pending:</b> {esc(ex.message)}</p>') if ex.message else ""
        outcome = f"scheduled to {ex.chosen}" if ex.chosen else "unschedulable"
        return (f'<p><b>Pod {esc(ex.pod)}</b>: {esc(outcome)} (attempt at {esc(ex.attempt.time)})</p>{why}'
                f'<table class="kl-verdicts" style="font-size:12px"><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table>')

    @property
    def text(self) -> str:
        return str(self.explanation) if self.explanation is not None else self.problem

    def summary(self) -> str:
        if self.explanation is None:
            return self.problem or ""
        return f"{self.pod}: " + (f"scheduled to {self.explanation.chosen}" if self.explanation.chosen
                                  else "unschedulable")

"""RolloutPlayer: a Deployment's ReplicaSets, old and new, over the time of a rolling update.

Each run builds a fresh cluster from the same seed, applies the Deployment with
the chosen ``maxSurge`` and ``maxUnavailable``, waits for it to be available,
then changes the image and samples the ReplicaSets every ``step`` simulated
seconds until the rollout completes. Moving a slider re-runs the scenario, so
two settings can be compared on identical clusters. The chart draws the bounds
the Deployment controller keeps: at most ``replicas + maxSurge`` Pods, and at
least ``replicas - maxUnavailable`` of them available.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import ipywidgets as w

from .. import errors
from ..api.manifests import load_manifests
from ..kubectl.errors import api_error_text
from ..viz.render import esc
from .base import View

__all__ = ["Frame", "RolloutPlayer"]

_REVISION = "deployment.kubernetes.io/revision"


@dataclass(frozen=True)
class Frame:
    """The ReplicaSets at one instant: Pods (``status.replicas``) and available Pods."""

    t: float            # simulated seconds since the image changed (-1: before)
    old: int
    old_available: int
    new: int
    new_available: int


class RolloutPlayer(View):
    """Sliders for maxSurge / maxUnavailable, a chart and a table of the rollout."""

    css_class = "kl-rollout"
    live = False

    def __init__(self, deployment, new_image: str, *, max_surge: int = 1, max_unavailable: int = 0,
                 nodes: int = 3, seed: int = 0, step: float = 1.0, limit: float = 300.0):
        objects = load_manifests(deployment)
        if len(objects) != 1 or objects[0].get("kind") != "Deployment":
            raise ValueError("RolloutPlayer needs exactly one Deployment manifest")
        self.deployment, self.new_image = objects[0], new_image
        self.nodes, self.seed, self.step, self.limit = nodes, seed, step, limit
        self.replicas = self.deployment.get("spec", {}).get("replicas", 1)
        self.surge = w.IntSlider(value=max_surge, min=0, max=max(self.replicas, 1), description="maxSurge",
                                 continuous_update=False)
        self.unavailable = w.IntSlider(value=max_unavailable, min=0, max=max(self.replicas, 1),
                                       description="maxUnavailable", continuous_update=False)
        self.frames: list[Frame] = []
        self.error: str | None = None
        self.complete = False
        super().__init__(None, [w.HBox([self.surge, self.unavailable])])
        self._holding = False
        self.surge.observe(self._moved, names="value")
        self.unavailable.observe(self._moved, names="value")
        self.run()

    def set(self, *, max_surge: int | None = None, max_unavailable: int | None = None) -> list[Frame]:
        """Move the sliders, then re-run the rollout once."""
        self._holding = True
        try:
            if max_surge is not None:
                self.surge.value = max_surge
            if max_unavailable is not None:
                self.unavailable.value = max_unavailable
        finally:
            self._holding = False
        return self.run()

    def _moved(self, change) -> None:
        if not self._holding:
            self.run()

    # -- the scenario ---------------------------------------------------------------------
    def run(self) -> list[Frame]:
        """Play the rollout on a fresh cluster with the sliders' values."""
        from ..cluster import Cluster

        self.cluster = c = Cluster(nodes=self.nodes, seed=self.seed)
        self.frames, self.error, self.complete = [], None, False
        dep = copy.deepcopy(self.deployment)
        dep.setdefault("spec", {})["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {
            "maxSurge": self.surge.value, "maxUnavailable": self.unavailable.value}}
        try:
            c.apply(dep)
        except errors.ApiError as e:
            self.error = api_error_text(e)
            self.redraw()
            return self.frames
        c.run()
        self.frames.append(self._sample(-1))
        for container in dep["spec"]["template"]["spec"]["containers"]:
            container["image"] = self.new_image
        c.apply(dep)
        t = 0.0
        self.frames.append(self._sample(t))
        while t < self.limit and not self.complete:
            c.run(seconds=self.step)
            t += self.step
            self.frames.append(self._sample(t))
        self.redraw()
        return self.frames

    def _sample(self, t: float) -> Frame:
        name = self.deployment["metadata"]["name"]
        ns = self.deployment["metadata"].get("namespace", "default")
        dep = self.cluster.api.get("deployments", name, namespace=ns)
        owned = [rs for rs in self.cluster.api.list("replicasets", namespace=ns)["items"]
                 if any(r.get("uid") == dep["metadata"]["uid"] for r in rs["metadata"].get("ownerReferences") or [])]
        newest = max((int(rs["metadata"].get("annotations", {}).get(_REVISION, 0)) for rs in owned), default=0)
        counts = {True: [0, 0], False: [0, 0]}
        for rs in owned:
            is_new = int(rs["metadata"].get("annotations", {}).get(_REVISION, 0)) == newest and t >= 0
            status = rs.get("status") or {}
            counts[is_new][0] += status.get("replicas", 0)
            counts[is_new][1] += status.get("availableReplicas", 0)
        s = dep.get("status") or {}
        self.complete = t >= 0 and counts[False][0] == 0 and s.get("updatedReplicas") == self.replicas == \
            s.get("availableReplicas") and s.get("observedGeneration", 0) >= dep["metadata"].get("generation", 1)
        return Frame(t, counts[False][0], counts[False][1], counts[True][0], counts[True][1])

    # -- what it shows ----------------------------------------------------------------------
    @property
    def rows(self) -> list[dict]:
        return [f.__dict__ for f in self.frames]

    @property
    def bounds(self) -> tuple[int, int]:
        """(most Pods, fewest available Pods) the controller allows during the rollout."""
        return self.replicas + self.surge.value, self.replicas - self.unavailable.value

    @property
    def text(self) -> str:
        if self.error is not None:
            return self.error
        most, fewest = self.bounds
        lines = [f"maxSurge={self.surge.value} maxUnavailable={self.unavailable.value}: at most {most} Pods, "
                 f"at least {fewest} available",
                 "t(s)    old (available)  new (available)"]
        shown = None
        for i, f in enumerate(self.frames):
            counts = (f.old, f.old_available, f.new, f.new_available)
            if counts == shown and i < len(self.frames) - 1:
                continue                    # only the steps where something changed, and the last
            shown = counts
            when = "before" if f.t < 0 else f"{f.t:g}"
            lines.append(f"{when:<8}{f.old:>3} ({f.old_available})        {f.new:>3} ({f.new_available})")
        done = f"complete after {self.frames[-1].t:g}s" if self.complete else f"not complete after {self.limit:g}s"
        return "\n".join(lines + [done])

    def render(self) -> str:
        if self.error is not None:
            return f'<pre class="kl-error" style="color:#c62828">{esc(self.error)}</pre>'
        return _chart(self.frames, self.bounds) + f'<pre class="kl-rollout-table">{esc(self.text)}</pre>'

    def summary(self) -> str:
        if self.error is not None:
            return "rejected: " + self.error.splitlines()[0]
        return (f"maxSurge={self.surge.value} maxUnavailable={self.unavailable.value}, "
                f"{len(self.frames)} frames, " + ("complete" if self.complete else "not complete"))


def _chart(frames: list[Frame], bounds: tuple[int, int]) -> str:
    """Stacked bars per frame (old grey, new blue; the available part darker), with the
    controller's bounds as dashed lines labelled on the right."""
    most, fewest = bounds
    top = max([most] + [f.old + f.new for f in frames]) or 1
    bar, gap, height, pad = 14, 4, 160, 12
    unit = height / top
    right = 8 + len(frames) * (bar + gap)
    parts = []
    for i, f in enumerate(frames):
        x = 8 + i * (bar + gap)
        y = pad + height
        for count, available, dark, light in ((f.old, f.old_available, "#546e7a", "#cfd8dc"),
                                              (f.new, f.new_available, "#1565c0", "#bbdefb")):
            for n, colour in ((available, dark), (count - available, light)):
                if n > 0:
                    y -= n * unit
                    parts.append(f'<rect x="{x}" y="{y:.1f}" width="{bar}" height="{n * unit:.1f}" fill="{colour}"/>')
    for value, label in ((most, f"at most {most} Pods"), (fewest, f"at least {fewest} available")):
        y = pad + height - value * unit
        parts.append(f'<line x1="4" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c62828" stroke-dasharray="4 3"/>'
                     f'<text x="{right + 4}" y="{y + 3:.1f}" font-size="10">{label}</text>')
    width = max(right + 130, 420)
    return (f'<svg class="kl-rollout-chart" width="{width}" height="{pad + height + 20}" '
            f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif"><g>{"".join(parts)}</g>'
            f'<text x="4" y="{pad + height + 14}" font-size="10">one bar per step: old ReplicaSet grey, new blue; '
            f'darker: available</text></svg>')

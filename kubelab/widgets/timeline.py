"""Timeline: travel through the store's revisions, and play the simulation forward.

The slider's positions are store revisions. At revision N the view lists the
nodes, Pods and Events as they were then (``list`` at ``resourceVersion=N``,
as the store keeps its history) and names the write that made revision N (the
API server's audit log). The slider starts at the compaction point: kube-apiserver
compacts the history every 5 minutes. Play, Pause and Step drive the cluster forward in
simulated time through a :class:`~kubelab.widgets.live.LiveDriver`.
"""
from __future__ import annotations

from bisect import bisect_left

import ipywidgets as w

from ..viz.cluster import cluster_html, cluster_text
from ..viz.eventlog import events_html, events_text, sorted_events
from ..viz.render import esc
from ..viz.snapshot import cluster_state
from .base import View, refresh_views
from .live import LiveDriver

__all__ = ["Timeline"]


class Timeline(View):
    """A revision slider over the cluster's history, with Play / Pause / Step.

    ``start`` is the first revision offered (default: the one at which the last
    node registered); ``step`` the simulated seconds per Step; ``interval`` the
    real seconds between steps while playing; ``events`` how many of the newest
    Events to list.
    """

    css_class = "kl-timeline"

    def __init__(self, cluster, *, start: int | None = None, step: float = 1.0, interval: float = 0.5,
                 namespace: str | None = None, events: int = 8):
        latest = cluster.store.revision
        first = max(_boot_revision(cluster) if start is None else start, cluster.store.compacted)
        self.namespace, self.max_events = namespace, events
        self.slider = w.IntSlider(value=latest, min=min(first, latest), max=latest, description="revision",
                                  continuous_update=False, layout=w.Layout(width="95%"))
        self.play_button = w.Button(description="Play", icon="play")
        self.pause_button = w.Button(description="Pause", icon="pause")
        self.step_button = w.Button(description="Step", icon="step-forward")
        self.clock = w.Label()
        self.driver = LiveDriver(cluster, step=step, interval=interval, on_tick=self._ticked)
        buttons = w.HBox([self.play_button, self.pause_button, self.step_button, self.clock])
        super().__init__(cluster, [buttons, self.slider])
        self.play_button.on_click(lambda _: self.play())
        self.pause_button.on_click(lambda _: self.pause())
        self.step_button.on_click(lambda _: self.step())
        self.slider.observe(lambda change: self.redraw(), names="value")
        self.redraw()

    # -- driving -------------------------------------------------------------------
    @property
    def revision(self) -> int:
        return self.slider.value

    @revision.setter
    def revision(self, value: int) -> None:
        self.slider.value = max(self.slider.min, min(value, self.slider.max))

    def step(self) -> None:
        """Run the cluster for one step of simulated time."""
        self.driver.step()

    def play(self) -> None:
        self.driver.play()

    def pause(self) -> None:
        self.driver.pause()
        self._show_clock()

    def _ticked(self) -> None:
        refresh_views(self.cluster)        # this view and every other view of the cluster
        self._show_clock()

    def _show_clock(self) -> None:
        playing = "playing" if self.driver.playing else "paused"
        error = f" — stopped: {self.driver.error}" if self.driver.error else ""
        self.clock.value = f"simulated time {self.cluster.now:%H:%M:%S} ({playing}){error}"

    def refresh(self, *, force: bool = False) -> None:
        """Grow the slider to the newest revision, following it if it was at the end."""
        store = self.cluster.store
        if store.compacted > self.slider.min:
            self.slider.min = min(store.compacted, self.slider.max)
        if store.revision != self.slider.max:
            follow = self.slider.value == self.slider.max
            self.slider.max = store.revision
            if follow:
                self.slider.value = store.revision     # redraws through the observer
        super().refresh(force=force)

    # -- what it shows ---------------------------------------------------------------
    def _read(self):
        rev = self.slider.value
        state = cluster_state(self.cluster.api, rev, self.namespace)
        events = sorted_events(self.cluster.api.list("events", namespace=self.namespace,
                                                     resource_version=str(rev))["items"])
        return rev, state, events

    def _headline(self, rev: int) -> str:
        audit = self.cluster.api.audit
        i = bisect_left(audit, rev, key=lambda a: a.revision)
        who = ""
        if i < len(audit) and audit[i].revision == rev:
            a = audit[i]
            who = f": {a.user_agent} {a.verb} {a.resource} {a.name}"
        return f"revision {rev} of {self.slider.max}{who}"

    def render(self) -> str:
        rev, state, events = self._read()
        self._show_clock()
        shown = events[-self.max_events:]
        return (f'<div class="kl-headline"><b>{esc(self._headline(rev))}</b></div>' + cluster_html(state)
                + events_html(shown, f"events ({len(shown)} newest of {len(events)})"))

    @property
    def text(self) -> str:
        rev, state, events = self._read()
        shown = events[-self.max_events:]
        return "\n".join([self._headline(rev), cluster_text(state),
                          f"events ({len(shown)} newest of {len(events)}):", events_text(shown)]).rstrip()

    @property
    def events(self) -> list[dict]:
        """The Events that existed at the shown revision, oldest first."""
        return self._read()[2]

    def summary(self) -> str:
        return f"revision {self.slider.value} in {self.slider.min}..{self.slider.max}"


def _boot_revision(cluster) -> int:
    """The revision at which the last node registered (1 for a cluster without nodes)."""
    audit = cluster.api.audit
    nodes = [a.revision for a in audit if a.resource == "nodes"]
    return max(nodes, default=1)

"""PriorityPlayground: Borg's priority bands, played out with Kubernetes' PriorityClasses.

Borg (Verma et al., "Large-scale cluster management at Google with Borg",
EuroSys 2015, §2.5) gives every job a priority in one of non-overlapping bands,
highest first: monitoring, production, batch and best effort ("testing or
free"); "prod" jobs are those in the monitoring and production bands, and a
higher-priority task may preempt (kill) a lower-priority one. The bands'
numbers come from Google's 2019 Borg trace (Tirmazi et al., "Borg: the Next
Generation", EuroSys 2020): free <= 99, best-effort batch 110-115, production
120-359, monitoring >= 360. Here each band is one PriorityClass at its band's
lowest value: borg-free 0, borg-batch 110, borg-production 120,
borg-monitoring 360. Tasks of one band share a priority, so, as Borg forbids
production tasks to preempt one another, none of them preempts its peers.

The scheduler's own preemption (DefaultPreemption) does the rest: add tasks
until a machine is full and watch lower bands' Pods get the Preempted event
and go.
"""
from __future__ import annotations

from collections import namedtuple

import ipywidgets as w

from ..api.quantity import parse_quantity
from ..viz.cluster import cluster_html, cluster_text
from ..viz.eventlog import sorted_events
from ..viz.render import esc
from ..viz.snapshot import cluster_state
from .base import View

__all__ = ["BANDS", "PriorityPlayground"]

Band = namedtuple("Band", "name value prod")

#: highest first; value = the lowest priority of the band in the 2019 Borg trace
BANDS = (Band("monitoring", 360, True), Band("production", 120, True), Band("batch", 110, False),
         Band("free", 0, False))


def priority_classes() -> list[dict]:
    return [{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": f"borg-{b.name}"},
             "value": b.value, "description": f"Borg's {b.name} band ({'prod' if b.prod else 'non-prod'})"}
            for b in BANDS]


class PriorityPlayground(View):
    """Buttons add a task (a Pod) of a band; sliders set its CPU request and how many.

    Without a ``cluster``, a fresh one of ``machines`` nodes with ``cpus`` CPUs each.
    Every press runs the cluster ``run_seconds`` of simulated time, so preemptions
    finish (the tasks stop within 2 s: terminationGracePeriodSeconds 0 is raised to
    the kubelet's 2 s minimum)."""

    css_class = "kl-priority"

    def __init__(self, cluster=None, *, machines: int = 2, cpus: int = 4, run_seconds: float = 10.0,
                 seed: int = 0):
        if cluster is None:
            from ..cluster import Cluster

            cluster = Cluster(nodes=[{"metadata": {"name": f"machine-{i}"},
                                      "status": {"capacity": {"cpu": str(cpus), "memory": "16Gi", "pods": "110"}}}
                                     for i in range(1, machines + 1)], seed=seed)
        cluster.apply(priority_classes())
        self.run_seconds = run_seconds
        self.cpu = w.IntSlider(value=1000, min=250, max=4000, step=250, description="CPU (m)",
                               continuous_update=False)
        self.count = w.IntSlider(value=1, min=1, max=8, description="tasks", continuous_update=False)
        self.buttons = {b.name: w.Button(description=f"+ {b.name}", tooltip=f"priority {b.value}",
                                         button_style="danger" if b.prod else "info") for b in BANDS}
        self._serial = 0
        super().__init__(cluster, [w.HBox(list(self.buttons.values())), w.HBox([self.cpu, self.count])])
        for band, button in self.buttons.items():
            button.on_click(lambda _, band=band: self.add(band))
        self.redraw()

    # -- driving ---------------------------------------------------------------------------
    def add(self, band: str, count: int | None = None, cpu: str | int | None = None) -> list[str]:
        """Add ``count`` tasks of ``band`` requesting ``cpu`` (millicores, or a quantity);
        the sliders' values by default. Returns the new Pods' names."""
        if band not in self.buttons:
            raise ValueError(f"unknown band {band!r}: one of {', '.join(self.buttons)}")
        count = self.count.value if count is None else count
        request = f"{self.cpu.value}m" if cpu is None else (f"{cpu}m" if isinstance(cpu, int) else cpu)
        names = []
        for _ in range(count):
            self._serial += 1
            names.append(f"{band}-{self._serial}")
        self.cluster.apply([{"apiVersion": "v1", "kind": "Pod",
                             "metadata": {"name": name, "labels": {"borg.band": band}},
                             "spec": {"priorityClassName": f"borg-{band}", "terminationGracePeriodSeconds": 0,
                                      "containers": [{"name": "task", "image": "registry.k8s.io/pause:3.10",
                                                      "resources": {"requests": {"cpu": request}}}]}}
                            for name in names])
        self.cluster.run(seconds=self.run_seconds)
        self.redraw()
        return names

    # -- what it shows -----------------------------------------------------------------------
    @property
    def rows(self) -> list[dict]:
        """Each task: name, band, node (None: pending), STATUS."""
        return [{"name": p.name, "band": (p.priority_class or "").removeprefix("borg-"), "node": p.node,
                 "status": p.status} for p in cluster_state(self.cluster.api, namespace="default").pods]

    @property
    def preemptions(self) -> list[str]:
        """"<victim> preempted by <preemptor> on <node>", oldest first."""
        names = {p["metadata"]["uid"]: p["metadata"]["name"] for p in self.cluster.api.list("pods")["items"]}
        out = []
        for e in sorted_events(self.cluster.api.list("events", namespace="default")["items"]):
            if e.get("reason") == "Preempted":
                uid, _, node = e["message"].removeprefix("Preempted by pod ").partition(" on node ")
                out.append(f'{e["involvedObject"]["name"]} preempted by {names.get(uid, uid)} on {node}')
        return out

    def _requested(self) -> list[str]:
        used: dict[str, int] = {}
        for pod in self.cluster.api.list("pods")["items"]:
            node = pod["spec"].get("nodeName")
            if node and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
                used[node] = used.get(node, 0) + sum(
                    parse_quantity(c.get("resources", {}).get("requests", {}).get("cpu", "0")).milli_value()
                    for c in pod["spec"]["containers"])
        lines = []
        for node in self.cluster.api.list("nodes")["items"]:
            name = node["metadata"]["name"]
            cap = parse_quantity(node["status"]["allocatable"]["cpu"]).milli_value()
            lines.append(f"{name}: {used.get(name, 0)}m of {cap}m CPU requested")
        return lines

    def render(self) -> str:
        bands = " · ".join(f"borg-{b.name} = {b.value}{' (prod)' if b.prod else ''}" for b in BANDS)
        preempted = "".join(f"<li>{esc(p)}</li>" for p in self.preemptions) or "<li>none yet</li>"
        usage = "".join(f"<div>{esc(line)}</div>" for line in self._requested())
        return (f'<p><small>{esc(bands)}</small></p><div class="kl-usage">{usage}</div>'
                + cluster_html(self.cluster, namespace="default")
                + f'<div class="kl-preemptions"><b>preemptions</b><ul>{preempted}</ul></div>')

    @property
    def text(self) -> str:
        return "\n".join(self._requested() + [cluster_text(self.cluster, namespace="default"), "preemptions:"]
                         + [f"  {p}" for p in self.preemptions])

    def summary(self) -> str:
        rows = self.rows
        pending = sum(1 for r in rows if r["node"] is None)
        return f"{len(rows)} tasks, {pending} pending, {len(self.preemptions)} preempted"

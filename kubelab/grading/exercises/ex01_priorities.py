"""ex01.priorities (chapter 1, from Borg to Kubernetes): Borg's priority bands as PriorityClasses.

The answer is a manifest of four PriorityClasses, monitoring > production >
batch > best-effort, where Pods without a class get batch and batch Pods never
preempt. The checks fill a two-node cluster (each node fits two Pods) and watch
who preempts whom.
"""
from __future__ import annotations

from .. import scenario
from ..framework import Exercise, Fail

BANDS = ("monitoring", "production", "batch", "best-effort")


def _prepare(answer) -> list[dict]:
    objects = scenario.load(answer)
    classes = {o.get("metadata", {}).get("name"): o for o in objects if o.get("kind") == "PriorityClass"}
    missing = [b for b in BANDS if b not in classes]
    if missing:
        raise Fail(f"the answer has no PriorityClass named {', '.join(missing)}",
                   "Write one PriorityClass (apiVersion scheduling.k8s.io/v1) per band: "
                   + ", ".join(BANDS) + ".")
    _cluster(objects)                   # the API server must accept them before any scenario runs
    return objects


def _cluster(objects):
    c = scenario.cluster(2)
    scenario.apply(c, objects)
    return c


def _pod(name: str, band: str | None) -> dict:
    spec = {"containers": [{"name": "task", "image": "registry.k8s.io/pause:3.10",
                            "resources": {"requests": {"cpu": "2"}}}]}
    if band:
        spec["priorityClassName"] = band
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"band": band or "none"}},
            "spec": spec}


def _fill(c, bands) -> None:
    """Four 2-CPU Pods: the two 4-CPU nodes are full."""
    for i, band in enumerate(bands):
        scenario.apply(c, _pod(f"{band}-{i}", band))
    c.run(30)


def _arrive(c, name: str, band: str) -> dict:
    scenario.apply(c, _pod(name, band))
    c.run(60)
    return c.get("pod", name)


def _preempted(c) -> list[str]:
    return sorted(e["involvedObject"]["name"] for e in c.events() if e.get("reason") == "Preempted")


EXERCISE = Exercise("ex01.priorities", "Borg's priority bands", chapter="01-from-borg",
                    prepare=_prepare, playground=lambda answer: _cluster(_prepare(answer)))


@EXERCISE.check("classes", "the four bands are PriorityClasses with decreasing values",
                hint="Higher value, higher priority: monitoring > production > batch > best-effort, "
                     "all at most 1000000000 (larger values are reserved for system classes).")
def classes(objects):
    c = _cluster(objects)
    values = {b: c.get("priorityclass", b, namespace=None)["value"] for b in BANDS}
    for higher, lower in zip(BANDS, BANDS[1:]):
        if values[higher] <= values[lower]:
            raise Fail(f"PriorityClass {higher} has value {values[higher]}, not above {lower}'s {values[lower]}")


@EXERCISE.check("default", "a Pod that names no PriorityClass gets batch's priority",
                hint="Exactly one PriorityClass may set globalDefault: true; the Priority admission plugin "
                     "gives its value to Pods that name no class.")
def default(objects):
    c = _cluster(objects)
    pod = _arrive(c, "unnamed", None)
    batch = c.get("priorityclass", "batch", namespace=None)["value"]
    got = pod["spec"].get("priority", 0)
    if got != batch or pod["spec"].get("priorityClassName") != "batch":
        named = pod["spec"].get("priorityClassName") or "no class"
        raise Fail(f"a Pod without priorityClassName was admitted with priority {got} ({named}), "
                   f"not batch's {batch}")


@EXERCISE.check("production-preempts", "on a full cluster, a production Pod preempts a lower band's Pod",
                hint="Preemption needs the arriving Pod's priority to be higher than its victims' and its "
                     "preemptionPolicy to be PreemptLowerPriority (the default).")
def production_preempts(objects):
    c = _cluster(objects)
    _fill(c, ["best-effort", "batch", "best-effort", "batch"])
    pod = _arrive(c, "prod", "production")
    if not pod["spec"].get("nodeName"):
        raise Fail(scenario.scheduling_failure(c, "prod"))
    victims = _preempted(c)
    if not victims or any(not v.startswith(("best-effort", "batch")) for v in victims):
        raise Fail(f"production Pod ran, but the Pods preempted were: {', '.join(victims) or 'none'}")


@EXERCISE.check("batch-waits", "a batch Pod waits for room instead of evicting best-effort Pods",
                hint="Borg's batch jobs queue rather than evict: a PriorityClass with "
                     "preemptionPolicy: Never keeps its place in the queue but never preempts.")
def batch_waits(objects):
    c = _cluster(objects)
    _fill(c, ["best-effort"] * 4)
    pod = _arrive(c, "job", "batch")
    victims = _preempted(c)
    if victims or pod["spec"].get("nodeName"):
        raise Fail(f"the batch Pod preempted {', '.join(victims) or 'a running Pod'} to run")


@EXERCISE.check("monitoring-preempts", "monitoring preempts production", hidden=True,
                hint="Monitoring is Borg's top band: its value must be above production's, and it must be "
                     "allowed to preempt.")
def monitoring_preempts(objects):
    c = _cluster(objects)
    _fill(c, ["production"] * 4)
    pod = _arrive(c, "probe", "monitoring")
    if not pod["spec"].get("nodeName"):
        raise Fail(scenario.scheduling_failure(c, "probe"))


@EXERCISE.check("queue-order", "when room frees up, a waiting batch Pod goes before a waiting best-effort one",
                hidden=True, hint="The scheduling queue sorts Pending Pods by priority: batch's value must be "
                                  "above best-effort's.")
def queue_order(objects):
    c = _cluster(objects)
    _fill(c, ["production"] * 4)
    _arrive(c, "free", "best-effort")
    _arrive(c, "job", "batch")
    c.delete("pod", "production-0")       # a graceful delete: its CPU is free once it is gone
    c.run(90)
    placed = [n for n in ("free", "job") if c.get("pod", n)["spec"].get("nodeName")]
    if placed != ["job"]:
        raise Fail(f"after one production Pod went away, the Pods placed were: {', '.join(placed) or 'none'}")

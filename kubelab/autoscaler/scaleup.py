"""Scale-up: which node group to grow, and by how much (cluster-autoscaler core/scaleup,
estimator/binpacking_estimator.go, expander/).

Given the Pods the scheduler marked unschedulable (that still fit nowhere once
the nodes already booting are counted), for every node group below its
maximum:

1. take the group's *template node* (with the DaemonSet Pods it would run) and
   keep the Pods that would fit on it: the scheduler's own PreFilter/Filter
   plugins decide, so node selectors, affinity, taints and resources count;
2. *binpacking estimator*: place those Pods, largest first (cpu share + memory
   share of the template), on as few new template nodes as the group's
   maximum allows: the first new node they fit on, else one more node.

Each group gives an option (nodes to add, Pods helped); the *expander* picks
one: ``random`` (the default), ``most-pods``, ``least-waste`` (least idle cpu
plus memory share on the new nodes) or ``priority`` (the highest-priority
group by name pattern, as in the cluster-autoscaler-priority-expander
ConfigMap). Ties are broken at random.
"""
from __future__ import annotations

import re

from ..scheduler.resources import Resource, pod_requests

__all__ = ["Option", "estimate", "choose", "EXPANDERS"]

EXPANDERS = ("random", "most-pods", "least-waste", "priority")


class Option:
    """expander.Option: grow ``group`` by ``node_count`` to run ``pods``."""

    def __init__(self, group, node_count: int, pods: list[dict]):
        self.group, self.node_count, self.pods = group, node_count, pods

    def __repr__(self) -> str:
        return f"<Option {self.group.name} +{self.node_count} for {len(self.pods)} pods>"


def _score(pod: dict, alloc: Resource) -> float:
    """DecreasingPodOrderer: how much of the template node the Pod takes."""
    req = pod_requests(pod)
    cpu = req.milli_cpu / alloc.milli_cpu if alloc.milli_cpu else 0.0
    mem = req.memory / alloc.memory if alloc.memory else 0.0
    return cpu + mem


def estimate(checker, template_for, pods: list[dict], limit: int, alloc: Resource) -> tuple[int, list[dict]]:
    """BinpackingNodeEstimator: (new nodes needed, Pods placed on them), at most ``limit`` nodes.

    ``template_for(i)`` adds the i-th new template node to the checker's (forked) snapshot
    and returns its name."""
    order = sorted(pods, key=lambda p: (-_score(p, alloc), p["metadata"]["namespace"], p["metadata"]["name"]))
    new: list[str] = []
    placed = []
    for pod in order:
        tries = (new[-1:] + new[:-1]) if new else []         # the last node first, then the others
        node, _ = checker.find(pod, tries)
        if node is None:
            if len(new) >= limit:
                continue
            name = template_for(len(new))
            new.append(name)
            node, _ = checker.find(pod, [name])
            if node is None:                                  # fits no empty node: never will
                continue
        checker.add_pod(pod, node)
        placed.append(pod)
    return len([n for n in new if checker.snapshot.get(n).pods]), placed


def choose(options: list[Option], expander: str, rng, *, priorities: dict | None = None,
           alloc_of=None) -> Option | None:
    """The expander's pick among the options (ties at random, as every expander ends)."""
    if not options:
        return None
    best = options
    if expander == "most-pods":
        most = max(len(o.pods) for o in options)
        best = [o for o in options if len(o.pods) == most]
    elif expander == "least-waste":
        scores = [(_waste(o, alloc_of(o.group)), o) for o in options]
        low = min(s for s, _ in scores)
        best = [o for s, o in scores if s == low]
    elif expander == "priority":
        ranked = [(_priority(o.group.name, priorities or {}), o) for o in options]
        top = max(p for p, _ in ranked)
        best = [o for p, o in ranked if p == top]
    elif expander != "random":
        raise ValueError(f"unknown expander {expander!r}; choose from {', '.join(EXPANDERS)}")
    return best[rng.randrange(len(best))] if len(best) > 1 else best[0]


def _waste(option: Option, alloc: Resource) -> float:
    """least-waste: idle cpu share + idle memory share of the new nodes."""
    req = Resource()
    for pod in option.pods:
        req.add(pod_requests(pod))
    cpu_total, mem_total = alloc.milli_cpu * option.node_count, alloc.memory * option.node_count
    wasted_cpu = (cpu_total - req.milli_cpu) / cpu_total if cpu_total else 0.0
    wasted_mem = (mem_total - req.memory) / mem_total if mem_total else 0.0
    return wasted_cpu + wasted_mem


def _priority(group: str, priorities: dict) -> int:
    """priority expander: the highest priority whose regular expressions match the group's name
    (``{10: [".*"], 50: ["spot-.*"]}``); groups matching none rank lowest."""
    matching = [p for p, patterns in priorities.items() if any(re.fullmatch(x, group) for x in patterns)]
    return max(matching, default=-(2 ** 31))

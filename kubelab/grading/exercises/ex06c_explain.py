"""ex06c.explain (chapter 6, scheduling): read a scheduling decision off the explainer's table.

The learner opens ``kl.grading.playground("ex06c.explain")``: four nodes (one
tainted for maintenance, one small), a database already on node-2, Pod ``api``
preferring zone b, and Pod ``batch``, too big for any node. Then
``c.explain("api")`` and ``c.explain("batch")`` and the events answer the
questions; the expected answers are recomputed from a fresh run of the same
cluster.
"""
from __future__ import annotations

import functools
import re

from ..shortanswer import Question, short_answer_exercise

PODS = """\
apiVersion: v1
kind: Pod
metadata: {name: db}
spec:
  nodeName: node-2
  containers: [{name: db, image: "redis:7.4", resources: {requests: {cpu: "2", memory: 8Gi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 20
        preference: {matchExpressions: [{key: zone, operator: In, values: [b]}]}
  containers: [{name: api, image: "nginx:1.27", resources: {requests: {cpu: 1500m, memory: 1Gi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: batch}
spec:
  containers: [{name: batch, image: "registry.k8s.io/pause:3.10", resources: {requests: {cpu: "5"}}}]
"""


def _node(name: str, zone: str, cpu: str = "4", taints=()) -> dict:
    return {"metadata": {"name": name, "labels": {"zone": zone}}, "spec": {"taints": list(taints)},
            "status": {"capacity": {"cpu": cpu, "memory": "16Gi", "pods": "110"}}}


def playground(answer=None):
    """The cluster of the questions, settled."""
    from ... import Cluster

    c = Cluster(nodes=[_node("node-1", "a"), _node("node-2", "b"),
                       _node("node-3", "b", taints=[{"key": "maintenance", "value": "true", "effect": "NoSchedule"}]),
                       _node("node-4", "b", cpu="1")], seed=6)
    c.apply(PODS)
    return c.run(10)


@functools.lru_cache(maxsize=1)
def expected() -> dict:
    c = playground()
    rows = c.explain("api").rows
    chosen = next(r for r in rows if r["chosen"])
    runner_up = max((r for r in rows if r["total"] is not None and not r["chosen"]), key=lambda r: r["total"])
    gaps = {p: s["weighted"] - runner_up["scores"][p]["weighted"] for p, s in chosen["scores"].items()}
    message = next(e["message"] for e in c.events() if e.get("reason") == "FailedScheduling"
                   and e["involvedObject"]["name"] == "batch")
    insufficient = int(re.search(r"(\d+) Insufficient cpu", message).group(1))
    return {
        "chosen": chosen["node"],
        "rejected": {r["node"]: r["filter"].split(":")[0] for r in rows if r["total"] is None},
        "total": chosen["total"],
        "decisive": max(gaps, key=gaps.get),
        "preferred_other": min(gaps, key=gaps.get),
        "insufficient_cpu": insufficient,
    }


QUESTIONS = [
    Question("chosen", "the node Pod api was scheduled to",
             "The chosen node is marked with * in c.explain('api')."),
    Question("rejected", "each node that failed filtering for api, and the Filter plugin that rejected it",
             "A dict {node: plugin}, read off the FILTER column of c.explain('api')."),
    Question("total", "the chosen node's total score", "The TOTAL column sums normalized score × weight."),
    Question("decisive", "the Score plugin whose weighted score did most to make the chosen node beat the runner-up",
             "Compare the chosen node's row with the second-best total, plugin by plugin, after weights."),
    Question("preferred_other", "the Score plugin that favoured the runner-up most",
             "Look for the plugin where the runner-up's weighted score is above the chosen node's."),
    Question("insufficient_cpu", "how many nodes the FailedScheduling event of Pod batch counts as Insufficient cpu",
             "c.events() or kubectl describe pod batch: the message reads '0/4 nodes are available: ...'."),
]

EXERCISE = short_answer_exercise("ex06c.explain", "explain a scheduling decision", QUESTIONS, expected,
                                 chapter="06-scheduling", playground=playground)

"""NodeResourcesFit: the Pod's requests must fit in what the node has left
(allocatable - requested of the Pods already there), and the node must have
room for one more Pod ("Too many pods"); scoring follows ``scoringStrategy``.
Both depend only on the Pod's requests and the NodeInfo, so they are kept in
``NodeInfo.memo`` until the node changes.

LeastAllocated (the default; cpu and memory, weight 1 each) prefers empty
nodes. Worked example: a 4-cpu node with 1 cpu requested and a Pod asking
500m: cpu (4000 - 1500) * 100 / 4000 = 62; memory 16Gi free of 16Gi with a
pod asking 200Mi (no request: the 200Mi default) gives 98; the score is
(62*1 + 98*1) / 2 = 80. MostAllocated is the mirror image (requested * 100 /
allocatable), for bin packing. Scoring counts containers without requests as
100m / 200Mi; the fit check counts them as 0.
"""
from __future__ import annotations

import math
from functools import partial

from ..framework import MAX_NODE_SCORE, ClusterEvent, Plugin, Status
from ..nodeinfo import NodeInfo, memoised
from ..resources import Resource, is_scalar_resource, pod_requests
from .helper import go_div

_PRE_FILTER = "PreFilterNodeResourcesFit"
_PRE_SCORE = "PreScoreNodeResourcesFit"
_MISS = object()
DEFAULT_RESOURCES = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
_MAX_CUSTOM_PRIORITY_SCORE = 10
_MAX_UTILIZATION = 100


def fits_request(req: Resource, ni, ignored=frozenset(), ignored_groups=frozenset()) -> list[str]:
    """fitsRequest: the reasons the Pod does not fit (empty: it fits)."""
    reasons = []
    alloc, used = ni.allocatable, ni.requested
    if len(ni.pods) + 1 > alloc.allowed_pod_number:
        reasons.append("Too many pods")
    if req.is_zero():
        return reasons
    if req.milli_cpu > 0 and req.milli_cpu > alloc.milli_cpu - used.milli_cpu:
        reasons.append("Insufficient cpu")
    if req.memory > 0 and req.memory > alloc.memory - used.memory:
        reasons.append("Insufficient memory")
    if req.ephemeral_storage > 0 and req.ephemeral_storage > alloc.ephemeral_storage - used.ephemeral_storage:
        reasons.append("Insufficient ephemeral-storage")
    for name, amount in sorted(req.scalar.items()):
        if amount == 0 or name in ignored or name.split("/")[0] in ignored_groups:
            continue
        if amount > alloc.scalar.get(name, 0) - used.scalar.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


def least_requested(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested(requested: int, capacity: int) -> int:
    if capacity == 0:
        return 0
    return min(requested, capacity) * MAX_NODE_SCORE // capacity


def broken_linear(shape):
    """helper.BuildBrokenLinearFunction over (utilization, score) points."""
    def f(p):
        for i, (u, s) in enumerate(shape):
            if p <= u:
                if i == 0:
                    return s
                pu, ps = shape[i - 1]
                return ps + go_div((s - ps) * (p - pu), u - pu)
        return shape[-1][1]
    return f



def _non_zero(pod_info, name: str) -> int:
    """The Pod's request for ``name``, with the scoring defaults (100m, 200Mi) for a missing
    cpu or memory request (other resources have none)."""
    if name == "cpu":
        return pod_info.non_zero_cpu
    if name == "memory":
        return pod_info.non_zero_mem
    return pod_info.requests.get(name)

class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"

    def __init__(self, args=None):
        args = args or {}
        strategy = args.get("scoringStrategy") or {}
        self.strategy = strategy.get("type", "LeastAllocated")
        self.resources = [(r["name"], int(r.get("weight", 1))) for r in strategy.get("resources") or DEFAULT_RESOURCES]
        self.ignored = frozenset(args.get("ignoredResources") or ())
        self.ignored_groups = frozenset(args.get("ignoredResourceGroups") or ())
        if self.strategy == "LeastAllocated":
            self._resource_score = least_requested
        elif self.strategy == "MostAllocated":
            self._resource_score = most_requested
        elif self.strategy == "RequestedToCapacityRatio":
            shape = strategy.get("requestedToCapacityRatio", {}).get("shape") or []
            f = broken_linear([(int(p["utilization"]), int(p["score"]) * (MAX_NODE_SCORE // _MAX_CUSTOM_PRIORITY_SCORE))
                               for p in shape])
            self._resource_score = lambda req, cap: f(_MAX_UTILIZATION) if cap == 0 or req > cap else \
                f(req * _MAX_UTILIZATION // cap)
        else:
            raise ValueError(f'scoringStrategy.type: Unsupported value: "{self.strategy}": supported values: '
                             '"LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"')

    # -- Filter -------------------------------------------------------------
    def pre_filter(self, state, pod):
        pod_info = state.get("PodInfo")      # the scheduler computed the requests once, when queued
        req = pod_info.requests if pod_info is not None else pod_requests(pod)
        # a str key: its hash is cached, a tuple's is recomputed on every lookup
        state[_PRE_FILTER] = (req, f"fit {req.milli_cpu} {req.memory} {req.ephemeral_storage} "
                                   f"{sorted(req.scalar.items())}")

    def filter(self, state, pod, node_info):
        req, key = state[_PRE_FILTER]
        status = node_info.memo.get(key, _MISS)
        if status is not _MISS:
            return status
        reasons = fits_request(req, node_info, self.ignored, self.ignored_groups)
        status = node_info.memo[key] = Status.unschedulable(*reasons) if reasons else None
        return status

    # -- Score --------------------------------------------------------------
    def pre_score(self, state, pod, node_infos):
        pod_info = state.get("PodInfo")     # the requests, computed once when the Pod was queued
        request = pod_requests(pod, non_zero=True).get if pod_info is None else partial(_non_zero, pod_info)
        specs = tuple((name, weight, request(name)) for name, weight in self.resources)
        state[_PRE_SCORE] = (specs, f"score {specs}")

    def score_nodes(self, state, pod, node_infos):
        specs, key = state[_PRE_SCORE]
        return memoised(node_infos, key, lambda ni: self._score_one(specs, ni))

    def _score_one(self, specs, ni) -> int:
        total = weights = 0
        for name, weight, pod_request in specs:
            if is_scalar_resource(name) and pod_request == 0:
                continue            # an extended resource the Pod does not use is not scored
            alloc = ni.allocatable.get(name)
            if alloc == 0:
                continue
            used = ni.non_zero_requested.get(name) if name in ("cpu", "memory") else ni.requested.get(name)
            score = self._resource_score(used + pod_request, alloc)
            if self.strategy == "RequestedToCapacityRatio" and score <= 0:
                continue
            total, weights = total + score * weight, weights + weight
        if not weights:
            return 0
        if self.strategy == "RequestedToCapacityRatio":
            return int(math.floor(total / weights + 0.5))
        return total // weights

    def events_to_register(self):
        def node_fits(pod, old, new):
            return not fits_request(pod_requests(pod), NodeInfo(new), self.ignored, self.ignored_groups)
        return [ClusterEvent("AssignedPod", "Delete"), ClusterEvent("Node", "Add", node_fits),
                ClusterEvent("Node", "UpdateNodeAllocatable", node_fits)]

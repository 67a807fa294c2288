"""NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory would be
used in equal proportion once the Pod is there.

Each resource's fraction is (requested + pod request) / allocatable, capped at
1; the score is (1 - std) * 100 with std = |f_cpu - f_mem| / 2 for two
resources. Worked example: a 4-cpu / 16Gi node with 1 cpu and 1Gi requested
and a Pod asking 1 cpu, 2Gi: fractions 0.5 and 0.1875, std 0.15625, score
int(84.375) = 84. Unlike NodeResourcesFit's scoring, requests are taken as
written (no 100m/200Mi defaults).
"""
from __future__ import annotations

import math

from ..framework import MAX_NODE_SCORE, Plugin
from ..nodeinfo import memoised
from ..resources import is_scalar_resource, pod_requests

_PRE_SCORE = "PreScoreNodeResourcesBalancedAllocation"


def balanced_score(requested: list[int], allocatable: list[int]) -> int:
    """balancedResourceScorer over the resources with a non-zero allocatable."""
    fractions = [min(r / a, 1.0) for r, a in zip(requested, allocatable) if a]
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
    return int((1 - std) * MAX_NODE_SCORE)


class BalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"

    def __init__(self, args=None):
        self.resources = [r["name"] for r in (args or {}).get("resources") or
                          [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]]

    def pre_score(self, state, pod, node_infos):
        pod_info = state.get("PodInfo")     # the requests, computed once when the Pod was queued
        requests = pod_info.requests if pod_info is not None else pod_requests(pod)
        specs = tuple((name, requests.get(name)) for name in self.resources)
        state[_PRE_SCORE] = (specs, f"balanced {specs}")

    def score_nodes(self, state, pod, node_infos):
        specs, key = state[_PRE_SCORE]
        return memoised(node_infos, key, lambda ni: self._score_one(specs, ni))

    @staticmethod
    def _score_one(specs, ni) -> int:
        requested, allocatable = [], []
        for name, pod_request in specs:
            if is_scalar_resource(name) and pod_request == 0:
                continue
            requested.append(ni.requested.get(name) + pod_request)
            allocatable.append(ni.allocatable.get(name))
        return balanced_score(requested, allocatable)

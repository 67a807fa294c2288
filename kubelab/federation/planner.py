"""The replica planner behind ReplicaSchedulingPreference (kubefed pkg/controller/util/planner).

``plan(preference, clusters, current, capacity, key)`` splits ``totalReplicas``
among the available clusters:

1. clusters are ordered by weight, heaviest first; ties by an FNV-32 hash of the
   cluster's name and the object's key, so one-replica workloads do not all land
   on the alphabetically first cluster; a cluster with no preference (and no
   ``"*"`` entry) gets 0;
2. each gets its ``minReplicas`` first (while replicas last);
3. without ``rebalance``, replicas a cluster runs now beyond that are kept
   there (up to its max and its estimated capacity);
4. the rest is dealt out in rounds in proportion to the weights, each share
   rounded up: ``ceil(remaining * weight / sum of weights)``; a cluster that
   reaches its ``maxReplicas`` or its capacity leaves the next rounds.

Worked example: 9 replicas, east weight 2, west weight 1: east gets
ceil(9 * 2 / 3) = 6, west ceil(9 * 1 / 3) = 3. With west's capacity estimated
at 0 (its Pods unschedulable), west's 3 overflow and the next round gives them
to east: 9 and 0.

Returns (plan, overflow): replicas per cluster, and the replicas that did not
fit a cluster's capacity (kept only with ``rebalance``; otherwise only as many
as could be placed nowhere else).
"""
from __future__ import annotations

__all__ = ["plan", "fnv32"]


def fnv32(data: bytes, h: int = 0x811C9DC5) -> int:
    """FNV-1 32-bit (Go's hash/fnv New32): multiply, then xor each byte."""
    for b in data:
        h = ((h * 0x01000193) & 0xFFFFFFFF) ^ b
    return h


def plan(preference: dict, clusters: list[str], current: dict[str, int], capacity: dict[str, int],
         key: str) -> tuple[dict[str, int], dict[str, int]]:
    spec = preference.get("spec") or {}
    prefs_of = spec.get("clusters") or {"*": {"weight": 1}}
    result: dict[str, int] = {}
    overflow: dict[str, int] = {}
    prefs = []
    for name in clusters:
        p = prefs_of.get(name, prefs_of.get("*"))
        if p is None:
            result[name] = 0
            continue
        prefs.append((name, fnv32(key.encode(), fnv32(name.encode())), p))
    prefs.sort(key=lambda x: (-int(x[2].get("weight") or 0), x[1]))
    remaining = int(spec.get("totalReplicas") or 0)
    for name, _, p in prefs:                                    # minimums first
        take = min(int(p.get("minReplicas") or 0), remaining)
        if name in capacity:
            take = min(take, capacity[name])
        remaining -= take
        result[name] = take
    preallocated: dict[str, int] = {}
    if not spec.get("rebalance"):                               # keep what already runs
        for name, _, p in prefs:
            planned, count = result[name], current.get(name)
            if count is not None and count > planned:
                target = count
                if p.get("maxReplicas") is not None:
                    target = min(int(p["maxReplicas"]), target)
                if name in capacity:
                    target = min(capacity[name], target)
                extra = max(0, min(target - planned, remaining))
                remaining -= extra
                preallocated[name] = extra
                result[name] = planned + extra
    modified = True
    while modified and remaining > 0:                           # rounds by weight
        modified = False
        weight_sum = sum(int(p.get("weight") or 0) for _, _, p in prefs)
        if weight_sum <= 0:
            break
        this_round, still_open = remaining, []
        for name, h, p in prefs:
            start = result[name]
            extra = min((this_round * int(p.get("weight") or 0) + weight_sum - 1) // weight_sum, remaining)
            used = min(extra, preallocated.get(name, 0))
            preallocated[name] = preallocated.get(name, 0) - used
            extra -= used
            modified = modified or used > 0
            total, full = start + extra, False
            if p.get("maxReplicas") is not None and total > int(p["maxReplicas"]):
                total, full = int(p["maxReplicas"]), True
            if name in capacity and total > capacity[name]:
                overflow[name] = total - capacity[name]
                total, full = capacity[name], True
            if not full:
                still_open.append((name, h, p))
            remaining -= total - start
            result[name] = total
            modified = modified or total > start
        prefs = still_open
    if not spec.get("rebalance"):
        overflow = {k: min(v, remaining) for k, v in overflow.items() if min(v, remaining) > 0}
    return result, overflow

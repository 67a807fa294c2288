"""How far and how fast an HPA may move (the normalization half of horizontal.go).

A metric's raw proposal is first *stabilized*, then *rate-limited* and clamped:

* without ``spec.behavior`` (the controller's legacy rules): scale-down takes the highest
  recommendation of the last 300 s (``--horizontal-pod-autoscaler-downscale-stabilization``);
  scale-up is capped at ``max(2 × current, 4)`` per sync;
* with ``spec.behavior``: the highest recent recommendation within the scale-down
  stabilization window and the lowest within the scale-up one bound the proposal; then
  each policy (``Pods``: add/remove N, ``Percent``: N% of the count at the start of its
  period) allows a change per ``periodSeconds``, counting the changes already made in that
  period, and ``selectPolicy`` picks the policy allowing the most (``Max``), the least
  (``Min``) or none (``Disabled``).

Worked example (scale-up, the documented defaults ``4 Pods or 100% per 15 s``, Max):
current 3, desired 20 → max(3 + 4, ceil(3 × 2)) = 7 (ScaleUpLimit), then 14, then 20.

Every function returns Kubernetes' reason and message for the ScalingLimited condition.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["ScalingMemory", "convert_with_rules", "convert_with_behavior", "DOWNSCALE_STABILIZATION"]

#: --horizontal-pod-autoscaler-downscale-stabilization
DOWNSCALE_STABILIZATION = 300.0
SCALE_UP_LIMIT_FACTOR, SCALE_UP_LIMIT_MINIMUM = 2.0, 4.0

WITHIN_RANGE = ("DesiredWithinRange", "the desired count is within the acceptable range")
TOO_MANY = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
TOO_FEW = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")
UP_LIMIT = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
DOWN_LIMIT = ("ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
UP_STABILIZED = ("ScaleUpStabilized",
                 "recent recommendations were lower than current one, applying the lowest recent recommendation")
DOWN_STABILIZED = ("ScaleDownStabilized",
                   "recent recommendations were higher than current one, applying the highest recent recommendation")


@dataclass
class ScaleEvent:
    change: int           # replicas added (scale-up list) or removed (scale-down list)
    at: float
    outdated: bool = False


class ScalingMemory:
    """What the controller remembers per HPA, in memory only (a restarted
    kube-controller-manager starts afresh): recommendations and recent scale events."""

    def __init__(self):
        self.recommendations: dict[str, list[list]] = {}     # key -> [[replicas, at], ...]
        self.up: dict[str, list[ScaleEvent]] = {}
        self.down: dict[str, list[ScaleEvent]] = {}

    def forget(self, key: str) -> None:
        for store in (self.recommendations, self.up, self.down):
            store.pop(key, None)

    def record_initial(self, key: str, current: int, now: float) -> None:
        """recordInitialRecommendation: the current count is the first recommendation."""
        self.recommendations.setdefault(key, [[current, now]])

    def _record(self, key: str, desired: int, now: float, old_index: int | None) -> None:
        """Reuse an outdated slot, else append (the list stays as short as the window)."""
        if old_index is not None:
            self.recommendations[key][old_index] = [desired, now]
        else:
            self.recommendations[key].append([desired, now])

    def stabilize(self, key: str, desired: int, now: float, window: float = DOWNSCALE_STABILIZATION) -> int:
        """stabilizeRecommendation (no behavior): the highest recommendation within ``window``."""
        highest, old = desired, None
        for i, (replicas, at) in enumerate(self.recommendations[key]):
            if at < now - window:
                old = i
            elif replicas > highest:
                highest = replicas
        self._record(key, desired, now, old)
        return highest

    def stabilize_with_behavior(self, key: str, current: int, desired: int, up: dict, down: dict,
                                now: float) -> tuple[int, tuple[str, str]]:
        """stabilizeRecommendationWithBehaviors: ``desired`` kept between the lowest recent
        recommendation (scale-up window) and the highest (scale-down window)."""
        up_cutoff, down_cutoff = now - up["stabilizationWindowSeconds"], now - down["stabilizationWindowSeconds"]
        lowest = highest = desired
        old = None
        for i, (replicas, at) in enumerate(self.recommendations[key]):
            if at > up_cutoff:
                lowest = min(replicas, lowest)
            if at > down_cutoff:
                highest = max(replicas, highest)
            if at < up_cutoff and at < down_cutoff:
                old = i
        recommendation = min(max(current, lowest), highest)
        self._record(key, desired, now, old)
        return recommendation, (UP_STABILIZED if desired >= current else DOWN_STABILIZED)

    def store_event(self, behavior: dict | None, key: str, previous: int, new: int, now: float) -> None:
        """storeScaleEvent: remember a rescale (only with behavior: the legacy rules don't look)."""
        if behavior is None:
            return
        events, rules, change = (self.up, behavior["scaleUp"], new - previous) if new > previous else \
            (self.down, behavior["scaleDown"], previous - new)
        listed = events.setdefault(key, [])
        longest = max((p["periodSeconds"] for p in rules.get("policies") or []), default=0)
        for event in listed:
            if event.at < now - longest:
                event.outdated = True
        slot = next((i for i in range(len(listed) - 1, -1, -1) if listed[i].outdated), None)
        if slot is not None:
            listed[slot] = ScaleEvent(change, now)
        else:
            listed.append(ScaleEvent(change, now))


def convert_with_rules(current: int, desired: int, minimum: int, maximum: int) -> tuple[int, tuple[str, str]]:
    """convertDesiredReplicasWithRules (no behavior): clamp to [min, min(max, max(2×current, 4))]."""
    up_limit = int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
    highest, limiting = (up_limit, UP_LIMIT) if maximum > up_limit else (maximum, TOO_MANY)
    if desired < minimum:
        return minimum, TOO_FEW
    if desired > highest:
        return highest, limiting
    return desired, WITHIN_RANGE


def _changed(period: float, events: list[ScaleEvent], now: float) -> int:
    """getReplicasChangePerPeriod: replicas changed by events newer than ``period`` seconds."""
    return sum(e.change for e in events if e.at > now - period)


def _limit(current: int, up: list, down: list, rules: dict, now: float, scale_up: bool) -> int:
    """calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors."""
    select = rules.get("selectPolicy") or "Max"
    if select == "Disabled":
        return current
    proposals = []
    for policy in rules.get("policies") or []:
        start = current - _changed(policy["periodSeconds"], up, now) + _changed(policy["periodSeconds"], down, now)
        value = policy["value"]
        if policy["type"] == "Pods":
            proposals.append(start + value if scale_up else start - value)
        elif scale_up:
            proposals.append(math.ceil(start * (1 + value / 100)))
        else:
            proposals.append(int(start * (1 - value / 100)))
    if not proposals:
        return -(2 ** 31) if (select == "Min") != scale_up else 2 ** 31 - 1
    # scaling up, Max allows the most (the highest count); scaling down, the lowest
    return (max if (select == "Min") != scale_up else min)(proposals)


def convert_with_behavior(current: int, desired: int, minimum: int, maximum: int, up_rules: dict,
                          down_rules: dict, up: list, down: list, now: float) -> tuple[int, tuple[str, str]]:
    """convertDesiredReplicasWithBehaviorRate: the policies' rate limit, then min/max."""
    if desired > current:
        limit = max(_limit(current, up, down, up_rules, now, True), current)
        highest, limiting = (limit, UP_LIMIT) if maximum > limit else (maximum, TOO_MANY)
        if desired > highest:
            return highest, limiting
    elif desired < current:
        limit = min(_limit(current, up, down, down_rules, now, False), current)
        lowest, limiting = (limit, DOWN_LIMIT) if minimum < limit else (minimum, TOO_FEW)
        if desired < lowest:
            return lowest, limiting
    return desired, WITHIN_RANGE

"""Stabilization and scaling policies (horizontal.go's normalization, HPA docs "Configurable
scaling behavior"), as pure functions over the controller's memory."""
import pytest

from kubelab.controllers.horizontal_rules import ScaleEvent, ScalingMemory, convert_with_behavior, convert_with_rules

# the documented defaults (SetDefaults_HorizontalPodAutoscalerBehavior)
UP = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
      "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100,
                                                                        "periodSeconds": 15}]}
DOWN = {"stabilizationWindowSeconds": 300, "selectPolicy": "Max",
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


@pytest.mark.parametrize("current, desired, expected", [
    (3, 20, (6, "ScaleUpLimit")),        # max(2 × 3, 4) = 6: at most double per sync...
    (1, 20, (4, "ScaleUpLimit")),        # ...but always up to 4
    (8, 20, (10, "TooManyReplicas")),    # max(16, 4) >= maxReplicas 10: the maximum limits
    (5, 0, (2, "TooFewReplicas")),
    (5, 6, (6, "DesiredWithinRange")),
])
def test_without_behavior_scale_up_is_limited_to_double_or_four(current, desired, expected):
    # convertDesiredReplicasWithRules with minReplicas 2, maxReplicas 10
    replicas, (reason, _) = convert_with_rules(current, desired, 2, 10)
    assert (replicas, reason) == expected


@pytest.mark.parametrize("current, desired, up, down, expected", [
    # defaults, scale up: max(current + 4, 2 × current)
    (1, 100, UP, DOWN, (5, "ScaleUpLimit")),
    (10, 100, UP, DOWN, (20, "ScaleUpLimit")),
    # selectPolicy Min picks the policy allowing the smallest change: min(10 + 4, 20)
    (10, 100, {**UP, "selectPolicy": "Min"}, DOWN, (14, "ScaleUpLimit")),
    # Disabled: no scaling in that direction at all
    (10, 100, {**UP, "selectPolicy": "Disabled"}, DOWN, (10, "ScaleUpLimit")),
    (10, 1, UP, {**DOWN, "selectPolicy": "Disabled"}, (10, "ScaleDownLimit")),
    # the docs' example: scale down by at most 10% per minute, or 4 Pods, whichever is more (Max)
    (80, 1, UP, {**DOWN, "policies": [{"type": "Percent", "value": 10, "periodSeconds": 60},
                                      {"type": "Pods", "value": 4, "periodSeconds": 60}]}, (72, "ScaleDownLimit")),
    (20, 1, UP, {**DOWN, "policies": [{"type": "Percent", "value": 10, "periodSeconds": 60},
                                      {"type": "Pods", "value": 4, "periodSeconds": 60}]}, (16, "ScaleDownLimit")),
    # Percent scale-down truncates: 15 × 0.5 = 7.5 -> 7
    (15, 1, UP, {**DOWN, "policies": [{"type": "Percent", "value": 50, "periodSeconds": 15}]},
     (7, "ScaleDownLimit")),
    # limits never override min/max
    (10, 100, UP, DOWN, (20, "ScaleUpLimit")),
    (18, 100, UP, DOWN, (30, "TooManyReplicas")),
    (3, 1, UP, DOWN, (2, "TooFewReplicas")),
])
def test_behavior_policies(current, desired, up, down, expected):
    # convertDesiredReplicasWithBehaviorRate with minReplicas 2, maxReplicas 30, no recent events
    replicas, (reason, _) = convert_with_behavior(current, desired, 2, 30, up, down, [], [], now=100.0)
    assert (replicas, reason) == expected


def test_changes_already_made_in_a_period_count_against_it():
    # 1 Pod per 60 s: a Pod added 30 s ago uses this minute's allowance; at 60 s it no longer counts
    up = {**UP, "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}
    added = [ScaleEvent(1, at=70.0)]
    assert convert_with_behavior(3, 10, 1, 30, up, DOWN, added, [], now=100.0)[0] == 3
    assert convert_with_behavior(3, 10, 1, 30, up, DOWN, added, [], now=130.0)[0] == 4


def test_legacy_stabilization_takes_the_highest_recommendation_of_five_minutes():
    memory = ScalingMemory()
    memory.record_initial("web", 4, now=0.0)
    assert memory.stabilize("web", 1, now=15.0) == 4
    assert memory.stabilize("web", 1, now=299.0) == 4
    assert memory.stabilize("web", 1, now=301.0) == 1        # the recommendation of 4 (at 0 s) is out


def test_behavior_stabilization_bounds_both_ways():
    # the lowest recommendation of the scale-up window and the highest of the scale-down window
    memory = ScalingMemory()
    memory.record_initial("web", 5, now=0.0)
    up, down = {"stabilizationWindowSeconds": 60}, {"stabilizationWindowSeconds": 120}
    assert memory.stabilize_with_behavior("web", 5, 9, up, down, now=30.0)[0] == 5   # 5 at 0 s still in window
    replicas, (reason, _) = memory.stabilize_with_behavior("web", 5, 9, up, down, now=70.0)
    assert (replicas, reason) == (9, "ScaleUpStabilized")                          # lowest of (9, 9) is 9
    replicas, (reason, _) = memory.stabilize_with_behavior("web", 9, 2, up, down, now=80.0)
    assert (replicas, reason) == (9, "ScaleDownStabilized")                        # highest of 9, 9, 2


def test_scale_events_are_remembered_only_with_behavior():
    memory = ScalingMemory()
    memory.store_event(None, "web", 2, 4, now=0.0)
    assert memory.up == {}
    memory.store_event({"scaleUp": UP, "scaleDown": DOWN}, "web", 2, 4, now=0.0)
    memory.store_event({"scaleUp": UP, "scaleDown": DOWN}, "web", 4, 6, now=20.0)   # the first is outdated: reused
    assert [(e.change, e.at) for e in memory.up["web"]] == [(2, 20.0)]

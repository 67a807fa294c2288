"""The ReplicaSchedulingPreference planner, against kubefed's own planner tests.

Expected values are those of kubefed pkg/controller/util/planner/planner_test.go
(TestEqual, TestEqualWithExisting, TestWithExistingAndCapacity, TestMin, TestMax,
TestWeight), all planned with the key "" -- the "hash dependent" ones included,
which pin the FNV-32 tie-break.
"""
import pytest

from kubelab.federation.planner import fnv32, plan

ABC = ["A", "B", "C"]


def rsp(clusters, total, rebalance=False):
    return {"spec": {"clusters": clusters, "totalReplicas": total, "rebalance": rebalance}}


@pytest.mark.parametrize("prefs, total, clusters, expected", [
    # TestEqual
    ({"*": {"weight": 1}}, 50, ABC, {"A": 16, "B": 17, "C": 17}),
    ({"*": {"weight": 1}}, 50, ["A", "B"], {"A": 25, "B": 25}),
    ({"*": {"weight": 1}}, 1, ["A", "B"], {"A": 0, "B": 1}),
    ({"*": {"weight": 1}}, 1, ["A", "B", "C", "D"], {"A": 0, "B": 0, "C": 0, "D": 1}),
    ({"*": {"weight": 1}}, 1, [], {}),
    # TestMin
    ({"*": {"minReplicas": 2, "weight": 0}}, 50, ABC, {"A": 2, "B": 2, "C": 2}),
    ({"*": {"minReplicas": 20, "weight": 0}}, 50, ABC, {"A": 10, "B": 20, "C": 20}),
    ({"*": {"minReplicas": 20, "weight": 0}, "A": {"minReplicas": 100, "weight": 1}}, 50, ABC,
     {"A": 50, "B": 0, "C": 0}),
    ({"*": {"minReplicas": 10, "weight": 1, "maxReplicas": 12}}, 50, ABC, {"A": 12, "B": 12, "C": 12}),
    # TestMax
    ({"*": {"weight": 1, "maxReplicas": 2}}, 50, ABC, {"A": 2, "B": 2, "C": 2}),
    ({"*": {"weight": 0, "maxReplicas": 2}}, 50, ABC, {"A": 0, "B": 0, "C": 0}),
    # TestWeight
    ({"A": {"weight": 1}, "B": {"weight": 2}}, 60, ABC, {"A": 20, "B": 40, "C": 0}),
    ({"A": {"weight": 10000}, "B": {"weight": 1}}, 50, ["B", "C"], {"B": 50, "C": 0}),
    ({"A": {"weight": 10000, "maxReplicas": 10}, "B": {"weight": 1}, "C": {"weight": 1, "maxReplicas": 10}},
     50, ABC, {"A": 10, "B": 30, "C": 10}),
    ({"A": {"weight": 10000, "maxReplicas": 10}, "B": {"weight": 1}, "C": {"weight": 1, "maxReplicas": 21},
      "D": {"weight": 1, "maxReplicas": 10}, "E": {"weight": 1}},
     91, ["A", "B", "C", "D", "E"], {"A": 10, "B": 25, "C": 21, "D": 10, "E": 25}),
])
def test_replicas_are_dealt_by_weight_within_min_and_max(prefs, total, clusters, expected):
    planned, overflow = plan(rsp(prefs, total), clusters, {}, {}, "")
    assert planned == expected and overflow == {}


@pytest.mark.parametrize("total, current, expected", [
    # TestEqualWithExisting: without rebalance, what runs stays where it runs
    (50, {"C": 30}, {"A": 10, "B": 10, "C": 30}),
    (15, {"A": 0, "B": 8}, {"A": 7, "B": 8}),
    (15, {"A": 5, "B": 8}, {"A": 7, "B": 8}),
    (50, {"A": 10}, {"A": 25, "B": 25}),
    (50, {"A": 10, "B": 70}, {"A": 0, "B": 50}),
    (1, {"A": 30}, {"A": 1, "B": 0}),
])
def test_without_rebalance_running_replicas_stay(total, current, expected):
    clusters = sorted(set(expected))
    planned, overflow = plan(rsp({"*": {"weight": 1}}, total), clusters, current, {}, "")
    assert planned == expected and overflow == {}


@pytest.mark.parametrize("rebalance, prefs, total, capacity, expected, expected_overflow", [
    # TestWithExistingAndCapacity: what does not fit a cluster's capacity goes elsewhere
    (True, {"*": {"weight": 1}}, 50, {"C": 10}, {"A": 20, "B": 20, "C": 10}, {"C": 7}),
    (True, {"A": {"weight": 1}, "B": {"weight": 2}}, 60, {"B": 10}, {"A": 50, "B": 10, "C": 0}, {"B": 30}),
    (False, {"A": {"weight": 1}, "B": {"weight": 1}}, 60, {"A": 10, "B": 10}, {"A": 10, "B": 10, "C": 0},
     {"A": 20, "B": 20}),
    (False, {"A": {"weight": 1}, "B": {"weight": 5}}, 60, {"B": 10}, {"A": 50, "B": 10, "C": 0}, {}),
])
def test_an_estimated_capacity_caps_a_cluster_and_the_rest_overflows(rebalance, prefs, total, capacity,
                                                                        expected, expected_overflow):
    planned, overflow = plan(rsp(prefs, total, rebalance), ABC, {}, capacity, "")
    assert planned == expected and overflow == expected_overflow


def test_fnv32_is_gos_fnv1_32():
    # hash/fnv New32 (FNV-1): offset basis 2166136261, prime 16777619
    assert fnv32(b"") == 2166136261
    assert fnv32(b"a") == 0x050C5D7E

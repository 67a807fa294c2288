"""kubelab.api.tolerations behaves like Toleration.ToleratesTaint and the scheduler's
TaintToleration filter.

Expected values come from staging/src/k8s.io/api/core/v1/toleration_test.go
(TestTolerationToleratesTaint, descriptions quoted), the rules in the
ToleratesTaint doc comment, pkg/scheduler/framework/plugins/tainttoleration,
and FailedScheduling events seen on real clusters.
"""
import pytest
from hypothesis import given, strategies as st

from kubelab.api.tolerations import (
    DO_NOT_SCHEDULE_EFFECTS, format_taint, tolerates, tolerates_taints, untolerated_taint,
)

SLA = "node.kubernetes.io/sla"


def toleration(key="", operator="", value="", effect=""):
    return {k: v for k, v in (("key", key), ("operator", operator), ("value", value),
                              ("effect", effect)) if v}


def taint(key, value="", effect="NoSchedule"):
    return {k: v for k, v in (("key", key), ("value", value), ("effect", effect)) if v}


@pytest.mark.parametrize("tol, tnt, expected", [
    # TestTolerationToleratesTaint
    # "same key and effect, and operator is Exists, and taint has no value"
    (toleration("foo", "Exists", effect="NoSchedule"), taint("foo"), True),
    # "same key and effect, and operator is Exists, and taint has some value"
    (toleration("foo", "Exists", effect="NoSchedule"), taint("foo", "bar"), True),
    # "toleration has empty key and operator is Exists, means match all taints"
    (toleration("", "Exists", effect="NoSchedule"), taint("foo", "bar"), True),
    # "same key, effect and value, and operator is Equal"
    (toleration("foo", "Equal", "bar", "NoSchedule"), taint("foo", "bar"), True),
    # "same key and effect, but different values, and operator is Equal"
    (toleration("foo", "Equal", "value1", "NoSchedule"), taint("foo", "value2"), False),
    # "same key and value, but different effects, and operator is Equal"
    (toleration("foo", "Equal", "bar", "NoSchedule"), taint("foo", "bar", "NoExecute"), False),
    # Gt/Lt compare the taint's value with the toleration's (TaintTolerationComparisonOperators)
    (toleration(SLA, "Gt", "950", "NoSchedule"), taint(SLA, "800"), False),
    (toleration(SLA, "Gt", "750", "NoSchedule"), taint(SLA, "950"), True),
    (toleration(SLA, "Lt", "800", "NoSchedule"), taint(SLA, "950"), False),
    (toleration(SLA, "Lt", "950", "NoSchedule"), taint(SLA, "800"), True),
    (toleration(SLA, "Gt", "950", "NoSchedule"), taint(SLA, "950"), False),
    (toleration(SLA, "Gt", "950", "NoSchedule"), taint(SLA, "high"), False),
    (toleration("test-key", "Gt", "-100", "NoSchedule"), taint("test-key", "-200"), False),
    (toleration("test-key", "Gt", "9223372036854775806", "NoSchedule"), taint("test-key", "100"), False),
    # Rule 1: an empty toleration effect matches every effect
    (toleration("foo", "Equal", "bar"), taint("foo", "bar", "NoExecute"), True),
    (toleration("foo", "Equal", "bar"), taint("foo", "bar", "PreferNoSchedule"), True),
    # The operator defaults to Equal ("empty operator means Equal")
    (toleration("dedicated", value="gpu"), taint("dedicated", "gpu"), True),
    (toleration("dedicated", value="gpu"), taint("dedicated", "cpu"), False),
    (toleration("dedicated"), taint("dedicated"), True),
    # Rule 2: Exists ignores the value, even one the toleration sets
    (toleration("foo", "Exists", "ignored"), taint("foo", "bar"), True),
    # Keys must be equal when the toleration names one
    (toleration("foo", "Exists"), taint("other", "bar"), False),
    # An empty key with Equal (which validation forbids) still compares values
    (toleration(operator="Equal"), taint("foo"), True),
    (toleration(operator="Equal"), taint("foo", "bar"), False),
    # An operator Kubernetes does not know tolerates nothing
    (toleration("foo", "Matches", "bar"), taint("foo", "bar"), False),
    # An integer that does not fit int64 is not a number to ParseInt
    (toleration(SLA, "Lt", "99999999999999999999"), taint(SLA, "1"), False),
])
def test_tolerates_follows_tolerates_taint(tol, tnt, expected):
    assert tolerates(tol, tnt) is expected


def test_the_wildcard_toleration_tolerates_the_control_plane_taint():
    # `operator: Exists` with no key and no effect is how DaemonSets run everywhere.
    control_plane = taint("node-role.kubernetes.io/control-plane")
    assert tolerates({"operator": "Exists"}, control_plane)
    assert tolerates({"operator": "Exists", "key": None, "value": None}, control_plane)


NODE_TAINTS = [
    taint("prefer", "x", "PreferNoSchedule"),
    taint("dedicated", "gpu", "NoSchedule"),
    taint("maintenance", "", "NoExecute"),
]


def test_the_first_untolerated_taint_is_reported_in_node_order():
    # FindMatchingUntoleratedTaint walks the node's taints in order.
    assert untolerated_taint([], NODE_TAINTS) == NODE_TAINTS[0]
    assert untolerated_taint([], NODE_TAINTS, DO_NOT_SCHEDULE_EFFECTS) == NODE_TAINTS[1]
    gpu = toleration("dedicated", "Equal", "gpu", "NoSchedule")
    assert untolerated_taint([gpu], NODE_TAINTS, DO_NOT_SCHEDULE_EFFECTS) == NODE_TAINTS[2]
    everything = [gpu, toleration("maintenance", "Exists")]
    assert untolerated_taint(everything, NODE_TAINTS, DO_NOT_SCHEDULE_EFFECTS) is None


def test_prefer_no_schedule_is_not_enforced_by_the_filter():
    # helper.DoNotScheduleTaintsFilterFunc keeps only NoSchedule and NoExecute taints
    assert DO_NOT_SCHEDULE_EFFECTS == ("NoSchedule", "NoExecute")
    assert tolerates_taints([], [taint("prefer", "x", "PreferNoSchedule")], DO_NOT_SCHEDULE_EFFECTS)
    assert not tolerates_taints([], [taint("prefer", "x", "PreferNoSchedule")])


def test_no_taints_or_tolerations_are_fine():
    assert tolerates_taints(None, None)
    assert tolerates_taints([], [])
    assert untolerated_taint(None, [taint("a")]) == taint("a")


@pytest.mark.parametrize("tnt, shown", [
    # The Filter's reason, fmt.Sprintf("node(s) had untolerated taint {%s: %s}", key, value);
    # real events read "1 node(s) had untolerated taint {node: node01}" and
    # "1 node(s) had untolerated taint {node-role.kubernetes.io/master: }".
    (taint("dedicated", "gpu"), "{dedicated: gpu}"),
    (taint("node", "node01"), "{node: node01}"),
    (taint("node-role.kubernetes.io/master"), "{node-role.kubernetes.io/master: }"),
])
def test_taints_are_formatted_as_the_scheduler_reports_them(tnt, shown):
    assert format_taint(tnt) == shown


keys = st.sampled_from(["", "a", "b", "dedicated"])
values = st.sampled_from(["", "x", "y", "1", "2"])
effects = st.sampled_from(["", "NoSchedule", "PreferNoSchedule", "NoExecute"])
tolerations = st.builds(toleration, keys, st.sampled_from(["", "Equal", "Exists", "Lt", "Gt"]),
                        values, effects)
taints = st.builds(taint, keys.filter(bool), values, effects.filter(bool))


@given(st.lists(tolerations), st.lists(taints),
       st.none() | st.sets(effects.filter(bool)).map(tuple))
def test_untolerated_taint_is_the_first_taint_no_toleration_tolerates(tols, tnts, wanted):
    expected = next((t for t in tnts
                     if (wanted is None or t["effect"] in wanted)
                     and not any(tolerates(tol, t) for tol in tols)), None)
    assert untolerated_taint(tols, tnts, wanted) == expected
    assert tolerates_taints(tols, tnts, wanted) is (expected is None)


@given(taints)
def test_an_exists_toleration_without_key_or_effect_tolerates_every_taint(tnt):
    assert tolerates({"operator": "Exists"}, tnt)

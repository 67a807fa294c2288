"""The HPA's replica calculator against fake metrics, as replica_calculator_test.go tests it.

Cases named after a Kubernetes test use that test's numbers (pkg/controller/podautoscaler/
replica_calculator_test.go); the others follow the documented algorithm ("Algorithm details"
in the HPA docs: missing metrics count as 100% of the request on a scale-down and 0% on a
scale-up; not-yet-ready Pods count as 0% on a scale-up).
"""
from datetime import timedelta

import pytest

from kubelab.api.meta import format_time
from kubelab.controllers.replica_calculator import CalculationError, ReplicaCalculator
from kubelab.sim import Clock

NOW = 1000.0                     # simulated seconds; Pods started at 0 are past the 5-minute init period


class FakeAPI:
    """Just enough of the API server: a clock and the PodMetrics list (``usage``: name -> millicores)."""

    def __init__(self, usage):
        self.clock, self.usage = Clock(), usage
        self.clock.seconds = NOW

    def at(self, seconds):
        return format_time(self.clock.start + timedelta(seconds=seconds))

    def list(self, resource, namespace=None, label_selector=None):
        assert resource == "pods.metrics.k8s.io"
        return {"items": [{"metadata": {"name": name, "namespace": "default"}, "timestamp": self.at(NOW - 5),
                           "window": "15s", "containers": [{"name": "app", "usage": {"cpu": f"{cpu}m"}}]}
                          for name, cpu in self.usage.items()]}


class FakePods:
    def __init__(self, pods):
        self.pods = pods

    def list(self, namespace=None, selector=None):
        return self.pods


def pod(api, name, request="1", ready=True, started=0.0, ready_since=10.0, phase="Running"):
    conditions = [] if ready is None else [{"type": "Ready", "status": str(ready),
                                            "lastTransitionTime": api.at(ready_since)}]
    return {"metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "app", "resources": {"requests": {"cpu": request}}}]},
            "status": {"phase": phase, "startTime": api.at(started), "conditions": conditions}}


def calculate(usage, target, requests=None, readiness=None, current=None, **pod_options):
    names = [f"p{i}" for i in range(len(usage))]
    api = FakeAPI({n: u for n, u in zip(names, usage) if u is not None})
    requests = requests or ["1"] * len(names)
    readiness = readiness or [True] * len(names)
    pods = [pod(api, n, r, ready, **pod_options) for n, r, ready in zip(names, requests, readiness)]
    calc = ReplicaCalculator(api, FakePods(pods))
    return calc.resource_replicas(current or len(names), target, "cpu", "default", "app=web")[:3]


@pytest.mark.parametrize("usage, target, requests, readiness, expected", [
    # TestReplicaCalcScaleUp: 1500m of 3000m = 50%, target 30%: ceil(3 × 50/30) = 5
    ([300, 500, 700], 30, None, None, (5, 50, 500)),
    # TestReplicaCalcScaleUpUnreadyLessScale: the unready Pod counts as 0% on the way up:
    # ready 60% -> with it 40%, ratio 1.33, ceil(3 × 1.33) = 4
    ([300, 500, 700], 30, None, [False, True, True], (4, 60, 600)),
    # TestReplicaCalcScaleUpUnreadyNoScale: with the unready Pods at 0% the direction flips: hold
    ([400, 500, 700], 30, None, [True, False, False], (3, 40, 400)),
    # TestReplicaCalcScaleDown: 28% of a 50% target: ceil(5 × 0.56) = 3
    ([100, 300, 500, 250, 250], 50, None, None, (3, 28, 280)),
    # TestReplicaCalcScaleDownIncludeUnreadyPods: unready Pods are ignored on the way down: ceil(3 × 0.6) = 2
    ([100, 300, 500, 250, 250], 50, None, [True, True, True, False, False], (2, 30, 300)),
    # TestReplicaCalcTolerance: 102% of a 100% target is within the 0.1 tolerance
    ([1010, 1030, 1020], 100, ["900m", "1", "1100m"], None, (3, 102, 1020)),
    # a missing Pod counts as using its whole request on a scale-down: (3 × 40 + 100)/400 = 55%, ratio 1.1: hold
    ([40, 40, 40, None], 50, ["100m"] * 4, None, (4, 40, 40)),
    # without it the ratio 0.8 would give ceil(3 × 0.8) = 3
    ([40, 40, 40], 50, ["100m"] * 3, None, (3, 40, 40)),
    # a missing Pod counts as idle on a scale-up: (3 × 90)/400 = 67%, ratio 1.35: ceil(4 × 1.35) = 6
    ([90, 90, 90, None], 50, ["100m"] * 4, None, (6, 90, 90)),
    # utilization is whole percent, truncated (299m of 300m is 99%), and a ratio of exactly 99/90 = 1.1 is
    # outside the tolerance in float64 (|1 - 1.1| = 0.10000000000000009): ceil(3 × 1.1) = 4
    ([100, 100, 99], 90, ["100m"] * 3, None, (4, 99, 99)),
])
def test_replica_counts(usage, target, requests, readiness, expected):
    assert calculate(usage, target, requests, readiness) == expected


@pytest.mark.parametrize("started, ready, ready_since, counted", [
    (900.0, True, 905.0, True),      # initializing, ready since 905: the sample (995, 15 s window) came after
    (900.0, True, 985.0, False),     # initializing, ready only since 985: the sample's window began before
    (900.0, False, 905.0, False),    # initializing and not ready
    (0.0, False, 10.0, False),       # past the init period, unready, and never ready (within 30 s of start)
    (0.0, False, 600.0, True),       # past the init period, unready but it was ready once: counted
])
def test_cpu_samples_of_starting_or_unready_pods(started, ready, ready_since, counted):
    # groupPods with --horizontal-pod-autoscaler-cpu-initialization-period=5m and
    # --horizontal-pod-autoscaler-initial-readiness-delay=30s; the second Pod is the one under test.
    # A scale-up (200% of target) whose size depends on whether the Pod's 100m counts:
    # counted: 300m of 200m = 150%, ratio 3 -> 6; not counted: 200m of 100m, rebalanced with 0 -> 4
    api = FakeAPI({"p0": 200, "p1": 100})
    pods = [pod(api, "p0", "100m"), pod(api, "p1", "100m", ready, started=started, ready_since=ready_since)]
    replicas = ReplicaCalculator(api, FakePods(pods)).resource_replicas(2, 50, "cpu", "default", "app=web")[0]
    assert replicas == (6 if counted else 4)


@pytest.mark.parametrize("usage, pods, message", [
    ({}, 1, "unable to get metrics for resource cpu: no metrics returned from resource metrics API"),
    ({"p0": 10}, 0, "no pods returned by selector while calculating replica count"),
])
def test_calculation_errors(usage, pods, message):
    api = FakeAPI(usage)
    calc = ReplicaCalculator(api, FakePods([pod(api, f"p{i}") for i in range(pods)]))
    with pytest.raises(CalculationError, match=message):
        calc.resource_replicas(1, 50, "cpu", "default", "app=web")


def test_a_pod_without_a_request_cannot_be_measured_in_percent():
    api = FakeAPI({"p0": 10})
    bare = pod(api, "p0")
    bare["spec"]["containers"][0]["resources"] = {}
    with pytest.raises(CalculationError, match="missing request for cpu in container app of Pod p0"):
        ReplicaCalculator(api, FakePods([bare])).resource_replicas(1, 50, "cpu", "default", "app=web")


def test_only_unready_pods_give_no_metrics_to_use():
    api = FakeAPI({"p0": 10})
    calc = ReplicaCalculator(api, FakePods([pod(api, "p0", ready=False)]))
    with pytest.raises(CalculationError, match=r"did not receive metrics for targeted pods \(pods might be unready\)"):
        calc.resource_replicas(1, 50, "cpu", "default", "app=web")


@pytest.mark.parametrize("usage, target, expected", [
    ([300, 500, 700], 250, (6, 500)),       # average 500m of a 250m AverageValue target: ceil(3 × 2) = 6
    ([240, 260, 250], 250, (3, 250)),       # on target
])
def test_average_value_targets(usage, target, expected):
    api = FakeAPI({f"p{i}": u for i, u in enumerate(usage)})
    calc = ReplicaCalculator(api, FakePods([pod(api, f"p{i}") for i in range(len(usage))]))
    assert calc.raw_resource_replicas(len(usage), target, "cpu", "default", "app=web")[:2] == expected

"""The HorizontalPodAutoscaler end to end: load -> metrics-server -> HPA -> Deployment.

Expected behaviour from the Kubernetes docs ("Horizontal Pod Autoscaling", algorithm
details) and pkg/controller/podautoscaler/horizontal.go (v1.32). The load generator's
cpu_per_request of 1m makes ``rps`` the web Pods' total CPU in millicores.
"""
import pytest

import kubelab as kl
from kubelab.metrics import LoadGenerator, constant

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %(replicas)d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx
        resources: {requests: {cpu: 100m}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""

HPA = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
       "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1, "maxReplicas": 10,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                    "type": "Utilization", "averageUtilization": 50}}}]}}


def web(replicas=2, rps=0.0, **spec):
    """A cluster with the web Deployment and its Service under ``rps`` millicores of load
    spread over the Pods for a minute (so every metrics window is full), then an HPA
    (50% of requested CPU; ``spec`` overrides)."""
    c = kl.Cluster(nodes=3)
    c.apply(WEB % {"replicas": replicas})
    c.run(15)
    c.load = LoadGenerator(c, "web", rps=rps, cpu_per_request="1m").start()
    c.run(45)
    c.apply({**HPA, "spec": {**HPA["spec"], **spec}})
    return c


def replicas(c) -> int:
    return c.get("deployment", "web")["spec"]["replicas"]


def condition(c, kind: str) -> tuple[str, str]:
    found = next(x for x in c.get("hpa", "web")["status"]["conditions"] if x["type"] == kind)
    return found["status"], found["reason"]


def rescales(c) -> list[str]:
    return [e["message"] for e in c.events() if e["reason"] == "SuccessfulRescale"]


def test_an_hpa_at_twice_its_target_doubles_the_deployment():
    # desiredReplicas = ceil(2 × 100% / 50%) = 4, at the first sync (15 s after the HPA's creation)
    c = web(replicas=2, rps=200)
    c.run(15)
    assert replicas(c) == 4
    assert rescales(c) == ["New size: 4; reason: cpu resource utilization (percentage of request) above target"]


def test_after_the_transient_the_doubled_count_holds_at_the_target():
    # Right after the rescale the old Pods' 15 s windows still hold their earlier load, so the next
    # syncs may ask for one more Pod; the scale-down stabilization then brings it back to 4, where
    # every Pod is at 50% of its request and nothing changes any more.
    c = web(replicas=2, rps=200)
    c.run(600)
    assert replicas(c) == 4
    status = c.get("hpa", "web")["status"]
    assert (status["currentReplicas"], status["desiredReplicas"]) == (4, 4)
    assert status["currentMetrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageUtilization": 50, "averageValue": "50m"}}}]
    assert condition(c, "ScalingActive") == ("True", "ValidMetricFound")


@pytest.mark.parametrize("rps, expected", [
    (108, 2),     # 54% of requests, ratio 1.08: within the 0.1 tolerance, no change
    (112, 3),     # 56%, ratio 1.12: ceil(2 × 1.12) = 3
    (180, 4),     # 90%, ratio 1.8: ceil(3.6) = 4
])
def test_within_the_tolerance_the_hpa_holds(rps, expected):
    c = web(replicas=2, rps=rps)
    c.run(60)
    assert replicas(c) == expected


def test_scale_down_waits_for_the_stabilization_window():
    # without spec.behavior: the highest recommendation of the last 300 s
    # (--horizontal-pod-autoscaler-downscale-stabilization), then straight to the count wanted
    c = web(replicas=2, rps=200)
    c.run(600)                      # settled at 4 (see above)
    assert replicas(c) == 4
    c.load.schedule = constant(0)
    c.run(290)
    assert replicas(c) == 4
    assert condition(c, "AbleToScale") == ("True", "ScaleDownStabilized")
    c.run(60)
    assert replicas(c) == 1
    assert rescales(c)[-1] == "New size: 1; reason: All metrics below target"
    assert condition(c, "ScalingLimited") == ("True", "TooFewReplicas")     # it wanted 0, minReplicas is 1


def test_a_pods_policy_limits_the_scale_up_rate():
    # behavior.scaleUp: at most 1 Pod per 60 s, counting the changes made in the last period
    c = web(replicas=1, rps=1000, maxReplicas=6,
            behavior={"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}})
    changes, last = [], replicas(c)
    for _ in range(40):
        c.run(15)
        if replicas(c) != last:
            last = replicas(c)
            changes.append((c.clock.seconds, last))
    assert [n for _, n in changes] == [2, 3, 4, 5, 6]
    assert all(b[0] - a[0] >= 60 for a, b in zip(changes, changes[1:]))
    assert condition(c, "ScalingLimited") == ("True", "TooManyReplicas")


def test_the_default_behavior_adds_4_pods_or_100_percent_per_15_seconds():
    # behavior given without policies gets the defaults: scale up by max(4 Pods, 100%) per 15 s
    c = web(replicas=1, rps=3000, maxReplicas=30, behavior={"scaleUp": {"stabilizationWindowSeconds": 0}})
    seen = [replicas(c)]
    for _ in range(6):
        c.run(15)
        if seen[-1] != replicas(c):
            seen.append(replicas(c))
    assert seen[:3] == [1, 5, 10]


def test_a_disabled_scale_down_never_removes_pods():
    c = web(replicas=2, rps=200, behavior={"scaleDown": {"selectPolicy": "Disabled"}})
    c.run(200)
    scaled = replicas(c)
    c.load.schedule = constant(0)
    c.run(600)
    assert replicas(c) == scaled >= 4
    assert condition(c, "ScalingLimited") == ("True", "ScaleDownLimit")


def test_max_replicas_clamps_and_is_reported():
    c = web(replicas=2, rps=800, maxReplicas=3)
    c.run(60)
    assert replicas(c) == 3
    assert condition(c, "ScalingLimited") == ("True", "TooManyReplicas")
    hpa = c.kubectl("get hpa web --no-headers").split()
    # 800m over 3 Pods: 266666666n each, which MilliValue rounds up to 267m
    assert hpa[2:6] == ["cpu:", "267%/50%", "1", "3"]


@pytest.mark.parametrize("manual, expected, reason", [
    (10, 3, "Current number of replicas above Spec.MaxReplicas"),
    (1, 2, "Current number of replicas below Spec.MinReplicas"),
])
def test_a_target_outside_min_and_max_is_brought_back(manual, expected, reason):
    c = web(replicas=2, rps=100, minReplicas=2, maxReplicas=3)
    c.kubectl(f"scale deployment web --replicas={manual}")
    c.run(30)
    assert replicas(c) == expected
    assert rescales(c)[-1] == f"New size: {expected}; reason: {reason}"


def test_without_metrics_the_hpa_stops_scaling_and_says_why():
    c = web(replicas=2, rps=200)
    c.stop("metrics-server")
    c.run(60)
    assert replicas(c) == 2
    error = ("failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from "
             "resource metrics API: the server is currently unable to handle the request (get pods.metrics.k8s.io)")
    found = next(x for x in c.get("hpa", "web")["status"]["conditions"] if x["type"] == "ScalingActive")
    assert (found["status"], found["reason"]) == ("False", "FailedGetResourceMetric")
    assert found["message"] == f"the HPA was unable to compute the replica count: {error}"
    warnings = {e["reason"]: e["message"] for e in c.events() if e["type"] == "Warning"}
    assert warnings["FailedComputeMetricsReplicas"] == (
        f"invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: {error}")
    assert c.kubectl("get hpa web --no-headers").split()[2:4] == ["cpu:", "<unknown>/50%"]


def test_the_first_sync_comes_one_period_after_creation():
    c = kl.Cluster(nodes=1)
    c.apply(WEB % {"replicas": 1})
    c.apply(HPA)
    c.run(14)
    assert not c.get("hpa", "web").get("status", {}).get("conditions")
    c.run(1)
    assert condition(c, "ScalingActive") == ("True", "ValidMetricFound")


def test_a_missing_target_cannot_be_scaled():
    c = kl.Cluster(nodes=1)
    c.apply({**HPA, "spec": {**HPA["spec"], "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                                               "name": "nope"}}})
    c.run(15)
    found = c.get("hpa", "web")["status"]["conditions"][0]
    assert (found["type"], found["status"], found["reason"]) == ("AbleToScale", "False", "FailedGetScale")
    assert found["message"] == ('the HPA controller was unable to get the target\'s current scale: '
                                'deployments.apps "nope" not found')


def test_a_target_at_zero_replicas_is_not_scaled():
    c = web(replicas=0)
    c.run(30)
    assert condition(c, "ScalingActive") == ("False", "ScalingDisabled")


def test_two_hpas_over_the_same_pods_both_stop():
    c = web(replicas=2, rps=200)
    c.apply({**HPA, "metadata": {"name": "web-2"}})
    c.run(45)
    found = next(x for x in c.get("hpa", "web-2")["status"]["conditions"] if x["type"] == "ScalingActive")
    assert (found["reason"], found["message"]) == (
        "AmbiguousSelector", "pods by selector app=web are controlled by multiple HPAs: [default/web default/web-2]")


def test_custom_metrics_fail_without_a_metrics_adapter():
    c = web(replicas=2, metrics=[{"type": "Pods", "pods": {"metric": {"name": "requests_per_second"},
                                                            "target": {"type": "AverageValue", "averageValue": "10"}}}])
    c.run(30)
    found = next(x for x in c.get("hpa", "web")["status"]["conditions"] if x["type"] == "ScalingActive")
    assert found["reason"] == "FailedGetPodsMetric"
    assert found["message"].endswith("unable to get metric requests_per_second: unable to fetch metrics from custom "
                                     "metrics API: no custom metrics API (custom.metrics.k8s.io) registered")


def test_a_restarted_controller_manager_keeps_scaling():
    c = web(replicas=2, rps=200)
    c.stop("kube-controller-manager")
    c.run(60)
    assert replicas(c) == 2
    c.start("kube-controller-manager")
    c.run(60)
    assert rescales(c)[0].startswith("New size: 4;") and replicas(c) >= 4

"""HorizontalPodAutoscaler autoscaling/v1 <-> autoscaling/v2 conversion behaves as
kubernetes pkg/apis/autoscaling/v1/conversion.go (v1.32) converts through the internal type.

Where the expected values come from: the conversion functions
Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler and
Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler, the annotation
names in pkg/apis/autoscaling/annotations.go, and Go's encoding/json for the annotation text
(struct field order, omitempty, non-pointer Quantities written as "0").
"""
import json

import pytest

from kubelab.api.conversion import convert, to_hub
from kubelab.api.conversion_autoscaling import BEHAVIOR, CONDITIONS, CURRENT_METRICS, METRICS
from kubelab.api.kinds import REGISTRY

REF = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
CPU_60 = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}
MEMORY = {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "0.5Gi"}}}


def v2(spec=None, status=None, annotations=None) -> dict:
    meta = {"name": "web", "namespace": "default"}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta,
            "spec": {"scaleTargetRef": REF, "minReplicas": 2, "maxReplicas": 10, **(spec or {})},
            "status": status or {"desiredReplicas": 0}}


def test_the_cpu_utilization_metric_is_v1s_target_percentage():
    # Convert_autoscaling_HorizontalPodAutoscalerSpec_To_v1_HorizontalPodAutoscalerSpec
    out = convert(v2({"metrics": [CPU_60]}), "autoscaling/v1")
    assert out["apiVersion"] == "autoscaling/v1"
    assert out["spec"] == {"scaleTargetRef": REF, "minReplicas": 2, "maxReplicas": 10,
                           "targetCPUUtilizationPercentage": 60}
    assert "annotations" not in out["metadata"]
    # v1's status always has currentReplicas and desiredReplicas (no omitempty)
    assert out["status"] == {"currentReplicas": 0, "desiredReplicas": 0}


def test_other_metrics_travel_in_the_metrics_annotation_as_v1_metric_specs():
    out = convert(v2({"metrics": [MEMORY, CPU_60]}), "autoscaling/v1")
    assert out["spec"]["targetCPUUtilizationPercentage"] == 60
    # a v1 ResourceMetricSource: name, targetAverageUtilization, targetAverageValue (the
    # Quantity in canonical form, as resource.Quantity marshals it)
    assert out["metadata"]["annotations"] == {
        METRICS: '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"512Mi"}}]'}


def test_current_metrics_behavior_and_conditions_travel_in_annotations():
    status = {"currentReplicas": 2, "desiredReplicas": 3, "lastScaleTime": "2025-01-01T00:01:00Z",
              "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
                  "averageUtilization": 90, "averageValue": "90m"}}}],
              "conditions": [{"type": "AbleToScale", "status": "True", "lastTransitionTime": "2025-01-01T00:00:15Z",
                              "reason": "SucceededRescale", "message": "size < 4 & > 1"}]}
    behavior = {"scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                              "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}
    out = convert(v2({"metrics": [CPU_60], "behavior": behavior}, status), "autoscaling/v1")
    assert out["status"] == {"lastScaleTime": "2025-01-01T00:01:00Z", "currentReplicas": 2, "desiredReplicas": 3,
                             "currentCPUUtilizationPercentage": 90}
    annotations = out["metadata"]["annotations"]
    # every current metric, even the CPU one ("we need to save the status even if it maps to
    # a CPU utilization status in order to save the raw value as well")
    assert annotations[CURRENT_METRICS] == ('[{"type":"Resource","resource":{"name":"cpu",'
                                            '"currentAverageUtilization":90,"currentAverageValue":"90m"}}]')
    # the internal type has no json tags: Go field names, nil pointers as null
    assert annotations[BEHAVIOR] == ('{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":60,'
                                     '"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":60}]}}')
    # encoding/json escapes < > & as \u003c \u003e \u0026
    assert annotations[CONDITIONS] == ('[{"type":"AbleToScale","status":"True","lastTransitionTime":'
                                       '"2025-01-01T00:00:15Z","reason":"SucceededRescale",'
                                       '"message":"size \\u003c 4 \\u0026 \\u003e 1"}]')


def test_v1_without_a_target_gets_cpu_at_80_percent():
    # "autoscaling/v1 formerly had an implicit default applied in the controller"
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
          "spec": {"scaleTargetRef": REF, "maxReplicas": 3}}
    assert convert(v1, "autoscaling/v2")["spec"]["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]


def test_a_v1_object_read_and_written_back_loses_nothing():
    behavior = {"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}}
    status = {"currentReplicas": 2, "desiredReplicas": 2,
              "currentMetrics": [{"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "100Mi"}}}],
              "conditions": [{"type": "ScalingActive", "status": "True", "lastTransitionTime": "2025-01-01T00:00:15Z",
                              "reason": "ValidMetricFound", "message": "ok"}]}
    original = v2({"metrics": [{**MEMORY, "resource": {"name": "memory", "target": {
        "type": "AverageValue", "averageValue": "512Mi"}}}, CPU_60], "behavior": behavior}, status,
        annotations={"team": "web"})
    back = convert(convert(original, "autoscaling/v1"), "autoscaling/v2")
    assert back == original
    assert back["metadata"]["annotations"] == {"team": "web"}      # round-trip annotations are dropped


@pytest.mark.parametrize("v1_metric, v2_metric", [
    # Convert_v1_PodsMetricSource_To_autoscaling_PodsMetricSource: always AverageValue
    ({"type": "Pods", "pods": {"metricName": "qps", "targetAverageValue": "10"}},
     {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}}),
    # Convert_v1_ExternalMetricSource_To_autoscaling_ExternalMetricSource: Value when targetValue is set
    ({"type": "External", "external": {"metricName": "queue", "targetValue": "30"}},
     {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "30"}}}),
    # Convert_v1_ObjectMetricSource_To_autoscaling_ObjectMetricSource: Value: &in.TargetValue
    ({"type": "Object", "object": {"target": {"kind": "Service", "name": "db"}, "metricName": "rps",
                                   "targetValue": "5"}},
     {"type": "Object", "object": {"describedObject": {"kind": "Service", "name": "db"}, "metric": {"name": "rps"},
                                   "target": {"type": "Value", "value": "5"}}}),
])
def test_metrics_of_the_annotation_convert_source_by_source(v1_metric, v2_metric):
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
          "metadata": {"name": "web", "annotations": {METRICS: json.dumps([v1_metric])}},
          "spec": {"scaleTargetRef": REF, "maxReplicas": 3, "targetCPUUtilizationPercentage": 50}}
    out = convert(v1, "autoscaling/v2")
    # "the normal Spec conversion could have populated out.Spec.Metrics with a single
    # element": the annotation's metrics come first, the CPU target last
    assert out["spec"]["metrics"] == [v2_metric, {"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]
    assert "annotations" not in out["metadata"]
    assert json.loads(convert(out, "autoscaling/v1")["metadata"]["annotations"][METRICS]) == [v1_metric]


def test_kinds_served_in_one_version_pass_through_unchanged():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    assert convert(pod, "v1") is pod and to_hub(pod) is pod


def test_to_hub_reads_an_alternate_version_as_the_stored_one():
    v1 = convert(v2({"metrics": [CPU_60]}), "autoscaling/v1")
    assert to_hub(v1)["apiVersion"] == "autoscaling/v2"


def test_the_registry_serves_hpas_as_v2_then_v1_and_stores_v2():
    # kube-apiserver v1.32: autoscaling/v2 is the preferred and storage version; v1 is served too
    served = [t for t in REGISTRY.served() if t.kind == "HorizontalPodAutoscaler"]
    assert [t.api_version for t in served] == ["autoscaling/v2", "autoscaling/v1"]
    assert [t.api_version for t in REGISTRY if t.kind == "HorizontalPodAutoscaler"] == ["autoscaling/v2"]
    assert REGISTRY.storage_of(served[1]) is served[0]
    assert served[1].key("web", "default") == served[0].key("web", "default")


@pytest.mark.parametrize("name, version", [
    ("hpa", "v2"), ("horizontalpodautoscalers.autoscaling", "v2"),
    ("horizontalpodautoscalers.v1.autoscaling", "v1"), ("horizontalpodautoscaler.v1.autoscaling", "v1"),
    # kubectl's shortcut expander drops the version when it expands a short name, so
    # kubectl v1.32 asks /apis/autoscaling/v2 for "hpa.v1.autoscaling" (seen with -v=6)
    ("hpa.v1.autoscaling", "v2"),
])
def test_names_resolve_as_kubectl_resolves_them(name, version):
    assert REGISTRY.resolve(name).version == version

"""HorizontalPodAutoscaler autoscaling/v1 <-> autoscaling/v2 (kubernetes
pkg/apis/autoscaling/v1/conversion.go, v1.32).

autoscaling/v1 knows one metric, ``spec.targetCPUUtilizationPercentage``, and reports
``status.currentCPUUtilizationPercentage``. Everything else v2 has travels in annotations
so that a v1 client reading an HPA and writing it back loses nothing:

* ``autoscaling.alpha.kubernetes.io/metrics``: the metrics other than CPU utilization, as
  v1 MetricSpecs (JSON);
* ``autoscaling.alpha.kubernetes.io/current-metrics``: every current metric, as v1 MetricStatuses;
* ``autoscaling.alpha.kubernetes.io/behavior``: ``spec.behavior``, as Go marshals the internal
  type (no json tags: ``{"ScaleUp":{"StabilizationWindowSeconds":0,...}}``);
* ``autoscaling.alpha.kubernetes.io/conditions``: the status conditions.

Going back, the annotations become fields again and are dropped; an HPA with no metric at
all gets CPU at 80% (the v1 controller's old implicit default). The JSON in the
annotations is written as Go's encoding/json writes it: compact, fields in struct order,
``<``, ``>`` and ``&`` escaped.
"""
from __future__ import annotations

import copy
import json

from .quantity import QuantityError, parse_quantity

__all__ = ["hpa_v1_to_v2", "hpa_v2_to_v1", "METRICS", "CURRENT_METRICS", "BEHAVIOR", "CONDITIONS"]

METRICS = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
_ROUND_TRIP = (METRICS, BEHAVIOR, CURRENT_METRICS, CONDITIONS)
DEFAULT_CPU_UTILIZATION = 80
_SOURCES = ("object", "pods", "resource", "containerResource", "external")   # MetricSpec's field order


# -- Go's encoding/json --------------------------------------------------------------------

def _go_json(value) -> str:
    """json.Marshal: compact, with Go's HTML-safe escapes."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _qty(value, zero: bool = False):
    """A resource.Quantity as Go marshals it (canonical form); ``zero``: a non-pointer
    Quantity, written "0" when unset."""
    if value is None:
        return "0" if zero else None
    try:
        return str(parse_quantity(value))
    except (QuantityError, TypeError, ValueError):
        return value


def _pick(pairs) -> dict:
    """A struct's fields in order, leaving out the omitempty ones that are unset."""
    return {k: v for k, v in pairs if v is not None}


def _ref(ref: dict | None) -> dict:
    """CrossVersionObjectReference (kind, name, apiVersion omitempty)."""
    ref = ref or {}
    return _pick([("kind", ref.get("kind", "")), ("name", ref.get("name", "")), ("apiVersion", ref.get("apiVersion"))])


def _identifier(name, selector) -> dict:
    return _pick([("name", name or ""), ("selector", selector)])


# -- metrics: v2 -> v1 ---------------------------------------------------------------------

def _spec_to_v1(m: dict) -> dict:
    """Convert_autoscaling_MetricSpec_To_v1_MetricSpec."""
    out = {"type": m.get("type", "")}
    for field in _SOURCES:
        src = m.get(field)
        if not isinstance(src, dict):
            continue
        target, metric = src.get("target") or {}, src.get("metric") or {}
        if field == "object":
            out[field] = _pick([("target", _ref(src.get("describedObject"))), ("metricName", metric.get("name", "")),
                                ("targetValue", _qty(target.get("value"), True)), ("selector", metric.get("selector")),
                                ("averageValue", _qty(target.get("averageValue")))])
        elif field == "pods":
            out[field] = _pick([("metricName", metric.get("name", "")),
                                ("targetAverageValue", _qty(target.get("averageValue"), True)),
                                ("selector", metric.get("selector"))])
        elif field == "external":
            out[field] = _pick([("metricName", metric.get("name", "")), ("metricSelector", metric.get("selector")),
                                ("targetValue", _qty(target.get("value"))),
                                ("targetAverageValue", _qty(target.get("averageValue")))])
        else:                   # resource, containerResource
            out[field] = _pick([("name", src.get("name", "")),
                                ("targetAverageUtilization", target.get("averageUtilization")),
                                ("targetAverageValue", _qty(target.get("averageValue"))),
                                ("container", src.get("container", "") if field == "containerResource" else None)])
    return out


def _status_to_v1(m: dict) -> dict:
    """Convert_autoscaling_MetricStatus_To_v1_MetricStatus."""
    out = {"type": m.get("type", "")}
    for field in _SOURCES:
        src = m.get(field)
        if not isinstance(src, dict):
            continue
        current, metric = src.get("current") or {}, src.get("metric") or {}
        if field == "object":
            out[field] = _pick([("target", _ref(src.get("describedObject"))), ("metricName", metric.get("name", "")),
                                ("currentValue", _qty(current.get("value"), True)),
                                ("selector", metric.get("selector")), ("averageValue", _qty(current.get("averageValue")))])
        elif field == "pods":
            out[field] = _pick([("metricName", metric.get("name", "")),
                                ("currentAverageValue", _qty(current.get("averageValue"), True)),
                                ("selector", metric.get("selector"))])
        elif field == "external":
            out[field] = _pick([("metricName", metric.get("name", "")), ("metricSelector", metric.get("selector")),
                                ("currentValue", _qty(current.get("value"), True)),
                                ("currentAverageValue", _qty(current.get("averageValue")))])
        else:
            out[field] = _pick([("name", src.get("name", "")),
                                ("currentAverageUtilization", current.get("averageUtilization")),
                                ("currentAverageValue", _qty(current.get("averageValue"), True)),
                                ("container", src.get("container", "") if field == "containerResource" else None)])
    return out


def _condition_to_v1(c: dict) -> dict:
    """HorizontalPodAutoscalerCondition (lastTransitionTime is a struct: written even when unset)."""
    return {"type": c.get("type", ""), "status": c.get("status", ""),
            "lastTransitionTime": c.get("lastTransitionTime"),
            **_pick([("reason", c.get("reason") or None), ("message", c.get("message") or None)])}


def _behavior_to_internal(behavior: dict) -> dict:
    """json.Marshal of the internal HorizontalPodAutoscalerBehavior: Go field names, nil as null."""
    def rules(r):
        if not isinstance(r, dict):
            return None
        policies = r.get("policies")
        return {"StabilizationWindowSeconds": r.get("stabilizationWindowSeconds"),
                "SelectPolicy": r.get("selectPolicy"),
                "Policies": None if policies is None else [
                    {"Type": p.get("type", ""), "Value": p.get("value", 0), "PeriodSeconds": p.get("periodSeconds", 0)}
                    for p in policies]}
    return {"ScaleUp": rules(behavior.get("scaleUp")), "ScaleDown": rules(behavior.get("scaleDown"))}


# -- metrics: v1 -> v2 ---------------------------------------------------------------------

def _spec_to_v2(m: dict) -> dict:
    """Convert_v1_MetricSpec_To_autoscaling_MetricSpec."""
    out = {"type": m.get("type", "")}
    for field in _SOURCES:
        src = m.get(field)
        if not isinstance(src, dict):
            continue
        if field == "object":
            average = src.get("averageValue")
            out[field] = {"describedObject": _ref(src.get("target")),
                          "metric": _identifier(src.get("metricName"), src.get("selector")),
                          "target": _pick([("type", "Value" if average is None else "AverageValue"),
                                           ("value", src.get("targetValue", "0")), ("averageValue", average)])}
        elif field == "pods":
            out[field] = {"metric": _identifier(src.get("metricName"), src.get("selector")),
                          "target": {"type": "AverageValue", "averageValue": src.get("targetAverageValue", "0")}}
        elif field == "external":
            value = src.get("targetValue")
            out[field] = {"metric": _identifier(src.get("metricName"), src.get("metricSelector")),
                          "target": _pick([("type", "AverageValue" if value is None else "Value"), ("value", value),
                                           ("averageValue", src.get("targetAverageValue"))])}
        else:
            utilization = src.get("targetAverageUtilization")
            out[field] = _pick([("name", src.get("name", "")),
                                ("container", src.get("container", "") if field == "containerResource" else None),
                                ("target", _pick([("type", "AverageValue" if utilization is None else "Utilization"),
                                                  ("averageUtilization", utilization),
                                                  ("averageValue", src.get("targetAverageValue"))]))])
    return out


def _status_to_v2(m: dict) -> dict:
    """Convert_v1_MetricStatus_To_autoscaling_MetricStatus."""
    out = {"type": m.get("type", "")}
    for field in _SOURCES:
        src = m.get(field)
        if not isinstance(src, dict):
            continue
        if field == "object":
            out[field] = {"describedObject": _ref(src.get("target")),
                          "metric": _identifier(src.get("metricName"), src.get("selector")),
                          "current": _pick([("value", src.get("currentValue", "0")),
                                            ("averageValue", src.get("averageValue"))])}
        elif field == "pods":
            out[field] = {"metric": _identifier(src.get("metricName"), src.get("selector")),
                          "current": {"averageValue": src.get("currentAverageValue", "0")}}
        elif field == "external":
            out[field] = {"metric": _identifier(src.get("metricName"), src.get("metricSelector")),
                          "current": _pick([("value", src.get("currentValue", "0")),
                                            ("averageValue", src.get("currentAverageValue"))])}
        else:
            out[field] = _pick([("name", src.get("name", "")),
                                ("container", src.get("container", "") if field == "containerResource" else None),
                                ("current", _pick([("averageValue", src.get("currentAverageValue", "0")),
                                                   ("averageUtilization", src.get("currentAverageUtilization"))]))])
    return out


def _behavior_from_internal(text: str) -> dict | None:
    """json.Unmarshal into the internal type (field names match case-insensitively); None
    when it does not decode or decodes to the zero behavior."""
    try:
        raw = json.loads(text)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None

    def field(obj: dict, name: str):
        for key, value in obj.items():
            if key.lower() == name.lower():
                return value
        return None

    behavior = {}
    for go_name, name in (("ScaleUp", "scaleUp"), ("ScaleDown", "scaleDown")):
        rules = field(raw, go_name)
        if not isinstance(rules, dict):
            continue
        out = _pick([("stabilizationWindowSeconds", field(rules, "StabilizationWindowSeconds")),
                     ("selectPolicy", field(rules, "SelectPolicy"))])
        policies = field(rules, "Policies")
        if isinstance(policies, list):
            out["policies"] = [{"type": field(p, "Type") or "", "value": field(p, "Value") or 0,
                                "periodSeconds": field(p, "PeriodSeconds") or 0}
                               for p in policies if isinstance(p, dict)]
        behavior[name] = out
    return behavior or None


def _json_list(annotations: dict, key: str) -> list | None:
    try:
        value = json.loads(annotations[key])
    except (KeyError, TypeError, ValueError):
        return None
    return value if isinstance(value, list) else None


# -- whole objects -------------------------------------------------------------------------

def _is_cpu_utilization(metric: dict) -> bool:
    resource = metric.get("resource") or {}
    return (metric.get("type") == "Resource" and resource.get("name") == "cpu"
            and (resource.get("target") or {}).get("averageUtilization") is not None)


def _metadata_without_round_trip(obj: dict) -> dict:
    """DropRoundTripHorizontalPodAutoscalerAnnotations on a copy of the metadata."""
    meta = copy.deepcopy(obj.get("metadata") or {})
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in _ROUND_TRIP}
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    return meta


def hpa_v2_to_v1(hpa: dict) -> dict:
    """Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler."""
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    metrics, current = spec.get("metrics") or [], status.get("currentMetrics") or []
    v1_spec = _pick([("scaleTargetRef", _ref(spec.get("scaleTargetRef"))), ("minReplicas", spec.get("minReplicas")),
                     ("maxReplicas", spec.get("maxReplicas", 0))])
    for metric in metrics:          # the first CPU resource metric, if it targets a utilization
        if metric.get("type") == "Resource" and (metric.get("resource") or {}).get("name") == "cpu":
            utilization = ((metric["resource"].get("target")) or {}).get("averageUtilization")
            if utilization is not None:
                v1_spec["targetCPUUtilizationPercentage"] = utilization
            break
    v1_status = _pick([("observedGeneration", status.get("observedGeneration")),
                       ("lastScaleTime", status.get("lastScaleTime")),
                       ("currentReplicas", status.get("currentReplicas", 0)),
                       ("desiredReplicas", status.get("desiredReplicas", 0))])
    for metric in current:          # the last CPU resource status with a utilization
        if metric.get("type") == "Resource" and (metric.get("resource") or {}).get("name") == "cpu":
            utilization = (metric["resource"].get("current") or {}).get("averageUtilization")
            if utilization is not None:
                v1_status["currentCPUUtilizationPercentage"] = utilization
    meta = _metadata_without_round_trip(hpa)
    annotations = dict(meta.get("annotations") or {})
    others = [_spec_to_v1(m) for m in metrics if not _is_cpu_utilization(m)]
    if others:
        annotations[METRICS] = _go_json(others)
    if current:
        annotations[CURRENT_METRICS] = _go_json([_status_to_v1(m) for m in current])
    if spec.get("behavior") is not None:
        annotations[BEHAVIOR] = _go_json(_behavior_to_internal(spec["behavior"]))
    if status.get("conditions"):
        annotations[CONDITIONS] = _go_json([_condition_to_v1(c) for c in status["conditions"]])
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "autoscaling/v1", "kind": hpa.get("kind", "HorizontalPodAutoscaler"), "metadata": meta,
            "spec": v1_spec, "status": v1_status}


def hpa_v1_to_v2(hpa: dict) -> dict:
    """Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler."""
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    annotations = (hpa.get("metadata") or {}).get("annotations") or {}
    metrics = []
    if spec.get("targetCPUUtilizationPercentage") is not None:
        metrics.append({"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": spec["targetCPUUtilizationPercentage"]}}})
    others = _json_list(annotations, METRICS)
    if others is not None:          # the other metrics first, the CPU one last
        metrics = [_spec_to_v2(m) for m in others if isinstance(m, dict)] + metrics
    if not metrics:
        metrics = [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]
    v2_spec = _pick([("scaleTargetRef", _ref(spec.get("scaleTargetRef"))), ("minReplicas", spec.get("minReplicas")),
                     ("maxReplicas", spec.get("maxReplicas", 0)), ("metrics", metrics)])
    behavior = _behavior_from_internal(annotations[BEHAVIOR]) if BEHAVIOR in annotations else None
    if behavior is not None:
        v2_spec["behavior"] = behavior
    v2_status = _pick([("observedGeneration", status.get("observedGeneration")),
                       ("lastScaleTime", status.get("lastScaleTime")),
                       ("currentReplicas", status.get("currentReplicas") or None),     # omitempty in v2
                       ("desiredReplicas", status.get("desiredReplicas", 0))])
    current = _json_list(annotations, CURRENT_METRICS)
    if current is not None:         # "the ones here have more information"
        v2_status["currentMetrics"] = [_status_to_v2(m) for m in current if isinstance(m, dict)]
    elif status.get("currentCPUUtilizationPercentage") is not None:
        v2_status["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": status["currentCPUUtilizationPercentage"]}}}]
    conditions = _json_list(annotations, CONDITIONS)
    if conditions is not None:
        v2_status["conditions"] = [c for c in conditions if isinstance(c, dict)]
    return {"apiVersion": "autoscaling/v2", "kind": hpa.get("kind", "HorizontalPodAutoscaler"),
            "metadata": _metadata_without_round_trip(hpa), "spec": v2_spec, "status": v2_status}

"""The HPA's replica calculator (pkg/controller/podautoscaler/replica_calculator.go).

For a resource metric the recipe is::

    desiredReplicas = ceil(readyPods × currentUtilization / targetUtilization)

with ``currentUtilization`` the Pods' summed usage over their summed requests, in whole
percent (``int32(usage × 100 / requests)``), and nothing changes while the ratio is
within the 0.1 tolerance. Worked example: 4 Pods requesting 100m each use 640m in all:
utilization 160%, target 80%, ratio 2.0, desired ceil(4 × 2.0) = 8.

Pods are sorted first (groupPods): deleted and Failed Pods are ignored; Pending ones,
and for CPU ones not ready or still starting (within ``cpuInitializationPeriod``, 5 min,
of their start, until a full metrics window after they became ready; afterwards, unready
ones that were never ready within ``initialReadinessDelay``, 30 s) are *unready*; Pods
without metrics are *missing*. When any are missing or unready the ratio is recomputed
conservatively: on a scale-down missing Pods count as using 100% of their request (or
the target, if higher); on a scale-up missing and unready Pods count as using nothing.
If that flips the direction, or lands within the tolerance, the count stays.
"""
from __future__ import annotations

import math
from typing import NamedTuple

from .. import errors
from ..api.meta import parse_time
from ..api.quantity import parse_quantity

__all__ = ["ReplicaCalculator", "PodMetric", "CalculationError", "TOLERANCE", "CPU_INITIALIZATION_PERIOD",
           "INITIAL_READINESS_DELAY"]

#: --horizontal-pod-autoscaler-tolerance
TOLERANCE = 0.1
#: --horizontal-pod-autoscaler-cpu-initialization-period
CPU_INITIALIZATION_PERIOD = 300.0
#: --horizontal-pod-autoscaler-initial-readiness-delay
INITIAL_READINESS_DELAY = 30.0


class CalculationError(Exception):
    """No replica count could be computed (the message is the controller's error text)."""


class PodMetric(NamedTuple):
    value: int            # milli-units (millicores, or bytes × 1000)
    timestamp: float      # simulated seconds
    window: float


def _seconds(api, text: str) -> float:
    return (parse_time(text) - api.clock.start).total_seconds()


def _window(text: str) -> float:
    """A metav1.Duration as metrics-server writes it (``15s``, ``1m0.5s``)."""
    total, number = 0.0, ""
    for ch in text:
        if ch.isdigit() or ch == ".":
            number += ch
            continue
        unit = {"h": 3600, "m": 60, "s": 1}.get(ch)
        if unit is None or not number:
            continue
        total, number = total + float(number) * unit, ""
    return total


def resource_metrics(api, resource: str, namespace: str, selector: str, container: str = ""):
    """resourceMetricsClient.GetResourceMetric: pod name -> PodMetric, and the timestamp."""
    try:
        items = api.list("pods.metrics.k8s.io", namespace=namespace, label_selector=selector)["items"]
    except errors.ApiError as e:
        raise CalculationError(f"unable to fetch metrics from resource metrics API: {e.message}") from None
    if not items:
        raise CalculationError("no metrics returned from resource metrics API")
    found = {}
    for item in items:
        containers = item.get("containers") or []
        if container:
            containers = [c for c in containers if c["name"] == container]
            if not containers:
                raise CalculationError(f"failed to get container metrics: container {container} not present in "
                                       f"metrics for pod {item['metadata']['namespace']}/{item['metadata']['name']}")
        if not containers or any(resource not in (c.get("usage") or {}) for c in containers):
            continue                     # missing resource metric: the Pod counts as missing
        total = sum(parse_quantity(c["usage"][resource]).milli_value() for c in containers)
        found[item["metadata"]["name"]] = PodMetric(total, _seconds(api, item["timestamp"]), _window(item["window"]))
    return found, _seconds(api, items[0]["timestamp"])


def _condition(pod: dict, kind: str) -> dict | None:
    return next((c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


def group_pods(api, pods: list[dict], metrics: dict, resource: str):
    """groupPods: (ready count, unready names, missing names, ignored names)."""
    now = api.clock.seconds
    ready, unready, missing, ignored = 0, set(), set(), set()
    for pod in pods:
        name, status = pod["metadata"]["name"], pod.get("status") or {}
        if pod["metadata"].get("deletionTimestamp") or status.get("phase") == "Failed":
            ignored.add(name)
            continue
        if status.get("phase") == "Pending":
            unready.add(name)
            continue
        metric = metrics.get(name)
        if metric is None:
            missing.add(name)
            continue
        if resource == "cpu":
            condition = _condition(pod, "Ready")
            if condition is None or not status.get("startTime"):
                not_ready = True
            else:
                started, changed = _seconds(api, status["startTime"]), _seconds(api, condition["lastTransitionTime"])
                if started + CPU_INITIALIZATION_PERIOD > now:
                    # still initializing: unready, or no full window of metrics since it became ready
                    not_ready = condition["status"] == "False" or metric.timestamp < changed + metric.window
                else:
                    # unready and never ready since its start
                    not_ready = condition["status"] == "False" and started + INITIAL_READINESS_DELAY > changed
            if not_ready:
                unready.add(name)
                continue
        ready += 1
    return ready, unready, missing, ignored


def pod_requests(pods: list[dict], container: str, resource: str) -> dict[str, int]:
    """calculatePodRequests: each Pod's request (milli-units) for ``resource``, counting regular
    containers and sidecars (restartable init containers)."""
    out = {}
    for pod in pods:
        spec = pod["spec"]
        members = list(spec.get("containers") or []) + [c for c in spec.get("initContainers") or []
                                                         if c.get("restartPolicy") == "Always"]
        total = 0
        for c in members:
            if container and c["name"] != container:
                continue
            request = ((c.get("resources") or {}).get("requests") or {}).get(resource)
            if request is None:
                raise CalculationError(f"missing request for {resource} in container {c['name']} of Pod "
                                       f"{pod['metadata']['name']}")
            total += parse_quantity(request).milli_value()
        out[pod["metadata"]["name"]] = total
    return out


def utilization_ratio(metrics: dict, requests: dict, target: int) -> tuple[float, int, int]:
    """GetResourceUtilizationRatio: (usage / target ratio, utilization %, average raw value)."""
    used = requested = entries = 0
    for name, metric in metrics.items():
        if name in requests:
            used, requested, entries = used + metric.value, requested + requests[name], entries + 1
    if requested == 0:
        raise CalculationError("no metrics returned matched known pods")
    utilization = used * 100 // requested
    return utilization / target, utilization, used // entries


def usage_ratio(metrics: dict, target: int) -> tuple[float, int]:
    """GetMetricUsageRatio: (average / target ratio, average) for plain values."""
    average = sum(m.value for m in metrics.values()) // len(metrics)
    return average / target, average


class ReplicaCalculator:
    """Desired replica counts from the Metrics API and the Pods the target selects."""

    def __init__(self, api, pods, *, tolerance: float = TOLERANCE):
        self.api, self.pods, self.tolerance = api, pods, tolerance

    def _pods(self, namespace: str, selector) -> list[dict]:
        pods = self.pods.list(namespace, selector)
        if not pods:
            raise CalculationError("no pods returned by selector while calculating replica count")
        return pods

    def resource_replicas(self, current: int, target: int, resource: str, namespace: str, selector,
                          container: str = "") -> tuple[int, int, int, float]:
        """GetResourceReplicas: (replicas, utilization %, raw average, metrics timestamp)."""
        metrics, timestamp, pods = self._inputs(resource, namespace, selector, container)
        requests: dict = {}

        def ratio_of(found: dict):
            if not requests:
                requests.update(pod_requests(pods, container, resource))
            return utilization_ratio(found, requests, target)
        fallback = max(100, target)      # a missing Pod on a scale-down: its request (or the target) used
        replicas, (_, utilization, raw) = self._count(current, pods, metrics, resource, ratio_of,
                                                      lambda name: requests[name] * fallback // 100)
        return replicas, utilization, raw, timestamp

    def raw_resource_replicas(self, current: int, target: int, resource: str, namespace: str, selector,
                              container: str = "") -> tuple[int, int, float]:
        """GetRawResourceReplicas (an AverageValue target): (replicas, average usage, timestamp)."""
        metrics, timestamp, pods = self._inputs(resource, namespace, selector, container)
        replicas, (_, usage) = self._count(current, pods, metrics, resource, lambda found: usage_ratio(found, target),
                                           lambda name: target)
        return replicas, usage, timestamp

    def _inputs(self, resource: str, namespace: str, selector, container: str):
        try:
            metrics, timestamp = resource_metrics(self.api, resource, namespace, str(selector), container)
        except CalculationError as e:
            raise CalculationError(f"unable to get metrics for resource {resource}: {e}") from None
        return metrics, timestamp, self._pods(namespace, selector)

    def _count(self, current: int, pods: list, metrics: dict, resource: str, ratio_of, down_value):
        """The shared recipe: (replicas, what ``ratio_of`` said of the ready Pods' metrics)."""
        ready, unready, missing, ignored = group_pods(self.api, pods, metrics, resource)
        metrics = {n: m for n, m in metrics.items() if n not in ignored and n not in unready}
        if not metrics:
            raise CalculationError("did not receive metrics for targeted pods (pods might be unready)")
        first = ratio_of(metrics)
        ratio = first[0]
        up_with_unready = bool(unready) and ratio > 1.0
        if not up_with_unready and not missing:
            if abs(1.0 - ratio) <= self.tolerance:
                return current, first
            return math.ceil(ratio * ready), first
        if missing and ratio != 1.0:            # down: as if using the request; up: as if idle
            for name in missing:
                metrics[name] = PodMetric(down_value(name) if ratio < 1.0 else 0, 0.0, 0.0)
        if up_with_unready:
            for name in unready:
                metrics[name] = PodMetric(0, 0.0, 0.0)
        return self._rebalanced(current, ratio, ratio_of(metrics)[0], len(metrics)), first

    def _rebalanced(self, current: int, ratio: float, new_ratio: float, counted: int) -> int:
        """The count after filling in missing and unready Pods, unless that changes nothing
        worth doing: within the tolerance, or the direction would flip."""
        if abs(1.0 - new_ratio) <= self.tolerance or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
            return current
        replicas = math.ceil(new_ratio * counted)
        if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
            return current
        return replicas

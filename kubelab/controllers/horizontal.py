"""The HorizontalPodAutoscaler controller (autoscaling/v2, pkg/controller/podautoscaler).

Every 15 s (``--horizontal-pod-autoscaler-sync-period``) each HPA is reconciled:

1. read the target's scale subresource (replicas and Pod selector);
2. if the target is outside [minReplicas, maxReplicas], move it inside; otherwise compute
   a proposal per metric (:mod:`.replica_calculator`) and take the largest;
3. stabilize and rate-limit the proposal (:mod:`.horizontal_rules`);
4. write the new scale (event ``SuccessfulRescale``: ``New size: 4; reason: cpu resource
   utilization (percentage of request) above target``) and the status: current metrics,
   replicas, ``lastScaleTime`` and the conditions AbleToScale, ScalingActive, ScalingLimited.

An HPA is first reconciled one sync period after it is created (the controller's queue
delays every key by the period), and spec changes wait for the next sync too.
simplified: Pods, Object and External metrics fail as they do in a cluster without a
custom or external metrics adapter.
"""
from __future__ import annotations

from copy import deepcopy

from .. import errors
from ..api.labels import SelectorError, parse_selector
from ..api.meta import format_time
from ..api.quantity import parse_quantity
from .base import Controller
from .horizontal_rules import (DOWNSCALE_STABILIZATION, ScalingMemory, convert_with_behavior,
                               convert_with_rules)
from .replica_calculator import CalculationError, ReplicaCalculator

__all__ = ["HorizontalController", "SYNC_PERIOD"]

#: --horizontal-pod-autoscaler-sync-period
SYNC_PERIOD = 15.0
_NO_CUSTOM = "unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered"


class MetricFailure(Exception):
    """A metric that could not be computed: the error, and the condition it would set."""

    def __init__(self, message: str, condition: tuple[str, str, str, str]):
        super().__init__(message)
        self.condition = condition


def _milli(value) -> int:
    return parse_quantity(value).milli_value()


def _milli_quantity(milli: int) -> str:
    """resource.NewMilliQuantity(v, DecimalSI).String()."""
    return str(parse_quantity(f"{milli}m"))


class HorizontalController(Controller):
    """kube-controller-manager's horizontalpodautoscaling controller."""

    name = "horizontal-pod-autoscaler"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.hpas = self.informer("horizontalpodautoscalers.autoscaling")
        self.pods = self.informer("pods")
        self.calculator = ReplicaCalculator(api, self.pods)
        self.memory = ScalingMemory()
        self.selectors: dict[str, object] = {}     # HPA key -> the selector it scales (None: not known yet)
        self._timers: dict = {}
        self.hpas.add_handler(self._enqueue, lambda old, new: self._enqueue(new), self._deleted)

    # -- queueing: every key waits one sync period, again after every reconcile ------
    def _enqueue(self, hpa: dict) -> None:
        key = f'{hpa["metadata"]["namespace"]}/{hpa["metadata"]["name"]}'
        self.selectors.setdefault(key, None)
        self._after_period(key)

    def _after_period(self, key: str) -> None:
        """AddRateLimited with the fixed-interval limiter: a request already waiting wins."""
        if key not in self._timers and not self.queue.shutting_down:
            self._timers[key] = self.loop.later(SYNC_PERIOD, lambda: self._due(key), self.name, daemon=True)

    def _due(self, key: str) -> None:
        self._timers.pop(key, None)
        self.queue.add(key)

    def _deleted(self, hpa: dict) -> None:
        key = f'{hpa["metadata"]["namespace"]}/{hpa["metadata"]["name"]}'
        self.selectors.pop(key, None)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def stop(self) -> None:
        super().stop()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def _process(self, key: str) -> None:
        if self.sync(key):
            self._after_period(key)

    # -- reconcile ---------------------------------------------------------------------
    def sync(self, key: str) -> bool:
        """reconcileKey: False once the HPA is gone (its memory is dropped)."""
        namespace, name = key.split("/", 1)
        hpa = self.hpas.get(name, namespace)
        if hpa is None:
            self.memory.forget(key)
            return False
        try:
            self.reconcile(deepcopy(hpa), key)
        except errors.ApiError:
            pass                    # utilruntime.HandleError: tried again next period
        return True

    def reconcile(self, hpa: dict, key: str) -> None:
        """reconcileAutoscaler, step by step."""
        spec, status = hpa["spec"], hpa.setdefault("status", {})
        before = deepcopy(status)
        ref, namespace = spec["scaleTargetRef"], hpa["metadata"]["namespace"]
        try:
            rtype = self._target_type(ref)
            scale = self.api.scale.get(rtype, ref["name"], namespace=namespace)
        except errors.ApiError as e:
            self.recorder.event(hpa, "Warning", "FailedGetScale", e.message)
            self._condition(hpa, "AbleToScale", "False", "FailedGetScale",
                            f"the HPA controller was unable to get the target's current scale: {e.message}")
            self._write_status(hpa, before)
            return
        self._condition(hpa, "AbleToScale", "True", "SucceededGetScale",
                        "the HPA controller was able to get the target's current scale")
        current, now = scale["spec"]["replicas"], self.loop.clock.seconds
        self.memory.record_initial(key, current, now)
        minimum, maximum = spec.get("minReplicas", 1), spec["maxReplicas"]
        statuses, desired, reason, rescale = None, 0, "", True
        if current == 0 and minimum != 0:
            rescale = False
            self._condition(hpa, "ScalingActive", "False", "ScalingDisabled",
                            "scaling is disabled since the replica count of the target is zero")
        elif current > maximum:
            desired, reason = maximum, "Current number of replicas above Spec.MaxReplicas"
        elif current < minimum:
            desired, reason = minimum, "Current number of replicas below Spec.MinReplicas"
        else:
            proposal, metric, statuses, failure = self._compute_replicas(hpa, scale)
            if proposal == -1:
                self._set_status(hpa, current, status.get("desiredReplicas", 0), statuses, False)
                self._write_status(hpa, before)
                self.recorder.event(hpa, "Warning", "FailedComputeMetricsReplicas", str(failure))
                return
            desired = max(proposal, 0)
            if desired > current:
                reason = f"{metric} above target"
            elif desired < current:
                reason = "All metrics below target"
            desired = self._normalize(hpa, key, current, desired, minimum, now)
            rescale = desired != current
        if rescale:
            try:
                self.api.scale.update(rtype, {**scale, "spec": {"replicas": desired}}, namespace=namespace)
            except errors.ApiError as e:
                self.recorder.event(hpa, "Warning", "FailedRescale",
                                    f"New size: {desired}; reason: {reason}; error: {e.message}")
                self._condition(hpa, "AbleToScale", "False", "FailedUpdateScale",
                                f"the HPA controller was unable to update the target scale: {e.message}")
                self._set_status(hpa, current, status.get("desiredReplicas", 0), statuses, False)
                self._write_status(hpa, before)
                return
            self._condition(hpa, "AbleToScale", "True", "SucceededRescale",
                            f"the HPA controller was able to update the target scale to {desired}")
            self.recorder.event(hpa, "Normal", "SuccessfulRescale", f"New size: {desired}; reason: {reason}")
            self.memory.store_event(spec.get("behavior"), key, current, desired, now)
        else:
            desired = current
        self._set_status(hpa, current, desired, statuses, rescale)
        self._write_status(hpa, before)

    def _target_type(self, ref: dict):
        """The RESTMapper: the resource of ``scaleTargetRef``'s group and kind."""
        group = ref.get("apiVersion", "").rpartition("/")[0] if "/" in ref.get("apiVersion", "") else ""
        for rtype in self.api.registry:
            if rtype.kind == ref["kind"] and rtype.group == group:
                return rtype
        raise errors.NotFound(f'no matches for kind "{ref["kind"]}" in group "{group}"')

    # -- metrics ------------------------------------------------------------------------
    def _compute_replicas(self, hpa: dict, scale: dict):
        """computeReplicasForMetrics: (proposal or -1, metric name, statuses, error)."""
        try:
            selector = self._selector(hpa, scale["status"].get("selector", ""))
        except MetricFailure as e:
            self._condition(hpa, *e.condition)
            return -1, "", None, e
        specs = hpa["spec"].get("metrics") or []
        statuses, replicas, metric, failures, first = [], 0, "", 0, None
        for spec in specs:
            try:
                proposal, name, status = self._compute_for_metric(hpa, spec, scale, selector)
            except MetricFailure as e:
                statuses.append({"type": ""})
                failures += 1
                first = first or e
                continue
            statuses.append(status)
            if replicas == 0 or proposal > replicas:
                replicas, metric = proposal, name
        if failures and (failures >= len(specs) or replicas < scale["spec"]["replicas"]):
            self._condition(hpa, *first.condition)
            return -1, "", statuses, (f"invalid metrics ({failures} invalid out of {len(specs)}), "
                                      f"first error is: {first}")
        self._condition(hpa, "ScalingActive", "True", "ValidMetricFound",
                        f"the HPA was able to successfully calculate a replica count from {metric}")
        return replicas, metric, statuses, None

    def _selector(self, hpa: dict, text: str):
        """validateAndParseSelector: present, parseable, and no other HPA's Pods."""
        key = f'{hpa["metadata"]["namespace"]}/{hpa["metadata"]["name"]}'
        if not text:
            self.recorder.event(hpa, "Warning", "SelectorRequired", "selector is required")
            raise MetricFailure("selector is required", ("ScalingActive", "False", "InvalidSelector",
                                                         "the HPA target's scale is missing a selector"))
        try:
            selector = parse_selector(text)
        except SelectorError as e:
            message = f"couldn't convert selector into a corresponding internal selector object: {e}"
            self.recorder.event(hpa, "Warning", "InvalidSelector", message)
            raise MetricFailure(message, ("ScalingActive", "False", "InvalidSelector", message)) from None
        if key in self.selectors:
            self.selectors[key] = selector
        namespace = hpa["metadata"]["namespace"]
        pods = self.pods.list(namespace, selector)
        owners = sorted(k for k, sel in self.selectors.items() if sel is not None and k.startswith(namespace + "/")
                        and any(sel.matches(p["metadata"].get("labels") or {}) for p in pods))
        if len(owners) > 1:
            message = f"pods by selector {text} are controlled by multiple HPAs: [{' '.join(owners)}]"
            self.recorder.event(hpa, "Warning", "AmbiguousSelector", message)
            raise MetricFailure(message, ("ScalingActive", "False", "AmbiguousSelector", message))
        return selector

    def _unable(self, hpa: dict, reason: str, error: str, outer: str) -> MetricFailure:
        """getUnableComputeReplicaCountCondition: a Warning event and a ScalingActive=False condition."""
        self.recorder.event(hpa, "Warning", reason, error)
        return MetricFailure(outer, ("ScalingActive", "False", reason,
                                     f"the HPA was unable to compute the replica count: {error}"))

    def _compute_for_metric(self, hpa: dict, spec: dict, scale: dict, selector) -> tuple[int, str, dict]:
        kind, namespace = spec.get("type"), hpa["metadata"]["namespace"]
        current = scale["spec"]["replicas"]
        if kind in ("Resource", "ContainerResource"):
            field = "resource" if kind == "Resource" else "containerResource"
            source = spec[field]
            container = source.get("container", "") if kind == "ContainerResource" else ""
            try:
                value, name = self._resource_metric(current, source, namespace, selector, container, kind)
            except CalculationError as e:
                reason = "FailedGetResourceMetric" if kind == "Resource" else "FailedGetContainerResourceMetric"
                outer = f"failed to get {source['name']} resource metric value: {e}" if kind == "Resource" else \
                    f"failed to get {container} container metric value: {e}"
                raise self._unable(hpa, reason, str(e), outer) from None
            replicas, current_status = value
            status = {"name": source["name"], "current": current_status}
            if container:
                status["container"] = container
            return replicas, name, {"type": kind, field: status}
        if kind == "Pods":
            metric = spec["pods"]["metric"]["name"]
            error = f"unable to get metric {metric}: {_NO_CUSTOM}"
            raise self._unable(hpa, "FailedGetPodsMetric", error, f"failed to get pods metric value: {error}")
        if kind == "Object":
            obj, metric = spec["object"], spec["object"]["metric"]["name"]
            described = obj.get("describedObject") or {}
            error = (f"unable to get metric {metric}: {described.get('kind')} on {namespace} "
                     f"{described.get('name')}/{_NO_CUSTOM}")
            if (obj.get("target") or {}).get("type") == "AverageValue":
                error = f"failed to get {metric} object metric: {error}"
            raise self._unable(hpa, "FailedGetObjectMetric", error, f"failed to get object metric value: {error}")
        if kind == "External":
            metric = spec["external"]["metric"]["name"]
            error = (f"unable to get external metric {namespace}/{metric}/nil: unable to fetch metrics from "
                     f"external metrics API: the server could not find the requested resource "
                     f"(get {metric}.external.metrics.k8s.io)")
            raise self._unable(hpa, "FailedGetExternalMetric", error,
                               f"failed to get {metric} external metric value: {error}")
        error = f'unknown metric source type "{kind}"'
        raise self._unable(hpa, "InvalidMetricSourceType", error, error)

    def _resource_metric(self, current: int, source: dict, namespace: str, selector, container: str, kind: str):
        """computeStatusForResourceMetricGeneric: ((replicas, current status), metric name)."""
        target, resource = source.get("target") or {}, source["name"]
        if target.get("averageValue") is not None:
            try:
                replicas, usage, _ = self.calculator.raw_resource_replicas(
                    current, _milli(target["averageValue"]), resource, namespace, selector, container)
            except CalculationError as e:
                raise CalculationError(f"failed to get {resource} usage: {e}") from None
            return (replicas, {"averageValue": _milli_quantity(usage)}), f"{resource} resource"
        if target.get("averageUtilization") is None:
            raise CalculationError("invalid resource metric source: neither an average utilization target nor an "
                                   "average value (usage) target was set")
        try:
            replicas, utilization, raw, _ = self.calculator.resource_replicas(
                current, target["averageUtilization"], resource, namespace, selector, container)
        except CalculationError as e:
            raise CalculationError(f"failed to get {resource} utilization: {e}") from None
        what = "container resource" if kind == "ContainerResource" else "resource"
        return ((replicas, {"averageUtilization": utilization, "averageValue": _milli_quantity(raw)}),
                f"{resource} {what} utilization (percentage of request)")

    # -- normalization -------------------------------------------------------------------
    def _normalize(self, hpa: dict, key: str, current: int, desired: int, minimum: int, now: float) -> int:
        """normalizeDesiredReplicas (no behavior) or normalizeDesiredReplicasWithBehaviors."""
        spec, behavior = hpa["spec"], hpa["spec"].get("behavior")
        if behavior is None:
            stabilized = self.memory.stabilize(key, desired, now)
            reason = ("ScaleDownStabilized", "recent recommendations were higher than current one, applying the "
                      "highest recent recommendation") if stabilized != desired else None
            final, limiting = convert_with_rules(current, stabilized, minimum, spec["maxReplicas"])
        else:
            up, down = behavior["scaleUp"], dict(behavior["scaleDown"])
            down.setdefault("stabilizationWindowSeconds", int(DOWNSCALE_STABILIZATION))
            stabilized, stabilizing = self.memory.stabilize_with_behavior(key, current, desired, up, down, now)
            reason = stabilizing if stabilized != desired else None
            final, limiting = convert_with_behavior(current, stabilized, minimum, spec["maxReplicas"], up, down,
                                                    self.memory.up.get(key, []), self.memory.down.get(key, []), now)
        self._condition(hpa, "AbleToScale", "True", *(reason or ("ReadyForNewScale",
                                                                "recommended size matches current size")))
        self._condition(hpa, "ScalingLimited", "False" if final == stabilized else "True", *limiting)
        return final

    # -- status ------------------------------------------------------------------------
    def _condition(self, hpa: dict, kind: str, status: str, reason: str, message: str) -> None:
        """setCondition: update in place (the transition time moves only when the status does)."""
        conditions = hpa["status"].setdefault("conditions", [])
        found = next((c for c in conditions if c["type"] == kind), None)
        if found is None:
            found = {"type": kind}
            conditions.append(found)
        if found.get("status") != status:
            found["lastTransitionTime"] = format_time(self.loop.clock.now())
        found.update(status=status, reason=reason, message=message)

    def _set_status(self, hpa: dict, current: int, desired: int, metrics, rescale: bool) -> None:
        old = hpa["status"]
        status = {"currentReplicas": current, "desiredReplicas": desired}
        if rescale:
            status["lastScaleTime"] = format_time(self.loop.clock.now())
        elif old.get("lastScaleTime"):
            status["lastScaleTime"] = old["lastScaleTime"]
        if metrics:
            status["currentMetrics"] = metrics
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        hpa["status"] = status

    def _write_status(self, hpa: dict, before: dict) -> None:
        """updateStatusIfNeeded: write only a changed status."""
        if hpa["status"] == before:
            return
        try:
            self.api.update(hpa, subresource="status")
        except errors.ApiError as e:
            self.recorder.event(hpa, "Warning", "FailedUpdateStatus", e.message)
            raise

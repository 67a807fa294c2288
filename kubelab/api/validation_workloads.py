"""Validation of the workload kinds (pkg/apis/apps/validation, pkg/apis/batch/validation).

Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and CronJobs share one
shape: a selector that must select the pods of their template, and the template
itself. The kind-specific rules are small and read top to bottom in the order
kube-apiserver checks them, so the errors come out in the same order.

Also here: the CronJob schedule parser (robfig/cron/v3's ``ParseStandard``), with
its exact error messages, and :meth:`CronSchedule.next` for the controller.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..errors import Cause
from .meta import (
    GoLiteral, field_immutable, forbidden, go_int_or_string, go_label_selector, go_quote, go_string_map,
    invalid, is_valid_percent, not_supported, required, validate_annotations, validate_labels,
    validate_nonnegative,
)
from .duration import parse_duration
from .validation import (
    _d, _int_field, _is_int, _l, label_selector_matches, validate_label_selector, validate_metadata,
    validate_pod_template_spec,
)

__all__ = ["VALIDATORS", "CronSchedule", "CronError", "parse_schedule"]


# --- selector + template (shared by every controller kind) -----------------------

def _selector_state(selector) -> str:
    """What LabelSelectorAsSelector makes of it: nothing (nil), invalid, everything ({}) or ok."""
    if selector is None:
        return "nothing"
    if validate_label_selector(selector, "spec.selector"):
        return "invalid"
    selector = _d(selector)
    return "ok" if _d(selector.get("matchLabels")) or _l(selector.get("matchExpressions")) else "everything"


def _required_selector(spec: dict, kind: str) -> list[Cause]:
    """selector Required, else ValidateLabelSelector and the 'empty selector' rule."""
    selector = spec.get("selector")
    if selector is None:
        return [required("spec.selector")]
    causes = validate_label_selector(selector, "spec.selector")
    if not _d(selector).get("matchLabels") and not _l(_d(selector).get("matchExpressions")):
        causes.append(invalid("spec.selector", go_label_selector(selector), f"empty selector is invalid for {kind}"))
    return causes


def _template_labels_match(spec: dict, path: str = "spec.template") -> list[Cause]:
    """``selector`` does not match template ``labels`` (skipped for an empty selector)."""
    state = _selector_state(spec.get("selector"))
    labels = _d(_d(spec.get("template")).get("metadata")).get("labels")
    if state == "everything" or (state == "ok" and label_selector_matches(spec.get("selector"), labels)):
        return []
    shown = labels if isinstance(labels, dict) else None
    return [invalid(path + ".metadata.labels", GoLiteral(go_string_map(shown)),
                    "`selector` does not match template `labels`")]


def _always_restart_template(spec: dict, kind: str, path: str = "spec.template") -> list[Cause]:
    """Controllers that keep pods running allow only restartPolicy Always and no deadline."""
    causes: list[Cause] = []
    pod_spec = _d(_d(spec.get("template")).get("spec"))
    policy = pod_spec.get("restartPolicy")
    if policy is not None and policy != "Always":
        causes.append(not_supported(path + ".spec.restartPolicy", policy, ("Always",)))
    if pod_spec.get("activeDeadlineSeconds") is not None:
        causes.append(forbidden(path + ".spec.activeDeadlineSeconds", f"activeDeadlineSeconds in {kind} is not Supported"))
    return causes


def _replica_set_template(spec: dict, kind: str) -> list[Cause]:
    """ValidatePodTemplateSpecForReplicaSet, or 'invalid label selector' when the selector won't parse."""
    if _selector_state(spec.get("selector")) == "invalid":
        return [invalid("spec.selector", go_label_selector(spec.get("selector")), "invalid label selector")]
    causes = _template_labels_match(spec)
    causes += validate_pod_template_spec(spec.get("template"), "spec.template")
    return causes + _always_restart_template(spec, kind)


def _nonnegative_fields(spec: dict, fields, causes: list[Cause]) -> None:
    for field in fields:
        causes += validate_nonnegative(_int_field(spec, field, f"spec.{field}", causes), f"spec.{field}")


def _selector_immutable(obj: dict, old) -> list[Cause]:
    """apps/v1 strategies: spec.selector may not change after creation."""
    if old is None:
        return []
    new_sel, old_sel = _d(obj.get("spec")).get("selector"), _d(old.get("spec")).get("selector")
    if new_sel != old_sel:
        return [field_immutable("spec.selector", go_label_selector(new_sel) if new_sel is not None else None)]
    return []


# --- IntOrString percentages (maxSurge, maxUnavailable) ------------------------------

def _positive_int_or_percent(value, path: str) -> list[Cause]:
    """ValidatePositiveIntOrPercent: a non-negative int or a "N%" string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [invalid(path, go_int_or_string(value), m) for m in is_valid_percent(value)]
    if _is_int(value):
        return validate_nonnegative(value, path)
    return [invalid(path, GoLiteral(repr(value)), "must be an integer or percentage (e.g '5%%')")]


def _not_more_than_100_percent(value, path: str) -> list[Cause]:
    """IsNotMoreThan100Percent."""
    if isinstance(value, str) and not is_valid_percent(value) and int(value[:-1]) > 100:
        return [invalid(path, go_int_or_string(value), "must not be greater than 100%")]
    return []


def _int_or_percent_value(value) -> int:
    """getIntOrPercentValue: 25 for "25%", the int itself, 0 for anything unparsable."""
    if isinstance(value, str):
        if not is_valid_percent(value):
            return int(value[:-1])
        return int(value) if value.isdigit() else 0
    return value if _is_int(value) else 0


def _go_rolling_update_pointer(kind: str, present: bool) -> str:
    # a non-nil pointer prints as an address in Go; a fixed one keeps output deterministic
    return f"(*apps.{kind})(0xc000000000)" if present else f"(*apps.{kind})(nil)"


# --- Deployment, ReplicaSet -------------------------------------------------------

def _validate_deployment_strategy(strategy) -> list[Cause]:
    """ValidateDeploymentStrategy and ValidateRollingUpdateDeployment."""
    strategy, path = _d(strategy), "spec.strategy"
    stype, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    if stype is None:
        return []
    if stype == "Recreate":
        if rolling is not None:
            return [forbidden(path + ".rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if stype != "RollingUpdate":
        shown = GoLiteral(f"apps.DeploymentStrategy{{Type:{go_quote(str(stype))}, RollingUpdate:"
                          f"{_go_rolling_update_pointer('RollingUpdateDeployment', rolling is not None)}}}")
        return [not_supported(path, shown, ("Recreate", "RollingUpdate"))]
    if rolling is None:
        return []
    rolling, rpath = _d(rolling), path + ".rollingUpdate"
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    causes = _positive_int_or_percent(unavailable, rpath + ".maxUnavailable")
    causes += _positive_int_or_percent(surge, rpath + ".maxSurge")
    # an absent value is defaulted to 25%, so only explicit zeros count here
    if unavailable is not None and surge is not None and \
            _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
        causes.append(invalid(rpath + ".maxUnavailable", go_int_or_string(unavailable),
                              "may not be 0 when `maxSurge` is 0"))
    return causes + _not_more_than_100_percent(unavailable, rpath + ".maxUnavailable")


def _validate_deployment(obj: dict, rtype, old) -> list[Cause]:
    """ValidateDeployment / ValidateDeploymentUpdate (+ the apps/v1 immutable selector)."""
    causes = validate_metadata(obj, rtype, old)
    spec = _d(obj.get("spec"))
    _nonnegative_fields(spec, ("replicas",), causes)
    causes += _required_selector(spec, "deployment")
    causes += _replica_set_template(spec, "ReplicaSet")
    causes += _validate_deployment_strategy(spec.get("strategy"))
    _nonnegative_fields(spec, ("minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds"), causes)
    deadline, min_ready = spec.get("progressDeadlineSeconds"), spec.get("minReadySeconds") or 0
    if _is_int(deadline) and _is_int(min_ready) and deadline <= min_ready:
        causes.append(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    return causes + _selector_immutable(obj, old)


def _validate_replica_set(obj: dict, rtype, old) -> list[Cause]:
    """ValidateReplicaSet (its empty-selector message really says 'deployment')."""
    causes = validate_metadata(obj, rtype, old)
    spec = _d(obj.get("spec"))
    _nonnegative_fields(spec, ("replicas", "minReadySeconds"), causes)
    causes += _required_selector(spec, "deployment")
    causes += _replica_set_template(spec, "ReplicaSet")
    return causes + _selector_immutable(obj, old)


# --- StatefulSet ------------------------------------------------------------------

_STS_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                "minReadySeconds")


def _validate_sts_update_strategy(strategy) -> list[Cause]:
    strategy, path = _d(strategy), "spec.updateStrategy"
    stype, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    if stype is None:
        return []
    if stype == "":
        return [required(path)]
    if stype == "OnDelete":
        if rolling is not None:
            rolling = _d(rolling)
            shown = GoLiteral(f"apps.RollingUpdateStatefulSetStrategy{{Partition:{int(rolling.get('partition') or 0)}, "
                              "MaxUnavailable:(*intstr.IntOrString)(nil)}")
            return [invalid(path + ".rollingUpdate", shown, "only allowed for updateStrategy 'RollingUpdate'")]
        return []
    if stype != "RollingUpdate":
        shown = GoLiteral(f"apps.StatefulSetUpdateStrategy{{Type:{go_quote(str(stype))}, RollingUpdate:"
                          f"{_go_rolling_update_pointer('RollingUpdateStatefulSetStrategy', rolling is not None)}}}")
        return [invalid(path, shown, "must be 'RollingUpdate' or 'OnDelete'")]
    if rolling is None:
        return []
    rolling, rpath = _d(rolling), path + ".rollingUpdate"
    causes = validate_nonnegative(rolling.get("partition"), rpath + ".partition")
    unavailable = rolling.get("maxUnavailable")
    if unavailable is not None:
        causes += _positive_int_or_percent(unavailable, rpath + ".maxUnavailable")
        if _int_or_percent_value(unavailable) == 0:
            causes.append(invalid(rpath + ".maxUnavailable", go_int_or_string(unavailable), "cannot be 0"))
        causes += _not_more_than_100_percent(unavailable, rpath + ".maxUnavailable")
    return causes


def _validate_stateful_set(obj: dict, rtype, old) -> list[Cause]:
    """ValidateStatefulSetSpec. Like Kubernetes, it does not validate the pod spec itself
    (only labels, annotations, restartPolicy and activeDeadlineSeconds of the template)."""
    causes = validate_metadata(obj, rtype, old)
    spec = _d(obj.get("spec"))
    policy = spec.get("podManagementPolicy")
    if policy == "":
        causes.append(required("spec.podManagementPolicy"))
    elif policy is not None and policy not in ("OrderedReady", "Parallel"):
        causes.append(invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"))
    causes += _validate_sts_update_strategy(spec.get("updateStrategy"))
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        for field in ("whenDeleted", "whenScaled"):
            value = _d(retention).get(field)
            if value is not None and value not in ("Retain", "Delete"):
                causes.append(not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{field}", value,
                                            ("Retain", "Delete")))
    _nonnegative_fields(spec, ("replicas", "minReadySeconds"), causes)
    if spec.get("ordinals") is not None:
        causes += validate_nonnegative(_d(spec["ordinals"]).get("start"), "spec.ordinals.start")
    causes += _required_selector(spec, "statefulset")
    if _selector_state(spec.get("selector")) == "invalid":
        causes.append(invalid("spec.selector", go_label_selector(spec.get("selector"))))
    else:
        causes += _template_labels_match(spec)
        template_meta = _d(_d(spec.get("template")).get("metadata"))
        causes += validate_labels(template_meta.get("labels"), "spec.template.labels")
        causes += validate_annotations(template_meta.get("annotations"), "spec.template.annotations")
    causes += _always_restart_template(spec, "StatefulSet")
    if old is not None:
        new_rest = {k: v for k, v in spec.items() if k not in _STS_MUTABLE}
        old_rest = {k: v for k, v in _d(old.get("spec")).items() if k not in _STS_MUTABLE}
        if new_rest != old_rest:
            causes.append(forbidden("spec", "updates to statefulset spec for fields other than 'replicas', "
                                            "'ordinals', 'template', 'updateStrategy', "
                                            "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
                                            "are forbidden"))
    return causes


# --- DaemonSet --------------------------------------------------------------------

def _validate_ds_update_strategy(strategy) -> list[Cause]:
    strategy, path = _d(strategy), "spec.updateStrategy"
    stype, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    if stype is None or stype == "OnDelete":
        return []
    if stype != "RollingUpdate":
        shown = GoLiteral(f"apps.DaemonSetUpdateStrategy{{Type:{go_quote(str(stype))}, RollingUpdate:"
                          f"{_go_rolling_update_pointer('RollingUpdateDaemonSet', rolling is not None)}}}")
        return [not_supported(path, shown, ("RollingUpdate", "OnDelete"))]
    if rolling is None:
        return [required(path + ".rollingUpdate")]
    rolling, rpath = _d(rolling), path + ".rollingUpdate"
    unavailable, surge = rolling.get("maxUnavailable", 1), rolling.get("maxSurge", 0)
    causes = _positive_int_or_percent(unavailable, rpath + ".maxUnavailable")
    causes += _positive_int_or_percent(surge, rpath + ".maxSurge")
    causes += _not_more_than_100_percent(unavailable, rpath + ".maxUnavailable")
    causes += _not_more_than_100_percent(surge, rpath + ".maxSurge")
    has_unavailable, has_surge = _int_or_percent_value(unavailable) != 0, _int_or_percent_value(surge) != 0
    if has_unavailable and has_surge:
        causes.append(invalid(rpath + ".maxSurge", go_int_or_string(surge), "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        causes.append(required(rpath + ".maxUnavailable", "cannot be 0 when maxSurge is 0"))
    return causes


def _validate_daemon_set(obj: dict, rtype, old) -> list[Cause]:
    """ValidateDaemonSetSpec (no 'selector required' check: a missing one just matches nothing)."""
    causes = validate_metadata(obj, rtype, old)
    spec = _d(obj.get("spec"))
    selector = spec.get("selector")
    causes += validate_label_selector(selector, "spec.selector")
    if _selector_state(selector) != "invalid":
        causes += _template_labels_match(spec)
    if selector is not None and not _d(selector).get("matchLabels") and not _l(_d(selector).get("matchExpressions")):
        causes.append(invalid("spec.selector", go_label_selector(selector), "empty selector is invalid for daemonset"))
    causes += validate_pod_template_spec(spec.get("template"), "spec.template")
    causes += _always_restart_template(spec, "DaemonSet")
    _nonnegative_fields(spec, ("minReadySeconds", "templateGeneration"), causes)
    causes += _validate_ds_update_strategy(spec.get("updateStrategy"))
    _nonnegative_fields(spec, ("revisionHistoryLimit",), causes)
    return causes + _selector_immutable(obj, old)


# --- Job, CronJob ------------------------------------------------------------------

def _validate_job_spec(spec: dict, path: str) -> list[Cause]:
    """validateJobSpec: counts, completionMode, then the template (restartPolicy OnFailure or Never)."""
    causes: list[Cause] = []
    for field in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        causes += validate_nonnegative(_int_field(spec, field, f"{path}.{field}", causes), f"{path}.{field}")
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        causes.append(not_supported(path + ".completionMode", mode, ("NonIndexed", "Indexed")))
    if mode == "Indexed" and spec.get("completions") is None:
        causes.append(required(path + ".completions", "when completion mode is Indexed"))
    replacement = spec.get("podReplacementPolicy")
    if replacement is not None and replacement not in ("TerminatingOrFailed", "Failed"):
        causes.append(not_supported(path + ".podReplacementPolicy", replacement, ("TerminatingOrFailed", "Failed")))
    causes += validate_pod_template_spec(spec.get("template"), path + ".template")
    policy = _d(_d(spec.get("template")).get("spec")).get("restartPolicy")
    if policy is not None and policy not in ("OnFailure", "Never"):
        causes.append(not_supported(path + ".template.spec.restartPolicy", policy, ("OnFailure", "Never")))
    return causes


def _validate_job(obj: dict, rtype, old) -> list[Cause]:
    """ValidateJob / ValidateJobUpdate.

    simplified: without ``manualSelector: true`` a missing selector is not reported,
    because the Job strategy generates it (see kubelab.api.defaults.generate_job_selector).
    """
    causes = validate_metadata(obj, rtype, old)
    spec = _d(obj.get("spec"))
    causes += _validate_job_spec(spec, "spec")
    selector = spec.get("selector")
    if selector is None and spec.get("manualSelector") is True:
        causes.append(required("spec.selector"))
    if selector is not None or spec.get("manualSelector") is True:
        causes += validate_label_selector(selector, "spec.selector")
        if _selector_state(selector) != "invalid":
            causes += _template_labels_match(spec)
    if old is not None:
        old_spec = _d(old.get("spec"))
        if spec.get("completions") != old_spec.get("completions"):
            causes.append(field_immutable("spec.completions", spec.get("completions")))
        if selector != old_spec.get("selector"):
            causes.append(field_immutable("spec.selector", go_label_selector(selector) if selector is not None else None))
        if spec.get("template") != old_spec.get("template"):
            # simplified: Go prints the whole core.PodTemplateSpec struct here
            causes.append(field_immutable("spec.template", GoLiteral("core.PodTemplateSpec{...}")))
        if spec.get("completionMode") != old_spec.get("completionMode"):
            causes.append(field_immutable("spec.completionMode", spec.get("completionMode")))
    return causes


def _validate_time_zone(tz, path: str) -> list[Cause]:
    if tz is None:
        return []
    if tz == "":
        return [invalid(path, "", "timeZone must be nil or non-empty string")]
    if str(tz).lower() == "local":
        return [invalid(path, tz, "timeZone must be an explicit time zone as defined in "
                                  "https://www.iana.org/time-zones")]
    if tz in ("UTC", "Etc/UTC"):
        return []
    try:
        from zoneinfo import ZoneInfo
        ZoneInfo(str(tz))
    except Exception:  # ZoneInfoNotFoundError, ValueError for odd names
        return [invalid(path, tz, f"unknown time zone {tz}")]
    return []


def _validate_cron_job(obj: dict, rtype, old) -> list[Cause]:
    """ValidateCronJobCreate / ValidateCronJobUpdate."""
    causes = validate_metadata(obj, rtype, old)
    spec = _d(obj.get("spec"))
    schedule = spec.get("schedule")
    if not schedule:
        causes.append(required("spec.schedule"))
    else:
        try:
            parse_schedule(str(schedule))
        except CronError as err:
            causes.append(invalid("spec.schedule", schedule, str(err)))
        allow_tz = old is not None and "TZ" in str(_d(old.get("spec")).get("schedule") or "")
        if "TZ" in str(schedule) and not allow_tz:
            causes.append(invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
        elif "TZ" in str(schedule) and spec.get("timeZone") is not None:
            causes.append(invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
    _nonnegative_fields(spec, ("startingDeadlineSeconds",), causes)
    if old is None or spec.get("timeZone") != _d(old.get("spec")).get("timeZone"):
        causes += _validate_time_zone(spec.get("timeZone"), "spec.timeZone")
    policy = spec.get("concurrencyPolicy")
    if policy is not None and policy not in ("Allow", "Forbid", "Replace"):
        causes.append(not_supported("spec.concurrencyPolicy", policy, ("Allow", "Forbid", "Replace"))
                      if policy != "" else required("spec.concurrencyPolicy"))
    job_spec = _d(_d(spec.get("jobTemplate")).get("spec"))
    causes += _validate_job_spec(job_spec, "spec.jobTemplate.spec")
    if job_spec.get("selector") is not None:
        causes.append(invalid("spec.jobTemplate.spec.selector", go_label_selector(job_spec["selector"]),
                              "`selector` will be auto-generated"))
    if job_spec.get("manualSelector") is True:
        causes.append(not_supported("spec.jobTemplate.spec.manualSelector", True, ("nil", "false")))
    _nonnegative_fields(spec, ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"), causes)
    name = str(_d(obj.get("metadata")).get("name") or "")
    if old is None and len(name) > 52:
        # the controller appends an 11-character "-<timestamp>" to name each Job (63 max)
        causes.append(invalid("metadata.name", name, "must be no more than 52 characters"))
    return causes


VALIDATORS = {
    "Deployment": _validate_deployment, "ReplicaSet": _validate_replica_set,
    "StatefulSet": _validate_stateful_set, "DaemonSet": _validate_daemon_set,
    "Job": _validate_job, "CronJob": _validate_cron_job,
}
"""kind -> validator(obj, rtype, old), merged into kubelab.api.validation's dispatcher."""


# --- cron schedules (github.com/robfig/cron/v3, ParseStandard) ------------------------

class CronError(ValueError):
    """A schedule cron.ParseStandard rejects; str() is its message."""


@dataclass(frozen=True)
class _Bounds:
    lo: int
    hi: int
    names: tuple = ()


_MINUTES, _HOURS, _DOM = _Bounds(0, 59), _Bounds(0, 23), _Bounds(1, 31)
_MONTHS = _Bounds(1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))
_DOW = _Bounds(0, 6, ("sun", "mon", "tue", "wed", "thu", "fri", "sat"))


def _atoi(expr: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", expr):
        raise CronError(f'failed to parse int from {expr}: strconv.Atoi: parsing {go_quote(expr)}: invalid syntax')
    num = int(expr)
    if num < 0:
        raise CronError(f"negative number ({num}) not allowed: {expr}")
    return num


def _int_or_name(expr: str, bounds: _Bounds) -> int:
    if expr.lower() in bounds.names:
        return bounds.names.index(expr.lower()) + (1 if bounds is _MONTHS else 0)
    return _atoi(expr)


def _get_range(expr: str, bounds: _Bounds) -> tuple[set[int], bool]:
    """getRange: ``*``, ``N``, ``N-M`` with an optional ``/step``; returns values and whether it was a star."""
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    star = low_high[0] in ("*", "?")
    if star:
        start, end = bounds.lo, bounds.hi
    else:
        start = _int_or_name(low_high[0], bounds)
        if len(low_high) == 1:
            end = start
        elif len(low_high) == 2:
            end = _int_or_name(low_high[1], bounds)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _atoi(range_and_step[1])
        if len(low_high) == 1:
            end = bounds.hi
        if step > 1:
            star = False
    else:
        raise CronError(f"too many slashes: {expr}")
    if start < bounds.lo:
        raise CronError(f"beginning of range ({start}) below minimum ({bounds.lo}): {expr}")
    if end > bounds.hi:
        raise CronError(f"end of range ({end}) above maximum ({bounds.hi}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def _get_field(field: str, bounds: _Bounds) -> tuple[frozenset, bool]:
    values: set[int] = set()
    star = False
    for expr in (e for e in field.split(",") if e):
        got, is_star = _get_range(expr, bounds)
        values |= got
        star = star or is_star
    return frozenset(values), star


def _parse_go_duration(text: str) -> timedelta:
    try:
        return timedelta(seconds=parse_duration(text))
    except ValueError as e:
        raise CronError(str(e)) from None


_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}


@dataclass(frozen=True)
class CronSchedule:
    """A parsed standard cron schedule (minute hour day-of-month month day-of-week), or ``@every``."""

    minutes: frozenset = frozenset()
    hours: frozenset = frozenset()
    days: frozenset = frozenset()
    months: frozenset = frozenset()
    weekdays: frozenset = frozenset()
    dom_star: bool = True
    dow_star: bool = True
    every: timedelta | None = None

    def _day_matches(self, t: datetime) -> bool:
        dom_ok = t.day in self.days
        dow_ok = (t.isoweekday() % 7) in self.weekdays
        if self.dom_star or self.dow_star:
            return dom_ok and dow_ok
        return dom_ok or dow_ok

    def next(self, after: datetime) -> datetime | None:
        """SpecSchedule.Next: the first activation strictly after ``after`` (UTC), None within 5 years."""
        if self.every is not None:
            delay = max(self.every, timedelta(seconds=1))
            return after.replace(microsecond=0) + timedelta(seconds=int(delay.total_seconds()))
        t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t.year + 5
        while t.year <= limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t
        return None


def parse_schedule(spec: str) -> CronSchedule:
    """cron.ParseStandard: five fields or a descriptor (``@daily``, ``@every 1h30m``); raises CronError."""
    if not spec:
        raise CronError("empty spec string")
    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
        parts = spec.split(" ", 1)
        spec = parts[1].strip() if len(parts) > 1 else ""
    if spec.startswith("@"):
        if spec.startswith("@every "):
            try:
                return CronSchedule(every=_parse_go_duration(spec[len("@every "):]))
            except CronError as err:
                raise CronError(f"failed to parse duration {spec}: {err}") from None
        if spec not in _DESCRIPTORS:
            raise CronError(f"unrecognized descriptor: {spec}")
        spec = _DESCRIPTORS[spec]
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    minutes, _ = _get_field(fields[0], _MINUTES)
    hours, _ = _get_field(fields[1], _HOURS)
    days, dom_star = _get_field(fields[2], _DOM)
    months, _ = _get_field(fields[3], _MONTHS)
    weekdays, dow_star = _get_field(fields[4], _DOW)
    return CronSchedule(minutes, hours, days, months, weekdays, dom_star, dow_star)


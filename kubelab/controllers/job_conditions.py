"""Job conditions (pkg/controller/job/util and the condition helpers of the Job controller).

A Job is finished once it has a ``Complete`` or ``Failed`` condition with status
True. Since Kubernetes 1.31 those terminal conditions are preceded by interim
ones, ``SuccessCriteriaMet`` and ``FailureTarget``, added as soon as the outcome
is known; the terminal one follows once every Pod of the Job has terminated.
"""
from __future__ import annotations

from datetime import datetime

from ..api.meta import format_time

__all__ = ["ensure_condition", "find_condition", "finished_condition", "is_finished", "new_condition"]


def find_condition(job: dict, type_: str) -> dict | None:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return cond
    return None


def finished_condition(job: dict) -> dict | None:
    """util.FinishedCondition: the True ``Complete`` or ``Failed`` condition, if any."""
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return cond
    return None


def is_finished(job: dict) -> bool:
    return finished_condition(job) is not None


def new_condition(type_: str, status: str, reason: str, message: str, now: datetime) -> dict:
    stamp = format_time(now)
    return {"type": type_, "status": status, "lastProbeTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def ensure_condition(conditions: list[dict], type_: str, status: str, reason: str, message: str,
                     now: datetime) -> bool:
    """ensureJobConditionStatus: set the condition in place (never add a False one);
    returns whether the list changed."""
    for i, cond in enumerate(conditions):
        if cond.get("type") == type_:
            if (cond.get("status"), cond.get("reason", ""), cond.get("message", "")) != (status, reason, message):
                conditions[i] = new_condition(type_, status, reason, message, now)
                return True
            return False
    if status != "False":
        conditions.append(new_condition(type_, status, reason, message, now))
        return True
    return False

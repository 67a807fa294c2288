"""The Job controller's pod failure backoff (pkg/controller/job/backoff_utils.go).

After a Pod of a Job fails, the replacement waits 10 s; each further failure
since the last success doubles the wait, up to 10 minutes (the controller's
MaxJobPodFailureBackOff; the Job docs still say six). The clock starts at the
failed Pod's finish time, so a Pod that failed long ago is replaced at once.

Worked example, three consecutive failures, the last finishing at 12:00:00:
the delay is 10 s * 2 * 2 = 40 s, so the next Pod is created at 12:00:40.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..api.meta import parse_time

__all__ = ["BackoffRecord", "BackoffStore", "finish_time", "remaining_backoff",
           "DEFAULT_BACKOFF", "MAX_BACKOFF"]

DEFAULT_BACKOFF = 10.0        # DefaultJobPodFailureBackOff
MAX_BACKOFF = 600.0           # MaxJobPodFailureBackOff (10 minutes)


def finish_time(pod: dict) -> datetime:
    """getFinishedTime: the latest container finish, else when Ready turned False,
    else the deletion time less the grace period, else the creation time."""
    status, meta = pod.get("status") or {}, pod["metadata"]
    statuses = status.get("containerStatuses") or []
    finished = [(s.get("state") or {}).get("terminated", {}).get("finishedAt") for s in statuses]
    if statuses and all(finished):
        return max(parse_time(t) for t in finished)
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Ready" and cond.get("status") == "False" and cond.get("lastTransitionTime"):
            return parse_time(cond["lastTransitionTime"])
    if meta.get("deletionTimestamp"):
        return parse_time(meta["deletionTimestamp"]) - timedelta(seconds=meta.get("deletionGracePeriodSeconds") or 0)
    return parse_time(meta["creationTimestamp"])


@dataclass(frozen=True)
class BackoffRecord:
    """backoffRecord: failures since the last success and when the last one finished."""

    key: str
    failures_after_last_success: int = 0
    last_failure_time: datetime | None = None

    def remaining(self, now: datetime) -> float:
        return remaining_backoff(self.failures_after_last_success, self.last_failure_time, now)


def remaining_backoff(failures: int, last_failure: datetime | None, now: datetime,
                      base: float = DEFAULT_BACKOFF, cap: float = MAX_BACKOFF) -> float:
    """getRemainingTimeForFailuresCount: seconds still to wait before creating a Pod."""
    if failures == 0 or last_failure is None:
        return 0.0
    delay = base
    for _ in range(1, failures):
        delay *= 2
        if delay >= cap:
            delay = cap
            break
    elapsed = (now - last_failure).total_seconds()
    return 0.0 if delay < elapsed else delay - elapsed


class BackoffStore:
    """The controller's in-memory backoff records, one per Job key."""

    def __init__(self):
        self._records: dict[str, BackoffRecord] = {}

    def new_record(self, key: str, new_succeeded: list[dict], new_failed: list[dict]) -> BackoffRecord:
        """newBackoffRecord: fold the Pods that finished since the last sync into the record."""
        old = self._records.get(key, BackoffRecord(key))
        failed = sorted(finish_time(p) for p in new_failed)
        if not new_succeeded:
            if not failed:
                return old
            return BackoffRecord(key, old.failures_after_last_success + len(failed), failed[-1])
        last_success = max(finish_time(p) for p in new_succeeded)
        after = [t for t in failed if t > last_success]
        return BackoffRecord(key, len(after), after[-1] if after else None)

    def update(self, record: BackoffRecord) -> None:
        self._records[record.key] = record

    def remove(self, key: str) -> None:
        self._records.pop(key, None)

"""The CronJob controller (pkg/controller/cronjob/cronjob_controllerv2.go).

Each sync of a CronJob reads like the real one: forget finished Jobs from
``status.active`` (SawCompletedJob), delete the oldest finished Jobs beyond
``successfulJobsHistoryLimit`` / ``failedJobsHistoryLimit``, then, unless the
CronJob is suspended, find the most recent missed schedule time and start a
Job named ``<cronjob>-<minutes since the epoch>`` for it, honouring
``startingDeadlineSeconds`` and ``concurrencyPolicy`` (Allow, Forbid, Replace).
Finally the controller requeues the CronJob for 100 ms after its next
scheduled time.

Those requeue timers are real work that never ends: a cluster with a CronJob
never settles, so ``Cluster.run()`` without ``seconds`` raises NotSettled
naming "cronjob-controller". Advance such a cluster with ``run(seconds=...)``.
"""
from __future__ import annotations

import copy
from datetime import datetime, timezone
from zoneinfo import ZoneInfoNotFoundError

from .. import errors
from ..api.meta import controller_ref, format_time, parse_time
from .base import Controller, key_of
from .controller_utils import new_controller_ref
from .cronjob_schedule import (
    TOO_MANY_MISSED, CronError, InvalidSchedule, Schedule, job_name, load_zone, most_recent_schedule_time,
    next_schedule_delay,
)
from .job_conditions import finished_condition, is_finished

__all__ = ["CronJobController", "SCHEDULED_TIMESTAMP"]

#: The annotation recording a Job's scheduled time (CronJobsScheduledAnnotation, on since 1.30).
SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"


def _rfc3339(t: datetime) -> str:
    """Go's time.RFC3339 in the time's own zone: ``Z`` for a zero offset, else ``+01:00``."""
    offset = t.utcoffset().total_seconds() if t.utcoffset() else 0
    if not offset:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    sign, minutes = ("+" if offset > 0 else "-"), int(abs(offset)) // 60
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def job_from_template(cronjob: dict, scheduled: datetime) -> dict:
    """getJobFromTemplate2: the Job for one scheduled time, controlled by the CronJob."""
    template = cronjob["spec"]["jobTemplate"]
    meta = template.get("metadata") or {}
    zone = load_zone(cronjob["spec"].get("timeZone"))
    annotations = {**(meta.get("annotations") or {}), SCHEDULED_TIMESTAMP: _rfc3339(scheduled.astimezone(zone))}
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": job_name(cronjob, scheduled), "namespace": cronjob["metadata"]["namespace"],
                         "labels": dict(meta.get("labels") or {}), "annotations": annotations,
                         "ownerReferences": [new_controller_ref(cronjob)]},
            "spec": copy.deepcopy(template["spec"])}


def _job_ref(job: dict) -> dict:
    m = job["metadata"]
    return {"kind": "Job", "namespace": m["namespace"], "name": m["name"], "uid": m["uid"],
            "apiVersion": "batch/v1", "resourceVersion": m["resourceVersion"]}


def _active(cronjob: dict) -> list[dict]:
    return (cronjob.get("status") or {}).get("active") or []


def _drop_active(cronjob: dict, uid: str) -> None:
    """deleteFromActiveList (an empty list is omitted, as Go's omitempty does)."""
    status = cronjob.setdefault("status", {})
    status["active"] = [ref for ref in _active(cronjob) if ref.get("uid") != uid]
    if not status["active"]:
        del status["active"]


def _start_time_order(job: dict):
    """byJobStartTime: by status.startTime (Jobs not started last), then name."""
    start = (job.get("status") or {}).get("startTime")
    return (start is None, start or "", job["metadata"]["name"])


class CronJobController(Controller):
    """kube-controller-manager's cronjob-controller."""

    name = "cronjob-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.cronjobs = self.informer("cronjobs")
        self.jobs = self.informer("jobs")
        self.cronjobs.add_handler(self.enqueue, self._cronjob_updated, self.enqueue)
        self.jobs.add_handler(self._job_changed, self._job_updated, self._job_changed)

    # -- event handlers ----------------------------------------------------
    def _owner(self, job: dict, ref: dict | None = None) -> dict | None:
        """resolveControllerRef: the CronJob a controller reference names, if it is that very object."""
        ref = ref if ref is not None else controller_ref(job)
        if not ref or ref.get("kind") != "CronJob":
            return None
        owner = self.cronjobs.get(ref["name"], job["metadata"]["namespace"])
        return owner if owner is not None and owner["metadata"]["uid"] == ref.get("uid") else None

    def _job_changed(self, job: dict) -> None:
        owner = self._owner(job)
        if owner is not None:
            self.enqueue(owner)

    def _job_updated(self, old: dict, new: dict) -> None:
        if old["metadata"]["resourceVersion"] == new["metadata"]["resourceVersion"]:
            return
        old_ref, new_ref = controller_ref(old), controller_ref(new)
        if old_ref != new_ref and old_ref is not None and (owner := self._owner(old, old_ref)) is not None:
            self.enqueue(owner)
        self._job_changed(new)

    def _cronjob_updated(self, old: dict, new: dict) -> None:
        """A changed schedule or time zone requeues for the new next time; anything else syncs now."""
        o, n = old["spec"], new["spec"]
        if (o.get("schedule"), o.get("timeZone")) == (n.get("schedule"), n.get("timeZone")):
            self.enqueue(new)
            return
        try:
            schedule = Schedule.of(new)
        except (CronError, ZoneInfoNotFoundError):
            self.recorder.event(new, "Warning", "UnParseableCronJobSchedule",
                                f'unparseable schedule for cronjob: {n.get("schedule")}')
            return
        delay = next_schedule_delay(new, self.loop.clock.now(), schedule)
        if delay is not None:
            self.queue.add_after(key_of(new), delay)

    # -- the sync recipe ------------------------------------------------------
    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        cached = self.cronjobs.get(name, namespace)
        if cached is None:
            return
        jobs = [j for j in self.jobs.list(namespace)
                if (ref := controller_ref(j)) is not None and ref.get("name") == name]
        cronjob = copy.deepcopy(cached)
        cleaned = self._cleanup_finished_jobs(cronjob, jobs)
        requeue, changed, failure = self._sync_cronjob(cronjob, jobs)
        if cleaned or changed:
            self.api.update(cronjob, subresource="status")
        if requeue is not None:
            self.queue.add_after(key, requeue)
        elif failure is not None:
            raise failure

    def _sync_cronjob(self, cronjob: dict, jobs: list[dict]) -> tuple[float | None, bool, errors.ApiError | None]:
        """syncCronJob: returns (requeue after seconds, status changed, error to retry on)."""
        now = self.loop.clock.now()
        changed = False
        status = cronjob.setdefault("status", {})
        children = set()
        for job in jobs:
            uid = job["metadata"]["uid"]
            children.add(uid)
            found = any(ref.get("uid") == uid for ref in _active(cronjob))
            if not found and not is_finished(job):
                try:
                    fresh = self.api.get("cronjobs", cronjob["metadata"]["name"],
                                         namespace=cronjob["metadata"]["namespace"])
                except errors.ApiError as e:
                    return None, changed, e
                if any(ref.get("uid") == uid for ref in _active(fresh)):
                    cronjob.clear()
                    cronjob.update(fresh)
                    status = cronjob.setdefault("status", {})
                    continue
                self.recorder.event(cronjob, "Warning", "UnexpectedJob",
                                    f'Saw a job that the controller did not create or forgot: {job["metadata"]["name"]}')
            elif found and is_finished(job):
                _drop_active(cronjob, uid)
                self.recorder.event(cronjob, "Normal", "SawCompletedJob",
                                    f'Saw completed job: {job["metadata"]["name"]}, '
                                    f'status: {finished_condition(job)["type"]}')
                changed = True
            elif (cond := finished_condition(job)) is not None and cond["type"] == "Complete":
                completed = (job.get("status") or {}).get("completionTime")
                last = status.get("lastSuccessfulTime")
                if completed and (last is None or parse_time(completed) > parse_time(last)):
                    status["lastSuccessfulTime"] = completed
                    changed = True
        for ref in list(_active(cronjob)):
            if ref.get("uid") in children:
                continue
            try:
                self.api.get("jobs", ref["name"], namespace=ref.get("namespace"))
            except errors.NotFound:
                self.recorder.event(cronjob, "Normal", "MissingJob", f'Active job went missing: {ref["name"]}')
                _drop_active(cronjob, ref.get("uid"))
                changed = True
            except errors.ApiError as e:
                return None, changed, e
        if cronjob["metadata"].get("deletionTimestamp"):
            return None, changed, None
        spec = cronjob["spec"]
        if spec.get("timeZone") is not None:
            try:
                load_zone(spec["timeZone"])
            except ZoneInfoNotFoundError as e:
                self.recorder.event(cronjob, "Warning", "UnknownTimeZone", f'invalid timeZone: "{spec["timeZone"]}": {e}')
                return None, changed, None
        if spec.get("suspend"):
            return None, changed, None
        if "TZ" in spec["schedule"]:
            self.recorder.event(cronjob, "Warning", "UnsupportedSchedule",
                                f'CRON_TZ or TZ used in schedule "{spec["schedule"]}" is not officially supported, '
                                "see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ "
                                "for more details")
        try:
            schedule = Schedule.of(cronjob)
        except (CronError, ZoneInfoNotFoundError) as e:
            self.recorder.event(cronjob, "Warning", "UnparseableSchedule",
                                f'unparseable schedule: "{spec["schedule"]}" : {e}')
            return None, changed, None
        try:
            _, scheduled, missed = most_recent_schedule_time(cronjob, now, schedule, True)
        except InvalidSchedule as e:
            self.recorder.event(cronjob, "Warning", "InvalidSchedule", f'invalid schedule: {spec["schedule"]} : {e}')
            return None, changed, None
        if scheduled is None:
            return next_schedule_delay(cronjob, now, schedule), changed, None
        if missed > TOO_MANY_MISSED:
            self.recorder.event(cronjob, "Warning", "TooManyMissedTimes",
                                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds "
                                "or check clock skew")
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and (now - scheduled).total_seconds() > deadline:
            self.recorder.event(cronjob, "Warning", "MissSchedule", "Missed scheduled time to start a job: "
                                + scheduled.astimezone(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000"))
            return next_schedule_delay(cronjob, now, schedule), changed, None
        name = job_name(cronjob, scheduled)
        if any(ref.get("name") == name for ref in _active(cronjob)) or \
                status.get("lastScheduleTime") == format_time(scheduled):
            return next_schedule_delay(cronjob, now, schedule), changed, None
        if spec.get("concurrencyPolicy") == "Forbid" and _active(cronjob):
            self.recorder.event(cronjob, "Normal", "JobAlreadyActive", "Not starting job because prior execution "
                                "is running and concurrency policy is Forbid")
            return next_schedule_delay(cronjob, now, schedule), changed, None
        if spec.get("concurrencyPolicy") == "Replace":
            for ref in list(_active(cronjob)):
                try:
                    job = self.api.get("jobs", ref["name"], namespace=ref.get("namespace"))
                except errors.ApiError as e:
                    self.recorder.event(cronjob, "Warning", "FailedGet", f"Get job: {e}")
                    return None, changed, e
                if not self._delete_job(cronjob, job):
                    return None, changed, errors.ApiError(
                        f'could not replace job {job["metadata"]["namespace"]}/{job["metadata"]["name"]}')
                changed = True
        started, failure = self._start_job(cronjob, scheduled)
        if not started:
            return None, changed, failure
        return next_schedule_delay(cronjob, now, schedule), True, None

    def _start_job(self, cronjob: dict, scheduled: datetime) -> tuple[bool, errors.ApiError | None]:
        """Create the Job for ``scheduled`` and list it as active. (False, None): the Job
        exists already and someone else tracks it; (False, error): retry later."""
        request = job_from_template(cronjob, scheduled)
        try:
            job = self.api.create(request)
            self.recorder.event(cronjob, "Normal", "SuccessfulCreate", f'Created job {job["metadata"]["name"]}')
        except errors.AlreadyExists:
            try:
                job = self.api.get("jobs", request["metadata"]["name"], namespace=request["metadata"]["namespace"])
            except errors.ApiError as e:
                return False, e
            ref = controller_ref(job)
            if ref is None or ref.get("uid") != cronjob["metadata"]["uid"] or \
                    any(r.get("uid") == job["metadata"]["uid"] for r in _active(cronjob)):
                return False, None
        except errors.ApiError as e:
            self.recorder.event(cronjob, "Warning", "FailedCreate", f"Error creating job: {e}")
            return False, e
        status = cronjob.setdefault("status", {})
        status["active"] = [*_active(cronjob), _job_ref(job)]
        status["lastScheduleTime"] = format_time(scheduled)
        return True, None

    # -- history limits -------------------------------------------------------
    def _cleanup_finished_jobs(self, cronjob: dict, jobs: list[dict]) -> bool:
        """cleanupFinishedJobs: keep the newest successful and failed Jobs up to the limits."""
        spec = cronjob["spec"]
        changed = False
        for outcome, limit in (("Complete", spec.get("successfulJobsHistoryLimit")),
                               ("Failed", spec.get("failedJobsHistoryLimit"))):
            if limit is None:
                continue
            done = sorted((j for j in jobs if (c := finished_condition(j)) is not None and c["type"] == outcome),
                          key=_start_time_order)
            for job in done[:max(0, len(done) - limit)]:
                changed = self._delete_job(cronjob, job) or changed
        return changed

    def _delete_job(self, cronjob: dict, job: dict) -> bool:
        """deleteJob: delete the Job (its Pods follow in the background) and forget it."""
        m = job["metadata"]
        try:
            self.api.delete("jobs", m["name"], namespace=m["namespace"], propagation_policy="Background")
        except errors.ApiError as e:
            self.recorder.event(cronjob, "Warning", "FailedDelete", f"Deleted job: {e}")
            return False
        _drop_active(cronjob, m["uid"])
        self.recorder.event(cronjob, "Normal", "SuccessfulDelete", f'Deleted job {m["name"]}')
        return True

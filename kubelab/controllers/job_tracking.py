"""Counting a Job's finished Pods with finalizers (job_controller.go's
trackJobStatusAndRemoveFinalizers and tracking_utils.go).

Every Pod of a Job carries the ``batch.kubernetes.io/job-tracking`` finalizer, so
it cannot vanish before the controller has counted it. Counting is three
writes, safe against crashes in between: the finished Pod's uid goes into
``status.uncountedTerminatedPods``; the finalizer comes off the Pod; the uid
moves from the uncounted list into ``status.succeeded`` or ``status.failed``.
An Indexed Job counts succeeded indexes (``completedIndexes``) instead of uids.

The terminal condition (``Complete``/``Failed``) is added only once nothing is
left uncounted and no Pod of the Job is still terminating.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import errors
from .job_backoff import BackoffRecord
from .job_conditions import ensure_condition, find_condition, new_condition
from .job_indexes import Intervals, completion_index

__all__ = ["TRACKING_FINALIZER", "JobSync", "JobStatusTracking", "has_tracking_finalizer", "is_pod_failed",
           "is_terminating", "new_finished_pods", "only_replace_failed"]

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
MAX_UNCOUNTED = 500                  # MaxUncountedPods: keeps the status under about 20 KB


def has_tracking_finalizer(pod: dict) -> bool:
    return TRACKING_FINALIZER in (pod["metadata"].get("finalizers") or ())


def only_replace_failed(job: dict) -> bool:
    """podReplacementPolicy Failed: a terminating Pod is replaced only once it has failed."""
    return job["spec"].get("podReplacementPolicy") == "Failed"


def is_terminating(pod: dict) -> bool:
    """controller.FilterTerminatingPods: being deleted, not yet Succeeded or Failed."""
    return bool(pod["metadata"].get("deletionTimestamp")) and \
        (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def is_pod_failed(pod: dict, job: dict) -> bool:
    """isPodFailed: Failed, or (unless only failed Pods are replaced) deleted before succeeding."""
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Failed":
        return True
    if only_replace_failed(job):
        return False
    return bool(pod["metadata"].get("deletionTimestamp")) and phase != "Succeeded"


@dataclass
class JobSync:
    """syncJobCtx: what one sync of a Job has worked out so far."""

    key: str
    job: dict
    pods: list[dict]
    active_pods: list[dict]
    ready: int
    terminating: int
    uncounted_succeeded: set = field(default_factory=set)
    uncounted_failed: set = field(default_factory=set)
    expected_removals: set = field(default_factory=set)
    succeeded: int = 0
    failed: int = 0
    prev_indexes: Intervals = Intervals()
    indexes: Intervals = Intervals()
    finished: dict | None = None
    backoff: BackoffRecord | None = None

    @property
    def indexed(self) -> bool:
        return self.job["spec"].get("completionMode") == "Indexed"

    def valid_index(self, pod: dict) -> bool:
        index = completion_index(pod)
        return index is not None and index < self.job["spec"]["completions"]


def uncounted(status: dict, kind: str) -> list:
    return status.setdefault("uncountedTerminatedPods", {}).setdefault(kind, [])


def new_finished_pods(ctx: JobSync) -> tuple[list[dict], list[dict]]:
    """getNewFinishedPods: finished Pods not yet counted nor listed as uncounted."""
    succeeded, failed = [], []
    for pod in ctx.pods:
        uid = pod["metadata"]["uid"]
        if not has_tracking_finalizer(pod) or uid in ctx.expected_removals or (ctx.indexed and not ctx.valid_index(pod)):
            continue
        if (pod.get("status") or {}).get("phase") == "Succeeded" and uid not in ctx.uncounted_succeeded:
            succeeded.append(pod)
        elif is_pod_failed(pod, ctx.job) and uid not in ctx.uncounted_failed:
            failed.append(pod)
    return succeeded, failed


def clean_uncounted(status: dict, with_finalizer: set) -> bool:
    """cleanUncountedPodsWithoutFinalizers: uids whose finalizer is gone become counts."""
    changed = False
    for kind in ("succeeded", "failed"):
        listed = uncounted(status, kind)
        keep = [uid for uid in listed if uid in with_finalizer]
        if len(keep) != len(listed):
            status[kind] = status.get(kind, 0) + len(listed) - len(keep)
            status["uncountedTerminatedPods"][kind] = keep
            changed = True
    return changed


def wire_status(status: dict) -> dict:
    """JobStatus as Go serialises it: zero counts, empty lists and "" are omitted."""
    out = {k: v for k, v in status.items() if not (k in ("active", "succeeded", "failed") and v == 0)
           and not (k == "completedIndexes" and v == "")}
    out["uncountedTerminatedPods"] = {k: v for k, v in (status.get("uncountedTerminatedPods") or {}).items() if v}
    return out


class JobStatusTracking:
    """The counting half of the Job controller (mixed into JobController)."""

    def _track_status(self, ctx: JobSync, needs_flush: bool) -> None:
        """trackJobStatusAndRemoveFinalizers."""
        job = ctx.job
        status = job["status"]
        pods = sorted(ctx.pods, key=lambda p: completion_index(p) if completion_index(p) is not None else -1) \
            if ctx.indexed else ctx.pods
        with_finalizer = {p["metadata"]["uid"] for p in pods
                          if has_tracking_finalizer(p) and p["metadata"]["uid"] not in ctx.expected_removals}
        needs_flush = clean_uncounted(status, with_finalizer) or needs_flush
        to_remove, new_indexes, reached_max = [], [], False
        for pod in pods:
            uid = pod["metadata"]["uid"]
            if not has_tracking_finalizer(pod) or uid in ctx.expected_removals:
                continue
            failed = is_pod_failed(pod, job)
            phase = (pod.get("status") or {}).get("phase")
            if not (job["metadata"].get("deletionTimestamp") or ctx.finished or phase == "Succeeded" or failed):
                continue
            to_remove.append(pod)
            if phase == "Succeeded" and uid not in ctx.uncounted_failed:
                if ctx.indexed:
                    index = completion_index(pod)
                    if ctx.valid_index(pod) and not ctx.prev_indexes.has(index):
                        new_indexes.append(index)
                        needs_flush = True
                elif uid not in ctx.uncounted_succeeded:
                    uncounted(status, "succeeded").append(uid)
                    needs_flush = True
            elif failed or (ctx.finished and ctx.finished["type"] != "SuccessCriteriaMet"):
                if uid not in ctx.uncounted_failed and (not ctx.indexed or ctx.valid_index(pod)):
                    uncounted(status, "failed").append(uid)
                    needs_flush = True
            if len(new_indexes) + len(uncounted(status, "succeeded")) + len(uncounted(status, "failed")) \
                    >= MAX_UNCOUNTED:
                reached_max = True
                break
        if ctx.indexed:
            ctx.indexes = ctx.indexes.with_indexes(new_indexes)
            if str(ctx.indexes) != status.get("completedIndexes", ""):
                needs_flush = True
            status["succeeded"], status["completedIndexes"] = ctx.indexes.total(), str(ctx.indexes)
        now = self.loop.clock.now()
        if ctx.finished and ctx.finished["type"] == "FailureTarget":
            status.setdefault("conditions", []).append(ctx.finished)
            needs_flush = True
            ctx.finished = new_condition("Failed", "True", ctx.finished["reason"], ctx.finished["message"], now)
        elif ctx.finished and ctx.finished["type"] == "SuccessCriteriaMet":
            if find_condition(job, "SuccessCriteriaMet") is None:
                status.setdefault("conditions", []).append(ctx.finished)
                needs_flush = True
            ctx.finished = new_condition("Complete", "True", ctx.finished["reason"], ctx.finished["message"], now)
        failure, needs_flush = self._flush_and_remove_finalizers(ctx, to_remove, with_finalizer, needs_flush)
        finished = not reached_max and self._enact_finished(ctx)
        if finished or needs_flush:
            self._write_status(ctx)
            if finished:
                self._record_finished(ctx)
        if failure is not None:
            raise failure

    def _write_status(self, ctx: JobSync) -> None:
        job = ctx.job
        stored = self.api.update({**job, "status": wire_status(job["status"])}, subresource="status")
        stored.setdefault("status", {}).setdefault("uncountedTerminatedPods", {})
        ctx.job = stored

    def _flush_and_remove_finalizers(self, ctx: JobSync, to_remove: list[dict], with_finalizer: set,
                                     needs_flush: bool) -> tuple[errors.ApiError | None, bool]:
        """flushUncountedAndRemoveFinalizers: write the uncounted uids, take the finalizers
        off, then fold the uids whose finalizer is gone into the counters."""
        if needs_flush:
            self._write_status(ctx)
            self.backoff.update(ctx.backoff)
            needs_flush = False
        failure = None
        if to_remove:
            pending = self.finalizer_removals.setdefault(ctx.key, set())
            for pod in to_remove:
                m = pod["metadata"]
                pending.add(m["uid"])
                try:
                    self.pod_control.patch(m["namespace"], m["name"], {
                        "metadata": {"$deleteFromPrimitiveList/finalizers": [TRACKING_FINALIZER]}})
                except errors.ApiError as e:
                    pending.discard(m["uid"])
                    if not isinstance(e, errors.NotFound):
                        failure = failure or e
                        continue
                with_finalizer.discard(m["uid"])
        if clean_uncounted(ctx.job["status"], with_finalizer):
            needs_flush = True
        if failure is not None and needs_flush:
            self._write_status(ctx)
        return failure, needs_flush

    def _enact_finished(self, ctx: JobSync) -> bool:
        """enactJobFinished: add the terminal condition once nothing is uncounted or terminating."""
        if ctx.finished is None:
            return False
        status = ctx.job["status"]
        if uncounted(status, "succeeded") or uncounted(status, "failed") or ctx.terminating > 0:
            return False
        cond = ctx.finished
        ensure_condition(status.setdefault("conditions", []), cond["type"], cond["status"], cond["reason"],
                         cond["message"], self.loop.clock.now())
        if cond["type"] == "Complete":
            status["completionTime"] = cond["lastTransitionTime"]
        return True

    def _record_finished(self, ctx: JobSync) -> None:
        """recordJobFinished: Completed (and TooManySucceededPods), or the failure reason."""
        job, cond = ctx.job, ctx.finished
        if cond["type"] == "Complete":
            completions = job["spec"].get("completions")
            if completions is not None and job["status"].get("succeeded", 0) > completions:
                self.recorder.event(job, "Warning", "TooManySucceededPods",
                                    "Too many succeeded pods running after completion count reached")
            self.recorder.event(job, "Normal", "Completed", "Job completed")
        else:
            self.recorder.event(job, "Warning", cond["reason"], cond["message"])

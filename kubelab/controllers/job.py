"""The Job controller (pkg/controller/job/job_controller.go), as of Kubernetes 1.32.

A sync of a Job reads like the real syncJob: claim the Job's Pods, count the
newly finished ones, decide whether the Job has failed (more failures than
``backoffLimit``, container restarts past it under ``restartPolicy: OnFailure``,
or ``activeDeadlineSeconds`` passed) or succeeded, otherwise keep
``min(parallelism, completions - succeeded)`` Pods running (none while
``suspend``), waiting out the pod failure backoff before replacing failed
Pods, and finally count and release the finished Pods (job_tracking.py).

Pods are named ``<job>-<5 chars>`` (``<job>-<index>-<5 chars>`` when Indexed),
labelled ``batch.kubernetes.io/job-name`` and ``batch.kubernetes.io/controller-uid``
(from the template the API server generated) and carry the tracking finalizer.
Pod events reach a Job's sync one second later (syncJobBatchPeriod), so one
sync sees a burst of them.

simplified: podFailurePolicy, successPolicy, backoffLimitPerIndex and managedBy are not implemented.
"""
from __future__ import annotations

import copy

from .. import errors
from ..api.labels import selector_from_label_selector
from ..api.meta import controller_ref, format_time, parse_time
from .base import Controller, key_of
from .controller_utils import (
    CONTROLLER_UID_INDEX, ControllerExpectations, claim_pods, controller_uid_index, filter_active_pods, is_pod_ready,
    pods_owned_by,
)
from .job_backoff import BackoffStore
from .job_conditions import ensure_condition, find_condition, is_finished, new_condition
from .job_indexes import Intervals, completion_index
from .job_manage import SYNC_BATCH_PERIOD, JobPodManagement, is_suspended
from .job_tracking import (
    TRACKING_FINALIZER, JobStatusTracking, JobSync, has_tracking_finalizer, is_terminating, new_finished_pods,
)
from .podcontrol import PodControl

__all__ = ["JobController"]


def past_backoff_limit_on_failure(job: dict, pods: list[dict]) -> bool:
    """pastBackoffLimitOnFailure: under ``restartPolicy: OnFailure`` the kubelet restarts
    containers in place, so their restarts (in Pending and Running Pods) count as failures."""
    if job["spec"]["template"]["spec"].get("restartPolicy") != "OnFailure":
        return False
    restarts = sum(s.get("restartCount", 0) for p in pods
                   if (p.get("status") or {}).get("phase") in ("Pending", "Running")
                   for s in [*(p["status"].get("initContainerStatuses") or []),
                             *(p["status"].get("containerStatuses") or [])])
    limit = job["spec"]["backoffLimit"]
    return restarts > 0 if limit == 0 else restarts >= limit


class JobController(JobPodManagement, JobStatusTracking, Controller):
    """kube-controller-manager's job-controller."""

    name = "job-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.jobs = self.informer("jobs")
        self.pods = self.informer("pods")
        self.pods.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
        self.expectations = ControllerExpectations(loop.clock)
        self.finalizer_removals: dict[str, set[str]] = {}     # finalizerExpectations: job key -> pod uids
        self.backoff = BackoffStore()
        self.pod_control = PodControl(api, self.recorder)
        self.jobs.add_handler(self.enqueue, self._job_updated, self._job_deleted)
        self.pods.add_handler(self._pod_added, self._pod_updated, lambda pod: self._pod_deleted(pod, final=True))

    # -- event handlers -----------------------------------------------------------
    def _owner(self, pod: dict, ref: dict | None = None) -> dict | None:
        ref = ref if ref is not None else controller_ref(pod)
        if not ref or ref.get("kind") != "Job":
            return None
        job = self.jobs.get(ref["name"], pod["metadata"]["namespace"])
        return job if job is not None and job["metadata"]["uid"] == ref.get("uid") else None

    def _batched(self, job: dict) -> None:
        self.enqueue_after(job, SYNC_BATCH_PERIOD)

    def _matching_jobs(self, pod: dict) -> list[dict]:
        labels = pod["metadata"].get("labels") or {}
        return [j for j in self.jobs.list(pod["metadata"]["namespace"])
                if j["spec"].get("selector") and selector_from_label_selector(j["spec"]["selector"]).matches(labels)]

    def _orphan(self, pod: dict) -> None:
        """An orphan Pod still holding the finalizer gets it removed (the orphan queue)."""
        if has_tracking_finalizer(pod):
            self.queue.add(("pod", key_of(pod)))

    def _removal_observed(self, job: dict, pod: dict) -> None:
        self.finalizer_removals.get(key_of(job), set()).discard(pod["metadata"]["uid"])

    def _pod_added(self, pod: dict) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._pod_deleted(pod, final=False)
            return
        if controller_ref(pod) is not None:
            job = self._owner(pod)
            if job is not None:
                self.expectations.creation_observed(key_of(job))
                self._batched(job)
            return
        self._orphan(pod)
        for job in self._matching_jobs(pod):
            self._batched(job)

    def _pod_updated(self, old: dict, new: dict) -> None:
        if old["metadata"]["resourceVersion"] == new["metadata"]["resourceVersion"]:
            return
        if new["metadata"].get("deletionTimestamp"):
            self._pod_deleted(new, final=False)
            return
        released = not has_tracking_finalizer(new)
        old_ref, new_ref = controller_ref(old), controller_ref(new)
        if old_ref != new_ref and old_ref is not None and (job := self._owner(old, old_ref)) is not None:
            if released:
                self._removal_observed(job, new)
            self._batched(job)
        if new_ref is not None:
            job = self._owner(new)
            if job is not None:
                if released:
                    self._removal_observed(job, new)
                self._batched(job)
            return
        self._orphan(new)
        if old["metadata"].get("labels") != new["metadata"].get("labels") or old_ref != new_ref:
            for job in self._matching_jobs(new):
                self._batched(job)

    def _pod_deleted(self, pod: dict, final: bool) -> None:
        if controller_ref(pod) is None:
            self._orphan(pod)
            return
        job = self._owner(pod)
        if job is None or is_finished(job):
            self._orphan(pod)
            return
        self.expectations.deletion_observed(key_of(job), key_of(pod))
        if final or not has_tracking_finalizer(pod):
            self._removal_observed(job, pod)
        self._batched(job)

    def _job_updated(self, old: dict, new: dict) -> None:
        if new["metadata"].get("generation") == old["metadata"].get("generation"):
            self._batched(new)
        else:
            self.enqueue(new)
        if is_finished(new):
            self._release_pods(new)
        deadline = new["spec"].get("activeDeadlineSeconds")
        start = (new.get("status") or {}).get("startTime")
        if start and deadline is not None and deadline != old["spec"].get("activeDeadlineSeconds"):
            passed = (self.loop.clock.now() - parse_time(start)).total_seconds()
            self.enqueue_after(new, deadline - passed)

    def _job_deleted(self, job: dict) -> None:
        self.enqueue(job)
        self._release_pods(job)

    def _release_pods(self, job: dict) -> None:
        """cleanupPodFinalizers: the finished or deleted Job's Pods lose their finalizer."""
        for pod in pods_owned_by(self.pods, job, include_orphans=False):
            if has_tracking_finalizer(pod):
                self.queue.add(("pod", key_of(pod)))

    # -- sync -------------------------------------------------------------------------
    def sync(self, key) -> None:
        if isinstance(key, tuple):
            self._sync_orphan_pod(key[1])
            return
        namespace, name = key.split("/", 1)
        cached = self.jobs.get(name, namespace)
        if cached is None:
            self.expectations.delete(key)
            self.finalizer_removals.pop(key, None)
            self.backoff.remove(key)
            return
        if is_finished(cached):
            self.backoff.remove(key)
            return
        job = copy.deepcopy(cached)
        spec, status = job["spec"], job.setdefault("status", {})
        unc = status.setdefault("uncountedTerminatedPods", {})
        satisfied = self.expectations.satisfied(key)
        pods = self._pods_for(job)
        active_pods = filter_active_pods(pods)
        ctx = JobSync(key, job, pods, active_pods, ready=sum(map(is_pod_ready, active_pods)),
                      terminating=sum(map(is_terminating, pods)),
                      uncounted_succeeded=set(unc.get("succeeded") or ()), uncounted_failed=set(unc.get("failed") or ()),
                      expected_removals=set(self.finalizer_removals.get(key, ())))
        active = len(active_pods)
        new_succeeded, new_failed = new_finished_pods(ctx)
        ctx.succeeded = status.get("succeeded", 0) + len(new_succeeded) + len(ctx.uncounted_succeeded)
        ctx.failed = status.get("failed", 0) + len(new_failed) + len(ctx.uncounted_failed)
        now = self.loop.clock.now()
        if not status.get("startTime") and not is_suspended(job):
            status["startTime"] = format_time(now)
        ctx.backoff = self.backoff.new_record(key, new_succeeded, new_failed)
        self._decide_outcome(ctx, now)
        if ctx.indexed:
            ctx.prev_indexes = Intervals.parse(status.get("completedIndexes"), spec["completions"])
            ctx.indexes = ctx.prev_indexes.with_indexes(
                {completion_index(p) for p in pods if (p.get("status") or {}).get("phase") == "Succeeded"
                 and ctx.valid_index(p) and has_tracking_finalizer(p)})
            ctx.succeeded = ctx.indexes.total()
        suspend_changed, failure = False, None
        if ctx.finished is not None:
            deleted_ready, deleted, failure = self._delete_pods(job, ctx.active_pods, keep_finalizers=True)
            if deleted != active or not satisfied:
                ctx.finished = None          # wait for the deletions and the cache
            active, ctx.terminating, ctx.ready = active - deleted, ctx.terminating + deleted, ctx.ready - deleted_ready
        else:
            managed = satisfied and not job["metadata"].get("deletionTimestamp")
            if managed:
                active, failure = self._manage(ctx)
            completions = spec.get("completions")
            done = ctx.succeeded > 0 if completions is None else ctx.succeeded >= completions
            if done and active == 0:
                ctx.finished = new_condition("SuccessCriteriaMet", "True", "CompletionsReached",
                                             "Reached expected number of succeeded pods", now)
            elif managed:
                suspend_changed = self._suspend_condition(job, now)
        needs_update = suspend_changed or (active, ctx.ready, ctx.terminating) != \
            (status.get("active", 0), status.get("ready"), status.get("terminating"))
        status["active"], status["ready"], status["terminating"] = active, ctx.ready, ctx.terminating
        self._track_status(ctx, needs_update)
        if failure is not None:
            raise failure

    def _decide_outcome(self, ctx: JobSync, now) -> None:
        """Has the Job met its success criteria or failed: backoffLimit, OnFailure
        restarts, activeDeadlineSeconds? Otherwise come back when the deadline passes."""
        job, spec = ctx.job, ctx.job["spec"]
        met = find_condition(job, "SuccessCriteriaMet")
        ctx.finished = met if met is not None and met.get("status") == "True" else None
        target = find_condition(job, "FailureTarget")
        if ctx.finished is None and target is not None and target.get("status") == "True":
            ctx.finished = new_condition("Failed", "True", target.get("reason", ""), target.get("message", ""), now)
        if ctx.finished is not None:
            return
        deadline = spec.get("activeDeadlineSeconds")
        start = job["status"].get("startTime")
        elapsed = (now - parse_time(start)).total_seconds() if start else 0.0
        if ctx.failed > spec["backoffLimit"] or past_backoff_limit_on_failure(job, ctx.pods):
            ctx.finished = new_condition("FailureTarget", "True", "BackoffLimitExceeded",
                                         "Job has reached the specified backoff limit", now)
        elif deadline is not None and start and not is_suspended(job) and elapsed >= deadline:
            ctx.finished = new_condition("FailureTarget", "True", "DeadlineExceeded",
                                         "Job was active longer than specified deadline", now)
        elif deadline is not None and not is_suspended(job):
            self.queue.add_after(ctx.key, deadline - elapsed)

    def _suspend_condition(self, job: dict, now) -> bool:
        """The Suspended condition and the Suspended/Resumed events; resuming restarts the clock."""
        conditions = job["status"].setdefault("conditions", [])
        if is_suspended(job):
            changed = ensure_condition(conditions, "Suspended", "True", "JobSuspended", "Job suspended", now)
            if changed:
                self.recorder.event(job, "Normal", "Suspended", "Job suspended")
        else:
            changed = ensure_condition(conditions, "Suspended", "False", "JobResumed", "Job resumed", now)
            if changed:
                self.recorder.event(job, "Normal", "Resumed", "Job resumed")
                job["status"]["startTime"] = format_time(now)
        if not conditions:
            del job["status"]["conditions"]
        return changed

    def _pods_for(self, job: dict) -> list[dict]:
        """getPodsForJob: claim (adopt and release) Pods; adopted ones count as tracked.
        simplified: adoption does not add the tracking finalizer to the stored Pod."""
        m = job["metadata"]
        selector = selector_from_label_selector(job["spec"]["selector"])

        def fresh():
            try:
                return self.api.get("jobs", m["name"], namespace=m["namespace"])
            except errors.NotFound:
                return None
        candidates = pods_owned_by(self.pods, job, include_orphans=True)
        owned = {p["metadata"]["uid"] for p in candidates
                 if any(r.get("uid") == m["uid"] for r in p["metadata"].get("ownerReferences") or ())}
        pods = claim_pods(self.api, job, selector, candidates, fresh=fresh)
        for i, pod in enumerate(pods):
            if pod["metadata"]["uid"] not in owned and not has_tracking_finalizer(pod):
                pods[i] = copy.deepcopy(pod)
                pods[i]["metadata"]["finalizers"] = [*(pod["metadata"].get("finalizers") or []), TRACKING_FINALIZER]
        return pods

    def _sync_orphan_pod(self, pod_key: str) -> None:
        """syncOrphanPod: drop the finalizer of a Pod no unfinished Job controls."""
        namespace, name = pod_key.split("/", 1)
        pod = self.pods.get(name, namespace)
        if pod is None or not has_tracking_finalizer(pod):
            return
        ref = controller_ref(pod)
        if ref is not None:
            if ref.get("kind") != "Job" or ref.get("apiVersion") != "batch/v1":
                return
            job = self._owner(pod, ref)
            if job is not None and not is_finished(job):
                return
        try:
            self.pod_control.patch(namespace, name, {"metadata": {"$deleteFromPrimitiveList/finalizers":
                                                                  [TRACKING_FINALIZER]}})
        except errors.NotFound:
            pass

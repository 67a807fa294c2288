"""manageJob (pkg/controller/job/job_controller.go): keep the right number of a Job's Pods.

A Job wants ``min(parallelism, completions - succeeded)`` active Pods (with no
``completions``: ``parallelism`` until one succeeds), none while suspended.
Excess Pods are deleted, the least advanced first (unscheduled, pending, not
ready); missing ones are created in slow-start batches of 1, 2, 4, ..., but
only once the pod failure backoff (job_backoff.py) has passed. An Indexed
Job creates the lowest missing indexes and deletes Pods with repeated or
invalid indexes first.
"""
from __future__ import annotations

import copy

from .. import errors
from .base import key_of
from .controller_utils import is_pod_ready, pod_from_template, rank_pods_for_deletion, slow_start_batch
from .job_indexes import add_index_to_template, duplicated_index_pods, first_pending_indexes, index_generate_name, \
    with_index_env
from .job_tracking import TRACKING_FINALIZER, JobSync, has_tracking_finalizer, is_terminating, only_replace_failed

__all__ = ["JobPodManagement", "MAX_POD_CREATE_DELETE", "SYNC_BATCH_PERIOD", "is_suspended"]

SYNC_BATCH_PERIOD = 1.0            # syncJobBatchPeriod
MAX_POD_CREATE_DELETE = 500        # MaxPodCreateDeletePerSync


def is_suspended(job: dict) -> bool:
    return bool(job["spec"].get("suspend"))


class JobPodManagement:
    """The Pod-managing half of the Job controller (mixed into JobController)."""

    def _manage(self, ctx: JobSync) -> tuple[int, errors.ApiError | None]:
        """manageJob: delete excess Pods or create missing ones; returns (active, error)."""
        job, spec, key = ctx.job, ctx.job["spec"], ctx.key
        active = len(ctx.active_pods)
        if is_suspended(job):
            return self._remove(ctx, self._pods_for_removal(job, ctx.active_pods, active), active)
        completions = spec.get("completions")
        if completions is None:
            want = active if ctx.succeeded > 0 else spec["parallelism"]
        else:
            want = max(0, min(completions - ctx.succeeded, spec["parallelism"]))
        excess = self._pods_for_removal(job, ctx.active_pods, max(0, active - want))[:MAX_POD_CREATE_DELETE]
        if excess:
            return self._remove(ctx, excess, active)
        diff = want - (ctx.terminating if only_replace_failed(job) else 0) - active
        if diff <= 0:
            return active, None
        wait = ctx.backoff.remaining(self.loop.clock.now())
        if wait > 0:
            self.queue.add_after(key, max(wait, SYNC_BATCH_PERIOD))
            return active, None
        diff = min(diff, MAX_POD_CREATE_DELETE)
        template = copy.deepcopy(spec["template"])
        indexes = []
        if ctx.indexed:
            terminating = [p for p in ctx.pods if is_terminating(p)] if only_replace_failed(job) else []
            indexes = first_pending_indexes(ctx.active_pods, ctx.indexes, diff, completions, terminating)
            diff = len(indexes)
            template = with_index_env(template)
        finalizers = template.setdefault("metadata", {}).setdefault("finalizers", [])
        if TRACKING_FINALIZER not in finalizers:
            finalizers.append(TRACKING_FINALIZER)
        self.expectations.expect_creations(key, diff)
        attempts = []

        def create_one():
            index = indexes[len(attempts)] if indexes else None
            attempts.append(index)
            pod = pod_from_template(template if index is None else add_index_to_template(
                template, job["metadata"]["name"], index), job)
            if index is not None:
                pod["metadata"]["generateName"] = index_generate_name(job["metadata"]["name"], index)
            try:
                self.pod_control.create(pod, job)
            except errors.ApiError:
                self.expectations.creation_observed(key)
                raise
        created, failure = slow_start_batch(diff, 1, create_one)
        for _ in range(diff - len(attempts)):        # never attempted: not expected either
            self.expectations.creation_observed(key)
        return active + created, failure

    def _pods_for_removal(self, job: dict, pods: list[dict], at_least: int) -> list[dict]:
        """activePodsForRemoval: duplicated or invalid indexes first, then the
        lowest-ranked Pods (not ready before ready, unscheduled before scheduled, ...)."""
        remove, left = [], pods
        now = self.loop.clock.now()
        if job["spec"].get("completionMode") == "Indexed":
            order = {p["metadata"]["uid"]: i for i, p in enumerate(rank_pods_for_deletion(pods, [0] * len(pods), now))}
            remove, left = duplicated_index_pods(pods, job["spec"]["completions"], lambda p: order[p["metadata"]["uid"]])
        if len(remove) < at_least:
            remove += rank_pods_for_deletion(left, [0] * len(left), now)[:at_least - len(remove)]
        return remove

    def _remove(self, ctx: JobSync, pods: list[dict], active: int) -> tuple[int, errors.ApiError | None]:
        self.expectations.expect_deletions(ctx.key, [key_of(p) for p in pods])
        removed_ready, removed, failure = self._delete_pods(ctx.job, pods, keep_finalizers=False)
        ctx.terminating += removed
        ctx.ready -= removed_ready
        return active - removed, failure

    def _delete_pods(self, job: dict, pods: list[dict], keep_finalizers: bool) -> tuple[int, int, errors.ApiError | None]:
        """deleteActivePods (keeping finalizers, for a finished Job) or deleteJobPods
        (finalizer first). Returns (ready Pods deleted, Pods deleted, first error)."""
        ready = deleted = 0
        failure = None
        for pod in pods:
            m = pod["metadata"]
            try:
                if not keep_finalizers and has_tracking_finalizer(pod):
                    self.pod_control.patch(m["namespace"], m["name"], {
                        "metadata": {"$deleteFromPrimitiveList/finalizers": [TRACKING_FINALIZER]}})
                self.pod_control.delete(m["namespace"], m["name"], job)
            except errors.ApiError as e:
                if not keep_finalizers:
                    self.expectations.deletion_observed(key_of(job), key_of(pod))
                if not isinstance(e, errors.NotFound):
                    failure = failure or e
                    continue
            deleted += 1
            ready += is_pod_ready(pod)
        return ready, deleted, failure

"""The TTL-after-finished controller (pkg/controller/ttlafterfinished).

A finished Job (``Complete`` or ``Failed``) with ``spec.ttlSecondsAfterFinished``
is deleted that many seconds after its terminal condition's
``lastTransitionTime``, with Foreground propagation (its Pods go first) and a
uid precondition. The controller re-reads the Job before deleting it, in case
the TTL was changed meanwhile.
"""
from __future__ import annotations

from datetime import timedelta

from .. import errors
from ..api.meta import parse_time
from .base import Controller
from .job_conditions import finished_condition

__all__ = ["TTLAfterFinishedController"]


def _needs_cleanup(job: dict) -> bool:
    return job["spec"].get("ttlSecondsAfterFinished") is not None and finished_condition(job) is not None


class TTLAfterFinishedController(Controller):
    """kube-controller-manager's ttl-after-finished-controller."""

    name = "ttl-after-finished-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.jobs = self.informer("jobs")
        self.jobs.add_handler(self._changed, lambda old, new: self._changed(new), None)

    def _changed(self, job: dict) -> None:
        if not job["metadata"].get("deletionTimestamp") and _needs_cleanup(job):
            self.enqueue(job)

    def _expired(self, job: dict) -> bool:
        """processTTL: whether the TTL has run out; if not, come back when it will."""
        if job["metadata"].get("deletionTimestamp") or not _needs_cleanup(job):
            return False
        finished = parse_time(finished_condition(job)["lastTransitionTime"])
        left = (finished + timedelta(seconds=job["spec"]["ttlSecondsAfterFinished"]) - self.loop.clock.now())
        if left.total_seconds() <= 0:
            return True
        self.enqueue_after(job, left.total_seconds())
        return False

    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        job = self.jobs.get(name, namespace)
        if job is None or not self._expired(job):
            return
        try:
            fresh = self.api.get("jobs", name, namespace=namespace)
        except errors.NotFound:
            return
        if not self._expired(fresh):
            return
        self.api.delete("jobs", name, namespace=namespace, propagation_policy="Foreground",
                        preconditions={"uid": fresh["metadata"]["uid"]})

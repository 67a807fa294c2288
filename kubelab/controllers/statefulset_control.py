"""The StatefulSet update algorithm (pkg/controller/statefulset/stateful_set_control.go).

Pods ``0..replicas-1`` are the replicas, Pods with a higher ordinal are
condemned. With ``podManagementPolicy: OrderedReady`` (monotonic) the
controller walks the replicas in order and stops at the first one it had to
create, or that is not yet Running and Ready: web-1 is created only once web-0
is ready. It deletes condemned Pods one at a time from the highest ordinal, and
only when every replica is healthy. ``Parallel`` creates and deletes all at once.

A RollingUpdate then deletes, from the highest ordinal down to
``partition``, the first Pod not at the update revision, one at a time and only
while all Pods are healthy; the next sync recreates it at the new revision.
``OnDelete`` leaves Pods alone until someone deletes them.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import errors
from .controller_utils import is_pod_available, is_pod_ready, slow_start_batch
from .history import equal_revision, find_equal_revisions, next_revision, sort_revisions
from .statefulset_pods import (
    apply_revision, in_ordinal_range, new_pod, ordinal_of, pod_revision, revision_for, start_ordinal,
)

__all__ = ["StatefulSetControl", "is_healthy", "status_of"]


def _phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def is_running_and_ready(pod: dict) -> bool:
    return _phase(pod) == "Running" and is_pod_ready(pod)


def is_terminating(pod: dict) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def is_healthy(pod: dict) -> bool:
    return is_running_and_ready(pod) and not is_terminating(pod)


@dataclass
class Counts:
    replicas: int = 0
    ready: int = 0
    available: int = 0
    current: int = 0
    updated: int = 0


def status_of(pods, min_ready: int, now, current: str, update: str) -> Counts:
    """computeReplicaStatus over the Pods (created ones only; revisions of live ones)."""
    counts = Counts()
    for pod in pods:
        created = _phase(pod) != ""
        counts.replicas += created
        if is_running_and_ready(pod):
            counts.ready += 1
            counts.available += is_pod_available(pod, min_ready, now)
        if created and not is_terminating(pod):
            counts.current += pod_revision(pod) == current
            counts.updated += pod_revision(pod) == update
    return counts


class StatefulSetControl:
    """defaultStatefulSetControl, acting through ``pods`` (a StatefulPodControl) and ``history``."""

    def __init__(self, pods, history, clock):
        self.pods, self.history, self.clock = pods, history, clock

    def revisions(self, sts: dict, revisions: list[dict]) -> tuple[dict, dict, int]:
        """getStatefulSetRevisions: (current, update, collision count); creates the update
        revision, or renumbers an equal older one (a rollback)."""
        revisions = sort_revisions(revisions)
        collisions = (sts.get("status") or {}).get("collisionCount") or 0
        update = revision_for(sts, next_revision(revisions), collisions)
        equal = find_equal_revisions(revisions, update)
        if equal and equal_revision(revisions[-1], equal[-1]):
            update = revisions[-1]
        elif equal:
            update = self.history.update_revision(equal[-1], update["revision"])
        else:
            update, collisions = self.history.create(sts, update, collisions)
        name = (sts.get("status") or {}).get("currentRevision")
        current = next((r for r in revisions if r["metadata"]["name"] == name), update)
        return current, update, collisions

    def update(self, sts: dict, current: dict, update: dict, collisions: int,
               pods: list[dict]) -> tuple[dict, errors.ApiError | None]:
        """updateStatefulSet: returns the new status and the error that stopped it, if any."""
        current_set, update_set = apply_revision(sts, current), apply_revision(sts, update)
        spec = sts["spec"]
        first, count = start_ordinal(sts), spec["replicas"]
        replicas: list[dict | None] = [None] * count
        condemned = []
        for pod in pods:
            if in_ordinal_range(pod, sts):
                replicas[ordinal_of(pod) - first] = pod
            elif ordinal_of(pod) >= 0:
                condemned.append(pod)
        strategy = spec.get("updateStrategy") or {}
        rolling = strategy.get("rollingUpdate")
        partition = (rolling or {}).get("partition") or 0
        for i in range(count):
            if replicas[i] is None:
                # newVersionedStatefulSetPod: below the partition a missing Pod comes back at the current revision
                ordinal = first + i
                if rolling is None:
                    old = strategy.get("type") == "RollingUpdate" and \
                        ordinal < first + (sts.get("status") or {}).get("currentReplicas", 0)
                else:
                    old = ordinal < first + partition
                replicas[i] = new_pod(current_set if old else update_set, ordinal,
                                      (current if old else update)["metadata"]["name"], self.pods.pod_from_template)
        condemned.sort(key=ordinal_of, reverse=True)
        unhealthy = [p for p in replicas if not is_healthy(p)] + [p for p in reversed(condemned) if not is_healthy(p)]
        first_unhealthy = unhealthy[0] if unhealthy else None

        def status() -> dict:
            counts = status_of([*replicas, *condemned], spec.get("minReadySeconds", 0), self.clock.now(),
                               current["metadata"]["name"], update["metadata"]["name"])
            return {"observedGeneration": sts["metadata"].get("generation"), "replicas": counts.replicas,
                    "readyReplicas": counts.ready, "currentReplicas": counts.current,
                    "updatedReplicas": counts.updated, "currentRevision": current["metadata"]["name"],
                    "updateRevision": update["metadata"]["name"], "collisionCount": collisions,
                    "availableReplicas": counts.available}
        if sts["metadata"].get("deletionTimestamp"):
            return status(), None
        monotonic = spec.get("podManagementPolicy") != "Parallel"
        stop, failure = self._run(replicas, lambda i: self._process_replica(sts, update_set, monotonic, replicas, i),
                                  monotonic)
        if not stop:
            stop, failure = self._run(condemned, lambda i: self.pods.fix_claims(update_set, condemned[i]), monotonic)
        if not stop:
            stop, failure = self._run(condemned, lambda i: self._process_condemned(
                sts, first_unhealthy, monotonic, condemned, i), monotonic)
        result = status()
        if stop or strategy.get("type") == "OnDelete":
            return result, failure
        # RollingUpdate: the highest ordinal not at the update revision goes first
        for target in range(count - 1, partition - 1, -1):
            pod = replicas[target]
            if pod_revision(pod) != update["metadata"]["name"] and not is_terminating(pod):
                try:
                    self.pods.delete(sts, pod)
                except errors.NotFound:
                    pass
                except errors.ApiError as e:
                    return result, e
                result["currentReplicas"] -= 1
                return result, None
            if not is_healthy(pod):
                break
        return result, None

    @staticmethod
    def _run(pods: list[dict], fn, monotonic: bool) -> tuple[bool, errors.ApiError | None]:
        """runForAll: in order, stopping at the first Pod that blocks (monotonic), or
        all of them in slow-start batches (burst)."""
        if monotonic:
            for i in range(len(pods)):
                try:
                    if fn(i):
                        return True, None
                except errors.ApiError as e:
                    return True, e
            return False, None
        it = iter(range(len(pods)))
        _, failure = slow_start_batch(len(pods), 1, lambda: fn(next(it)))
        return failure is not None, failure

    def _process_replica(self, sts: dict, update_set: dict, monotonic: bool, replicas: list, i: int) -> bool:
        """processReplica: returns whether the walk must stop here."""
        pod = replicas[i]
        if _phase(pod) in ("Failed", "Succeeded"):
            if not is_terminating(pod):
                self.pods.delete(sts, pod)    # recreated once it is gone
            return True
        if _phase(pod) == "":
            if self.pods.claim_is_stale(sts, pod):
                return True
            self.pods.create(sts, pod)
            if monotonic:
                return True
        if _phase(pod) == "Pending":
            self.pods.create_missing_claims(sts, pod)
        if monotonic and (is_terminating(pod) or not is_running_and_ready(pod) or
                          not is_pod_available(pod, sts["spec"].get("minReadySeconds", 0), self.clock.now())):
            return True
        self.pods.ensure_identity(update_set, pod)
        return False

    def _process_condemned(self, sts: dict, first_unhealthy, monotonic: bool, condemned: list, i: int) -> bool:
        """processCondemned: delete one condemned Pod (monotonic: only when the rest is healthy)."""
        pod = condemned[i]
        if is_terminating(pod):
            return monotonic
        if monotonic and pod is not first_unhealthy and (not is_running_and_ready(pod) or not is_pod_available(
                pod, sts["spec"].get("minReadySeconds", 0), self.clock.now())):
            return True
        self.pods.delete(sts, pod)
        return True

"""The ReplicaSet controller (kubernetes pkg/controller/replicaset/replica_set.go).

A sync reads like the real one: look the ReplicaSet up in the cache; if the
pods it last created or deleted have all been observed (expectations), compare
how many active pods it controls with ``spec.replicas`` and create the missing
ones in slow-start batches (1, 2, 4, ...) or delete the surplus, picking
victims with Kubernetes' ranking; at most 500 per sync (burstReplicas). Then
compute the status with a pure function and write it only if it changed.
Orphans its selector matches are adopted, and its pods that stopped matching
are released (ClaimPods).
"""
from __future__ import annotations

from .. import errors
from ..api.labels import SelectorError
from ..api.meta import controller_ref, format_time
from .base import Controller, key_of
from .controller_utils import (
    BURST_REPLICAS, CONTROLLER_UID_INDEX, SLOW_START_INITIAL_BATCH_SIZE, ControllerExpectations, claim_pods,
    controller_uid_index, filter_active_pods, is_pod_available, is_pod_ready, label_selector, pod_from_template,
    pods_owned_by, pods_to_delete, slow_start_batch,
)

__all__ = ["ReplicaSetController", "calculate_status"]


def _selector(rs: dict):
    try:
        return label_selector(rs["spec"].get("selector"))
    except SelectorError:
        return None


def calculate_status(rs: dict, pods: list[dict], manage_error: errors.ApiError | None, now) -> dict:
    """calculateStatus: the ReplicaSet's status for the active pods it controls.

    A failed create or delete sets the ReplicaFailure condition (FailedCreate /
    FailedDelete, the API's error as the message); a clean sync removes it.
    Zero counts are left out, as Go's ``omitempty`` leaves them out of the JSON.
    """
    template = label_selector({"matchLabels": ((rs["spec"].get("template") or {}).get("metadata") or {})
                               .get("labels") or {}})
    min_ready = rs["spec"].get("minReadySeconds") or 0
    fully = ready = available = 0
    for pod in pods:
        if template.matches(pod["metadata"].get("labels") or {}):
            fully += 1
        if is_pod_ready(pod):
            ready += 1
            if is_pod_available(pod, min_ready, now):
                available += 1
    old = rs.get("status") or {}
    conditions = [dict(c) for c in old.get("conditions") or ()]
    failure = next((c for c in conditions if c["type"] == "ReplicaFailure"), None)
    if manage_error is not None and failure is None:
        diff = len(pods) - rs["spec"].get("replicas", 1)
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions.append({"type": "ReplicaFailure", "status": "True", "lastTransitionTime": format_time(now),
                           "reason": reason, "message": manage_error.message})
    elif manage_error is None and failure is not None:
        conditions.remove(failure)
    status = {"replicas": len(pods), "fullyLabeledReplicas": fully, "readyReplicas": ready,
              "availableReplicas": available, "observedGeneration": old.get("observedGeneration", 0),
              "conditions": conditions}
    return {k: v for k, v in status.items() if v or k == "replicas"}


class ReplicaSetController(Controller):
    """Keeps ``spec.replicas`` pods running for every ReplicaSet."""

    name = "replicaset-controller"
    burst_replicas = BURST_REPLICAS

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.expectations = ControllerExpectations(loop.clock)
        self.replicasets = self.informer("replicasets.apps")
        self.pods = self.informer("pods")
        self.pods.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
        self.replicasets.add_handler(self.enqueue, self._rs_updated, self._rs_deleted)
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)

    # -- event handlers: find the ReplicaSet, note what was observed, enqueue ------
    def _rs_updated(self, old: dict, cur: dict) -> None:
        if old["metadata"]["uid"] != cur["metadata"]["uid"]:
            self._rs_deleted(old)
        self.enqueue(cur)

    def _rs_deleted(self, rs: dict) -> None:
        self.expectations.delete(key_of(rs))
        self.enqueue(rs)

    def _owner(self, pod: dict, ref: dict | None) -> dict | None:
        """resolveControllerRef: the cached ReplicaSet the reference points at (same uid)."""
        if ref is None or ref.get("kind") != "ReplicaSet":
            return None
        rs = self.replicasets.get(ref["name"], pod["metadata"]["namespace"])
        return rs if rs is not None and rs["metadata"]["uid"] == ref.get("uid") else None

    def _matching(self, pod: dict) -> list[dict]:
        """getPodReplicaSets: the ReplicaSets in the pod's namespace whose selector matches it."""
        labels = pod["metadata"].get("labels") or {}
        out = []
        for rs in self.replicasets.list(namespace=pod["metadata"]["namespace"]):
            selector = _selector(rs)
            if selector is not None and not selector.empty() and selector.matches(labels):
                out.append(rs)
        return out

    def _pod_added(self, pod: dict) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._pod_deleted(pod)      # a restarted controller may see a pod already being deleted
            return
        ref = controller_ref(pod)
        if ref is not None:
            rs = self._owner(pod, ref)
            if rs is not None:
                self.expectations.creation_observed(key_of(rs))
                self.enqueue(rs)
            return
        for rs in self._matching(pod):
            self.enqueue(rs)

    def _pod_updated(self, old: dict, cur: dict) -> None:
        if old["metadata"]["resourceVersion"] == cur["metadata"]["resourceVersion"]:
            return                      # a resync: nothing changed
        labels_changed = old["metadata"].get("labels") != cur["metadata"].get("labels")
        if cur["metadata"].get("deletionTimestamp"):
            self._pod_deleted(cur)
            if labels_changed:
                self._pod_deleted(old)
            return
        cur_ref, old_ref = controller_ref(cur), controller_ref(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            rs = self._owner(old, old_ref)
            if rs is not None:
                self.enqueue(rs)
        if cur_ref is not None:
            rs = self._owner(cur, cur_ref)
            if rs is not None:
                self.enqueue(rs)
                min_ready = rs["spec"].get("minReadySeconds") or 0
                if min_ready and not is_pod_ready(old) and is_pod_ready(cur):
                    # check availability again once minReadySeconds have passed
                    self.enqueue_after(rs, min_ready + 1)
            return
        if labels_changed or ref_changed:
            for rs in self._matching(cur):
                self.enqueue(rs)

    def _pod_deleted(self, pod: dict) -> None:
        rs = self._owner(pod, controller_ref(pod))
        if rs is None:
            return
        self.expectations.deletion_observed(key_of(rs), key_of(pod))
        self.enqueue(rs)

    # -- the sync ------------------------------------------------------------------
    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        rs = self.replicasets.get(name, namespace)
        if rs is None:
            self.expectations.delete(key)
            return
        needs_sync = self.expectations.satisfied(key)
        selector = _selector(rs)
        if selector is None:
            return                      # an invalid selector: nothing sensible to do
        active = filter_active_pods(pods_owned_by(self.pods, rs, include_orphans=True))
        pods = claim_pods(self.api, rs, selector, active, fresh=lambda: self._fresh(rs))
        failure = None
        if needs_sync and not rs["metadata"].get("deletionTimestamp"):
            failure = self._manage_replicas(key, rs, pods)
        now = self.loop.clock.now()
        updated = self._write_status(rs, calculate_status(rs, pods, failure, now))
        status, spec = updated.get("status") or {}, updated["spec"]
        min_ready = spec.get("minReadySeconds") or 0
        if failure is None and min_ready and status.get("readyReplicas", 0) == spec.get("replicas", 1) and \
                status.get("availableReplicas", 0) != spec.get("replicas", 1):
            self.queue.add_after(key, min_ready)
        if failure is not None:
            raise failure

    def _fresh(self, rs: dict) -> dict | None:
        try:
            return self.api.get("replicasets.apps", rs["metadata"]["name"], namespace=rs["metadata"]["namespace"])
        except errors.NotFound:
            return None

    def _manage_replicas(self, key: str, rs: dict, pods: list[dict]) -> errors.ApiError | None:
        """manageReplicas: create or delete pods to close the gap, burstReplicas at a time."""
        diff = len(pods) - rs["spec"].get("replicas", 1)
        if diff < 0:
            count = min(-diff, self.burst_replicas)
            self.expectations.expect_creations(key, count)
            created, failure = slow_start_batch(count, SLOW_START_INITIAL_BATCH_SIZE, lambda: self._create(rs))
            for _ in range(count - created):
                self.expectations.creation_observed(key)     # never attempted: not expected
            return failure
        if diff > 0:
            victims = pods_to_delete(pods, self._related_pods(rs), min(diff, self.burst_replicas),
                                     self.loop.clock.now())
            self.expectations.expect_deletions(key, [key_of(p) for p in victims])
            failure = None
            for pod in victims:
                failure = self._delete(key, rs, pod) or failure
            return failure
        return None

    def _create(self, rs: dict) -> None:
        try:
            pod = self.api.create(pod_from_template(rs["spec"]["template"], rs))
        except errors.ApiError as e:
            if any(c.type == "NamespaceTerminating" for c in e.causes):
                return                  # every create would fail: nothing to report
            self.recorder.event(rs, "Warning", "FailedCreate", f"Error creating: {e.message}")
            raise
        self.recorder.event(rs, "Normal", "SuccessfulCreate", f'Created pod: {pod["metadata"]["name"]}')

    def _delete(self, key: str, rs: dict, pod: dict) -> errors.ApiError | None:
        name = pod["metadata"]["name"]
        try:
            self.api.delete("pods", name, namespace=pod["metadata"]["namespace"])
        except errors.ApiError as e:
            self.expectations.deletion_observed(key, key_of(pod))   # the informer will not see it
            if isinstance(e, errors.NotFound):
                return None
            self.recorder.event(rs, "Warning", "FailedDelete", f"Error deleting: {e.message}")
            return e
        self.recorder.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
        return None

    def _related_pods(self, rs: dict) -> list[dict]:
        """getIndirectlyRelatedPods: the pods of every ReplicaSet with the same controller
        (a Deployment's old and new ReplicaSets), for the co-location ranking."""
        owner = controller_ref(rs)
        family = [rs] if owner is None else [
            r for r in self.replicasets.list(namespace=rs["metadata"]["namespace"])
            if (controller_ref(r) or {}).get("uid") == owner.get("uid")]
        seen, out = set(), []
        for member in family:
            for pod in pods_owned_by(self.pods, member, include_orphans=False):
                if pod["metadata"]["uid"] not in seen:
                    seen.add(pod["metadata"]["uid"])
                    out.append(pod)
        return out

    def _write_status(self, rs: dict, status: dict) -> dict:
        """updateReplicaSetStatus: skip the write in the steady state; stamp
        observedGeneration; retry once on a conflict with a fresh read."""
        old = rs.get("status") or {}
        generation = rs["metadata"].get("generation", 0)
        if all(old.get(f, 0) == status.get(f, 0) for f in
               ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas")) and \
                generation == old.get("observedGeneration", 0) and \
                (old.get("conditions") or []) == (status.get("conditions") or []):
            return rs
        status = dict(status, observedGeneration=generation)
        status = {k: status[k] for k in ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas",
                                         "observedGeneration", "conditions") if k in status}
        current = rs
        for attempt in range(2):
            try:
                return self.api.update({**current, "status": status}, subresource="status")
            except errors.Conflict:
                if attempt:
                    raise
                current = self._fresh(rs)
                if current is None:
                    raise
        return rs       # pragma: no cover - the loop always returns or raises

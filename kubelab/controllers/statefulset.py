"""The StatefulSet controller (pkg/controller/statefulset: stateful_set.go,
stateful_pod_control.go, stateful_set_status_updater.go).

Each sync claims the set's Pods (only names ``<set>-<ordinal>``), works out the
current and update ControllerRevisions, runs the update algorithm
(statefulset_control.py), writes the status and trims the revision history.
Pods and claims are written by StatefulPodControl, which reports every write
as an Event on the set: ``SuccessfulCreate  create Pod web-0 in StatefulSet web
successful``, ``create Claim www-web-0 Pod web-0 in StatefulSet web success``,
``SuccessfulDelete  delete Pod web-1 in StatefulSet web successful``.
"""
from __future__ import annotations

import copy

from .. import errors
from ..api.labels import selector_from_label_selector
from ..api.meta import controller_ref
from .base import Controller
from .controller_utils import (
    CONTROLLER_UID_INDEX, claim_pods, controller_uid_index, is_pod_ready, pod_from_template, pods_owned_by,
)
from .history import History, sort_revisions
from .statefulset_control import StatefulSetControl
from .statefulset_pods import (
    claim_owners_up_to_date, claims_for, identity_matches, ordinal_of, owned_claim_refs, parent_of, pod_revision,
    storage_matches, update_identity, update_storage,
)

__all__ = ["StatefulSetController", "StatefulPodControl"]


class StatefulPodControl:
    """StatefulPodControl: Pod and claim writes for a StatefulSet, each reported as an Event."""

    pod_from_template = staticmethod(pod_from_template)

    def __init__(self, api, recorder, claims):
        self.api, self.recorder, self.claims = api, recorder, claims

    def _pod_event(self, verb: str, sts: dict, pod: dict, error: errors.ApiError | None) -> None:
        """recordPodEvent."""
        pod_name, set_name = pod["metadata"]["name"], sts["metadata"]["name"]
        if error is None:
            self.recorder.event(sts, "Normal", f"Successful{verb.title()}",
                                f"{verb} Pod {pod_name} in StatefulSet {set_name} successful")
        else:
            self.recorder.event(sts, "Warning", f"Failed{verb.title()}",
                                f"{verb} Pod {pod_name} in StatefulSet {set_name} failed error: {error}")

    def create(self, sts: dict, pod: dict) -> None:
        """CreateStatefulPod: the claims first, then the Pod, then the claims' owners."""
        try:
            self._create_claims(sts, pod)
        except errors.ApiError as e:
            self._pod_event("create", sts, pod, e)
            raise
        try:
            self.api.create(pod)
        except errors.AlreadyExists:
            raise
        except errors.ApiError as e:
            self._pod_event("create", sts, pod, e)
            raise
        try:
            self.update_claim_owners(sts, pod)
        except errors.ApiError as e:
            self._pod_event("update", sts, pod, e)
            raise
        self._pod_event("create", sts, pod, None)

    def delete(self, sts: dict, pod: dict) -> None:
        try:
            self.api.delete("pods", pod["metadata"]["name"], namespace=pod["metadata"]["namespace"])
        except errors.ApiError as e:
            self._pod_event("delete", sts, pod, e)
            raise
        self._pod_event("delete", sts, pod, None)

    def _create_claims(self, sts: dict, pod: dict) -> None:
        """createPersistentVolumeClaims: create each missing claim (an Event per claim)."""
        failure = None
        for claim in claims_for(sts, ordinal_of(pod)).values():
            name = claim["metadata"]["name"]
            existing = self.claims.get(name, claim["metadata"]["namespace"])
            if existing is not None:
                if existing["metadata"].get("deletionTimestamp"):
                    failure = failure or errors.ApiError(f"pvc {name} is being deleted")
                continue
            try:
                self.api.create(claim)
                self.recorder.event(sts, "Normal", "SuccessfulCreate", f'create Claim {name} Pod '
                                    f'{pod["metadata"]["name"]} in StatefulSet {sts["metadata"]["name"]} success')
            except errors.AlreadyExists as e:
                failure = failure or errors.ApiError(f"failed to create PVC {name}: {e}")
            except errors.ApiError as e:
                failure = failure or errors.ApiError(f"failed to create PVC {name}: {e}")
                self.recorder.event(sts, "Warning", "FailedCreate", f'create Claim {name} for Pod '
                                    f'{pod["metadata"]["name"]} in StatefulSet {sts["metadata"]["name"]} '
                                    f"failed error: {e}")
        if failure is not None:
            raise failure

    def create_missing_claims(self, sts: dict, pod: dict) -> None:
        self._create_claims(sts, pod)
        self.update_claim_owners(sts, pod)

    def _claims(self, sts: dict, pod: dict) -> list[dict]:
        return [c for claim in claims_for(sts, ordinal_of(pod)).values()
                if (c := self.claims.get(claim["metadata"]["name"], claim["metadata"]["namespace"])) is not None]

    def claims_up_to_date(self, sts: dict, pod: dict) -> bool:
        """ClaimsMatchRetentionPolicy."""
        return all(claim_owners_up_to_date(claim, sts, pod) for claim in self._claims(sts, pod))

    def update_claim_owners(self, sts: dict, pod: dict) -> None:
        """UpdatePodClaimForRetentionPolicy: set the claims' owners as the retention policy says."""
        for claim in self._claims(sts, pod):
            if not claim_owners_up_to_date(claim, sts, pod):
                updated = copy.deepcopy(claim)
                updated["metadata"]["ownerReferences"] = owned_claim_refs(claim, sts, pod)
                self.api.update(updated)

    def claim_is_stale(self, sts: dict, pod: dict) -> bool:
        """PodClaimIsStale: with whenScaled Delete, a claim still owned by an earlier Pod of
        this name blocks the new Pod until the garbage collector has removed it."""
        policy = sts["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
        if policy.get("whenScaled", "Retain") == "Retain":
            return False
        return any(ref.get("kind") == "Pod" and ref.get("name") == pod["metadata"]["name"] and
                   ref.get("uid") != pod["metadata"].get("uid")
                   for claim in self._claims(sts, pod) for ref in claim["metadata"].get("ownerReferences") or ())

    def fix_claims(self, sts: dict, pod: dict) -> bool:
        """A condemned Pod's claims get the owners the policy wants (whenScaled)."""
        if not self.claims_up_to_date(sts, pod):
            self.update_claim_owners(sts, pod)
        return False

    def ensure_identity(self, sts: dict, pod: dict) -> None:
        """UpdateStatefulPod: restore a Pod's identity labels, volumes and claim owners."""
        if identity_matches(sts, pod) and storage_matches(sts, pod) and self.claims_up_to_date(sts, pod):
            return
        pod = copy.deepcopy(pod)
        if not identity_matches(sts, pod):
            update_identity(sts, pod)
        if not storage_matches(sts, pod):
            update_storage(sts, pod)
            self._create_claims(sts, pod)
        self.update_claim_owners(sts, pod)
        try:
            self.api.update(pod)
        except errors.ApiError as e:
            self._pod_event("update", sts, pod, e)
            raise
        self._pod_event("update", sts, pod, None)


class StatefulSetController(Controller):
    """kube-controller-manager's statefulset-controller."""

    name = "statefulset-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.sets = self.informer("statefulsets")
        self.pods = self.informer("pods")
        self.pods.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
        self.claims = self.informer("persistentvolumeclaims")
        self.history = History(api, self.informer("controllerrevisions"))
        self.pod_control = StatefulPodControl(api, self.recorder, self.claims)
        self.control = StatefulSetControl(self.pod_control, self.history, loop.clock)
        self.enqueue_on_change(self.sets)
        self.pods.add_handler(self._pod_changed, self._pod_updated, self._pod_changed)

    def _owner(self, pod: dict, ref: dict | None = None) -> dict | None:
        ref = ref if ref is not None else controller_ref(pod)
        if not ref or ref.get("kind") != "StatefulSet":
            return None
        sts = self.sets.get(ref["name"], pod["metadata"]["namespace"])
        return sts if sts is not None and sts["metadata"]["uid"] == ref.get("uid") else None

    def _pod_changed(self, pod: dict) -> None:
        """A Pod came or went: wake its set, or (an orphan) the sets that may adopt it."""
        owner = self._owner(pod)
        if owner is not None:
            self.enqueue(owner)
        elif controller_ref(pod) is None:
            labels = pod["metadata"].get("labels") or {}
            for sts in self.sets.list(pod["metadata"]["namespace"]):
                if selector_from_label_selector(sts["spec"]["selector"]).matches(labels):
                    self.enqueue(sts)

    def _pod_updated(self, old: dict, new: dict) -> None:
        if old["metadata"]["resourceVersion"] == new["metadata"]["resourceVersion"]:
            return
        old_ref = controller_ref(old)
        if old_ref != controller_ref(new) and (previous := self._owner(old, old_ref)) is not None:
            self.enqueue(previous)
        self._pod_changed(new)
        owner = self._owner(new)
        if owner is not None and not is_pod_ready(old) and is_pod_ready(new) and \
                owner["spec"].get("minReadySeconds", 0) > 0:
            self.enqueue_after(owner, owner["spec"]["minReadySeconds"] + 1)

    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        cached = self.sets.get(name, namespace)
        if cached is None:
            return
        sts = copy.deepcopy(cached)
        selector = selector_from_label_selector(sts["spec"]["selector"])
        revisions = [r if controller_ref(r) else self.history.adopt(sts, r)
                     for r in self.history.list_owned(sts, selector)]

        def fresh():
            try:
                return self.api.get("statefulsets", name, namespace=namespace)
            except errors.NotFound:
                return None
        members = [p for p in pods_owned_by(self.pods, sts, include_orphans=True) if parent_of(p)[0] == name]
        pods = claim_pods(self.api, sts, selector, members, fresh=fresh)
        current, update, collisions = self.control.revisions(sts, revisions)
        status, failure = self.control.update(sts, current, update, collisions, pods)
        self._write_status(sts, status)
        self._truncate_history(sts, pods, revisions, current, update)
        if failure is not None:
            raise failure
        if sts["spec"].get("minReadySeconds", 0) > 0 and status["availableReplicas"] != sts["spec"]["replicas"]:
            self.enqueue_after(sts, sts["spec"]["minReadySeconds"])

    def _write_status(self, sts: dict, status: dict) -> None:
        """completeRollingUpdate, then write only if something changed (inconsistentStatus)."""
        spec, replicas = sts["spec"], sts["spec"]["replicas"]
        if (spec.get("updateStrategy") or {}).get("type") == "RollingUpdate" and \
                status["updatedReplicas"] == status["readyReplicas"] == status["replicas"] == replicas:
            status["currentReplicas"], status["currentRevision"] = status["updatedReplicas"], status["updateRevision"]
        old = sts.get("status") or {}
        fields = ("replicas", "currentReplicas", "readyReplicas", "updatedReplicas", "currentRevision",
                  "availableReplicas", "updateRevision")
        if (status["observedGeneration"] or 0) <= old.get("observedGeneration", 0) and \
                all(status[f] == old.get(f, "" if f.endswith("Revision") else 0) for f in fields):
            return
        # Go's omitempty drops zero counts and empty revisions; replicas, availableReplicas
        # and collisionCount are always written
        wire = {k: v for k, v in status.items() if v not in (0, "", None) or k in
                ("replicas", "availableReplicas", "collisionCount")}

        def merged(current: dict) -> dict:
            return {**{k: v for k, v in current.items() if k not in status}, **wire}
        try:
            self.api.update({**sts, "status": merged(old)}, subresource="status")
        except errors.Conflict:
            fresh = self.api.get("statefulsets", sts["metadata"]["name"], namespace=sts["metadata"]["namespace"])
            self.api.update({**fresh, "status": merged(fresh.get("status") or {})}, subresource="status")

    def _truncate_history(self, sts: dict, pods: list[dict], revisions: list[dict], current: dict,
                          update: dict) -> None:
        """truncateHistory: delete the oldest revisions no Pod uses beyond revisionHistoryLimit."""
        live = {current["metadata"]["name"], update["metadata"]["name"], *(pod_revision(p) for p in pods)}
        unused = [r for r in sort_revisions(revisions) if r["metadata"]["name"] not in live]
        for rev in unused[:max(0, len(unused) - sts["spec"].get("revisionHistoryLimit", 10))]:
            self.history.delete(rev)

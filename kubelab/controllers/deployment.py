"""The Deployment controller (kubernetes pkg/controller/deployment/deployment_controller.go).

A Deployment owns ReplicaSets named ``<deployment>-<pod-template-hash>``; the
one whose template equals the Deployment's is the new one, the rest are old.
``sync`` (syncDeployment) claims the ReplicaSets, then: a deleted or paused
Deployment or a scaling event only resizes (proportionally, sync.py); a
template change rolls out with the strategy (rolling.py, recreate.py); the
Progressing and Available conditions follow (progress.py).
"""
from __future__ import annotations

from .. import errors
from ..api.labels import SelectorError, selector_from_label_selector
from ..api.meta import controller_ref
from ..apiserver.server import clone
from .base import Controller, key_of
from .controller_utils import CONTROLLER_UID_INDEX, claim, controller_uid_index, pods_owned_by
from .deployment_util import replicas
from .progress import ProgressMixin
from .recreate import RecreateMixin
from .rolling import RollingMixin
from .sync import SyncMixin

__all__ = ["DeploymentController"]


class DeploymentController(SyncMixin, RollingMixin, RecreateMixin, ProgressMixin, Controller):
    """Rolls Deployments out through ReplicaSets."""

    name = "deployment-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.deployments = self.informer("deployments.apps")
        self.replicasets = self.informer("replicasets.apps")
        self.pods = self.informer("pods")
        self.pods.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
        self.enqueue_on_change(self.deployments)
        self.replicasets.add_handler(self._rs_added, self._rs_updated, self._rs_deleted)
        self.pods.add_handler(None, None, self._pod_deleted)

    # -- event handlers -------------------------------------------------------------
    def _owner(self, obj: dict, ref: dict | None) -> dict | None:
        if ref is None or ref.get("kind") != "Deployment":
            return None
        d = self.deployments.get(ref["name"], obj["metadata"]["namespace"])
        return d if d is not None and d["metadata"]["uid"] == ref.get("uid") else None

    def _matching(self, rs: dict) -> list[dict]:
        """getDeploymentsForReplicaSet: Deployments whose selector matches an orphan's labels."""
        labels = rs["metadata"].get("labels") or {}
        out = []
        for d in self.deployments.list(namespace=rs["metadata"]["namespace"]):
            try:
                selector = selector_from_label_selector(d["spec"].get("selector"))
            except SelectorError:
                continue
            if not selector.empty() and selector.matches(labels):
                out.append(d)
        return out

    def _rs_added(self, rs: dict) -> None:
        if rs["metadata"].get("deletionTimestamp"):
            self._rs_deleted(rs)
            return
        ref = controller_ref(rs)
        targets = [self._owner(rs, ref)] if ref is not None else self._matching(rs)
        for d in targets:
            if d is not None:
                self.enqueue(d)

    def _rs_updated(self, old: dict, cur: dict) -> None:
        if old["metadata"]["resourceVersion"] == cur["metadata"]["resourceVersion"]:
            return
        old_ref, cur_ref = controller_ref(old), controller_ref(cur)
        if cur_ref != old_ref and old_ref is not None:
            d = self._owner(old, old_ref)
            if d is not None:
                self.enqueue(d)
        if cur_ref is not None:
            d = self._owner(cur, cur_ref)
            if d is not None:
                self.enqueue(d)
        elif old["metadata"].get("labels") != cur["metadata"].get("labels") or cur_ref != old_ref:
            for d in self._matching(cur):
                self.enqueue(d)

    def _rs_deleted(self, rs: dict) -> None:
        d = self._owner(rs, controller_ref(rs))
        if d is not None:
            self.enqueue(d)

    def _pod_deleted(self, pod: dict) -> None:
        """A Recreate rollout waits for the old pods to be gone: wake it when one goes."""
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.replicasets.get(ref["name"], pod["metadata"]["namespace"])
        d = self._owner(rs, controller_ref(rs)) if rs is not None else None
        if d is not None and (d["spec"].get("strategy") or {}).get("type") == "Recreate":
            self.enqueue(d)

    # -- the sync ----------------------------------------------------------------------
    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        cached = self.deployments.get(name, namespace)
        if cached is None:
            return
        d = clone(cached)
        if d["spec"].get("selector") == {}:
            self.recorder.event(d, "Warning", "SelectingAll",
                                "This deployment is selecting all pods. A non-empty selector is required.")
            status = d.setdefault("status", {})
            if status.get("observedGeneration", 0) < d["metadata"].get("generation", 0):
                status["observedGeneration"] = d["metadata"]["generation"]
                self.update_status(d)
            return
        rs_list = self.replica_sets_for(d)
        if d["metadata"].get("deletionTimestamp"):
            self.sync_status_only(d, rs_list)
            return
        self.check_paused_conditions(d)
        if d["spec"].get("paused") or self.is_scaling_event(d, rs_list):
            self.sync_scale(d, rs_list)
            return
        if (d["spec"].get("strategy") or {}).get("type") == "Recreate":
            self.rollout_recreate(d, rs_list, self.pods_by_replica_set(rs_list))
        else:
            self.rollout_rolling(d, rs_list)

    def replica_sets_for(self, d: dict) -> list[dict]:
        """getReplicaSetsForDeployment: ClaimReplicaSets over the namespace's ReplicaSets."""
        selector = selector_from_label_selector(d["spec"]["selector"])
        candidates = self.replicasets.list(namespace=d["metadata"]["namespace"])
        return claim(self.api, "replicasets.apps", d, selector, candidates, fresh=lambda: self._fresh(d))

    def _fresh(self, d: dict) -> dict | None:
        try:
            return self.api.get("deployments.apps", d["metadata"]["name"], namespace=d["metadata"]["namespace"])
        except errors.NotFound:
            return None

    def pods_by_replica_set(self, rs_list: list[dict]) -> dict[str, list[dict]]:
        """getPodMapForDeployment: each ReplicaSet's pods (by uid), for Recreate."""
        return {rs["metadata"]["uid"]: pods_owned_by(self.pods, rs, include_orphans=False) for rs in rs_list}

    # -- writes ------------------------------------------------------------------------------
    def update_status(self, d: dict) -> None:
        """UpdateStatus; the working copy takes the new resourceVersion (simplified: so a
        second write in the same sync does not meet a needless 409)."""
        updated = self.api.update(d, subresource="status")
        d["metadata"]["resourceVersion"] = updated["metadata"]["resourceVersion"]

    def scale_replica_set_and_record_event(self, rs: dict, new_scale: int, d: dict) -> tuple[bool, dict]:
        if replicas(rs) == new_scale:
            return False, rs
        return self.scale_replica_set(rs, new_scale, d, "up" if replicas(rs) < new_scale else "down")

    def enqueue_key_after(self, d: dict, seconds: float) -> None:
        self.queue.add_after(key_of(d), seconds)

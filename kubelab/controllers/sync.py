"""Deployment sync (kubernetes pkg/controller/deployment/sync.go): find or create
the new ReplicaSet, scale ReplicaSets (proportionally during a rollout), clean up
old revisions, and compute the status."""
from __future__ import annotations

from copy import deepcopy

from .. import errors
from .controller_utils import new_controller_ref
from .deployment_util import (
    DESIRED_REPLICAS, HASH_LABEL, REVISION, active, actual_replicas, available_replicas, by_creation, equal_ignore_hash,
    find_active_or_latest, find_new_replica_set, find_old_replica_sets, get_condition, has_progress_deadline,
    is_saturated, max_revision, max_surge, max_unavailable, new_condition, new_rs_new_replicas, proportion,
    ready_replicas, replicas, replicas_annotations_need_update, revision, set_condition,
    set_new_replica_set_annotations, set_replicas_annotations, total_replicas,
)
from .templatehash import compute_hash

__all__ = ["SyncMixin", "calculate_status"]


def calculate_status(all_rss: list, new_rs: dict | None, d: dict, now) -> dict:
    """calculateStatus: counts from the ReplicaSets, and the Available condition
    (MinimumReplicasAvailable when at least replicas - maxUnavailable are available)."""
    available = available_replicas(all_rss)
    status = {
        "observedGeneration": d["metadata"].get("generation", 0),
        "replicas": actual_replicas(all_rss),
        "updatedReplicas": actual_replicas([new_rs]),
        "readyReplicas": ready_replicas(all_rss),
        "availableReplicas": available,
        "unavailableReplicas": max(total_replicas(all_rss) - available, 0),
        "conditions": [dict(c) for c in (d.get("status") or {}).get("conditions") or ()],
    }
    if (d.get("status") or {}).get("collisionCount") is not None:
        status["collisionCount"] = d["status"]["collisionCount"]
    if available >= replicas(d) - max_unavailable(d):
        cond = new_condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.",
                             now)
    else:
        cond = new_condition("Available", "False", "MinimumReplicasUnavailable",
                             "Deployment does not have minimum availability.", now)
    set_condition(status, cond)
    return status


def wire_status(status: dict) -> dict:
    """DeploymentStatus as JSON: zero counts and empty lists are omitted (omitempty)."""
    order = ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
             "unavailableReplicas", "conditions", "collisionCount")
    return {k: status[k] for k in order if k in status and (status[k] or k == "collisionCount")}


class SyncMixin:
    """The DeploymentController methods of sync.go."""

    def now(self):
        return self.loop.clock.now()

    def sync_scale(self, d: dict, rs_list: list[dict]) -> None:
        """sync: a paused Deployment or a scaling event only resizes, then reports status."""
        new_rs, old_rss = self.all_replica_sets_and_sync_revision(d, rs_list, create=False)
        self.scale(d, new_rs, old_rss)
        if d["spec"].get("paused"):
            self.cleanup_deployment(old_rss, d)
        self.sync_deployment_status(old_rss + [new_rs], new_rs, d)

    def sync_status_only(self, d: dict, rs_list: list[dict]) -> None:
        new_rs, old_rss = self.all_replica_sets_and_sync_revision(d, rs_list, create=False)
        self.sync_deployment_status(old_rss + [new_rs], new_rs, d)

    def check_paused_conditions(self, d: dict) -> None:
        """checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed."""
        if not has_progress_deadline(d):
            return
        status = d.setdefault("status", {})
        cond = get_condition(status, "Progressing")
        if cond is not None and cond["reason"] == "ProgressDeadlineExceeded":
            return
        paused_cond = cond is not None and cond["reason"] == "DeploymentPaused"
        if d["spec"].get("paused") and not paused_cond:
            set_condition(status, new_condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused",
                                                self.now()))
        elif not d["spec"].get("paused") and paused_cond:
            set_condition(status, new_condition("Progressing", "Unknown", "DeploymentResumed",
                                                "Deployment is resumed", self.now()))
        else:
            return
        self.update_status(d)

    def is_scaling_event(self, d: dict, rs_list: list[dict]) -> bool:
        """isScalingEvent: an active ReplicaSet was sized for a different replica count."""
        new_rs, old_rss = self.all_replica_sets_and_sync_revision(d, rs_list, create=False)
        for rs in active(old_rss + [new_rs]):
            desired = (rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS)
            if desired is not None and desired != str(replicas(d)):
                return True
        return False

    def all_replica_sets_and_sync_revision(self, d: dict, rs_list: list[dict], *, create: bool):
        old = find_old_replica_sets(rs_list, find_new_replica_set(d, rs_list))
        return self.new_replica_set(d, rs_list, old, create), old

    def new_replica_set(self, d: dict, rs_list: list[dict], old_rss: list[dict], create: bool) -> dict | None:
        """getNewReplicaSet: sync the existing new ReplicaSet's annotations and
        minReadySeconds, or create ``<name>-<pod-template-hash>`` sized by the strategy."""
        existing = find_new_replica_set(d, rs_list)
        new_revision = max_revision(old_rss) + 1
        status = d.setdefault("status", {})
        if existing is not None:
            rs = deepcopy(existing)
            changed = set_new_replica_set_annotations(d, rs, new_revision, exists=True)
            if changed or rs["spec"].get("minReadySeconds", 0) != d["spec"].get("minReadySeconds", 0):
                rs["spec"]["minReadySeconds"] = d["spec"].get("minReadySeconds", 0)
                return self.api.update(rs)
            self.set_deployment_revision(d, (rs["metadata"].get("annotations") or {}).get(REVISION))
            if has_progress_deadline(d) and get_condition(status, "Progressing") is None:
                set_condition(status, new_condition("Progressing", "True", "FoundNewReplicaSet",
                                                    f'Found new replica set "{rs["metadata"]["name"]}"', self.now()))
                self.update_status(d)
            return rs
        if not create:
            return None
        template = deepcopy(d["spec"]["template"])
        pod_hash = compute_hash(template, status.get("collisionCount"))
        template.setdefault("metadata", {})["labels"] = {**(template["metadata"].get("labels") or {}),
                                                         HASH_LABEL: pod_hash}
        selector = deepcopy(d["spec"]["selector"])
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
        name = f'{d["metadata"]["name"]}-{pod_hash}'
        new_rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": {"name": name, "namespace": d["metadata"]["namespace"],
                               "labels": template["metadata"]["labels"], "ownerReferences": [new_controller_ref(d)]},
                  "spec": {"replicas": 0, "minReadySeconds": d["spec"].get("minReadySeconds", 0),
                           "selector": selector, "template": template}}
        new_rs["spec"]["replicas"] = count = new_rs_new_replicas(d, old_rss + [new_rs], new_rs)
        set_new_replica_set_annotations(d, new_rs, new_revision, exists=False)
        try:
            created = self.api.create(new_rs)
        except errors.AlreadyExists:
            found = self.replicasets.get(name, d["metadata"]["namespace"])
            ref = (found or {}).get("metadata", {}).get("ownerReferences") or [{}]
            if found is not None and ref[0].get("uid") == d["metadata"]["uid"] and \
                    equal_ignore_hash(d["spec"]["template"], found["spec"]["template"]):
                return found            # a slow cache: it is ours
            status["collisionCount"] = status.get("collisionCount", 0) + 1
            self.update_status(d)       # a hash collision: try again with the next count
            raise
        except errors.ApiError as e:
            message = f'Failed to create new replica set "{name}": {e.message}'
            if has_progress_deadline(d):
                set_condition(status, new_condition("Progressing", "False", "ReplicaSetCreateError", message,
                                                    self.now()))
                try:
                    self.update_status(d)
                except errors.ApiError:
                    pass
            self.recorder.event(d, "Warning", "ReplicaSetCreateError", message)
            raise
        if count > 0:
            self.recorder.event(d, "Normal", "ScalingReplicaSet",
                                f'Scaled up replica set {name} from 0 to {count}')
        self.set_deployment_revision(d, str(new_revision))
        if has_progress_deadline(d):
            set_condition(status, new_condition("Progressing", "True", "NewReplicaSetCreated",
                                                f'Created new replica set "{name}"', self.now()))
            self.update_status(d)
        return created

    def set_deployment_revision(self, d: dict, rev: str | None) -> None:
        """SetDeploymentRevision (simplified: written by a metadata patch, since kubelab's
        status subresource does not carry annotations)."""
        if rev is None or (d["metadata"].get("annotations") or {}).get(REVISION) == rev:
            return
        updated = self.api.patch("deployments.apps", d["metadata"]["name"],
                                 {"metadata": {"annotations": {REVISION: rev}}},
                                 namespace=d["metadata"]["namespace"], patch_type="merge")
        d["metadata"]["annotations"] = updated["metadata"]["annotations"]
        d["metadata"]["resourceVersion"] = updated["metadata"]["resourceVersion"]

    def scale(self, d: dict, new_rs: dict | None, old_rss: list[dict]) -> None:
        """scale: one active ReplicaSet takes the whole count; a saturated new one
        empties the old; otherwise a rolling Deployment spreads the difference over
        its active ReplicaSets in proportion to their size (leftovers to the largest)."""
        target = find_active_or_latest(new_rs, old_rss)
        if target is not None:
            if replicas(target) != replicas(d):
                self.scale_replica_set_and_record_event(target, replicas(d), d)
            return
        if is_saturated(d, new_rs):
            for old in active(old_rss):
                self.scale_replica_set_and_record_event(old, 0, d)
            return
        if (d["spec"].get("strategy") or {}).get("type") == "Recreate":
            return
        all_rss = active(old_rss + [new_rs])
        allowed = replicas(d) + max_surge(d) if replicas(d) > 0 else 0
        to_add = allowed - total_replicas(all_rss)
        if to_add > 0:      # ReplicaSetsBySizeNewer: largest first, then newest
            all_rss = sorted(by_creation(all_rss)[::-1], key=lambda r: -replicas(r))
            operation = "up"
        elif to_add < 0:    # ReplicaSetsBySizeOlder: largest first, then oldest
            all_rss = sorted(by_creation(all_rss), key=lambda r: -replicas(r))
            operation = "down"
        else:
            operation = ""
        added, sizes = 0, {}
        for rs in all_rss:
            share = proportion(rs, d, to_add, added) if to_add else 0
            sizes[rs["metadata"]["name"]] = replicas(rs) + share
            added += share
        for i, rs in enumerate(all_rss):
            name = rs["metadata"]["name"]
            if i == 0 and to_add:
                sizes[name] = max(sizes[name] + to_add - added, 0)
            self.scale_replica_set(rs, sizes[name], d, operation)

    def scale_replica_set(self, rs: dict, new_scale: int, d: dict, operation: str) -> tuple[bool, dict]:
        """scaleReplicaSet: write the size and the desired/max-replicas annotations;
        event ScalingReplicaSet "Scaled up replica set web-7c5ddbdf54 from 0 to 3"."""
        resize = replicas(rs) != new_scale
        most = replicas(d) + max_surge(d)
        if not resize and not replicas_annotations_need_update(rs, replicas(d), most):
            return False, rs
        old_scale = replicas(rs)
        copy = deepcopy(rs)
        copy["spec"]["replicas"] = new_scale
        set_replicas_annotations(copy, replicas(d), most)
        updated = self.api.update(copy)
        if resize:
            self.recorder.event(d, "Normal", "ScalingReplicaSet",
                                f'Scaled {operation} replica set {rs["metadata"]["name"]} from {old_scale} to '
                                f'{new_scale}')
        return resize, updated

    def cleanup_deployment(self, old_rss: list[dict], d: dict) -> None:
        """cleanupDeployment: delete the oldest revisions beyond revisionHistoryLimit,
        only those scaled to zero with nothing left running."""
        limit = d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        cleanable = [r for r in old_rss if r is not None and not r["metadata"].get("deletionTimestamp")]
        diff = len(cleanable) - limit
        if diff <= 0:
            return
        cleanable.sort(key=lambda r: (revision(r), r["metadata"].get("creationTimestamp") or "",
                                      r["metadata"]["name"]))
        for rs in cleanable[:diff]:
            status = rs.get("status") or {}
            if status.get("replicas", 0) or replicas(rs) or \
                    rs["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
                continue
            try:
                self.api.delete("replicasets.apps", rs["metadata"]["name"], namespace=rs["metadata"]["namespace"])
            except errors.NotFound:
                pass

    def sync_deployment_status(self, all_rss: list, new_rs: dict | None, d: dict) -> None:
        status = wire_status(calculate_status(all_rss, new_rs, d, self.now()))
        if status != (d.get("status") or {}):
            d["status"] = status
            self.update_status(d)

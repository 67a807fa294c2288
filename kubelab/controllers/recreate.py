"""Recreate (kubernetes pkg/controller/deployment/recreate.go): scale every old
ReplicaSet to zero, wait until none of their pods is left running, then bring
the new ReplicaSet up to full size at once."""
from __future__ import annotations

from .deployment_util import active, actual_replicas, deployment_complete, replicas

__all__ = ["RecreateMixin"]


class RecreateMixin:
    """The DeploymentController methods of recreate.go."""

    def rollout_recreate(self, d: dict, rs_list: list[dict], pod_map: dict[str, list[dict]]) -> None:
        new_rs, old_rss = self.all_replica_sets_and_sync_revision(d, rs_list, create=False)
        all_rss = old_rss + [new_rs]
        scaled_down = False
        for rs in active(old_rss):
            scaled, _ = self.scale_replica_set_and_record_event(rs, 0, d)
            scaled_down = scaled_down or scaled
        if scaled_down or self._old_pods_running(new_rs, old_rss, pod_map):
            self.sync_rollout_status(all_rss, new_rs, d)
            return
        if new_rs is None:
            new_rs, old_rss = self.all_replica_sets_and_sync_revision(d, rs_list, create=True)
            all_rss = old_rss + [new_rs]
        if replicas(new_rs) != replicas(d):
            self.scale_replica_set_and_record_event(new_rs, replicas(d), d)
        if deployment_complete(d, d.get("status") or {}):
            self.cleanup_deployment(old_rss, d)
        self.sync_rollout_status(all_rss, new_rs, d)

    @staticmethod
    def _old_pods_running(new_rs: dict | None, old_rss: list[dict], pod_map: dict[str, list[dict]]) -> bool:
        """oldPodsRunning: old ReplicaSets still report pods, or an old pod is not finished."""
        if actual_replicas(old_rss) > 0:
            return True
        new_uid = new_rs["metadata"]["uid"] if new_rs is not None else None
        return any((p.get("status") or {}).get("phase") not in ("Failed", "Succeeded")
                   for uid, pods in pod_map.items() if uid != new_uid for p in pods)

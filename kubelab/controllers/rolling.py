"""RollingUpdate (kubernetes pkg/controller/deployment/rolling.go).

Each sync first tries to scale the new ReplicaSet up (never beyond
replicas + maxSurge pods in all), and if it cannot, to scale old ones down
(never below replicas - maxUnavailable available pods): first the old pods
that are not available anyway, then available ones. A worked example with
replicas 4, maxSurge 1, maxUnavailable 0: the new ReplicaSet goes to 1 (5 pods);
once that pod is available an old pod goes (4 pods, 4 available); and so on.
"""
from __future__ import annotations

from .deployment_util import (
    active, available_replicas, by_creation, deployment_complete, max_unavailable, new_rs_new_replicas, replicas,
    total_replicas,
)

__all__ = ["RollingMixin"]


class RollingMixin:
    """The DeploymentController methods of rolling.go."""

    def rollout_rolling(self, d: dict, rs_list: list[dict]) -> None:
        new_rs, old_rss = self.all_replica_sets_and_sync_revision(d, rs_list, create=True)
        all_rss = old_rss + [new_rs]
        if self.reconcile_new_replica_set(all_rss, new_rs, d):
            self.sync_rollout_status(all_rss, new_rs, d)
            return
        if self.reconcile_old_replica_sets(all_rss, active(old_rss), new_rs, d):
            self.sync_rollout_status(all_rss, new_rs, d)
            return
        if deployment_complete(d, d.get("status") or {}):
            self.cleanup_deployment(old_rss, d)
        self.sync_rollout_status(all_rss, new_rs, d)

    def reconcile_new_replica_set(self, all_rss: list[dict], new_rs: dict, d: dict) -> bool:
        if replicas(new_rs) == replicas(d):
            return False
        target = replicas(d) if replicas(new_rs) > replicas(d) else new_rs_new_replicas(d, all_rss, new_rs)
        return self.scale_replica_set_and_record_event(new_rs, target, d)[0]

    def reconcile_old_replica_sets(self, all_rss: list[dict], old_rss: list[dict], new_rs: dict, d: dict) -> bool:
        """How far old ReplicaSets may shrink: all pods - minAvailable - the new
        ReplicaSet's unavailable pods (those may never become available)."""
        if total_replicas(old_rss) == 0:
            return False
        min_available = replicas(d) - max_unavailable(d)
        new_unavailable = replicas(new_rs) - (new_rs.get("status") or {}).get("availableReplicas", 0)
        max_scaled_down = total_replicas(all_rss) - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old_rss, cleaned = self.cleanup_unhealthy_replicas(old_rss, d, max_scaled_down)
        scaled = self.scale_down_old_replica_sets_for_rolling_update(old_rss + [new_rs], old_rss, d)
        return cleaned + scaled > 0

    def cleanup_unhealthy_replicas(self, old_rss: list[dict], d: dict, most: int) -> tuple[list[dict], int]:
        """cleanupUnhealthyReplicas: shrink old ReplicaSets by their unavailable pods first,
        oldest first, up to ``most`` (their pods go first in the ReplicaSet's ranking)."""
        old_rss = by_creation(old_rss)
        total = 0
        for i, rs in enumerate(old_rss):
            if total >= most:
                break
            unhealthy = replicas(rs) - (rs.get("status") or {}).get("availableReplicas", 0)
            if replicas(rs) == 0 or unhealthy <= 0:
                continue
            count = min(most - total, unhealthy)
            _, old_rss[i] = self.scale_replica_set_and_record_event(rs, replicas(rs) - count, d)
            total += count
        return old_rss, total

    def scale_down_old_replica_sets_for_rolling_update(self, all_rss: list[dict], old_rss: list[dict],
                                                       d: dict) -> int:
        """scaleDownOldReplicaSetsForRollingUpdate: remove available old pods while more
        than replicas - maxUnavailable are available, oldest ReplicaSet first."""
        min_available = replicas(d) - max_unavailable(d)
        available = available_replicas(all_rss)
        if available <= min_available:
            return 0
        goal, total = available - min_available, 0
        for rs in by_creation(old_rss):
            if total >= goal:
                break
            if replicas(rs) == 0:
                continue
            count = min(replicas(rs), goal - total)
            self.scale_replica_set_and_record_event(rs, replicas(rs) - count, d)
            total += count
        return total

"""Rollout progress (kubernetes pkg/controller/deployment/progress.go).

With ``progressDeadlineSeconds`` the Progressing condition says how a rollout
goes: ReplicaSetUpdated while pods move, NewReplicaSetAvailable when it is
complete, ProgressDeadlineExceeded (status False) after that many seconds
without progress. A stuck rollout requeues itself for the moment the
deadline passes, so the condition flips without any other event.
"""
from __future__ import annotations

from datetime import timedelta

from ..api.meta import parse_time
from .deployment_util import (
    deployment_complete, deployment_progressing, deployment_timed_out, get_condition, has_progress_deadline,
    new_condition, remove_condition, set_condition,
)
from .sync import calculate_status, wire_status

__all__ = ["ProgressMixin"]


class ProgressMixin:
    """The DeploymentController methods of progress.go."""

    def sync_rollout_status(self, all_rss: list, new_rs: dict | None, d: dict) -> None:
        now = self.now()
        status = calculate_status(all_rss, new_rs, d, now)
        if not has_progress_deadline(d):
            remove_condition(status, "Progressing")
        current = get_condition(d.get("status") or {}, "Progressing")
        complete_before = status["replicas"] == status["updatedReplicas"] and current is not None and \
            current["reason"] == "NewReplicaSetAvailable"
        subject = f'ReplicaSet "{new_rs["metadata"]["name"]}"' if new_rs is not None else \
            f'Deployment "{d["metadata"]["name"]}"'
        if has_progress_deadline(d) and not complete_before:
            if deployment_complete(d, status):
                set_condition(status, new_condition("Progressing", "True", "NewReplicaSetAvailable",
                                                    f"{subject} has successfully progressed.", now))
            elif deployment_progressing(d, status):
                cond = new_condition("Progressing", "True", "ReplicaSetUpdated", f"{subject} is progressing.", now)
                if current is not None:
                    if current["status"] == "True":
                        cond["lastTransitionTime"] = current["lastTransitionTime"]
                    remove_condition(status, "Progressing")
                set_condition(status, cond)
            elif deployment_timed_out(d, status, now):
                set_condition(status, new_condition("Progressing", "False", "ProgressDeadlineExceeded",
                                                    f"{subject} has timed out progressing.", now))
        failure = next((c for rs in all_rss if rs is not None
                        for c in (rs.get("status") or {}).get("conditions") or () if c["type"] == "ReplicaFailure"),
                       None)
        if failure is not None:
            set_condition(status, new_condition("ReplicaFailure", failure["status"], failure["reason"],
                                                failure["message"], now))
        else:
            remove_condition(status, "ReplicaFailure")
        status = wire_status(status)
        if deployment_complete(d, status):
            self.queue.cancel_delayed(f'{d["metadata"]["namespace"]}/{d["metadata"]["name"]}')
        if status == (d.get("status") or {}):
            self.requeue_stuck_deployment(d, status)
            return
        d["status"] = status
        self.update_status(d)

    def requeue_stuck_deployment(self, d: dict, status: dict) -> None:
        """requeueStuckDeployment: check again when the progress deadline would pass."""
        current = get_condition(d.get("status") or {}, "Progressing")
        if not has_progress_deadline(d) or current is None or deployment_complete(d, status) or \
                current["reason"] == "ProgressDeadlineExceeded":
            return
        due = parse_time(current["lastUpdateTime"]) + timedelta(seconds=d["spec"]["progressDeadlineSeconds"])
        after = (due - self.now()).total_seconds()
        if after < 1:
            self.queue.add_rate_limited(f'{d["metadata"]["namespace"]}/{d["metadata"]["name"]}')
        else:
            self.enqueue_key_after(d, after + 1)

"""The kubelet's status manager (pkg/kubelet/status): writes Pod statuses to the API server.

Statuses computed during one instant are written once, at the end of it.
Conditions keep their ``lastTransitionTime`` while their status does not
change; conditions other components own (``DisruptionTarget``, readiness
gates) are kept. A write that changes nothing is skipped. When a Pod being
deleted has stopped, its final status is written and then the Pod object
itself is deleted (grace period 0, with the Pod's uid as a precondition).
"""
from __future__ import annotations

from .. import errors

__all__ = ["StatusManager"]


class StatusManager:
    def __init__(self, kubelet):
        self.kubelet = kubelet
        self._pending: dict[str, tuple] = {}
        self._scheduled = False

    def set(self, worker, status: dict, *, delete: bool = False) -> None:
        """Queue ``status`` for ``worker``'s Pod (``delete``: then delete the Pod object)."""
        previous = self._pending.get(worker.uid)
        self._pending[worker.uid] = (worker, status, delete or bool(previous and previous[2]))
        if not self._scheduled:
            self._scheduled = True
            self.kubelet.loop.soon(self.flush, self.kubelet.owner)

    def delete(self, worker) -> None:
        pending = self._pending.get(worker.uid)
        self.set(worker, pending[1] if pending else None, delete=True)

    def flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, {}
        for uid in sorted(pending, key=lambda u: (pending[u][0].namespace, pending[u][0].name)):
            worker, status, delete = pending[uid]
            if status is not None:
                self._write(worker, status)
            if delete:
                self._delete(worker)

    def _write(self, worker, status: dict) -> None:
        api = self.kubelet.api
        for _ in range(5):
            try:
                current = api.get("pods", worker.name, namespace=worker.namespace)
            except errors.NotFound:
                return
            if current["metadata"]["uid"] != worker.uid:
                return
            new = dict(status, conditions=self._transitions(current["status"].get("conditions") or [],
                                                            status["conditions"]))
            for field in ("nominatedNodeName", "resize"):
                if field in current["status"]:
                    new[field] = current["status"][field]
            if new == current["status"]:
                worker.pod = current
                return
            current["status"] = new
            try:
                worker.pod = api.update(current, subresource="status")
                return
            except errors.Conflict:
                continue
            except errors.NotFound:
                return

    def _transitions(self, old: list[dict], new: list[dict]) -> list[dict]:
        stamp = self.kubelet.stamp()
        by_type = {c.get("type"): c for c in old}
        out = []
        for c in new:
            prev = by_type.get(c["type"])
            if "lastTransitionTime" in c:
                out.append(c)          # a condition another component (or an eviction) wrote
                continue
            c = {"type": c["type"], "status": c["status"], "lastProbeTime": None,
                 "lastTransitionTime": prev["lastTransitionTime"] if prev is not None and
                 prev.get("status") == c["status"] and prev.get("lastTransitionTime") else stamp,
                 **{k: v for k, v in c.items() if k in ("reason", "message")}}
            out.append(c)
        return out

    def _delete(self, worker) -> None:
        try:
            self.kubelet.api.delete("pods", worker.name, namespace=worker.namespace, grace_period_seconds=0,
                                    preconditions={"uid": worker.uid})
        except (errors.NotFound, errors.Conflict):
            pass

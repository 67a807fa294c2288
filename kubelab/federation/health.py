"""Member cluster health (kubefed's KubeFedCluster controller).

Every 10 s the federation probes each member's API server (``/healthz``). A
cluster becomes ``Offline`` after 3 failed probes in a row and ``Ready`` again
after 1 good one (KubeFedConfig ``clusterHealthCheck``: period 10 s,
failureThreshold 3, successThreshold 1). The verdict is the KubeFedCluster's
status:

* ready: ``[{type: Ready, status: "True", reason: ClusterReady, message: "/healthz responded with ok"}]``
* unreachable: ``[{type: Offline, status: "True", reason: ClusterNotReachable, message: "cluster is not reachable"}]``

Only Ready clusters receive work or count for replica scheduling.
"""
from __future__ import annotations

from .. import errors
from ..api.meta import format_time
from .types import KUBEFED_NAMESPACE

__all__ = ["ClusterHealth", "PERIOD", "FAILURE_THRESHOLD", "SUCCESS_THRESHOLD"]

PERIOD = 10.0
FAILURE_THRESHOLD = 3
SUCCESS_THRESHOLD = 1

_READY = {"type": "Ready", "status": "True", "reason": "ClusterReady", "message": "/healthz responded with ok"}
_OFFLINE = {"type": "Offline", "status": "True", "reason": "ClusterNotReachable",
            "message": "cluster is not reachable"}


class ClusterHealth:
    """Probes the members and keeps their KubeFedCluster status."""

    def __init__(self, federation):
        self.fed = federation
        self.ready: dict[str, bool] = {}
        self._streak: dict[str, tuple[bool, int]] = {}       # name -> (last probe ok, how many in a row)
        self._since: dict[str, str] = {}

    def probe(self, name: str) -> bool:
        """GET /healthz through the federation's link to the member."""
        if name in self.fed.partitioned:
            return False
        try:
            self.fed.members[name].api.get("namespaces", "default", namespace=None)
        except errors.ApiError:
            return False
        return True

    def check(self) -> None:
        for name in sorted(self.fed.members):
            ok = self.probe(name)
            last, count = self._streak.get(name, (ok, 0))
            count = count + 1 if last == ok else 1
            self._streak[name] = (ok, count)
            was = self.ready.get(name)
            if was is None or (ok and not was and count >= SUCCESS_THRESHOLD) or \
                    (not ok and was and count >= FAILURE_THRESHOLD):
                self.ready[name] = ok
            self._write(name)

    def _write(self, name: str) -> None:
        api, stamp = self.fed.api, format_time(self.fed.loop.clock.now())
        condition = dict(_READY if self.ready[name] else _OFFLINE)
        if self._since.get(name, ("", ""))[0] != condition["type"]:
            self._since[name] = (condition["type"], stamp)
        condition.update(lastProbeTime=stamp, lastTransitionTime=self._since[name][1])
        try:
            cluster = api.get("kubefedclusters", name, namespace=KUBEFED_NAMESPACE)
        except errors.NotFound:
            return
        api.update(dict(cluster, status={"conditions": [condition]}), subresource="status")

    def ready_clusters(self) -> list[str]:
        return sorted(name for name, ok in self.ready.items() if ok)

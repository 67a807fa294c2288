"""Node registration, heartbeats and node status (pkg/kubelet/kubelet_node_status.go, nodelease).

A kubelet registers its Node, then shows it is alive in two ways:

* a **Lease** ``kube-node-lease/<node>`` whose ``spec.renewTime`` it renews
  every 10 s (a quarter of ``leaseDurationSeconds: 40``) — the cheap heartbeat
  the node lifecycle controller watches;
* the Node's **status**, checked every 10 s (``nodeStatusUpdateFrequency``)
  and written when something changed (a condition, the images, capacity) or
  every 5 minutes regardless (``nodeStatusReportFrequency``), refreshing each
  condition's ``lastHeartbeatTime``.

Conditions: Ready, MemoryPressure (from the eviction manager), DiskPressure,
PIDPressure. A stopped kubelet stops both, and after 50 s the node lifecycle
controller marks the node Unknown.
"""
from __future__ import annotations

from .. import errors
from ..api.meta import format_micro_time

__all__ = ["NodeStatusManager", "LEASE_DURATION", "RENEW_INTERVAL", "STATUS_UPDATE", "STATUS_REPORT"]

LEASE_DURATION = 40
RENEW_INTERVAL = 10.0
STATUS_UPDATE = 10.0
STATUS_REPORT = 300.0

_CONDITIONS = {
    ("MemoryPressure", False): ("KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("MemoryPressure", True): ("KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
    ("DiskPressure", False): ("KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", False): ("KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", True): ("KubeletReady", "kubelet is posting ready status"),
}


class NodeStatusManager:
    def __init__(self, kubelet, manifest: dict):
        self.kubelet = kubelet
        self.manifest = manifest
        self.name = manifest["metadata"]["name"]
        self._last_posted: dict | None = None
        self._last_report = -STATUS_REPORT
        self._timers: list = []

    def start(self) -> None:
        self.register()
        self.renew_lease()
        self.update()
        loop, owner = self.kubelet.loop, self.kubelet.owner
        self._timers = [loop.later(RENEW_INTERVAL, self._renew_tick, owner, daemon=True),
                        loop.later(STATUS_UPDATE, self._status_tick, owner, daemon=True)]

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers = []
        self._last_posted = None

    def _renew_tick(self) -> None:
        try:
            self.renew_lease()
        except errors.ApiError:
            pass        # the API server is unreachable: try again next period, as the kubelet does
        self._timers[0] = self.kubelet.loop.later(RENEW_INTERVAL, self._renew_tick, self.kubelet.owner, daemon=True)

    def _status_tick(self) -> None:
        try:
            self.update()
        except errors.ApiError:
            pass
        self._timers[1] = self.kubelet.loop.later(STATUS_UPDATE, self._status_tick, self.kubelet.owner, daemon=True)

    def register(self) -> None:
        """registerWithAPIServer: create the Node (a Node that already exists is taken over)."""
        try:
            self.kubelet.api.create(self.manifest)
        except errors.AlreadyExists:
            pass

    def renew_lease(self) -> None:
        api = self.kubelet.api
        renew = format_micro_time(self.kubelet.clock.now())
        try:
            lease = api.get("leases", self.name, namespace="kube-node-lease")
        except errors.NotFound:
            node = api.get("nodes", self.name, namespace=None)
            api.create({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                        "metadata": {"name": self.name, "namespace": "kube-node-lease",
                                     "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": self.name,
                                                          "uid": node["metadata"]["uid"]}]},
                        "spec": {"holderIdentity": self.name, "leaseDurationSeconds": LEASE_DURATION,
                                 "renewTime": renew}})
            return
        lease["spec"] = dict(lease.get("spec") or {}, holderIdentity=self.name, leaseDurationSeconds=LEASE_DURATION,
                             renewTime=renew)
        api.update(lease)

    def desired(self) -> dict:
        """The status the kubelet would report now (without heartbeat times)."""
        status = self.manifest["status"]
        pressure = self.kubelet.eviction.under_memory_pressure()
        conditions = []
        for ctype, true in (("MemoryPressure", pressure), ("DiskPressure", False), ("PIDPressure", False),
                            ("Ready", True)):
            reason, message = _CONDITIONS[(ctype, true)]
            conditions.append({"type": ctype, "status": "True" if true else "False", "reason": reason,
                               "message": message})
        return {"capacity": status["capacity"], "allocatable": status["allocatable"], "conditions": conditions,
                "addresses": status["addresses"], "daemonEndpoints": status["daemonEndpoints"],
                "nodeInfo": status["nodeInfo"], "images": self.kubelet.images.node_images()}

    def update(self, force: bool = False) -> None:
        """tryUpdateNodeStatus: post when something changed, or when the report is due."""
        desired = self.desired()
        now = self.kubelet.clock.seconds
        if not force and desired == self._last_posted and now - self._last_report < STATUS_REPORT:
            return
        api = self.kubelet.api
        try:
            node = api.get("nodes", self.name, namespace=None)
        except errors.NotFound:
            return
        stamp = self.kubelet.stamp()
        old = {c.get("type"): c for c in (node.get("status") or {}).get("conditions") or []}
        conditions = []
        for c in desired["conditions"]:
            prev = old.get(c["type"])
            since = prev.get("lastTransitionTime") if prev and prev.get("status") == c["status"] else stamp
            conditions.append({"type": c["type"], "status": c["status"], "lastHeartbeatTime": stamp,
                               "lastTransitionTime": since or stamp, "reason": c["reason"], "message": c["message"]})
        node["status"] = {**(node.get("status") or {}), **desired, "conditions": conditions}
        try:
            api.update(node, subresource="status")
        except (errors.Conflict, errors.NotFound):
            return
        self._last_posted, self._last_report = desired, now

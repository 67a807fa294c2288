"""The node lifecycle controller: notices nodes whose kubelet went quiet.

Every ``node-monitor-period`` (5 s) it compares each node's last heartbeat (its
Lease in kube-node-lease, or the Ready condition's lastHeartbeatTime) with the
clock. After ``node-monitor-grace-period`` (50 s since v1.32, kubernetes#126287) of silence the node's
conditions become Unknown ("Kubelet stopped posting node status.") and it gets
the ``node.kubernetes.io/unreachable`` taints, NoSchedule and NoExecute; a
Ready=False node gets ``node.kubernetes.io/not-ready``. The NoExecute taint is
what evicts its Pods (see tainteviction.py). When heartbeats return, the
taints go.

Apart from that periodic check, every change of a node goes through the node-update
queue (TaintNodesByCondition's doNoScheduleTaintingPass): a cordoned node
(``spec.unschedulable: true``, ``kubectl cordon``) gets the
``node.kubernetes.io/unschedulable:NoSchedule`` taint, and loses it when uncordoned.
The scheduler's NodeUnschedulable plugin still rejects the node first ("node(s) were
unschedulable"); DaemonSet Pods tolerate the taint (daemon_pods.py).

Every taint this controller adds carries ``timeAdded`` (SwapNodeControllerTaint stamps
each one, NoSchedule included).

simplified: no taints for memory, disk or PID pressure or an unavailable network.
"""
from __future__ import annotations

from .. import errors
from ..api.meta import format_time, parse_time
from ..client.workqueue import WorkQueue
from .base import Controller

__all__ = ["NodeLifecycleController", "MONITOR_PERIOD", "GRACE_PERIOD", "UNSCHEDULABLE"]

MONITOR_PERIOD = 5.0
GRACE_PERIOD = 50.0      # --node-monitor-grace-period default since v1.32 (was 40 s)
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


class NodeLifecycleController(Controller):
    name = "node-lifecycle-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.nodes = self.informer("nodes")
        self.leases = self.informer("leases", namespace="kube-node-lease")
        self.pods = self.informer("pods")
        self._timer = None
        #: nodeUpdateQueue: nodes added or changed, for the NoSchedule tainting pass
        self.updates = WorkQueue(loop, self.name, self._process_update)

        def changed(node):                  # a handler only enqueues the key
            self.updates.add(node["metadata"]["name"])
        self.nodes.add_handler(changed, lambda old, new: changed(new))

    def start(self) -> None:
        super().start()
        self.updates.shutting_down = False
        self._tick()

    def stop(self) -> None:
        super().stop()
        self.updates.shut_down()
        if self._timer is not None:
            self._timer.cancel()

    def _tick(self) -> None:
        for node in self.nodes.list():
            self.queue.add(node["metadata"]["name"])
        self._timer = self.loop.later(MONITOR_PERIOD, self._tick, self.name, daemon=True)

    def _last_heartbeat(self, node: dict) -> float:
        """Seconds on the simulated clock of the newest sign of life from the kubelet."""
        times = [c.get("lastHeartbeatTime") for c in node.get("status", {}).get("conditions", [])
                 if c.get("type") == "Ready"]
        lease = self.leases.get(node["metadata"]["name"], "kube-node-lease")
        if lease is not None:
            times.append(lease.get("spec", {}).get("renewTime"))
        start = self.api.clock.start
        seen = [(parse_time(t) - start).total_seconds() for t in times if t]
        return max(seen) if seen else (parse_time(node["metadata"]["creationTimestamp"]) - start).total_seconds()

    def sync(self, name: str) -> None:
        node = self.nodes.get(name)
        if node is None:
            return
        now = self.api.clock.seconds
        ready = next((c for c in node.get("status", {}).get("conditions", []) if c["type"] == "Ready"), None)
        silent = now - self._last_heartbeat(node) > GRACE_PERIOD
        if silent and (ready is None or ready["status"] != "Unknown"):
            self._mark_unknown(node)
            return
        status = "Unknown" if silent else (ready or {}).get("status", "Unknown")
        want = {"Unknown": UNREACHABLE, "False": NOT_READY}.get(status)
        self._set_taints(node, want)

    def _mark_unknown(self, node: dict) -> None:
        stamp = format_time(self.api.clock.now())
        conditions = []
        for c in node.get("status", {}).get("conditions", []):
            if c["type"] in _CONDITIONS and c["status"] != "Unknown":
                c = dict(c, status="Unknown", reason="NodeStatusUnknown",
                         message="Kubelet stopped posting node status.", lastTransitionTime=stamp)
            conditions.append(c)
        name = node["metadata"]["name"]
        self.api.patch("nodes", name, {"status": {"conditions": conditions}}, subresource="status",
                       patch_type="strategic")
        self.recorder.event(node, "Normal", "NodeNotReady", f"Node {name} status is now: NodeNotReady")
        self._mark_pods_not_ready(name, stamp)
        self.queue.add(name)

    def _mark_pods_not_ready(self, node_name: str, stamp: str) -> None:
        """MarkPodsNotReady: Pods on an unreachable node stop being Ready (Services drop them)."""
        for pod in self.pods.list():
            if pod["spec"].get("nodeName") != node_name:
                continue
            conds = pod.get("status", {}).get("conditions", [])
            if not any(c["type"] == "Ready" and c["status"] == "True" for c in conds):
                continue
            new = [dict(c, status="False", lastTransitionTime=stamp) if c["type"] == "Ready" else c
                   for c in conds]
            self.api.patch("pods", pod["metadata"]["name"], {"status": {"conditions": new}},
                           namespace=pod["metadata"]["namespace"], subresource="status", patch_type="strategic")

    def _process_update(self, name: str) -> None:
        try:
            self.no_schedule_tainting_pass(name)
        except errors.ApiError:
            self.updates.add_rate_limited(name)
        else:
            self.updates.forget(name)

    def no_schedule_tainting_pass(self, name: str) -> None:
        """doNoScheduleTaintingPass, for ``spec.unschedulable``: the node has the
        unschedulable NoSchedule taint exactly while it is cordoned."""
        node = self.nodes.get(name)
        if node is None:
            return
        taints = (node.get("spec") or {}).get("taints") or []
        tainted = any(t.get("key") == UNSCHEDULABLE and t.get("effect") == "NoSchedule" for t in taints)
        cordoned = bool((node.get("spec") or {}).get("unschedulable"))
        if tainted == cordoned:
            return
        if cordoned:
            new = taints + [{"key": UNSCHEDULABLE, "effect": "NoSchedule",
                             "timeAdded": format_time(self.api.clock.now())}]
        else:
            new = [t for t in taints if not (t.get("key") == UNSCHEDULABLE and t.get("effect") == "NoSchedule")]
        self.api.patch("nodes", name, {"spec": {"taints": new or None}}, patch_type="merge")

    def _set_taints(self, node: dict, key: str | None) -> None:
        taints = node.get("spec", {}).get("taints", [])
        keep = [t for t in taints if t["key"] not in (UNREACHABLE, NOT_READY) or
                (t["key"] == key)]
        have = {(t["key"], t["effect"]) for t in keep}
        stamp = format_time(self.api.clock.now())
        if key is not None:
            for effect in ("NoSchedule", "NoExecute"):
                if (key, effect) not in have:
                    # SwapNodeControllerTaint stamps each taint; tolerationSeconds count from it
                    keep.append({"key": key, "effect": effect, "timeAdded": stamp})
        if keep != taints:
            self.api.patch("nodes", node["metadata"]["name"], {"spec": {"taints": keep or None}},
                           patch_type="merge")

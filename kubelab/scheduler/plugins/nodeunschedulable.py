"""NodeUnschedulable: cordoned nodes (``spec.unschedulable``) take no new Pods,
unless the Pod tolerates the ``node.kubernetes.io/unschedulable:NoSchedule`` taint."""
from ...api.tolerations import tolerates
from ..framework import ClusterEvent, Plugin, Status

ERR_REASON = "node(s) were unschedulable"
_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


def _tolerates_unschedulable(pod) -> bool:
    return any(tolerates(t, _TAINT) for t in pod["spec"].get("tolerations") or ())


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"

    def pre_filter(self, state, pod):
        # kubelab: with no cordoned node in the snapshot Filter passes everywhere; skipping is exact
        return None if self.handle.snapshot.unschedulable_nodes else Status.skip()

    def filter(self, state, pod, node_info):
        if not node_info.unschedulable or _tolerates_unschedulable(pod):
            return None
        return Status.unresolvable(ERR_REASON)

    def events_to_register(self):
        def hint(pod, old, new):
            return not (new.get("spec") or {}).get("unschedulable") or _tolerates_unschedulable(pod)
        return [ClusterEvent("Node", "Add", hint), ClusterEvent("Node", "UpdateNodeTaint", hint),
                ClusterEvent("UnscheduledPod", "UpdatePodToleration")]

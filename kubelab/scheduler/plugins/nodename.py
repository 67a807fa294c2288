"""NodeName: a Pod that names its node (``spec.nodeName`` set before
scheduling) fits only there."""
from ..framework import ClusterEvent, Plugin, Status

ERR_REASON = "node(s) didn't match the requested node name"


class NodeName(Plugin):
    name = "NodeName"

    def pre_filter(self, state, pod):
        # kubelab: a Pod naming no node passes everywhere, so skipping Filter is exact
        return None if pod["spec"].get("nodeName") else Status.skip()

    def filter(self, state, pod, node_info):
        if pod["spec"].get("nodeName") in (None, "", node_info.name):
            return None
        return Status.unresolvable(ERR_REASON)

    def events_to_register(self):
        return [ClusterEvent("Node", "Add", lambda pod, old, new: new["metadata"]["name"] == pod["spec"].get("nodeName"))]

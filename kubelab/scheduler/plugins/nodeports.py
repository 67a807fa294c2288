"""NodePorts: a Pod asking for a ``hostPort`` fits only where no other Pod holds
that port (hostIP 0.0.0.0 clashes with every IP), per protocol."""
from ..framework import ClusterEvent, Plugin, Status
from ..nodeinfo import host_ports

ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
_KEY = "PreFilterNodePorts"
_ANY = "0.0.0.0"


def conflicts(wanted, used) -> bool:
    """HostPortInfo.CheckConflict for each wanted (ip, protocol, port)."""
    for ip, protocol, port in wanted:
        if ip == _ANY:
            if any(p == port and proto == protocol for _, proto, p in used):
                return True
        elif (ip, protocol, port) in used or (_ANY, protocol, port) in used:
            return True
    return False


class NodePorts(Plugin):
    name = "NodePorts"

    def pre_filter(self, state, pod):
        ports = host_ports(pod)
        if not ports:
            return Status.skip()
        state[_KEY] = ports

    def filter(self, state, pod, node_info):
        return Status.unschedulable(ERR_REASON) if conflicts(state[_KEY], node_info.used_ports) else None

    def events_to_register(self):
        def freed(pod, old, new):
            return conflicts(host_ports(pod), {p: 1 for p in host_ports(old or new)})
        return [ClusterEvent("AssignedPod", "Delete", freed), ClusterEvent("Node", "Add")]

"""Where a new TCP connection goes: the source node's netfilter rules, maybe another
node's (a node port), masquerading, the NetworkPolicy of both ends, then a socket.

    client (Pod or node) --nat PREROUTING/OUTPUT--> KUBE-SERVICES ... DNAT
        --filter FORWARD/INPUT/OUTPUT--> REJECT? DROP?
        --routed to the Pod's node, SNAT if marked--> NetworkPolicy egress + ingress
        --> the destination Pod's (or node's) listening socket, or a TCP reset

Each step leaves a line in :attr:`Route.hops`. A refused connection (a REJECT
rule, nothing listening) fails at once; one nobody answers (a DROP rule, a
policy, an address nobody has) times out.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .iptables import Packet
from .policy import End

__all__ = ["Datapath", "Route", "NodeInfo"]


@dataclass(frozen=True)
class NodeInfo:
    """What the datapath needs to know about a node."""

    name: str
    ip: str
    pod_cidr: str                 # where the node's Pods get their IPs (10.244.N.0/24)
    gateway: str                  # the Pod bridge's address on this node (10.244.N.1)
    host_listeners: dict          # sockets of host-network processes (port -> Listener)

    @property
    def addresses(self) -> frozenset:
        return frozenset({self.ip, self.gateway, "127.0.0.1"})


@dataclass
class Route:
    """The fate of one connection attempt."""

    error: str | None = None              # None, "refused" or "timeout"
    hops: list[str] = field(default_factory=list)
    ip: str = ""                          # where the connection ends (after DNAT)
    port: int = 0
    listener: object = None
    backend: dict | None = None           # the Pod that answers
    node: str | None = None               # the node it runs on
    client_ip: str = ""                   # the source address the server sees (after SNAT)

    def fail(self, kind: str, hop: str) -> "Route":
        self.error = kind
        self.hops.append(hop)
        return self


class Datapath:
    """Connections through one cluster's kube-proxies, Pod network and policy engine."""

    def __init__(self, *, proxies: dict, nodes: dict[str, NodeInfo], network, policy):
        self.proxies, self.nodes, self.network, self.policy = proxies, nodes, network, policy
        self._node_of_ip = {info.ip: name for name, info in nodes.items()}
        self._pod_cidrs = [(ipaddress.ip_network(info.pod_cidr), name) for name, info in nodes.items()]

    def node_of(self, ip: str) -> str | None:
        """The node that has ``ip``: its own address, or one of its podCIDR."""
        if ip in self._node_of_ip:
            return self._node_of_ip[ip]
        addr = ipaddress.ip_address(ip)
        return next((name for cidr, name in self._pod_cidrs if addr in cidr), None)

    def pod_of(self, sandbox) -> dict | None:
        """The Pod object of a sandbox, as the policy engine's cache knows it."""
        return self.policy.pods.get(sandbox.name, sandbox.namespace) if sandbox is not None else None

    def _nat(self, route: Route, node: str, pkt: Packet, *, from_host: bool) -> str | None:
        """Walk one node's rules, logging the nat rules that fired and the filter rule that
        decided (if one did); the filter verdict."""
        verdict, walk = self.proxies[node].walk(pkt, from_host=from_host)
        for table, rule in walk.trail:
            if table == "nat" or rule.target in ("REJECT", "DROP"):
                route.hops.append(f"{node} {table}: {rule}")
        return verdict

    def connect(self, client: End, ip: str, port: int, *, from_host: bool) -> Route:
        """Open a TCP connection from ``client`` (on node ``client.node``) to ``ip:port``."""
        route = Route(hops=[f"{client.name} ({client.ip}) connects to {ip}:{port}"])
        pkt = Packet(client.ip, ip, port)
        node = client.node
        verdict = self._nat(route, node, pkt, from_host=from_host)
        if verdict is None and pkt.dnat is None and pkt.dst in self._node_of_ip and \
                self._node_of_ip[pkt.dst] != node:
            node = self._node_of_ip[pkt.dst]              # to another node: its rules apply there
            route.hops.append(f"routed to {node} ({pkt.dst})")
            verdict = self._nat(route, node, pkt, from_host=False)
        if verdict == "REJECT":
            return route.fail("refused", f"{node}: REJECT (icmp-port-unreachable): connection refused")
        if verdict == "DROP":
            return route.fail("timeout", f"{node}: DROP: no answer")
        route.ip, route.port, route.client_ip = pkt.dst, pkt.dport, client.ip
        sandbox = self.network.sandboxes.get(pkt.dst)
        dst_pod, dst_node = self.pod_of(sandbox), self.node_of(pkt.dst)
        if self.proxies[node].masquerades(pkt):
            info = self.nodes[node]
            route.client_ip = info.gateway if dst_node == node else info.ip
            route.hops.append(f"{node}: KUBE-POSTROUTING masquerades the source to {route.client_ip}")
        if sandbox is None and pkt.dst not in self._node_of_ip:
            return route.fail("timeout", f"no host has {pkt.dst}: the packet is dropped")
        source = client if route.client_ip == client.ip else End(route.client_ip, None, node)
        destination = End(pkt.dst, dst_pod, dst_node)
        verdicts = [self.policy.egress(client, destination, pkt.dport)] if client.pod is not None else []
        if dst_pod is not None and all(verdicts):
            verdicts.append(self.policy.ingress(destination, source, pkt.dport))
        for verdict in verdicts:
            route.hops.append(verdict.reason)
            if not verdict:
                return route.fail("timeout", "dropped: the connection times out")
        route.backend, route.node = dst_pod, dst_node
        listeners = sandbox.listeners if sandbox is not None else self.nodes[dst_node].host_listeners
        route.listener = listeners.get(pkt.dport)
        if route.listener is None:
            return route.fail("refused", f"nothing listens on {pkt.dst}:{pkt.dport}: TCP reset, connection refused")
        where = destination.name if sandbox is not None else f"node {dst_node}"
        route.hops.append(f"{where} accepts the connection on port {pkt.dport}")
        return route

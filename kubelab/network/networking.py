"""A cluster's networking, assembled: a kube-proxy per node, cluster DNS, NetworkPolicy.

:class:`Networking` starts the components and plugs them into the Pod network
the kubelets attach Pods to (:class:`kubelab.node.network.PodNetwork`): its
resolver answers names with cluster DNS and its forwarder sends every
connection through the datapath, so ``kubectl exec client -- wget -qO- web``
goes through the same kube-proxy rules and policies as :meth:`curl`.

DNS queries themselves are subject to the client's egress policy: they go to
the CoreDNS Pods (``k8s-app: kube-dns`` in ``kube-system``, port 53/UDP), so a
default-deny egress policy without a DNS exception breaks name resolution.
simplified: CoreDNS is not a Deployment here; the policy check stands in for
the query's trip to its Pods (modelled as kind's, at 10.244.0.2).
"""
from __future__ import annotations

from ..node.network import ConnectError
from .datapath import Datapath, NodeInfo
from .dns import ClusterDNS, Lookup
from .kubeproxy import KubeProxy
from .policy import End, NetworkPolicyEnforcer, Verdict

__all__ = ["Networking", "COREDNS"]

#: The CoreDNS Pod as NetworkPolicy sees a DNS query's destination.
COREDNS = End("10.244.0.2", {
    "metadata": {"name": "coredns", "namespace": "kube-system", "uid": "coredns", "labels": {"k8s-app": "kube-dns"}},
    "spec": {"containers": [{"name": "coredns", "ports": [
        {"name": "dns", "containerPort": 53, "protocol": "UDP"},
        {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
        {"name": "metrics", "containerPort": 9153, "protocol": "TCP"}]}]}}, None)


class Networking:
    """kube-proxy on every node, CoreDNS, the policy engine, and the datapath joining them."""

    def __init__(self, api, loop, *, rng, network, kubelets: dict):
        self.api, self.loop, self.network, self.rng = api, loop, network, rng
        self.nodes = {name: NodeInfo(name, k.node_ip, k.node_manifest["spec"]["podCIDR"], k.runtime.ipam.gateway,
                                     k.runtime.host_listeners) for name, k in sorted(kubelets.items())}
        self.proxies = {name: KubeProxy(api, loop, node=name, addresses=info.addresses, rng=rng)
                        for name, info in self.nodes.items()}
        self.dns = ClusterDNS(api, loop, rng=rng)
        self.policy = NetworkPolicyEnforcer(api, loop)
        self.datapath = Datapath(proxies=self.proxies, nodes=self.nodes, network=network, policy=self.policy)
        network.resolvers.append(self._resolve)
        network.forwarders.append(self._forward)

    def start(self) -> None:
        self.policy.start()
        self.dns.start()
        for proxy in self.proxies.values():
            proxy.start()

    def add_node(self, name: str, kubelet) -> None:
        """A node joined: its network and its kube-proxy (started at once, as its DaemonSet Pod is)."""
        info = NodeInfo(name, kubelet.node_ip, kubelet.node_manifest["spec"]["podCIDR"],
                        kubelet.runtime.ipam.gateway, kubelet.runtime.host_listeners)
        self.nodes[name] = info
        self.proxies[name] = KubeProxy(self.api, self.loop, node=name, addresses=info.addresses, rng=self.rng)
        self.proxies[name].start()

    # -- the client side -------------------------------------------------------
    def client(self, sandbox) -> tuple[End, bool]:
        """A sandbox as a connection's source: (its End, whether it is the node's own network)."""
        pod = self.datapath.pod_of(sandbox)
        node = (pod or {}).get("spec", {}).get("nodeName") or self.datapath.node_of(sandbox.ip)
        if sandbox.host_network:
            return End(self.nodes[node].ip, None, node), True
        return End(sandbox.ip, pod, node), False

    def dns_verdict(self, client: End) -> Verdict | None:
        """The client Pod's egress verdict for a DNS query (None for a node)."""
        return self.policy.egress(client, COREDNS, 53, "UDP") if client.pod is not None else None

    def lookup(self, name: str, namespace: str = "default") -> Lookup:
        """What a ClusterFirst Pod in ``namespace`` resolves ``name`` to (no policy involved)."""
        return self.dns.resolve(name, namespace)

    # -- the Pod network's seams ---------------------------------------------------
    def _resolve(self, host: str, sandbox) -> list[str]:
        client, _ = self.client(sandbox)
        verdict = self.dns_verdict(client)
        if verdict is not None and not verdict:
            return []
        found = self.dns.resolve(host, sandbox.namespace)
        return list(found.addresses) if found.found else []

    def _forward(self, sandbox, ip: str, port: int):
        if ip.startswith("127."):
            return None
        client, from_host = self.client(sandbox)
        route = self.datapath.connect(client, ip, port, from_host=from_host)
        if route.error is not None:
            raise ConnectError("refused" if route.error == "refused" else "unreachable", ip, ip, port)
        return route.ip, route.port

    # -- views -----------------------------------------------------------------
    def iptables_save(self, node: str, table: str | None = None) -> str:
        """``iptables-save`` on ``node`` (both tables, or ``table``: "filter" or "nat")."""
        if node not in self.proxies:
            raise KeyError(f"no node {node!r} (nodes: {', '.join(self.proxies)})")
        return self.proxies[node].iptables_save(table)

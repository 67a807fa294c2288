"""NetworkPolicy as the network plugin enforces it
(https://kubernetes.io/docs/concepts/services-networking/network-policies/).

* By default a Pod is non-isolated: it accepts and sends anything.
* A Pod is isolated for ingress (egress) once any NetworkPolicy in its namespace
  selects it (``spec.podSelector``) with ``Ingress`` (``Egress``) in
  ``policyTypes``; then only connections some rule of those policies allows get
  through. Policies add up: any one allowing is enough.
* A connection needs both ends to agree: the source's egress and the
  destination's ingress.
* A rule's peers (``from``/``to``) are ORed: ``podSelector`` (Pods of the
  policy's namespace), ``namespaceSelector`` (every Pod of those namespaces), both
  in one peer (those Pods in those namespaces), ``ipBlock`` (a CIDR minus its
  ``except`` blocks); no peers means everyone. Its ``ports`` are ORed too: a number
  or a named container port of the destination Pod, a protocol (TCP by default),
  ``endPort`` for a range; no ports means every port.
* Traffic between a Pod and the node it runs on is always allowed, and a Pod
  cannot block itself.

Each decision carries its reason, e.g. ``denied by NetworkPolicy default/deny-all``.
simplified: ipBlock matches Pod IPs too (plugins differ); Services are matched
after kube-proxy's DNAT, i.e. against the backend Pod.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..api.labels import selector_from_label_selector
from ..client.informer import Informer

__all__ = ["NetworkPolicyEnforcer", "End", "Verdict"]


@dataclass(frozen=True)
class End:
    """One end of a connection: an IP, and the Pod behind it (None: a node or an outside host)."""

    ip: str
    pod: dict | None = None
    node: str | None = None

    @property
    def name(self) -> str:
        if self.pod is not None:
            return f'{self.pod["metadata"]["namespace"]}/{self.pod["metadata"]["name"]}'
        return f"node {self.node}" if self.node else self.ip


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _in_block(ip: str, block: dict) -> bool:
    addr = ipaddress.ip_address(ip)
    if addr not in ipaddress.ip_network(block.get("cidr", ""), strict=False):
        return False
    return not any(addr in ipaddress.ip_network(x, strict=False) for x in block.get("except") or [])


def _port_matches(rule_port: dict, port: int, protocol: str, dst_pod: dict | None) -> bool:
    if rule_port.get("protocol", "TCP") != protocol:
        return False
    wanted = rule_port.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, str) and not wanted.isdigit():       # a named port of the destination Pod
        containers = (dst_pod or {}).get("spec", {}).get("containers") or []
        return any(p.get("name") == wanted and p.get("containerPort") == port and p.get("protocol", "TCP") == protocol
                   for c in containers for p in c.get("ports") or [])
    first = int(wanted)
    return first <= port <= int(rule_port.get("endPort") or first)


class NetworkPolicyEnforcer:
    """The network plugin's policy engine: it watches NetworkPolicies, Pods and Namespaces."""

    def __init__(self, api, loop):
        owner = "network-policy"
        self.policies = Informer(api, "networkpolicies.networking.k8s.io", loop=loop, owner=owner)
        self.pods = Informer(api, "pods", loop=loop, owner=owner)
        self.namespaces = Informer(api, "namespaces", loop=loop, owner=owner)
        self._selectors: dict = {}

    def start(self) -> None:
        for informer in (self.policies, self.pods, self.namespaces):
            informer.start()

    def _selector(self, policy: dict, path: tuple, selector: dict | None):
        """The compiled label selector at ``path`` in ``policy`` (cached per policy version)."""
        key = (policy["metadata"]["uid"], policy["metadata"]["resourceVersion"], path)
        found = self._selectors.get(key)
        if found is None:
            found = self._selectors[key] = selector_from_label_selector(selector or {})
        return found

    def _peer_matches(self, policy: dict, path: tuple, peer: dict, other: End) -> bool:
        if "ipBlock" in peer:
            return _in_block(other.ip, peer["ipBlock"])
        if other.pod is None:
            return False
        meta = other.pod["metadata"]
        if "namespaceSelector" in peer:
            ns = self.namespaces.get(meta["namespace"])
            if ns is None or not self._selector(policy, path + ("ns",), peer["namespaceSelector"]).matches(
                    ns["metadata"].get("labels") or {}):
                return False
        elif meta["namespace"] != policy["metadata"]["namespace"]:
            return False
        return "podSelector" not in peer or \
            self._selector(policy, path + ("pod",), peer["podSelector"]).matches(meta.get("labels") or {})

    def isolating(self, pod: dict, direction: str) -> list[dict]:
        """The policies that select ``pod`` for ``direction`` ("Ingress" or "Egress")."""
        labels = pod["metadata"].get("labels") or {}
        return [p for p in self.policies.by_index("namespace", pod["metadata"]["namespace"])
                if direction in (p["spec"].get("policyTypes") or ["Ingress"])
                and self._selector(p, (), p["spec"].get("podSelector")).matches(labels)]

    def _side(self, direction: str, pod_end: End, other: End, port: int, protocol: str, dst_pod) -> Verdict:
        pod = pod_end.pod
        word = "ingress to" if direction == "Ingress" else "egress from"
        if other.pod is not None and other.pod["metadata"]["uid"] == pod["metadata"]["uid"]:
            return Verdict(True, "a Pod cannot block itself")
        if other.pod is None and other.node is not None and other.node == pod_end.node:
            return Verdict(True, f"traffic between a Pod and its node ({other.node}) is always allowed")
        policies = self.isolating(pod, direction)
        if not policies:
            return Verdict(True, f"no NetworkPolicy selects {pod_end.name} for {direction}")
        key, peers = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        for policy in policies:
            ns = policy["metadata"]["namespace"]
            for i, rule in enumerate(policy["spec"].get(key) or []):
                if rule.get(peers) and not any(self._peer_matches(policy, (key, i, j), p, other)
                                               for j, p in enumerate(rule[peers])):
                    continue
                if rule.get("ports") and not any(_port_matches(p, port, protocol, dst_pod) for p in rule["ports"]):
                    continue
                return Verdict(True, f"{word} {pod_end.name} allowed by NetworkPolicy "
                                     f"{ns}/{policy['metadata']['name']}")
        names = ", ".join(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in policies)
        return Verdict(False, f"{word} {pod_end.name} denied by NetworkPolic{'ies' if len(policies) > 1 else 'y'} "
                              f"{names}")

    def egress(self, src: End, dst: End, port: int, protocol: str = "TCP") -> Verdict:
        """May the Pod ``src`` open a connection to ``dst`` on ``port``?"""
        return self._side("Egress", src, dst, port, protocol, dst.pod)

    def ingress(self, dst: End, src: End, port: int, protocol: str = "TCP") -> Verdict:
        """May ``src`` open a connection to the Pod ``dst`` on ``port``?"""
        return self._side("Ingress", dst, src, port, protocol, dst.pod)

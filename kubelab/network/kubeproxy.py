"""kube-proxy in iptables mode, one per node (pkg/proxy/iptables/proxier.go, syncProxyRules).

kube-proxy watches Services and EndpointSlices and rewrites the node's netfilter
rules so that a connection to a Service's ClusterIP (or a node port) is DNATed
to one of its endpoints:

    PREROUTING/OUTPUT -> KUBE-SERVICES -> KUBE-SVC-<hash> -> KUBE-SEP-<hash> -> DNAT

``KUBE-SVC`` picks an endpoint with ``-m statistic --mode random`` rules whose
probabilities are 1/n, 1/(n-1), ..., the last one unconditional, so each of n
endpoints gets 1/n of the connections. Chain names are the first 16 characters
of base32(sha256(service port name + protocol [+ endpoint])), so the same
Service port has the same chain on every node and in every cluster. A Service
port with no usable endpoint gets a ``REJECT`` rule in the filter table
(connection refused); ``sessionAffinity: ClientIP`` adds ``-m recent`` rules that
send a client back to the endpoint it used last; ``internalTrafficPolicy`` /
``externalTrafficPolicy: Local`` use the node's own endpoints only (``KUBE-SVL``).

Endpoints come from the slices: Ready ones, or, when none is, the ones still
serving while they terminate; sorted by ``ip:port`` as kube-proxy sorts them.
Syncs are rate-limited like ``--iptables-min-sync-period`` (1 s, burst 2).

simplified: IPv4, TCP/UDP/SCTP ports on ClusterIPs, externalIPs and node ports (no
load-balancer VIPs, health-check node ports or topology hints); services in
sorted order where kube-proxy walks a Go map.
"""
from __future__ import annotations

import base64
import hashlib

from ..api.labels import parse_selector
from ..client.informer import Informer
from .iptables import (Packet, Rule, Table, Walk, addrtype, comment, conntrack, mark, proto, recent_check,
                       recent_set, save, statistic)

__all__ = ["KubeProxy", "build_tables", "port_proto_hash", "endpoint_chain", "service_port_name",
           "CLUSTER_CIDR"]

#: kind's (and the kubeadm podSubnet's usual) --cluster-cidr: "local" traffic comes from here.
CLUSTER_CIDR = "10.244.0.0/16"
MASQ_MARK = 0x4000               # --iptables-masquerade-bit 14
#: kube-proxy's informers skip Services for another proxy and headless Services' slices.
PROXY_SELECTOR = parse_selector("!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless")


def port_proto_hash(name: str, protocol: str) -> str:
    """portProtoHash: base32(sha256(name + protocol)), first 16 characters."""
    return base64.b32encode(hashlib.sha256((name + protocol).encode()).digest()).decode()[:16]


def endpoint_chain(name: str, protocol: str, endpoint: str) -> str:
    """servicePortEndpointChainName: ``KUBE-SEP-`` + hash of name, protocol and ``ip:port``."""
    return "KUBE-SEP-" + port_proto_hash(name, protocol + endpoint)


def service_port_name(svc: dict, port: dict) -> str:
    """ServicePortName.String(): ``namespace/name`` plus ``:port-name`` when the port has one."""
    meta = svc["metadata"]
    return f'{meta["namespace"]}/{meta["name"]}' + (f':{port["name"]}' if port.get("name") else "")


def _endpoints(slices: list[dict], port: dict) -> list[dict]:
    """The endpoints of one Service port (EndpointSliceCache): ``ip:port`` with conditions,
    first address of each endpoint, de-duplicated, sorted by ``ip:port``."""
    found: dict[str, dict] = {}
    for eps in sorted(slices, key=lambda s: s["metadata"]["name"]):
        for sp in eps.get("ports") or []:
            if (sp.get("name") or "") != (port.get("name") or "") or sp.get("protocol", "TCP") != port["protocol"] \
                    or sp.get("port") is None:
                continue
            for e in eps.get("endpoints") or []:
                if not e.get("addresses"):
                    continue
                cond = e.get("conditions") or {}
                ready = cond.get("ready") is not False
                found.setdefault(f'{e["addresses"][0]}:{sp["port"]}', {
                    "ip": e["addresses"][0], "ready": ready, "node": e.get("nodeName"),
                    "serving": cond.get("serving", ready) is not False, "terminating": bool(cond.get("terminating"))})
    return [dict(v, key=k) for k, v in sorted(found.items())]


def _categorize(endpoints: list[dict], node: str, internal_local: bool, external_local: bool, exposed: bool):
    """CategorizeEndpoints: (cluster, local, all reachable, has any) endpoints."""
    uses_cluster = not internal_local or (exposed and not external_local)
    uses_local = internal_local or (exposed and external_local)
    usable = [e for e in endpoints if e["ready"]] or [e for e in endpoints if e["serving"] and e["terminating"]]
    cluster = usable if uses_cluster else []
    here = [e for e in endpoints if e["node"] == node]
    local = ([e for e in here if e["ready"]] or [e for e in here if e["serving"] and e["terminating"]]) \
        if uses_local else []
    if not uses_local:
        reachable = cluster
    elif not uses_cluster:
        reachable = local
    elif all(e["ready"] for e in local):
        reachable = cluster               # every ready endpoint: a superset of the local ones
    else:
        reachable = sorted({e["key"]: e for e in cluster + local}.values(), key=lambda e: e["key"])
    return cluster, local, reachable, bool(usable)


def _base_rules(nat: Table, flt: Table) -> None:
    """The jumps from the built-in chains and the chains that exist whatever the Services."""
    for hook in ("PREROUTING", "OUTPUT"):
        nat.add(Rule(hook, "KUBE-SERVICES", comment("kubernetes service portals")))
    nat.add(Rule("POSTROUTING", "KUBE-POSTROUTING", comment("kubernetes postrouting rules")))
    for chain in ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-PROXY-CANARY"):
        nat.chain(chain)
    nat.add(Rule("KUBE-POSTROUTING", "RETURN", mark(MASQ_MARK, negate=True)))
    nat.add(Rule("KUBE-POSTROUTING", "MARK", options=f"--set-xmark {MASQ_MARK:#x}/0x0"))
    nat.add(Rule("KUBE-POSTROUTING", "MASQUERADE", comment("kubernetes service traffic requiring SNAT"),
                 options="--random-fully"))
    nat.add(Rule("KUBE-MARK-MASQ", "MARK", options=f"--set-xmark {MASQ_MARK:#x}/{MASQ_MARK:#x}"))
    new = conntrack("NEW")
    jumps = [("INPUT", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall", True),
             ("INPUT", "KUBE-NODEPORTS", "kubernetes health check service ports", False),
             ("INPUT", "KUBE-EXTERNAL-SERVICES", "kubernetes externally-visible service portals", True),
             ("INPUT", "KUBE-FIREWALL", "", False),
             ("FORWARD", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall", True),
             ("FORWARD", "KUBE-FORWARD", "kubernetes forwarding rules", False),
             ("FORWARD", "KUBE-SERVICES", "kubernetes service portals", True),
             ("FORWARD", "KUBE-EXTERNAL-SERVICES", "kubernetes externally-visible service portals", True),
             ("OUTPUT", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall", True),
             ("OUTPUT", "KUBE-SERVICES", "kubernetes service portals", True),
             ("OUTPUT", "KUBE-FIREWALL", "", False)]
    for hook, chain, text, only_new in jumps:
        flt.add(Rule(hook, chain, *([new] if only_new else []), *([comment(text)] if text else [])))
    for chain in ("KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL",
                  "KUBE-PROXY-CANARY"):
        flt.chain(chain)
    flt.add(Rule("KUBE-FIREWALL", "DROP", comment("block incoming localnet connections"),
                 conntrack("RELATED,ESTABLISHED,DNAT", negate=True), src="127.0.0.0/8", negate_src=True,
                 dst="127.0.0.0/8"))


def _service_rules(nat: Table, flt: Table, svc: dict, port: dict, slices: list[dict], node: str) -> None:
    """One Service port's rules (the body of syncProxyRules' loop)."""
    spec = svc["spec"]
    name, protocol = service_port_name(svc, port), port["protocol"].lower()
    digest = port_proto_hash(name, protocol)
    svc_chain, svl_chain, ext_chain = f"KUBE-SVC-{digest}", f"KUBE-SVL-{digest}", f"KUBE-EXT-{digest}"
    node_port, external_ips = port.get("nodePort") or 0, spec.get("externalIPs") or []
    exposed = bool(node_port or external_ips)
    internal_local = spec.get("internalTrafficPolicy") == "Local"
    external_local = exposed and spec.get("externalTrafficPolicy") == "Local"
    endpoints = _endpoints(slices, port)
    cluster, local, reachable, has_any = _categorize(endpoints, node, internal_local, external_local, exposed)
    internal_chain = svl_chain if internal_local else svc_chain
    has_internal = has_any and (bool(local) or not internal_local)
    has_external = has_any and (bool(local) or not external_local)
    ip, number = spec["clusterIP"], port["port"]
    dport = proto(protocol, number)

    def refuse(chain, text, target, *extra, dst=None, at=number):
        flt.add(Rule(chain, target, comment(text), *extra, proto(protocol, at), dst=dst, proto=protocol,
                     options="--reject-with icmp-port-unreachable" if target == "REJECT" else ""))
    no_eps = f"{name} has no endpoints" if not has_any else f"{name} has no local endpoints"
    if has_internal:
        nat.add(Rule("KUBE-SERVICES", internal_chain, comment(f"{name} cluster IP"), dport, dst=ip, proto=protocol))
    else:
        refuse("KUBE-SERVICES", no_eps, "REJECT" if not has_any else "DROP", dst=ip)
    for ext in external_ips:
        if has_any:
            nat.add(Rule("KUBE-SERVICES", ext_chain, comment(f"{name} external IP"), dport, dst=ext, proto=protocol))
        if not has_external:
            refuse("KUBE-EXTERNAL-SERVICES", no_eps, "REJECT" if not has_any else "DROP", dst=ext)
    if node_port:
        if has_any:
            nat.add(Rule("KUBE-NODEPORTS", ext_chain, comment(name), proto(protocol, node_port), proto=protocol))
        if not has_external:
            refuse("KUBE-EXTERNAL-SERVICES", no_eps, "REJECT" if not has_any else "DROP", addrtype("dst"),
                   at=node_port)
    if has_internal:
        nat.add(Rule(internal_chain, "KUBE-MARK-MASQ", comment(f"{name} cluster IP"), dport, src=CLUSTER_CIDR,
                     negate_src=True, dst=ip, proto=protocol))
    if has_any and exposed:
        if not external_local:
            nat.add(Rule(ext_chain, "KUBE-MARK-MASQ",
                         comment(f"masquerade traffic for {name} external destinations")))
        else:
            nat.add(Rule(ext_chain, svc_chain, comment(f"pod traffic for {name} external destinations"),
                         src=CLUSTER_CIDR))
            nat.add(Rule(ext_chain, "KUBE-MARK-MASQ",
                         comment(f"masquerade LOCAL traffic for {name} external destinations"), addrtype("src")))
            nat.add(Rule(ext_chain, svc_chain,
                         comment(f"route LOCAL traffic for {name} external destinations"), addrtype("src")))
        if has_external:
            nat.add(Rule(ext_chain, svl_chain if external_local else svc_chain))
    affinity = spec.get("sessionAffinity") == "ClientIP"
    seconds = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds", 10800)
    for chain, members in ((svc_chain, cluster), (svl_chain, local)):
        if not members:
            continue
        seps = [(e, endpoint_chain(name, protocol, e["key"])) for e in members]
        if affinity:
            for e, sep in seps:
                nat.add(Rule(chain, sep, comment(f"{name} -> {e['key']}"), recent_check(sep, seconds)))
        for i, (e, sep) in enumerate(seps):
            split = [statistic(float(f"{1.0 / (len(seps) - i):.10f}"))] if i < len(seps) - 1 else []
            nat.add(Rule(chain, sep, comment(f"{name} -> {e['key']}"), *split))
    for e in reachable:
        sep = endpoint_chain(name, protocol, e["key"])
        nat.add(Rule(sep, "KUBE-MARK-MASQ", comment(name), src=e["ip"]))
        nat.add(Rule(sep, "DNAT", comment(name), *([recent_set(sep)] if affinity else []), proto(protocol),
                     proto=protocol, options=f"--to-destination {e['key']}"))


def build_tables(services: list[dict], slices: list[dict], node: str) -> tuple[Table, Table]:
    """syncProxyRules: the node's (filter, nat) tables for these Services and EndpointSlices."""
    flt, nat = Table("filter"), Table("nat")
    _base_rules(nat, flt)
    by_service: dict[tuple, list[dict]] = {}
    for eps in slices:
        owner = (eps["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
        if owner:
            by_service.setdefault((eps["metadata"]["namespace"], owner), []).append(eps)
    ports = [(service_port_name(svc, p), svc, p) for svc in services
             if svc["spec"].get("type") != "ExternalName" and svc["spec"].get("clusterIP") not in (None, "", "None")
             for p in svc["spec"].get("ports") or []]
    for _, svc, port in sorted(ports, key=lambda t: (t[0], t[2]["protocol"])):
        key = (svc["metadata"]["namespace"], svc["metadata"]["name"])
        _service_rules(nat, flt, svc, port, by_service.get(key, []), node)
    nat.add(Rule("KUBE-SERVICES", "KUBE-NODEPORTS",
                 comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain"),
                 addrtype("dst")))
    flt.add(Rule("KUBE-FORWARD", "DROP", conntrack("INVALID")))
    flt.add(Rule("KUBE-FORWARD", "ACCEPT", comment("kubernetes forwarding rules"), mark(MASQ_MARK)))
    flt.add(Rule("KUBE-FORWARD", "ACCEPT", comment("kubernetes forwarding conntrack rule"),
                 conntrack("RELATED,ESTABLISHED")))
    return flt, nat


class KubeProxy:
    """The kube-proxy of one node: informers, a rate-limited sync, and the node's tables."""

    MIN_SYNC_PERIOD = 1.0        # --iptables-min-sync-period
    BURST_SYNCS = 2

    def __init__(self, api, loop, *, node: str, addresses: frozenset, rng):
        self.api, self.loop, self.node, self.rng = api, loop, node, rng
        self.addresses = addresses                 # the node's IPs (``--dst-type LOCAL``)
        self.owner = f"kube-proxy/{node}"
        self.services = Informer(api, "services", loop=loop, owner=self.owner, label_selector=PROXY_SELECTOR)
        self.slices = Informer(api, "endpointslices.discovery.k8s.io", loop=loop, owner=self.owner,
                               label_selector=PROXY_SELECTOR)
        for informer in (self.services, self.slices):
            informer.add_handler(self._changed, lambda old, new: self._changed(), self._changed)
        self.filter, self.nat = build_tables([], [], node)
        self.recent: dict = {}                    # xt_recent: the node kernel's source lists
        self.syncs = 0
        self._timer = None
        self._tokens, self._refilled = float(self.BURST_SYNCS), 0.0

    def start(self) -> None:
        self.services.start()
        self.slices.start()
        self.sync()

    def stop(self) -> None:
        """A stopped kube-proxy writes nothing more; the kernel keeps the last rules."""
        self.services.stop()
        self.slices.stop()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _changed(self, *_) -> None:
        """BoundedFrequencyRunner.Run: sync now if a token is left, else when one is."""
        if self._timer is not None:
            return
        now = self.loop.clock.seconds
        self._tokens = min(self.BURST_SYNCS, self._tokens + (now - self._refilled) / self.MIN_SYNC_PERIOD)
        self._refilled = now
        wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) * self.MIN_SYNC_PERIOD
        self._timer = self.loop.later(wait, self._run, self.owner)

    def _run(self) -> None:
        self._timer = None
        now = self.loop.clock.seconds
        self._tokens = min(self.BURST_SYNCS, self._tokens + (now - self._refilled) / self.MIN_SYNC_PERIOD) - 1
        self._refilled = now
        self.sync()

    def sync(self) -> None:
        """syncProxyRules: rebuild both tables from the informers' caches."""
        self.filter, self.nat = build_tables(self.services.list(), self.slices.list(), self.node)
        self.syncs += 1

    def iptables_save(self, table: str | None = None) -> str:
        """``iptables-save [-t table]`` on this node."""
        tables = [t for t in (self.filter, self.nat) if table in (None, t.name)]
        if not tables:
            raise ValueError(f"iptables-save: table '{table}' does not exist (filter or nat)")
        return save(tables, self.loop.clock.now())

    def walk(self, pkt: Packet, *, from_host: bool) -> tuple[str | None, Walk]:
        """The nat hook (OUTPUT for the node's own traffic, PREROUTING for a Pod's or another
        machine's), then the filter hook the routing decision picks (INPUT if the packet is for
        this node, else FORWARD; OUTPUT for the node's own). Returns the filter verdict
        (``REJECT``/``DROP``, or None: the packet goes on) and the walk (its trail of rules)."""
        walk = Walk(self.rng, self.loop.clock.seconds, self.addresses, self.recent)
        self.nat.traverse("OUTPUT" if from_host else "PREROUTING", pkt, walk)
        if pkt.dnat is not None:
            pkt.dst, pkt.dport = pkt.dnat
        hook = "OUTPUT" if from_host else "INPUT" if pkt.dst in self.addresses else "FORWARD"
        verdict = self.filter.traverse(hook, pkt, walk)
        return (verdict if verdict in ("REJECT", "DROP") else None), walk

    def masquerades(self, pkt: Packet) -> bool:
        """KUBE-POSTROUTING: whether the connection leaves with the node's address as source."""
        return bool(pkt.mark & MASQ_MARK)

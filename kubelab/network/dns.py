"""Cluster DNS: CoreDNS's ``kubernetes`` plugin for ``cluster.local``, and the Pod's resolver.

Records (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/):

* ``<service>.<namespace>.svc.cluster.local`` — A record of the ClusterIP; for a
  headless Service (``clusterIP: None``) one A record per ready endpoint, in an
  order the ``loadbalance`` plugin shuffles for every answer; an ExternalName
  Service is a CNAME to its ``externalName``;
* ``<hostname>.<service>.<namespace>.svc.cluster.local`` — an endpoint whose Pod
  sets ``hostname`` and a ``subdomain`` naming the Service (StatefulSet Pods:
  ``web-0.nginx.default.svc.cluster.local``); other endpoints answer to their IP
  with dashes (``10-244-1-5.nginx.default.svc.cluster.local``);
* ``<a-b-c-d>.<namespace>.pod.cluster.local`` — ``pods insecure``: the address
  in the name, for any namespace that exists.

Anything else in the zone is NXDOMAIN (so is a Service without ready endpoints if
it is headless). A Pod with ``dnsPolicy: ClusterFirst`` resolves a name with the
search path ``<namespace>.svc.cluster.local svc.cluster.local cluster.local`` and
``options ndots:5``: a name with fewer than five dots is tried with each search
domain first and then as given, like glibc's ``res_search``; a name ending in a dot
is tried only as given.

simplified: no upstream resolver (names outside cluster.local do not resolve), no
caching, SRV and PTR records are not served.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..client.informer import Informer

__all__ = ["ClusterDNS", "Lookup", "search_path", "candidates", "CLUSTER_DOMAIN"]

CLUSTER_DOMAIN = "cluster.local"
NDOTS = 5


def search_path(namespace: str, domain: str = CLUSTER_DOMAIN) -> list[str]:
    """The kubelet's ``search`` line for a ClusterFirst Pod in ``namespace``."""
    return [f"{namespace}.svc.{domain}", f"svc.{domain}", domain]


def candidates(name: str, search: list[str], ndots: int = NDOTS) -> list[str]:
    """The names a resolver asks for, in order (res_search with ``options ndots:N``)."""
    if name.endswith("."):
        return [name.rstrip(".")]
    expanded = [f"{name}.{domain}" for domain in search]
    return [name] + expanded if name.count(".") >= ndots else expanded + [name]


@dataclass
class Lookup:
    """One resolution: the name asked, the queries sent (and their answers), the addresses."""

    name: str
    queries: list[tuple[str, str]] = field(default_factory=list)     # (query name, answer text)
    fqdn: str | None = None
    addresses: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.addresses)

    def __str__(self) -> str:
        return "\n".join(f"{q}: {a}" for q, a in self.queries)


class ClusterDNS:
    """CoreDNS answering for the cluster domain from Services and EndpointSlices."""

    def __init__(self, api, loop, *, rng, domain: str = CLUSTER_DOMAIN):
        self.rng, self.domain = rng, domain
        owner = "coredns"
        self.services = Informer(api, "services", loop=loop, owner=owner)
        self.slices = Informer(api, "endpointslices.discovery.k8s.io", loop=loop, owner=owner,
                               indexers={"service": _service_of})
        self.namespaces = Informer(api, "namespaces", loop=loop, owner=owner)

    def start(self) -> None:
        for informer in (self.services, self.slices, self.namespaces):
            informer.start()

    # -- the server ----------------------------------------------------------
    def answer(self, qname: str) -> tuple[str, list[str]]:
        """One A query: ("A", addresses), ("CNAME", [target]) or ("NXDOMAIN", [])."""
        name = qname.rstrip(".").lower()
        suffix = "." + self.domain
        if not name.endswith(suffix):
            return "NXDOMAIN", []
        labels = name[: -len(suffix)].split(".")
        if len(labels) == 3 and labels[2] == "pod":
            ip = labels[0].replace("-", ".")
            ok = _is_ipv4(ip) and self.namespaces.get(labels[1]) is not None
            return ("A", [ip]) if ok else ("NXDOMAIN", [])
        if len(labels) not in (3, 4) or labels[-1] != "svc":
            return "NXDOMAIN", []
        endpoint, service, namespace = (None, *labels[:2]) if len(labels) == 3 else labels[:3]
        svc = self.services.get(service, namespace)
        if svc is None:
            return "NXDOMAIN", []
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName":
            return ("CNAME", [spec["externalName"].rstrip(".")]) if endpoint is None else ("NXDOMAIN", [])
        if endpoint is None and spec.get("clusterIP") not in (None, "", "None"):
            return "A", [spec["clusterIP"]]
        ips = [ip for host, ip in self._endpoints(namespace, service) if endpoint in (None, host)]
        if endpoint is None:
            self.rng.shuffle(ips)                 # the loadbalance plugin
        return ("A", ips) if ips else ("NXDOMAIN", [])

    def _endpoints(self, namespace: str, service: str) -> list[tuple[str, str]]:
        """(hostname, IP) of the ready endpoints in the Service's slices, de-duplicated."""
        seen: dict[str, str] = {}
        for eps in self.slices.by_index("service", f"{namespace}/{service}"):
            for e in eps.get("endpoints") or []:
                if (e.get("conditions") or {}).get("ready") is False:
                    continue
                for ip in (e.get("addresses") or [])[:1]:
                    seen.setdefault(ip, e.get("hostname") or ip.replace(".", "-"))
        return [(host, ip) for ip, host in seen.items()]

    # -- the resolver ----------------------------------------------------------
    def resolve(self, name: str, namespace: str, *, search: list[str] | None = None) -> Lookup:
        """What a ClusterFirst Pod in ``namespace`` gets for ``name`` (CNAMEs followed)."""
        lookup = Lookup(name)
        for qname in candidates(name, search_path(namespace, self.domain) if search is None else search):
            kind, values = self.answer(qname)
            hops = 0
            while kind == "CNAME" and hops < 8:
                lookup.queries.append((qname, f"CNAME {values[0]}"))
                qname, hops = values[0], hops + 1
                kind, values = self.answer(qname)
            lookup.queries.append((qname, "NXDOMAIN" if kind == "NXDOMAIN" else "A " + " ".join(values)))
            if kind == "A":
                lookup.fqdn, lookup.addresses = qname, values
                return lookup
        return lookup


def _service_of(eps: dict) -> list[str]:
    owner = (eps["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
    return [f'{eps["metadata"]["namespace"]}/{owner}'] if owner else []


def _is_ipv4(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 4
    except ValueError:
        return False

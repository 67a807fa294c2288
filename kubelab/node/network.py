"""The Pod network: every Pod gets an IP, and every Pod can reach every other Pod.

Kubernetes' network model (what CNI plugins such as kindnet, Flannel or Calico
provide): Pods talk to each other by Pod IP without NAT, and the containers of
one Pod share a network namespace, so they reach each other on ``localhost``
and cannot both listen on the same port.

:class:`PodNetwork` is the cluster's flat network: the kubelets attach each
Pod sandbox's IP to it. ``resolvers`` and ``forwarders`` are the seams for
cluster DNS and Service virtual IPs (kube-proxy): a resolver maps a name to an
IP, a forwarder maps a connection from a sandbox to ``(ip, port)`` onto the
endpoint it reaches (kubelab.network: kube-proxy's DNAT, NetworkPolicy), or
raises ConnectError for a rejected or dropped one.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["PodNetwork", "Listener", "HttpRequest", "HttpResponse", "ConnectError", "AddressInUse",
           "IPAM", "LOCALHOST"]

LOCALHOST = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "ip6-localhost")


@dataclass
class HttpRequest:
    method: str = "GET"
    path: str = "/"
    host: str = ""
    client_ip: str = "127.0.0.1"
    user_agent: str = ""
    headers: dict = field(default_factory=dict)


@dataclass
class HttpResponse:
    status: int = 200
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"
    #: seconds the server takes to send its headers; ``math.inf``: it never does (a hung
    #: server, say a deadlocked one, whose socket still accepts). A client with a shorter
    #: timeout gives up: ``context deadline exceeded`` for a probe, ``download timed out`` for wget.
    delay: float = 0.0

    @property
    def reason(self) -> str:
        return _REASONS.get(self.status, "")


_REASONS = {200: "OK", 301: "Moved Permanently", 403: "Forbidden", 404: "Not Found",
            500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass
class Listener:
    """A listening TCP socket in a Pod's network namespace; ``handler(HttpRequest)``
    answers HTTP (None: a TCP-only server such as Redis)."""

    port: int
    process: object
    handler: Callable[[HttpRequest], HttpResponse] | None = None
    grpc: bool = False


class ConnectError(Exception):
    """A failed connection: ``kind`` is ``refused``, ``bad-address`` or ``unreachable``."""

    def __init__(self, kind: str, host: str, ip: str, port: int):
        super().__init__(f"{kind}: {host}:{port}")
        self.kind, self.host, self.ip, self.port = kind, host, ip, port


class AddressInUse(OSError):
    """bind(2) failed with EADDRINUSE: another container of the Pod listens on the port."""

    def __init__(self, port: int):
        super().__init__(98, "Address already in use")
        self.port = port


class PodNetwork:
    """The cluster-wide Pod network: IP -> Pod sandbox."""

    def __init__(self):
        self.sandboxes: dict[str, object] = {}
        self.resolvers: list[Callable[[str, object], list[str]]] = []
        self.forwarders: list[Callable[[object, str, int], tuple[str, int] | None]] = []

    def attach(self, ip: str, sandbox) -> None:
        self.sandboxes[ip] = sandbox

    def detach(self, ip: str) -> None:
        self.sandboxes.pop(ip, None)

    def resolve(self, host: str, sandbox) -> str | None:
        """An IP for ``host`` as seen from ``sandbox`` (None: the name does not resolve)."""
        addresses = self.lookup(host, sandbox)
        return addresses[0] if addresses else None

    def lookup(self, host: str, sandbox) -> list[str]:
        """Every address ``host`` has as seen from ``sandbox``, in the order the answer
        gives them (a headless Service: one per ready endpoint); [] if it does not resolve."""
        if host in LOCALHOST:
            return ["127.0.0.1"]
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if host in (sandbox.hostname, sandbox.fqdn):
            return [sandbox.ip]
        for resolve in self.resolvers:
            addresses = resolve(host, sandbox)
            if addresses:
                return addresses
        return []

    def connect(self, sandbox, host: str, port: int) -> tuple[Listener, str]:
        """Connect from ``sandbox`` to ``host:port``; returns the listener and the IP dialled."""
        ip = self.resolve(host, sandbox)
        if ip is None:
            raise ConnectError("bad-address", host, "", port)
        target_ip, target_port = ip, port
        for forward in self.forwarders:
            hop = forward(sandbox, ip, port)
            if hop is not None:
                target_ip, target_port = hop
                break
        target = sandbox if target_ip == "127.0.0.1" else self.sandboxes.get(target_ip)
        if target is None:
            raise ConnectError("unreachable", host, ip, port)
        listener = target.listeners.get(target_port)
        if listener is None:
            raise ConnectError("refused", host, ip, port)
        return listener, ip


class IPAM:
    """host-local IPAM: Pod IPs from the node's podCIDR, handed out round-robin from .2
    (.1 is the bridge gateway), as the ``host-local`` CNI plugin does."""

    def __init__(self, cidr: str):
        self.network = ipaddress.ip_network(cidr)
        self.gateway = str(self.network.network_address + 1)
        self._hosts = [str(h) for h in self.network.hosts()][1:]
        self._used: set[str] = set()
        self._last = -1

    def allocate(self) -> str:
        n = len(self._hosts)
        for step in range(1, n + 1):
            i = (self._last + step) % n
            if self._hosts[i] not in self._used:
                self._last = i
                self._used.add(self._hosts[i])
                return self._hosts[i]
        raise RuntimeError(f"failed to allocate for range 0: no IP addresses available in range set: "
                           f"{self._hosts[0]}-{self._hosts[-1]}")

    def release(self, ip: str) -> None:
        self._used.discard(ip)


def parse_url(url: str, default_port: int = 80) -> tuple[str, int, str]:
    """``http://web:8080/x`` or ``web:8080/x`` -> ("web", 8080, "/x")."""
    rest = url.split("://", 1)[1] if "://" in url else url
    hostport, slash, path = rest.partition("/")
    host, colon, port = hostport.rpartition(":") if ":" in hostport and not hostport.startswith("[") \
        else (hostport, "", "")
    return host, int(port) if colon and port.isdigit() else default_port, "/" + path if slash else "/"


def fetch(network: PodNetwork, sandbox, host: str, port: int, path: str, *, user_agent: str,
          client_ip: str | None = None, method: str = "GET") -> tuple[HttpResponse, str]:
    """One HTTP request from ``sandbox``; returns (response, IP dialled) or raises ConnectError
    (``reset`` when the server does not speak HTTP)."""
    listener, ip = network.connect(sandbox, host, port)
    if listener.handler is None:
        raise ConnectError("reset", host, ip, port)
    source = client_ip or ("127.0.0.1" if ip == "127.0.0.1" else sandbox.ip)
    request = HttpRequest(method=method, path=path, host=f"{host}:{port}" if port != 80 else host,
                          client_ip=source, user_agent=user_agent)
    return listener.handler(request), ip

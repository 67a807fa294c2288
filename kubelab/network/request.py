"""``curl`` through the simulated cluster network, with every hop written down.

:func:`curl` does what ``kubectl exec <pod> -- curl --connect-timeout 10 <url>``
does: resolve the host (``/etc/hosts``, then cluster DNS with the Pod's search
path), connect through the node's kube-proxy rules and the NetworkPolicies of
both ends, and send one HTTP request to whichever container listens on the
port. It fails the way curl does: ``curl: (6) Could not resolve host: web``,
``curl: (7) Failed to connect to web port 80 after 0 ms: Couldn't connect to
server`` (a REJECT rule, or nothing listening), ``curl: (28) Failed to connect
to web port 80 after 10000 ms: Timeout was reached`` (a policy drops it), and
``curl: (28) Operation timed out after 10000 milliseconds with 0 bytes received`` (a
server that accepts but does not answer; simplified: as with ``--max-time 10``).

Without ``from_pod`` the request starts on a node (the first, or ``node``), in its
own network namespace, resolving names like a ``ClusterFirstWithHostNet`` Pod in
``namespace``. simplified: simulated time does not move while a request waits.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .. import errors
from ..node.network import HttpRequest, parse_url
from .datapath import Route
from .ipam import CLUSTER_DNS_IP
from .policy import End

__all__ = ["curl", "CurlResult"]

USER_AGENT = "curl/8.11.1"


@dataclass
class CurlResult:
    """One request: curl's exit code and output, the Pod that answered, and the path taken."""

    url: str
    exit_code: int = 0
    status: int | None = None
    body: str = ""
    error: str = ""                       # curl's error line, when exit_code != 0
    ip: str | None = None                 # the address the name resolved to
    pod: str | None = None                # "namespace/name" of the Pod that answered
    node: str | None = None               # the node it runs on
    path: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def __str__(self) -> str:
        """What curl prints: the body, or its error line."""
        return self.body if self.ok else self.error

    def __repr__(self) -> str:
        what = f"HTTP {self.status} from {self.pod or self.node}" if self.ok else self.error
        return f"<curl {self.url}: {what}>"

    def explain(self) -> str:
        """The hop-by-hop path, one step a line."""
        return "\n".join(self.path)


def _client(net, from_pod: str | None, namespace: str, node: str | None):
    """(client End, sandbox or None, whether it is a node's own network)."""
    if from_pod is None:
        name = node or next(iter(net.nodes))
        if name not in net.nodes:
            raise errors.NotFound(f'nodes "{name}" not found', kind="nodes", name=name)
        return End(net.nodes[name].ip, None, name), None, True
    pod = net.policy.pods.get(from_pod, namespace)
    if pod is None:
        raise errors.NotFound(f'pods "{from_pod}" not found', kind="pods", name=from_pod)
    ip = (pod.get("status") or {}).get("podIP")
    sandbox = net.network.sandboxes.get(ip) if ip else None
    if pod["spec"].get("hostNetwork") and ip:
        return End(ip, None, pod["spec"]["nodeName"]), None, True
    if sandbox is None:
        raise errors.BadRequest(f'pod {namespace}/{from_pod} is not running (phase '
                                f'{pod["status"].get("phase")}): it has no network namespace to curl from')
    return End(ip, pod, pod["spec"].get("nodeName")), sandbox, False


def _resolve(net, result: CurlResult, host: str, client: End, sandbox, namespace: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host == "localhost":
        return "127.0.0.1"
    if sandbox is not None and host in (sandbox.hostname, sandbox.fqdn):
        result.path.append(f"/etc/hosts: {host} is {sandbox.ip}")
        return sandbox.ip
    verdict = net.dns_verdict(client)
    if verdict is not None and not verdict:
        result.path.append(f"DNS query for {host} to {CLUSTER_DNS_IP}:53/UDP: {verdict.reason}")
        return None
    lookup = net.dns.resolve(host, namespace)
    result.path += [f"DNS {query}: {answer}" for query, answer in lookup.queries]
    return lookup.addresses[0] if lookup.found else None


def curl(net, url: str, *, from_pod: str | None = None, namespace: str = "default", node: str | None = None,
         method: str = "GET", timeout: float = 10.0) -> CurlResult:
    """One HTTP request across the cluster network (see the module docstring)."""
    host, port, path = parse_url(url)
    result = CurlResult(url)
    client, sandbox, from_host = _client(net, from_pod, namespace, node)
    ip = _resolve(net, result, host, client, sandbox, namespace)
    if ip is None:
        result.exit_code, result.error = 6, f"curl: (6) Could not resolve host: {host}"
        return result
    result.ip = ip
    if ip.startswith("127."):
        listeners = sandbox.listeners if sandbox is not None else net.nodes[client.node].host_listeners
        route = Route(hops=[f"{client.name} connects to {ip}:{port} (loopback)"], ip=ip, port=port,
                      listener=listeners.get(port), backend=client.pod, node=client.node, client_ip="127.0.0.1")
        if route.listener is None:
            route.fail("refused", f"nothing listens on {ip}:{port}: connection refused")
    else:
        route = net.datapath.connect(client, ip, port, from_host=from_host)
    result.path += route.hops
    if route.error == "refused":
        result.exit_code = 7
        result.error = f"curl: (7) Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server"
        return result
    if route.error == "timeout":
        result.exit_code = 28
        result.error = (f"curl: (28) Failed to connect to {host} port {port} after {int(timeout * 1000)} ms: "
                        "Timeout was reached")
        return result
    result.node = route.node
    if route.backend is not None:
        result.pod = f'{route.backend["metadata"]["namespace"]}/{route.backend["metadata"]["name"]}'
    if route.listener.handler is None:
        result.exit_code, result.error = 52, "curl: (52) Empty reply from server"
        result.path.append("the server answers no HTTP: the connection closes")
        return result
    response = route.listener.handler(HttpRequest(method=method, path=path, client_ip=route.client_ip,
                                                  host=host if port == 80 else f"{host}:{port}", user_agent=USER_AGENT))
    if response.delay >= timeout:
        result.exit_code = 28
        result.error = f"curl: (28) Operation timed out after {int(timeout * 1000)} milliseconds with 0 bytes received"
        result.path.append(f"the server accepted the connection but sent no answer within {timeout:g} s")
        return result
    result.status, result.body = response.status, response.body
    result.path.append(f"HTTP/1.1 {response.status} {response.reason}")
    return result

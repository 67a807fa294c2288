"""ClusterIPs and node ports for Services, as kube-apiserver's Service storage allocates them
(pkg/registry/core/service/storage: BeginCreate/BeginUpdate, alloc.go).

The API server calls :func:`allocate_service` for every Service it is about to
store, after admission and before validation:

* a new Service without ``spec.clusterIP`` gets a random free address of the
  Service CIDR; one that asks for an address gets it only if it is in the range
  and free (``failed to allocate IP 10.96.0.100: provided IP is already allocated``);
  headless (``clusterIP: None``) and ExternalName Services get none;
* every port of a NodePort (or LoadBalancer) Service gets a node port, the same
  one for two ports with the same number (TCP and UDP 53, say); a requested port
  must be free (``provided port is already allocated``);
* an update keeps what was allocated when the new object leaves it out
  (``patchAllocatedValues``), gives up node ports when the type stops needing them
  and allocates when it starts to (``dropTypeDependentFields``, ``txnUpdateNodePorts``).

What is in use is read from the stored Services, so a delete frees its values at
once, a failed write never leaks one and a dry run reserves nothing.
simplified: a dry run also refuses requested values that are taken (kube-apiserver's
only checks the range) and single-stack IPv4 only.
"""
from __future__ import annotations

import ipaddress

from .. import errors
from ..api.meta import GoLiteral, go_string_slice, invalid
from ..api.validation import NODE_PORT_RANGE, invalid_error
from .ipam import AllocationError, NodePortRange, ServiceIPRange

__all__ = ["allocate_service", "SERVICE_RANGE", "NODE_PORTS"]

SERVICE_RANGE = ServiceIPRange()
NODE_PORTS = NodePortRange(*NODE_PORT_RANGE)


def _needs_cluster_ip(spec: dict) -> bool:
    return spec.get("type", "ClusterIP") in ("ClusterIP", "NodePort", "LoadBalancer")


def _needs_node_port(spec: dict) -> bool:
    return spec.get("type") in ("NodePort", "LoadBalancer")


def _allocates_node_ports(spec: dict) -> bool:
    """shouldAllocateNodePorts: always for NodePort, unless turned off for LoadBalancer."""
    return spec.get("type") == "NodePort" or (
        spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True))


def _ports(spec: dict) -> list[dict]:
    return [p for p in spec.get("ports") or [] if isinstance(p, dict)]


def _node_ports(spec: dict) -> list[int]:
    return [p["nodePort"] for p in _ports(spec) if isinstance(p.get("nodePort"), int) and p["nodePort"]]


def _in_use(api, svc: dict) -> tuple[set[str], set[int]]:
    """The ClusterIPs and node ports every other stored Service holds."""
    me = (svc["metadata"].get("namespace"), svc["metadata"].get("name"))
    ips, ports = set(), set()
    for other in api.list("services")["items"]:
        if (other["metadata"]["namespace"], other["metadata"]["name"]) == me:
            continue
        spec = other.get("spec") or {}
        ips.update(spec.get("clusterIPs") or [spec.get("clusterIP")])
        ports.update(_node_ports(spec))
    return ips, ports


def _carry_over(spec: dict, old_spec: dict) -> None:
    """PrepareForUpdate's dropTypeDependentFields, then BeginUpdate's patchAllocatedValues."""
    if _needs_cluster_ip(old_spec) and not _needs_cluster_ip(spec) and \
            spec.get("clusterIPs") == old_spec.get("clusterIPs"):
        spec.pop("clusterIP", None)
        spec.pop("clusterIPs", None)
    if _needs_node_port(old_spec) and not _needs_node_port(spec):
        if _node_ports(spec) == _node_ports(old_spec):
            for port in _ports(spec):
                port.pop("nodePort", None)
        if spec.get("externalTrafficPolicy") == old_spec.get("externalTrafficPolicy"):
            spec.pop("externalTrafficPolicy", None)
    if _needs_cluster_ip(old_spec) and _needs_cluster_ip(spec):
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
            spec["clusterIPs"] = list(old_spec["clusterIPs"])
    if _needs_node_port(old_spec) and _needs_node_port(spec):
        taken = set(_node_ports(spec)) & set(_node_ports(old_spec))
        by_name = {p.get("name", ""): p.get("nodePort") for p in _ports(old_spec)}
        for port in _ports(spec):
            before = by_name.get(port.get("name", ""))
            if not port.get("nodePort") and before and before not in taken:
                port["nodePort"] = before


def _is_ip(value) -> bool:
    try:
        ipaddress.ip_address(str(value))
        return True
    except ValueError:
        return False


def _allocate_cluster_ip(api, svc: dict, used: set[str], dry_run: bool) -> None:
    spec = svc["spec"]
    if spec.get("clusterIP") and not spec.get("clusterIPs"):
        spec["clusterIPs"] = [spec["clusterIP"]]            # normalizeClusterIPs: an old client
    ips = spec.get("clusterIPs") or []
    if ips[:1] == ["None"]:
        return
    if not ips or not ips[0]:
        ip = str(SERVICE_RANGE.cidr.network_address) if dry_run else SERVICE_RANGE.next(used, api.rng)
        spec["clusterIPs"] = [ip] + list(ips[1:])
        spec["clusterIP"] = ip
        return
    if not _is_ip(ips[0]):
        return                      # validation words this one ("must be a valid IP address")
    try:
        SERVICE_RANGE.check(str(ips[0]), used)
    except AllocationError as e:
        raise _refused(api, svc, invalid("spec.clusterIPs", GoLiteral(go_string_slice(ips)),
                                         f"failed to allocate IP {ips[0]}: {e}")) from None
    spec["clusterIP"] = spec.get("clusterIP") or ips[0]


def _refused(api, svc: dict, cause) -> errors.Invalid:
    return invalid_error(api.resolve("services"), svc["metadata"].get("name", ""), [cause])


def _allocate_node_ports(api, svc: dict, old_spec: dict | None, used: set[int], dry_run: bool) -> None:
    """initNodePorts (create) / updateNodePorts (update). Ports outside the range are left to
    validation, which words the range error the same way."""
    spec = svc["spec"]
    kept = set(_node_ports(old_spec)) if old_spec and _needs_node_port(old_spec) else set()
    by_number: dict[int, int] = {}          # create: ports with one number share a node port
    here: set[int] = set()                  # update: node ports this write already holds
    for i, port in enumerate(_ports(spec)):
        wanted = port.get("nodePort") if isinstance(port.get("nodePort"), int) else 0
        if not wanted and not _allocates_node_ports(spec):
            continue
        if not wanted and old_spec is None and by_number.get(port.get("port")):
            port["nodePort"] = by_number[port.get("port")]
            continue
        if wanted:
            ours = wanted in kept or (by_number.get(port.get("port")) == wanted if old_spec is None else wanted in here)
            if not ours and wanted in NODE_PORTS:
                try:
                    NODE_PORTS.check(wanted, used)
                except AllocationError as e:
                    raise _refused(api, svc, invalid(f"spec.ports[{i}].nodePort", wanted, str(e))) from None
        else:
            try:
                wanted = NODE_PORTS.first if dry_run else NODE_PORTS.next(used, api.rng)
            except AllocationError as e:
                raise errors.InternalError(f"Internal error occurred: failed to allocate a nodePort: {e}") from None
            port["nodePort"] = wanted
        used.add(wanted)
        here.add(wanted)
        by_number.setdefault(port.get("port"), wanted)


def allocate_service(api, svc: dict, old: dict | None, *, dry_run: bool = False) -> None:
    """Give ``svc`` (about to be created, or replacing ``old``) its ClusterIP and node ports."""
    spec = svc.get("spec")
    if not isinstance(spec, dict):
        return
    old_spec = (old or {}).get("spec") or {}
    if old is not None:
        _carry_over(spec, old_spec)
    used_ips, used_ports = _in_use(api, svc)
    if _needs_cluster_ip(spec) and (old is None or not _needs_cluster_ip(old_spec)):
        try:
            _allocate_cluster_ip(api, svc, used_ips, dry_run)
        except AllocationError as e:
            raise errors.InternalError(f"Internal error occurred: failed to allocate a serviceIP: {e}") from None
    if _needs_node_port(spec):
        _allocate_node_ports(api, svc, old_spec if old is not None else None, used_ports, dry_run)

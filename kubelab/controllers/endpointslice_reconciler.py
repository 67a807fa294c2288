"""The EndpointSlice reconciler (k8s.io/endpointslice: reconciler.go, utils.go).

Given a Service, the Pods its selector matches and the EndpointSlices that
exist, it works out which slices to create, update and delete:

* every Pod with an IP that is not Succeeded/Failed becomes an endpoint:
  ``ready`` (Pod Ready and not terminating, or the Service publishes not-ready
  addresses), ``serving`` (Pod Ready), ``terminating`` (being deleted), with its
  node, zone, a targetRef to the Pod, and a hostname when the Pod's
  ``spec.subdomain`` names the Service;
* endpoints are grouped by their resolved ports (a named ``targetPort`` can be a
  different number on different Pods), at most ``max_endpoints`` (100) per slice;
* existing slices keep the endpoints that are still wanted, in place; slices that
  changed are topped up first (fullest first), leftovers go into the unchanged
  slice that ends up closest to full, then into new slices; a slice left empty is
  deleted, or renamed into a slice that would otherwise be created;
* a Service with no endpoints at all keeps one empty placeholder slice.

simplified: IPv4 only; no topology hints, trafficDistribution or trigger-time annotation;
leftover endpoints are placed in Pod order where Kubernetes takes them from a hash set.
"""
from __future__ import annotations

import copy

__all__ = ["desired_endpoints", "reconcile", "new_slice", "slice_labels", "MANAGED_BY", "CONTROLLER_NAME",
           "SERVICE_NAME_LABEL", "HEADLESS_LABEL", "pod_ready", "find_port", "should_pod_be_in_endpoints"]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
HEADLESS_LABEL = "service.kubernetes.io/headless"
_RESERVED = (SERVICE_NAME_LABEL, MANAGED_BY, HEADLESS_LABEL)


def pod_ready(pod: dict) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def should_pod_be_in_endpoints(pod: dict, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: not terminal, has an IP, and (unless asked) not being deleted."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return include_terminating or not pod["metadata"].get("deletionTimestamp")


def find_port(pod: dict, service_port: dict) -> int | None:
    """FindPort: a numeric targetPort as is, a named one looked up in the Pod's container
    ports (and restartable init containers') with the same protocol."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or []) + \
        [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in containers:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == service_port.get("protocol", "TCP"):
                return port.get("containerPort")
    return None


def _is_ip_set(svc: dict) -> bool:
    ip = (svc.get("spec") or {}).get("clusterIP")
    return bool(ip) and ip != "None"


def _endpoint_ports(svc: dict, pod: dict) -> list[dict]:
    """getEndpointPorts: one EndpointPort per Service port the Pod can serve."""
    out = []
    for sp in svc["spec"].get("ports") or []:
        number = find_port(pod, sp)
        if number is None:
            continue
        port = {"name": sp.get("name", ""), "port": number, "protocol": sp.get("protocol", "TCP")}
        if sp.get("appProtocol"):
            port["appProtocol"] = sp["appProtocol"]
        out.append(port)
    return out


def _pod_to_endpoint(pod: dict, node: dict | None, svc: dict) -> dict:
    """podToEndpoint."""
    meta, spec = pod["metadata"], pod.get("spec") or {}
    serving = pod_ready(pod)
    terminating = bool(meta.get("deletionTimestamp"))
    ready = bool(svc["spec"].get("publishNotReadyAddresses")) or (serving and not terminating)
    status = pod.get("status") or {}
    ips = [p["ip"] for p in status.get("podIPs") or [] if ":" not in p.get("ip", ":")] or \
        ([status["podIP"]] if status.get("podIP") and ":" not in status["podIP"] else [])
    endpoint = {"addresses": ips, "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}
    if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
        endpoint["hostname"] = spec["hostname"]
    if spec.get("nodeName"):
        endpoint["nodeName"] = spec["nodeName"]
    endpoint["targetRef"] = {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]}
    zone = ((node or {}).get("metadata", {}).get("labels") or {}).get("topology.kubernetes.io/zone")
    if zone:
        endpoint["zone"] = zone
    return endpoint


def desired_endpoints(svc: dict, pods: list[dict], nodes: dict) -> dict[tuple, dict[tuple, dict]]:
    """Port mapping -> endpoint key -> endpoint, for the Pods (sorted) the Service selects.
    A headless Service without ports gets endpoints without ports."""
    wanted: dict[tuple, dict[tuple, dict]] = {}
    for pod in pods:
        if not should_pod_be_in_endpoints(pod, True):
            continue
        ports = _endpoint_ports(svc, pod) if svc["spec"].get("ports") else []
        endpoint = _pod_to_endpoint(pod, nodes.get(pod["spec"].get("nodeName")), svc)
        if endpoint["addresses"]:
            wanted.setdefault(_port_key(ports), {})[_endpoint_key(endpoint)] = endpoint
    return wanted


def _port_key(ports: list[dict] | None) -> tuple:
    """NewPortMapKey: the ports as a comparable value (order-insensitive)."""
    return tuple(sorted((p.get("name", ""), p.get("port"), p.get("protocol", "TCP"), p.get("appProtocol", ""))
                        for p in ports or []))


def _endpoint_key(endpoint: dict) -> tuple:
    """hashEndpoint: addresses, hostname and the target's namespace/name identify an endpoint."""
    ref = endpoint.get("targetRef") or {}
    return tuple(sorted(endpoint.get("addresses") or [])), endpoint.get("hostname", ""), \
        ref.get("namespace", ""), ref.get("name", "")


def slice_labels(existing: dict, svc: dict) -> tuple[dict, bool]:
    """setEndpointSliceLabels: the Service's labels (but the reserved ones), the headless
    marker, service-name and managed-by; True if the copied Service labels changed."""
    current = {k: v for k, v in (existing["metadata"].get("labels") or {}).items() if k not in _RESERVED}
    labels = {k: v for k, v in (svc["metadata"].get("labels") or {}).items() if k not in _RESERVED}
    changed = current != labels
    if not _is_ip_set(svc):
        labels[HEADLESS_LABEL] = ""
    labels[SERVICE_NAME_LABEL] = svc["metadata"]["name"]
    labels[MANAGED_BY] = CONTROLLER_NAME
    return labels, changed


def new_slice(svc: dict, ports: list[dict]) -> dict:
    """newEndpointSlice: generateName ``<service>-``, owned by the Service."""
    meta = svc["metadata"]
    eps = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
           "metadata": {"generateName": f"{meta['name']}-", "namespace": meta["namespace"], "labels": {},
                        "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": meta["name"],
                                             "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}]},
           "addressType": "IPv4", "endpoints": [], "ports": ports}
    eps["metadata"]["labels"], _ = slice_labels(eps, svc)
    return eps


def _owned_by(eps: dict, svc: dict) -> bool:
    return any(o.get("uid") == svc["metadata"]["uid"] and o.get("kind") == "Service" and o.get("apiVersion") == "v1"
               for o in eps["metadata"].get("ownerReferences") or [])


def _by_port_mapping(svc, existing, desired: dict, ports, max_endpoints: int):
    """reconcileByPortMapping: (to create, to update, to delete) for one set of ports."""
    desired = dict(desired)
    by_name, unchanged, to_update, to_delete = {}, [], [], []
    for eps in existing:
        name = eps["metadata"]["name"]
        by_name[name] = eps
        kept, updated = [], False
        for endpoint in eps.get("endpoints") or []:
            got = desired.pop(_endpoint_key(endpoint), None)
            if got is not None:
                kept.append(got)
                updated = updated or got != endpoint
        labels, labels_changed = slice_labels(eps, svc)
        if updated or len(kept) != len(eps.get("endpoints") or []):
            if not kept:
                to_delete.append(name)
                continue
            eps = by_name[name] = dict(copy.deepcopy(eps), endpoints=kept)
            eps["metadata"]["labels"] = labels
            to_update.append(name)
        elif labels_changed:
            eps = by_name[name] = copy.deepcopy(eps)
            eps["metadata"]["labels"] = labels
            to_update.append(name)
        else:
            unchanged.append(name)
    left = list(desired.values())
    if left and to_update:           # 2. top up the slices being updated, fullest first
        for name in sorted(to_update, key=lambda n: -len(by_name[n]["endpoints"])):
            room = max_endpoints - len(by_name[name]["endpoints"])
            by_name[name]["endpoints"] += left[:max(room, 0)]
            left = left[max(room, 0):]
    to_create = []
    while left:                      # 3. fit the rest into an unchanged slice, or new ones
        target = None
        if len(left) < max_endpoints and unchanged:
            fits = [n for n in unchanged if len(by_name[n].get("endpoints") or []) + len(left) <= max_endpoints]
            if fits:
                name = min(fits, key=lambda n: max_endpoints - len(left) - len(by_name[n].get("endpoints") or []))
                target = by_name[name] = copy.deepcopy(by_name[name])
                target["endpoints"] = list(target.get("endpoints") or [])
                unchanged.remove(name)
                to_update.append(name)
        if target is None:
            target = new_slice(svc, ports)
            to_create.append(target)
        room = max_endpoints - len(target["endpoints"])
        target["endpoints"] += left[:room]
        left = left[room:]
    return to_create, [by_name[n] for n in to_update], [by_name[n] for n in to_delete]


def reconcile(svc: dict, wanted: dict, existing: list[dict], *, max_endpoints: int = 100):
    """reconcileByAddressType + finalize's create-to-update swap: (create, update, delete)."""
    to_create, to_update, to_delete = [], [], []
    by_ports: dict[tuple, list[dict]] = {}
    for eps in existing:
        if _owned_by(eps, svc) and eps.get("addressType") == "IPv4":
            by_ports.setdefault(_port_key(eps.get("ports")), []).append(eps)
        else:
            to_delete.append(eps)
    for key, endpoints in wanted.items():
        ports = [dict(zip(("name", "port", "protocol", "appProtocol"), p)) for p in key]
        for port in ports:
            if not port["appProtocol"]:
                del port["appProtocol"]
        create, update, delete = _by_port_mapping(svc, by_ports.get(key, []), endpoints, ports, max_endpoints)
        to_create += create
        to_update += update
        to_delete += delete
    for key, slices in by_ports.items():
        if key not in wanted:
            to_delete += slices
    if len(existing) == len(to_delete) and not to_create:
        placeholder = new_slice(svc, [])
        if len(to_delete) == 1 and _same_placeholder(to_delete[0], placeholder):
            to_delete = []
        else:
            to_create.append(placeholder)
    i = 0
    while i < len(to_delete) and to_create:     # finalize: reuse a slice rather than delete + create
        doomed, fresh = to_delete[i], to_create[-1]
        if doomed.get("addressType") == fresh["addressType"] and _owned_by(doomed, svc):
            fresh["metadata"] = dict(copy.deepcopy(doomed["metadata"]), labels=fresh["metadata"]["labels"])
            to_update.append(fresh)
            to_create.pop()
            to_delete.pop(i)
        else:
            i += 1
    return to_create, to_update, to_delete


def _same_placeholder(eps: dict, placeholder: dict) -> bool:
    """placeholderSliceCompare: namespace, labels, owners, address type, no ports, no endpoints."""
    return eps["metadata"].get("namespace") == placeholder["metadata"]["namespace"] and \
        (eps["metadata"].get("labels") or {}) == placeholder["metadata"]["labels"] and \
        eps["metadata"].get("ownerReferences") == placeholder["metadata"]["ownerReferences"] and \
        eps.get("addressType") == "IPv4" and not eps.get("ports") and not eps.get("endpoints")

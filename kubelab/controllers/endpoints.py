"""The Endpoints controller (pkg/controller/endpoint): the legacy Endpoints object.

Before EndpointSlices, a Service's backends were one ``Endpoints`` object with
the Service's name; kube-controller-manager still keeps it (``kubectl get
endpoints``, ``kubectl describe service``'s Endpoints line). For each Service
with a selector:

* ready Pods go to ``addresses``, the others to ``notReadyAddresses`` (all to
  ``addresses`` if the Service publishes not-ready addresses, which also keeps
  terminating Pods); Pods being deleted, without an IP, or finished are left out;
* ``subsets`` group the addresses that serve the same ports (RepackSubsets),
  addresses sorted by IP;
* labels are the Service's, plus ``service.kubernetes.io/headless`` for a headless
  Service; beyond 1000 addresses the list is truncated and annotated
  ``endpoints.kubernetes.io/over-capacity: truncated``.

A Service that is deleted takes its Endpoints with it.
simplified: no last-change-trigger-time annotation.
"""
from __future__ import annotations

from .. import errors
from .endpointslice import ServiceEndpointsController, selected_pods
from .endpointslice_reconciler import HEADLESS_LABEL, find_port, pod_ready, should_pod_be_in_endpoints

__all__ = ["EndpointsController", "repack_subsets"]

MAX_CAPACITY = 1000
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"


def _address(pod: dict, svc: dict) -> dict:
    """podToEndpointAddressForService, plus the hostname when the Pod's subdomain is the Service."""
    meta, spec = pod["metadata"], pod.get("spec") or {}
    address = {"ip": pod["status"].get("podIP") or pod["status"]["podIPs"][0]["ip"]}
    if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
        address["hostname"] = spec["hostname"]
    address["nodeName"] = spec.get("nodeName", "")
    address["targetRef"] = {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]}
    return address


def repack_subsets(entries: list[tuple[dict, dict | None, bool]]) -> list[dict]:
    """RepackSubsets: (address, port or None, ready) -> subsets, one per distinct set of
    addresses, each with all the ports those addresses serve."""
    by_port: dict[tuple, dict[tuple, tuple[dict, bool]]] = {}
    for address, port, ready in entries:
        key = (port["name"], port["port"], port["protocol"], port.get("appProtocol", "")) if port else None
        by_port.setdefault(key, {})[(address["ip"], address["targetRef"]["uid"])] = (address, ready)
    groups: dict[tuple, list] = {}
    for port, addresses in by_port.items():
        members = tuple(sorted((k, ready) for k, (_, ready) in addresses.items()))
        group = groups.setdefault(members, [addresses, []])
        if port is not None:
            group[1].append(port)
    subsets = []
    for addresses, ports in groups.values():
        ordered = [addresses[k] for k in sorted(addresses)]
        subset = {}
        ready = [a for a, ok in ordered if ok]
        not_ready = [a for a, ok in ordered if not ok]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if ports:
            subset["ports"] = [_port(p) for p in sorted(ports)]
        subsets.append(subset)
    return sorted(subsets, key=lambda s: ([(p.get("name", ""), p["port"], p["protocol"]) for p in s.get("ports", [])],
                                          [a["ip"] for a in s.get("addresses", []) + s.get("notReadyAddresses", [])]))


def _port(key: tuple) -> dict:
    name, number, protocol, app = key
    port = {"name": name, "port": number, "protocol": protocol} if name else {"port": number, "protocol": protocol}
    if app:
        port["appProtocol"] = app
    return port


def desired_subsets(svc: dict, pods: list[dict]) -> list[dict]:
    """syncService's loop over the selected Pods."""
    publish = bool(svc["spec"].get("publishNotReadyAddresses"))
    entries = []
    for pod in pods:
        if not should_pod_be_in_endpoints(pod, publish):
            continue
        address, ready = _address(pod, svc), publish or pod_ready(pod)
        ports = svc["spec"].get("ports") or []
        if not ports and svc["spec"].get("clusterIP") == "None":
            entries.append((address, None, ready))
        for sp in ports:
            number = find_port(pod, sp)
            if number is not None:
                entries.append((address, {"name": sp.get("name", ""), "port": number,
                                          "protocol": sp.get("protocol", "TCP"),
                                          "appProtocol": sp.get("appProtocol", "")}, ready))
    return repack_subsets(entries)


def _truncate(subsets: list[dict]) -> tuple[list[dict], bool]:
    """truncateEndpoints: keep at most MAX_CAPACITY addresses, ready ones first."""
    total = sum(len(s.get("addresses", [])) + len(s.get("notReadyAddresses", [])) for s in subsets)
    if total <= MAX_CAPACITY:
        return subsets, False
    budget, out = MAX_CAPACITY, []
    for field in ("addresses", "notReadyAddresses"):
        for subset in subsets:
            keep = subset.get(field, [])[:budget]
            budget -= len(keep)
            subset[field] = keep
    for subset in subsets:
        trimmed = {k: v for k, v in subset.items() if v}
        if trimmed.get("addresses") or trimmed.get("notReadyAddresses"):
            out.append(trimmed)
    return out, True


class EndpointsController(ServiceEndpointsController):
    """kube-controller-manager's endpoints-controller."""

    name = "endpoints-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.services = self.informer("services")
        self.pods = self.informer("pods")
        self.endpoints = self.informer("endpoints")
        self.enqueue_on_change(self.services)
        self.pods.add_handler(self._pod_event, self._pod_updated, self._pod_event)
        self.endpoints.add_handler(None, None, self.enqueue)   # deleted by hand: put it back

    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        svc = self.services.get(name, namespace)
        if svc is None:
            try:
                self.api.delete("endpoints", name, namespace=namespace)
            except errors.NotFound:
                pass
            return
        if svc["spec"].get("type") == "ExternalName" or svc["spec"].get("selector") is None:
            return
        subsets, truncated = _truncate(desired_subsets(svc, selected_pods(self.pods, svc)))
        labels = dict(svc["metadata"].get("labels") or {})
        if svc["spec"].get("clusterIP") in (None, "", "None"):
            labels[HEADLESS_LABEL] = ""
        else:
            labels.pop(HEADLESS_LABEL, None)
        current = self.endpoints.get(name, namespace)
        annotations = dict((current or {}).get("metadata", {}).get("annotations") or {})
        annotations.pop(OVER_CAPACITY, None)
        if truncated:
            annotations[OVER_CAPACITY] = "truncated"
        if current is not None and (current.get("subsets") or []) == subsets and \
                (current["metadata"].get("labels") or {}) == labels and \
                (current["metadata"].get("annotations") or {}) == annotations:
            return
        meta = {"name": name, "namespace": namespace, "labels": labels}
        if annotations:
            meta["annotations"] = annotations
        obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta, "subsets": subsets}
        if current is None:
            self.api.create(obj)
        else:
            meta["resourceVersion"] = current["metadata"]["resourceVersion"]
            self.api.update(obj)

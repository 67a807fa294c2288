"""The EndpointSlice controller (pkg/controller/endpointslice).

Services find their Pods through EndpointSlices: for every Service with a
selector, this controller keeps slices named ``<service>-<5 random characters>``,
labelled ``kubernetes.io/service-name: <service>`` and
``endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io``,
owned by the Service (so they go with it), listing the selected Pods' IPs with
their ``ready``/``serving``/``terminating`` conditions. kube-proxy and cluster
DNS read them. The recipe (which slices to create, update, delete) is
:mod:`.endpointslice_reconciler`.

A Pod change queues every Service whose selector matches the Pod's labels
before or after the change; a change to a managed slice (someone deleted it,
say) queues its Service, which is put right. Services without a selector, and
ExternalName Services, are left alone: their slices are whatever users write.
"""
from __future__ import annotations

from .. import errors
from ..api.labels import selector_from_set
from .base import Controller
from .endpointslice_reconciler import CONTROLLER_NAME, MANAGED_BY, SERVICE_NAME_LABEL, desired_endpoints, reconcile

__all__ = ["EndpointSliceController", "services_selecting", "selected_pods", "pod_changed"]

#: kube-controller-manager's default --max-endpoints-per-slice.
MAX_ENDPOINTS_PER_SLICE = 100


def services_selecting(services, pod: dict) -> list[dict]:
    """getPodServiceMemberships: the Services in the Pod's namespace whose selector matches it."""
    labels = pod["metadata"].get("labels") or {}
    return [s for s in services.by_index("namespace", pod["metadata"]["namespace"])
            if (s.get("spec") or {}).get("selector") is not None
            and selector_from_set(s["spec"]["selector"]).matches(labels)]


def selected_pods(pods, svc: dict) -> list[dict]:
    """The Pods (sorted by name) in the Service's namespace that its selector matches."""
    return pods.list(svc["metadata"]["namespace"], selector_from_set(svc["spec"]["selector"]))


def pod_changed(old: dict, new: dict) -> bool:
    """Whether a Pod update can change an endpoint (podEndpointSliceChanged, generously)."""
    def view(p):
        status = p.get("status") or {}
        ready = [c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"]
        spec = p.get("spec") or {}
        return (p["metadata"].get("labels"), p["metadata"].get("deletionTimestamp"), status.get("podIPs"),
                status.get("podIP"), status.get("phase"), ready, spec.get("nodeName"), spec.get("hostname"),
                spec.get("subdomain"), [c.get("ports") for c in spec.get("containers") or []])
    return view(old) != view(new)


class ServiceEndpointsController(Controller):
    """What the EndpointSlice and Endpoints controllers share: a Pod change queues
    every Service that selects the Pod (before or after the change)."""

    def _pod_event(self, pod: dict) -> None:
        for svc in services_selecting(self.services, pod):
            self.enqueue(svc)

    def _pod_updated(self, old: dict, new: dict) -> None:
        if not pod_changed(old, new):
            return
        for svc in {id(s): s for s in services_selecting(self.services, old) +
                    services_selecting(self.services, new)}.values():
            self.enqueue(svc)


class EndpointSliceController(ServiceEndpointsController):
    """kube-controller-manager's endpointslice-controller."""

    name = "endpointslice-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.services = self.informer("services")
        self.pods = self.informer("pods")
        self.slices = self.informer("endpointslices.discovery.k8s.io")
        self.nodes = self.informer("nodes")
        self.enqueue_on_change(self.services)
        self.pods.add_handler(self._pod_event, self._pod_updated, self._pod_event)
        self.slices.add_handler(self._slice_event, lambda old, new: self._slice_event(new), self._slice_event)

    def _slice_event(self, eps: dict) -> None:
        labels = eps["metadata"].get("labels") or {}
        if labels.get(MANAGED_BY) == CONTROLLER_NAME and labels.get(SERVICE_NAME_LABEL):
            self.queue.add(f'{eps["metadata"]["namespace"]}/{labels[SERVICE_NAME_LABEL]}')

    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        svc = self.services.get(name, namespace)
        if svc is None or svc["spec"].get("type") == "ExternalName" or svc["spec"].get("selector") is None:
            return                      # deleted (the garbage collector removes its slices) or not ours
        existing = [s for s in self.slices.by_index("namespace", namespace)
                    if (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) == name
                    and s["metadata"]["labels"].get(MANAGED_BY) == CONTROLLER_NAME]
        nodes = {n["metadata"]["name"]: n for n in self.nodes.list()}
        wanted = desired_endpoints(svc, selected_pods(self.pods, svc), nodes)
        create, update, delete = reconcile(svc, wanted, existing, max_endpoints=MAX_ENDPOINTS_PER_SLICE)
        if not svc["metadata"].get("deletionTimestamp"):
            for eps in create:
                self.api.create(eps)
        for eps in update:
            self.api.update(eps)
        for eps in delete:
            try:
                self.api.delete("endpointslices.discovery.k8s.io", eps["metadata"]["name"], namespace=namespace)
            except errors.NotFound:
                pass

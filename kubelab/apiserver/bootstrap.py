"""What kube-apiserver creates in a new cluster before anyone asks.

The four system namespaces; the two system PriorityClasses; and the
``default/kubernetes`` Service (ClusterIP 10.96.0.1, the first address of the
service range) with the Endpoints and EndpointSlice that point at the API
server itself, which is how Pods reach the API at ``https://kubernetes.default``.
"""
from __future__ import annotations

__all__ = ["bootstrap", "SYSTEM_NAMESPACES", "API_SERVER_ADDRESS"]

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
#: where the lab's API server "listens" (the control-plane node's address on the node network)
API_SERVER_ADDRESS = "172.18.0.1"
API_SERVER_PORT = 6443

_PRIORITY_CLASSES = (
    ("system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their "
                                         "current node."),
    ("system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, "
                                            "but can be moved to another node if necessary."),
)


def bootstrap(api) -> None:
    for ns in SYSTEM_NAMESPACES:
        api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    for name, value, description in _PRIORITY_CLASSES:
        api.create({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
                    "value": value, "description": description, "preemptionPolicy": "PreemptLowerPriority"})
    api.create({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "kubernetes", "namespace": "default",
                             "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {"clusterIP": "10.96.0.1", "type": "ClusterIP",
                         "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                    "targetPort": API_SERVER_PORT}]}})
    api.create({"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": "kubernetes", "namespace": "default",
                             "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
                "subsets": [{"addresses": [{"ip": API_SERVER_ADDRESS}],
                             "ports": [{"name": "https", "port": API_SERVER_PORT, "protocol": "TCP"}]}]})
    api.create({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": "kubernetes", "namespace": "default",
                             "labels": {"kubernetes.io/service-name": "kubernetes"}},
                "addressType": "IPv4",
                "endpoints": [{"addresses": [API_SERVER_ADDRESS], "conditions": {"ready": True}}],
                "ports": [{"name": "https", "port": API_SERVER_PORT, "protocol": "TCP"}]})

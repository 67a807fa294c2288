"""The KubeFed API the federation control plane serves (kubefed v0.10 CRDs).

* ``KubeFedCluster`` (core.kubefed.io/v1beta1, in ``kube-federation-system``):
  a member cluster, as ``kubefedctl join`` registers it; its status carries
  the ``Ready`` / ``Offline`` conditions of the cluster health check.
* ``FederatedDeployment`` (types.kubefed.io/v1beta1): ``spec.template`` (the
  Deployment to create in members), ``spec.placement.clusters`` (where) and
  ``spec.overrides`` (per cluster JSON-pointer changes, ``/spec/replicas``).
* ``ReplicaSchedulingPreference`` (scheduling.kubefed.io/v1alpha1, same name and
  namespace as its target): ``targetKind``, ``totalReplicas``, ``rebalance`` and
  per-cluster ``weight``, ``minReplicas``, ``maxReplicas`` (``"*"`` for any).
"""
from __future__ import annotations

from ..api.kinds import REGISTRY, Registry, ResourceType

__all__ = ["federation_registry", "KUBEFED_NAMESPACE", "MANAGED_LABEL"]

KUBEFED_NAMESPACE = "kube-federation-system"
#: the label the sync controller puts on every resource it manages in a member cluster
MANAGED_LABEL = "kubefed.io/managed"

KUBEFED_TYPES = [
    ResourceType("KubeFedCluster", "kubefedclusters", "core.kubefed.io", "v1beta1", subresources=("status",),
                 custom=True),
    ResourceType("FederatedDeployment", "federateddeployments", "types.kubefed.io", "v1beta1",
                 short_names=("fdeploy",), subresources=("status",), custom=True),
    ResourceType("ReplicaSchedulingPreference", "replicaschedulingpreferences", "scheduling.kubefed.io",
                 "v1alpha1", short_names=("rsp",), custom=True),
]


def federation_registry() -> Registry:
    """The built-in kinds plus KubeFed's, for the federation's own API server."""
    return Registry([*REGISTRY.served(), *KUBEFED_TYPES])

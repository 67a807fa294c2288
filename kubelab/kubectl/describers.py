"""Per-kind describers, dispatched by kind; anything else gets the generic one."""
from __future__ import annotations

from .describe_cluster import (describe_configmap, describe_endpoints, describe_namespace, describe_node,
                               describe_secret, describe_service)
from .describe_core import describe_generic
from .describe_more import MORE_DESCRIBERS
from .describe_pod import describe_pod
from .describe_workloads import (describe_daemonset, describe_deployment, describe_job, describe_replicaset,
                                 describe_statefulset)

__all__ = ["describe_object"]

DESCRIBERS = {
    "Pod": describe_pod, "Node": describe_node, "Service": describe_service, "Endpoints": describe_endpoints,
    "Namespace": describe_namespace, "ConfigMap": describe_configmap, "Secret": describe_secret,
    "Deployment": describe_deployment, "ReplicaSet": describe_replicaset, "DaemonSet": describe_daemonset,
    "StatefulSet": describe_statefulset, "Job": describe_job, **MORE_DESCRIBERS,
}


def describe_object(s, rtype, obj: dict) -> str:
    """The describe text for one object (its kind's describer, else GenericDescriber)."""
    return DESCRIBERS.get(rtype.kind, describe_generic)(s, rtype, obj)

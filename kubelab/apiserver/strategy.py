"""Per-kind storage rules (kube-apiserver's RESTCreateStrategy/RESTUpdateStrategy).

Which kinds track ``metadata.generation``, what status an object starts with,
which fields a status write may change, which field selectors a kind serves,
and when a delete is graceful.
"""
from __future__ import annotations

from ..api.qos import pod_qos_class

#: Kinds whose spec changes bump metadata.generation (their controllers report
#: status.observedGeneration). Pods, Nodes, Services and Namespaces do not.
GENERATION_KINDS = frozenset({
    "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
    "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "ReplicationController",
})

#: Field selectors each kind supports (besides metadata.name and metadata.namespace),
#: as registered by kube-apiserver's AddFieldLabelConversionFunc calls.
FIELD_LABELS = {
    "Pod": {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"},
    "Node": {"spec.unschedulable"},
    "Event": {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
              "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
              "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"},
    "Secret": {"type"},
    "Namespace": {"status.phase"},
    "ReplicaSet": {"status.replicas"},
    "Job": {"status.successful"},
    "PersistentVolumeClaim": set(),
}


def supports_field(kind: str, field: str) -> bool:
    return field in ("metadata.name", "metadata.namespace") or field in FIELD_LABELS.get(kind, ())


def initial_status(obj: dict, has_status_subresource: bool) -> None:
    """Reset status on create as the real strategies' PrepareForCreate do."""
    kind = obj["kind"]
    if kind == "Pod":
        obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj)}
    elif kind == "Namespace":
        obj["status"] = {"phase": "Active"}
    elif kind in ("PersistentVolume", "PersistentVolumeClaim"):
        obj["status"] = {"phase": "Pending"}
    elif kind == "Node":
        obj.setdefault("status", {})
    elif has_status_subresource:
        obj["status"] = {}


def graceful_delete_seconds(obj: dict, requested: int | None) -> int:
    """How long a delete waits for the owner to finish (0 = delete now).

    Pods are the only kind deleted gracefully: an unscheduled Pod, or one already
    Succeeded/Failed, goes at once (podStrategy.CheckGracefulDelete); otherwise the
    kubelet gets ``terminationGracePeriodSeconds`` (or the request's value) to stop it.
    """
    if obj.get("kind") != "Pod":
        return 0
    spec, status = obj.get("spec", {}), obj.get("status", {})
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return 0
    if requested is not None:
        return max(0, int(requested))
    return int(spec.get("terminationGracePeriodSeconds", 30))


def begin_write(api, obj: dict, old: dict | None, rtype, *, dry_run: bool = False) -> None:
    """BeginCreate/BeginUpdate: storage hooks that run after admission, before validation.
    The Service storage allocates ClusterIPs and node ports (kubelab.network.allocation)."""
    if rtype.kind == "Service":
        from ..network.allocation import allocate_service

        allocate_service(api, obj, old, dry_run=dry_run)


#: ObjectMeta fields tagged ``omitempty``: Go drops them when empty, so an update
#: that empties one (the last finalizer or owner reference removed) leaves no field.
_OMITEMPTY_META = ("labels", "annotations", "ownerReferences", "finalizers", "managedFields")


def drop_empty_metadata(obj: dict) -> None:
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for field in _OMITEMPTY_META:
            if field in meta and not meta[field]:
                del meta[field]

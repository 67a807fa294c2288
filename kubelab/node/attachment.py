"""Attaching a PersistentVolume's disk to a node, as the attach/detach controller decides it.

A network disk (a CSI driver that attaches volumes, such as the zonal disk
drivers, or an in-tree cloud disk) is attached to the node before the kubelet
mounts it: ``Normal SuccessfulAttachVolume ... AttachVolume.Attach succeeded for
volume "pvc-..."`` from attachdetach-controller. A shared file system (NFS and
the like) and a node's own directories (hostPath, local) are not attached.

A disk whose volume allows neither ReadWriteMany nor ReadOnlyMany is attached to
one node at a time. While a Pod that uses it on another node is not terminated
(still in the API, not Succeeded or Failed, not deleted with every container
stopped), a Pod elsewhere waits in ContainerCreating and the controller reports
it once (reconciler.reportMultiAttachError)::

    Warning  FailedAttachVolume  attachdetach-controller
             Multi-Attach error for volume "pvc-..." Volume is already used by pod(s) web-0

Once those Pods are gone the disk is detached from their node and attached to
the new one. Pods on the same node share an attached ReadWriteOnce disk.

simplified: the decision is taken when a kubelet needs the volume (no
VolumeAttachment objects, no ``node.status.volumesAttached``), attach and
detach take no time, and the disk's nodes are remembered in the cluster's
:class:`~kubelab.storage.backends.StorageBackend`.
"""
from __future__ import annotations

from ..client.events import EventRecorder
from ..storage.matching import pod_claim_names
from ..storage.provisioners import driver_for

__all__ = ["Attacher", "attachable", "multi_attach_allowed"]

#: in-tree volume sources of attachable disks
ATTACHABLE_SOURCES = ("awsElasticBlockStore", "azureDisk", "cinder", "fc", "gcePersistentDisk", "iscsi",
                      "portworxVolume", "rbd", "vsphereVolume")


def attachable(pv: dict) -> bool:
    """Does this volume's plugin attach it to the node (CSIDriver attachRequired, default true)?"""
    spec = pv.get("spec") or {}
    if "csi" in spec:
        driver = driver_for((spec["csi"] or {}).get("driver", ""))
        return driver is None or driver.kind == "zonal"
    return any(kind in spec for kind in ATTACHABLE_SOURCES)


def multi_attach_allowed(pv: dict) -> bool:
    """isMultiAttachAllowed: no access modes, or one of them lets several nodes use the volume."""
    modes = (pv.get("spec") or {}).get("accessModes") or []
    return not modes or bool({"ReadWriteMany", "ReadOnlyMany"} & set(modes))


def _terminated(pod: dict) -> bool:
    """IsPodTerminated: finished, or being deleted with no container running."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return True
    statuses = list(status.get("containerStatuses") or []) + list(status.get("initContainerStatuses") or [])
    return bool(pod["metadata"].get("deletionTimestamp")) and \
        not any("running" in (s.get("state") or {}) for s in statuses)


class Attacher:
    """The attach/detach controller as one node's kubelet meets it."""

    def __init__(self, api, backend, node: str):
        self.api, self.backend, self.node = api, backend, node
        self.recorder = EventRecorder(api, "attachdetach-controller")
        self._reported: set[tuple[str, str]] = set()      # (pod uid, volume): Multi-Attach error recorded

    def attach(self, pod: dict, pv: dict, claim: str) -> bool:
        """Attach ``pv`` (bound to ``claim`` in the Pod's namespace) to this node for ``pod``;
        False while it is attached elsewhere and may not be attached twice."""
        name = pv["metadata"]["name"]
        nodes = self.backend.attachments.setdefault(name, set())
        if self.node in nodes:
            return True
        if nodes and not multi_attach_allowed(pv):
            users = self._users(nodes, claim, pod["metadata"].get("namespace", "default"))
            nodes.intersection_update(p["spec"]["nodeName"] for p in users)       # detach where unused
            if users:
                self._report(pod, name, users)
                return False
        nodes.add(self.node)
        self.recorder.event(pod, "Normal", "SuccessfulAttachVolume",
                            f'AttachVolume.Attach succeeded for volume "{name}"')
        return True

    def forget(self, uid: str) -> None:
        self._reported = {r for r in self._reported if r[0] != uid}

    def _users(self, nodes: set[str], claim: str, namespace: str) -> list[dict]:
        pods = self.api.list("pods", namespace=namespace)["items"]
        return sorted((p for p in pods if (p.get("spec") or {}).get("nodeName") in nodes
                       and claim in pod_claim_names(p) and not _terminated(p)),
                      key=lambda p: p["metadata"]["name"])

    def _report(self, pod: dict, volume: str, users: list[dict]) -> None:
        key = (pod["metadata"]["uid"], volume)
        if key in self._reported:
            return
        self._reported.add(key)
        names = ", ".join(p["metadata"]["name"] for p in users)
        self.recorder.event(pod, "Warning", "FailedAttachVolume",
                            f'Multi-Attach error for volume "{volume}" Volume is already used by pod(s) {names}')

"""The dynamic provisioners kubelab simulates, by StorageClass ``provisioner`` name.

=========================  ==========================================================
kind                       provisioners
=========================  ==========================================================
node-local directory       ``kubelab.io/hostpath``, ``rancher.io/local-path`` (kind),
                           ``k8s.io/minikube-hostpath``, ``docker.io/hostpath``: a
                           ``hostPath`` volume pinned (node affinity) to the node the
                           scheduler selected; with Immediate binding not pinned, so
                           each node has its own copy of the directory
zonal network disk         ``kubelab.io/disk``, ``ebs.csi.aws.com``,
                           ``pd.csi.storage.gke.io``, ``disk.csi.azure.com``,
                           ``cinder.csi.openstack.org``, ``csi.vsphere.vmware.com``: a
                           ``csi`` volume any node of its zone
                           (``topology.kubernetes.io/zone``) can mount; ReadWriteOnce
                           and ReadWriteOncePod only
shared file system         ``kubelab.io/nfs``, ``nfs.csi.k8s.io``, ``efs.csi.aws.com``,
                           ``file.csi.azure.com``, ``filestore.csi.storage.gke.io``: a
                           ``csi`` volume every node can mount, any access mode
=========================  ==========================================================

In-tree names (``kubernetes.io/aws-ebs``, ``kubernetes.io/gce-pd``, ...) are
migrated to their CSI drivers, as in Kubernetes 1.32 where the in-tree
plugins are gone.

simplified: a provisioned volume has exactly the requested capacity; zonal
drivers all use ``topology.kubernetes.io/zone`` rather than their own keys.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

from ..api.affinity import node_selector_term_matches

__all__ = ["Driver", "DRIVERS", "IN_TREE_MIGRATION", "csi_name", "driver_for", "ProvisioningError",
           "provisioned_volume", "allowed_on", "ZONE_LABEL", "HOSTNAME_LABEL"]

ZONE_LABEL = "topology.kubernetes.io/zone"
HOSTNAME_LABEL = "kubernetes.io/hostname"

#: CSIMigration: in-tree provisioner -> CSI driver (csi-translation-lib)
IN_TREE_MIGRATION = {
    "kubernetes.io/aws-ebs": "ebs.csi.aws.com", "kubernetes.io/gce-pd": "pd.csi.storage.gke.io",
    "kubernetes.io/azure-disk": "disk.csi.azure.com", "kubernetes.io/azure-file": "file.csi.azure.com",
    "kubernetes.io/cinder": "cinder.csi.openstack.org", "kubernetes.io/vsphere-volume": "csi.vsphere.vmware.com",
    "kubernetes.io/portworx-volume": "pxd.portworx.com",
}


class ProvisioningError(Exception):
    """What the provisioner reports in a ProvisioningFailed event."""


@dataclass(frozen=True)
class Driver:
    """One provisioner: what kind of volume it makes and which access modes it supports."""

    name: str
    kind: str                    # "node-local", "zonal" or "shared"
    path_prefix: str = ""        # node-local: where the directories go

    def supports(self, modes) -> bool:
        return self.kind != "zonal" or set(modes) <= {"ReadWriteOnce", "ReadWriteOncePod"}


DRIVERS = {d.name: d for d in (
    Driver("kubelab.io/hostpath", "node-local", "/var/lib/kubelab/hostpath"),
    Driver("rancher.io/local-path", "node-local", "/opt/local-path-provisioner"),
    Driver("k8s.io/minikube-hostpath", "node-local", "/tmp/hostpath-provisioner"),
    Driver("docker.io/hostpath", "node-local", "/var/lib/k8s-pvs"),
    *(Driver(n, "zonal") for n in ("kubelab.io/disk", "ebs.csi.aws.com", "pd.csi.storage.gke.io",
                                  "disk.csi.azure.com", "cinder.csi.openstack.org", "csi.vsphere.vmware.com")),
    *(Driver(n, "shared") for n in ("kubelab.io/nfs", "nfs.csi.k8s.io", "efs.csi.aws.com", "file.csi.azure.com",
                                   "filestore.csi.storage.gke.io", "pxd.portworx.com")),
)}


def csi_name(provisioner: str) -> str:
    """The provisioner that acts for a StorageClass (in-tree names are migrated)."""
    return IN_TREE_MIGRATION.get(provisioner, provisioner)


def driver_for(provisioner: str) -> Driver | None:
    return DRIVERS.get(csi_name(provisioner))


def _topology_values(terms, key: str) -> list[str]:
    values = []
    for term in terms or ():
        for expr in term.get("matchLabelExpressions") or ():
            if expr.get("key") == key:
                values += [v for v in expr.get("values") or () if v not in values]
    return values


def _zone(driver: Driver, pvc: dict, sc: dict, node: dict | None, nodes: list[dict]) -> str | None:
    """The zone to create a disk in: the selected node's, else the first allowed zone,
    else one of the nodes' zones picked by a hash of the claim (ChooseZoneForVolume)."""
    if node is not None:
        return (node["metadata"].get("labels") or {}).get(ZONE_LABEL)
    allowed = _topology_values(sc.get("allowedTopologies"), ZONE_LABEL)
    if allowed:
        return allowed[0]
    zones = sorted({(n["metadata"].get("labels") or {}).get(ZONE_LABEL) for n in nodes} - {None})
    if not zones:
        return None
    return zones[zlib.crc32(pvc["metadata"]["name"].encode()) % len(zones)]


def _affinity(key: str, value: str) -> dict:
    return {"required": {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": key, "operator": "In", "values": [value]}]}]}}


def allowed_on(sc: dict, node: dict) -> bool:
    """MatchTopologySelectorTerms: the node is in the class's allowedTopologies (none: anywhere)."""
    terms = sc.get("allowedTopologies")
    if not terms:
        return True
    converted = [{"matchExpressions": [{"key": e.get("key"), "operator": "In", "values": e.get("values") or []}
                                       for e in t.get("matchLabelExpressions") or ()]} for t in terms]
    return any(node_selector_term_matches(t, node) for t in converted)


def provisioned_volume(driver: Driver, pvc: dict, sc: dict, *, node: dict | None, nodes: list[dict]) -> dict:
    """The PersistentVolume a provisioner creates for a claim (named ``pvc-<claim uid>``,
    pre-bound to it); raises ProvisioningError when it cannot."""
    spec = pvc.get("spec") or {}
    modes = spec.get("accessModes") or []
    if not driver.supports(modes):
        raise ProvisioningError(f'failed to provision volume with StorageClass "{sc["metadata"]["name"]}": '
                                'rpc error: code = InvalidArgument desc = Volume capabilities not supported')
    m = pvc["metadata"]
    name = f'pvc-{m["uid"]}'
    pv_spec = {
        "accessModes": list(modes),
        "capacity": {"storage": ((spec.get("resources") or {}).get("requests") or {}).get("storage", "0")},
        "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": m["name"],
                     "namespace": m["namespace"], "resourceVersion": m.get("resourceVersion", ""), "uid": m["uid"]},
        "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy") or "Delete",
        "storageClassName": sc["metadata"]["name"],
        "volumeMode": spec.get("volumeMode") or "Filesystem",
    }
    if sc.get("mountOptions"):
        pv_spec["mountOptions"] = list(sc["mountOptions"])
    if driver.kind == "node-local":
        pv_spec["hostPath"] = {"path": f"{driver.path_prefix}/{name}_{m['namespace']}_{m['name']}",
                               "type": "DirectoryOrCreate"}
        if node is not None:
            pv_spec["nodeAffinity"] = _affinity(HOSTNAME_LABEL, (node["metadata"].get("labels") or {}).get(
                HOSTNAME_LABEL, node["metadata"]["name"]))
    else:
        pv_spec["csi"] = {"driver": driver.name, "volumeHandle": name, "fsType": "ext4"}
        zone = _zone(driver, pvc, sc, node, nodes) if driver.kind == "zonal" else None
        if zone:
            pv_spec["nodeAffinity"] = _affinity(ZONE_LABEL, zone)
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": driver.name}},
            "spec": pv_spec}

"""Dynamic provisioning (kubernetes-csi/external-provisioner, one simulated
sidecar for every driver in :mod:`kubelab.storage.provisioners`).

A claim the PV controller has handed to one of these provisioners
(``volume.kubernetes.io/storage-provisioner``) gets a volume: for a
WaitForFirstConsumer class only once the scheduler has picked a node
(``volume.kubernetes.io/selected-node``), so the volume is made where the Pod
will run. The provisioner reports ``Provisioning`` ("External provisioner is
provisioning volume for claim "default/data"") and then
``ProvisioningSucceeded`` ("Successfully provisioned volume pvc-<claim uid>"),
or ``ProvisioningFailed``. The new PersistentVolume is pre-bound to the
claim; the PV controller completes the binding.

When such a volume is ``Released`` and its reclaim policy is Delete, the
provisioner deletes the storage (its files are gone) and then the
PersistentVolume.

simplified: runs inside kube-controller-manager rather than as a sidecar of
each CSI driver, and provisions at once (no cloud latency).
"""
from __future__ import annotations

from .. import errors
from ..client.events import EventRecorder
from ..storage.backends import NODE_LOCAL_SOURCES, StorageBackend
from ..storage.matching import ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, claim_class
from ..storage.provisioners import DRIVERS, ProvisioningError, provisioned_volume
from .base import Controller

__all__ = ["ProvisionerController"]


class ProvisionerController(Controller):
    """The external provisioners of kubelab's simulated storage drivers."""

    name = "external-provisioner"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.recorders: dict[str, EventRecorder] = {}
        self.claims = self.informer("persistentvolumeclaims")
        self.volumes = self.informer("persistentvolumes")
        self.classes = self.informer("storageclasses")
        self.nodes = self.informer("nodes")
        self.claims.add_handler(self._claim_changed, lambda old, new: self._claim_changed(new), None)
        self.volumes.add_handler(self._volume_changed, lambda old, new: self._volume_changed(new), None)

    def _recorder(self, driver: str) -> EventRecorder:
        """Events come from the provisioner itself (the driver's name)."""
        if driver not in self.recorders:
            self.recorders[driver] = EventRecorder(self.api, driver)
        return self.recorders[driver]

    def _claim_changed(self, pvc: dict) -> None:
        if (pvc["metadata"].get("annotations") or {}).get(ANN_STORAGE_PROVISIONER) in DRIVERS:
            self.queue.add("claim/" + pvc["metadata"]["namespace"] + "/" + pvc["metadata"]["name"])

    def _volume_changed(self, pv: dict) -> None:
        if (pv["metadata"].get("annotations") or {}).get(ANN_PROVISIONED_BY) in DRIVERS and \
                (pv.get("status") or {}).get("phase") == "Released":
            self.queue.add("volume/" + pv["metadata"]["name"])

    def sync(self, key: str) -> None:
        kind, _, rest = key.partition("/")
        if kind == "claim":
            namespace, name = rest.split("/", 1)
            pvc = self.claims.get(name, namespace)
            if pvc is not None:
                self._provision(pvc)
        else:
            pv = self.volumes.get(rest)
            if pv is not None:
                self._delete(pv)

    # -- provisioning ---------------------------------------------------------------
    def _should_provision(self, pvc: dict, sc: dict | None) -> bool:
        if pvc["metadata"].get("deletionTimestamp") or pvc["spec"].get("volumeName") or sc is None:
            return False
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and \
                ANN_SELECTED_NODE not in (pvc["metadata"].get("annotations") or {}):
            return False
        return self.volumes.get(f'pvc-{pvc["metadata"]["uid"]}') is None

    def _provision(self, pvc: dict) -> None:
        annotations = pvc["metadata"].get("annotations") or {}
        driver = DRIVERS.get(annotations.get(ANN_STORAGE_PROVISIONER))
        sc = self.classes.get(claim_class(pvc))
        if driver is None or not self._should_provision(pvc, sc):
            return
        recorder = self._recorder(driver.name)
        ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
        recorder.event(pvc, "Normal", "Provisioning",
                       f'External provisioner is provisioning volume for claim "{ns}/{name}"')
        selected = annotations.get(ANN_SELECTED_NODE)
        node = self.nodes.get(selected) if selected else None
        if selected and node is None:
            recorder.event(pvc, "Warning", "ProvisioningFailed",
                           f'failed to get target node: node "{selected}" not found')
            return
        try:
            pv = provisioned_volume(driver, pvc, sc, node=node, nodes=self.nodes.list())
        except ProvisioningError as e:
            recorder.event(pvc, "Warning", "ProvisioningFailed", str(e))
            return
        try:
            self.api.create(pv)
        except errors.AlreadyExists:
            return
        recorder.event(pvc, "Normal", "ProvisioningSucceeded",
                       f'Successfully provisioned volume {pv["metadata"]["name"]}')

    # -- deleting -------------------------------------------------------------------
    def _delete(self, pv: dict) -> None:
        """A released volume with reclaim policy Delete: delete the storage, then the PV."""
        if (pv.get("status") or {}).get("phase") != "Released" or \
                pv["spec"].get("persistentVolumeReclaimPolicy") != "Delete":
            return
        backend = StorageBackend.of(self.api)
        if any(kind in pv["spec"] for kind in NODE_LOCAL_SOURCES):
            for node in self.nodes.list():
                backend.delete(pv, node["metadata"]["name"])
        else:
            backend.delete(pv)
        try:
            self.api.delete("persistentvolumes", pv["metadata"]["name"])
        except errors.NotFound:
            pass

"""The PersistentVolume controller (pkg/controller/volume/persistentvolume): binds
claims to volumes, starts dynamic provisioning, and reclaims released volumes.

A claim (``syncClaim``):

* unbound, no ``volumeName``: the best matching Available volume
  (:mod:`kubelab.storage.matching`) is bound to it — ``pv.spec.claimRef`` and
  ``pvc.spec.volumeName`` point at each other, both become ``Bound``. With no
  match: a WaitForFirstConsumer class waits for the scheduler
  (``WaitForFirstConsumer``: "waiting for first consumer to be created before
  binding", or ``WaitForPodScheduled`` naming the Pods); a class asks its
  provisioner (annotation ``volume.kubernetes.io/storage-provisioner`` and an
  ``ExternalProvisioning`` event); no class: ``FailedBinding`` "no persistent
  volumes available for this claim and no storage class is set". A claim with
  no class at all gets the default class if one appears later.
* asking for a volume by name: bound to it once it exists and is free;
* bound but its volume is gone: ``Lost``.

A volume (``syncVolume``): no claimRef: ``Available``; its claim deleted:
``Released``, then the reclaim policy — Retain keeps it (and its data) until
an administrator acts; Delete leaves dynamically provisioned volumes to their
provisioner, and deletes hostPath volumes under /tmp/ itself; anything else
fails (``Failed``, ``VolumeFailedDelete``).

Everything is rechecked every 15 s (``--pvclaimbinder-sync-period``).
simplified: the deprecated Recycle policy is not modelled (treated as Retain).
"""
from __future__ import annotations

import re

from .. import errors
from ..api.meta import format_time
from ..client.events import EventRecorder
from ..storage.matching import (ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER,
                                ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER,
                                claim_class, default_class, find_best_match, is_bound_to,
                                pod_claim_names)
from ..storage.provisioners import IN_TREE_MIGRATION, csi_name
from .base import Controller

__all__ = ["PersistentVolumeController", "SYNC_PERIOD"]

SYNC_PERIOD = 15.0
_MIGRATED_TO = "pv.kubernetes.io/migrated-to"


class PersistentVolumeController(Controller):
    """kube-controller-manager's persistentvolume-binder-controller."""

    name = "persistentvolume-binder-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.recorder = EventRecorder(api, "persistentvolume-controller")
        self.claims = self.informer("persistentvolumeclaims")
        self.volumes = self.informer("persistentvolumes")
        self.classes = self.informer("storageclasses")
        self.pods = self.informer("pods")
        self.claims.add_handler(self._claim_changed, lambda old, new: self._claim_changed(new), self._claim_deleted)
        self.volumes.add_handler(self._volume_changed, lambda old, new: self._volume_changed(new),
                                 self._volume_deleted)
        self._timer = None

    # -- event handlers: only enqueue ---------------------------------------------
    def _claim_changed(self, pvc: dict) -> None:
        self.queue.add("claim/" + pvc["metadata"]["namespace"] + "/" + pvc["metadata"]["name"])

    def _claim_deleted(self, pvc: dict) -> None:
        if pvc["spec"].get("volumeName"):
            self.queue.add("volume/" + pvc["spec"]["volumeName"])

    def _volume_changed(self, pv: dict) -> None:
        self.queue.add("volume/" + pv["metadata"]["name"])

    def _volume_deleted(self, pv: dict) -> None:
        ref = pv["spec"].get("claimRef")
        if ref:
            self.queue.add(f'claim/{ref.get("namespace")}/{ref.get("name")}')

    def start(self) -> None:
        super().start()
        self._timer = self.loop.later(SYNC_PERIOD, self._resync, self.name, daemon=True)

    def stop(self) -> None:
        super().stop()
        if self._timer is not None:
            self._timer.cancel()

    def _resync(self) -> None:
        for pvc in self.claims.list():
            self._claim_changed(pvc)
        for pv in self.volumes.list():
            self._volume_changed(pv)
        self._timer = self.loop.later(SYNC_PERIOD, self._resync, self.name, daemon=True)

    def sync(self, key: str) -> None:
        kind, _, rest = key.partition("/")
        if kind == "claim":
            namespace, name = rest.split("/", 1)
            pvc = self.claims.get(name, namespace)
            if pvc is not None and not pvc["metadata"].get("deletionTimestamp"):
                self.sync_claim(pvc)
        else:
            pv = self.volumes.get(rest)
            if pv is not None:
                self.sync_volume(pv)

    # -- claims ---------------------------------------------------------------------
    def sync_claim(self, pvc: dict) -> None:
        if ANN_BIND_COMPLETED not in (pvc["metadata"].get("annotations") or {}):
            self._sync_unbound_claim(pvc)
        else:
            self._sync_bound_claim(pvc)

    def _class(self, name: str) -> dict | None:
        return self.classes.get(name) if name else None

    def _sync_unbound_claim(self, pvc: dict) -> None:
        wanted = pvc["spec"].get("volumeName")
        if wanted:
            pv = self.volumes.get(wanted)
            if pv is not None and (not pv["spec"].get("claimRef") or is_bound_to(pv, pvc)):
                self._bind(pv, pvc)
            else:
                self._claim_status(pvc, "Pending", None)   # asked for a volume that is missing or taken
            return
        sc = self._class(claim_class(pvc))
        delay = sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer"
        pv = find_best_match(pvc, self.volumes.list(), delay_binding=delay)
        if pv is not None:
            self._bind(pv, pvc)
            return
        if "storageClassName" not in pvc["spec"] and self._assign_default_class(pvc):
            return
        annotations = pvc["metadata"].get("annotations") or {}
        if delay and ANN_SELECTED_NODE not in annotations:
            self._wait_for_consumer(pvc)
        elif claim_class(pvc):
            self._provision(pvc)
            return
        else:
            self.recorder.event(pvc, "Normal", "FailedBinding",
                                "no persistent volumes available for this claim and no storage class is set")
        self._claim_status(pvc, "Pending", None)

    def _assign_default_class(self, pvc: dict) -> bool:
        """Retroactive default StorageClass: a claim created with no class gets the default."""
        sc = default_class(self.classes.list())
        if sc is None:
            return False
        new = dict(pvc, spec=dict(pvc["spec"], storageClassName=sc["metadata"]["name"]))
        self.api.update(new)
        return True

    def _wait_for_consumer(self, pvc: dict) -> None:
        ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
        waiting = sorted(p["metadata"]["name"] for p in self.pods.list(namespace=ns)
                         if not p["spec"].get("nodeName") and name in pod_claim_names(p))
        if not waiting:
            self.recorder.event(pvc, "Normal", "WaitForFirstConsumer",
                                "waiting for first consumer to be created before binding")
        elif len(waiting) == 1:
            self.recorder.event(pvc, "Normal", "WaitForPodScheduled", f"waiting for pod {waiting[0]} to be scheduled")
        else:
            self.recorder.event(pvc, "Normal", "WaitForPodScheduled",
                                f"waiting for pods {','.join(waiting)} to be scheduled")

    def _provision(self, pvc: dict) -> None:
        """provisionClaim: every provisioner is external (CSI) in 1.32; name it on the claim."""
        sc = self._class(claim_class(pvc))
        if sc is None:
            self.recorder.event(pvc, "Warning", "ProvisioningFailed",
                                f'storageclass.storage.k8s.io "{claim_class(pvc)}" not found')
            self._claim_status(pvc, "Pending", None)
            return
        provisioner = sc.get("provisioner", "")
        if provisioner.startswith("kubernetes.io/") and provisioner not in IN_TREE_MIGRATION:
            self.recorder.event(pvc, "Warning", "ProvisioningFailed", f"no volume plugin matched name: {provisioner}")
            self._claim_status(pvc, "Pending", None)
            return
        name = csi_name(provisioner)
        annotations = dict(pvc["metadata"].get("annotations") or {})
        wanted = {ANN_STORAGE_PROVISIONER: name, ANN_BETA_STORAGE_PROVISIONER: name}
        if provisioner in IN_TREE_MIGRATION:
            wanted[_MIGRATED_TO] = name
        if any(annotations.get(k) != v for k, v in wanted.items()):
            annotations.update(wanted)
            pvc = self.api.update(dict(pvc, metadata=dict(pvc["metadata"], annotations=annotations)))
        self.recorder.event(pvc, "Normal", "ExternalProvisioning",
                            f"Waiting for a volume to be created either by the external provisioner '{name}' or "
                            "manually by the system administrator. If volume creation is delayed, please verify "
                            "that the provisioner is running and correctly registered.")
        self._claim_status(pvc, "Pending", None)

    def _sync_bound_claim(self, pvc: dict) -> None:
        name = pvc["spec"].get("volumeName")
        pv = self.volumes.get(name) if name else None
        if not name:
            self._claim_status(pvc, "Lost", None, ("ClaimLost", "Bound claim has lost reference to "
                                                                "PersistentVolume. Data on the volume is lost!"))
        elif pv is None:
            self._claim_status(pvc, "Lost", None, ("ClaimLost", "Bound claim has lost its PersistentVolume. "
                                                                "Data on the volume is lost!"))
        elif not pv["spec"].get("claimRef") or pv["spec"]["claimRef"].get("uid") == pvc["metadata"]["uid"]:
            self._bind(pv, pvc)
        else:
            self._claim_status(pvc, "Lost", None, ("ClaimMisbound", "Two claims are bound to the same volume, "
                                                                    "this one is bound incorrectly"))

    def _bind(self, pv: dict, pvc: dict) -> None:
        """bind: volume -> claim, volume Bound, claim -> volume, claim Bound."""
        m = pvc["metadata"]
        ref = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": m["name"], "namespace": m["namespace"],
               "resourceVersion": m.get("resourceVersion", ""), "uid": m["uid"]}
        current = pv["spec"].get("claimRef") or {}
        if any(current.get(k) != ref[k] for k in ("name", "namespace", "uid")):
            annotations = dict(pv["metadata"].get("annotations") or {})
            if not is_bound_to(pv, pvc):
                annotations.setdefault(ANN_BOUND_BY_CONTROLLER, "yes")
            pv = self.api.update(dict(pv, metadata=dict(pv["metadata"], annotations=annotations),
                                      spec=dict(pv["spec"], claimRef=ref)))
        pv = self._volume_phase(pv, "Bound")
        annotations = dict(m.get("annotations") or {})
        if pvc["spec"].get("volumeName") != pv["metadata"]["name"] or ANN_BIND_COMPLETED not in annotations:
            if not pvc["spec"].get("volumeName"):
                annotations[ANN_BOUND_BY_CONTROLLER] = "yes"
            annotations[ANN_BIND_COMPLETED] = "yes"
            pvc = self.api.update(dict(pvc, metadata=dict(m, annotations=annotations),
                                       spec=dict(pvc["spec"], volumeName=pv["metadata"]["name"])))
        self._claim_status(pvc, "Bound", pv)

    def _claim_status(self, pvc: dict, phase: str, pv: dict | None, event: tuple | None = None) -> dict:
        """updateClaimStatus(WithEvent): phase, and the bound volume's access modes and capacity."""
        status = dict(pvc.get("status") or {}, phase=phase)
        for field in ("accessModes", "capacity"):
            status.pop(field, None)
        if pv is not None:
            status["accessModes"] = list(pv["spec"].get("accessModes") or [])
            status["capacity"] = dict(pv["spec"].get("capacity") or {})
        if status == (pvc.get("status") or {}):
            return pvc
        if event is not None and (pvc.get("status") or {}).get("phase") != phase:
            self.recorder.event(pvc, "Warning", *event)
        return self.api.update(dict(pvc, status=status), subresource="status")

    # -- volumes --------------------------------------------------------------------
    def _volume_phase(self, pv: dict, phase: str, message: str = "") -> dict:
        status = pv.get("status") or {}
        if status.get("phase") == phase and (status.get("message") or "") == message:
            return pv
        new = {"phase": phase, "lastPhaseTransitionTime": format_time(self.api.clock.now())
               if status.get("phase") != phase else status.get("lastPhaseTransitionTime")}
        if message:
            new["message"] = message
        return self.api.update(dict(pv, status=new), subresource="status")

    def _live_claim(self, ref: dict) -> dict | None:
        """The claim a volume points at, from the cache or (if the cache has not seen it) the API."""
        pvc = self.claims.get(ref.get("name", ""), ref.get("namespace"))
        if pvc is None:
            try:
                pvc = self.api.get("persistentvolumeclaims", ref.get("name", ""), namespace=ref.get("namespace"))
            except errors.NotFound:
                return None
        return pvc if pvc["metadata"].get("uid") == ref.get("uid") else None

    def sync_volume(self, pv: dict) -> None:
        ref = pv["spec"].get("claimRef")
        if not ref or not ref.get("uid"):
            self._volume_phase(pv, "Available")            # unused, or pre-bound to a claim not yet seen
            return
        pvc = self._live_claim(ref)
        if pvc is None:
            if (pv.get("status") or {}).get("phase") not in ("Released", "Failed"):
                pv = self._volume_phase(pv, "Released")
            self._reclaim(pv)
        elif not pvc["spec"].get("volumeName"):
            self._claim_changed(pvc)                       # the claim's sync completes the binding
        elif pvc["spec"]["volumeName"] == pv["metadata"]["name"]:
            self._volume_phase(pv, "Bound")
        elif ANN_PROVISIONED_BY in (pv["metadata"].get("annotations") or {}) and \
                pv["spec"].get("persistentVolumeReclaimPolicy") == "Delete":
            if (pv.get("status") or {}).get("phase") not in ("Released", "Failed"):
                pv = self._volume_phase(pv, "Released")  # provisioned for a claim that bound elsewhere
            self._reclaim(pv)
        else:
            self._unbind(pv)

    def _unbind(self, pv: dict) -> None:
        annotations = dict(pv["metadata"].get("annotations") or {})
        if annotations.pop(ANN_BOUND_BY_CONTROLLER, None) is not None:
            spec = {k: v for k, v in pv["spec"].items() if k != "claimRef"}
        else:
            spec = dict(pv["spec"], claimRef={k: v for k, v in pv["spec"]["claimRef"].items() if k != "uid"})
        pv = self.api.update(dict(pv, metadata=dict(pv["metadata"], annotations=annotations), spec=spec))
        self._volume_phase(pv, "Available")

    def _reclaim(self, pv: dict) -> None:
        """reclaimVolume: Retain does nothing; Delete deletes (here or by the provisioner)."""
        if pv["spec"].get("persistentVolumeReclaimPolicy") != "Delete":
            return
        annotations = pv["metadata"].get("annotations") or {}
        provisioner = annotations.get(ANN_PROVISIONED_BY, "")
        if annotations.get(_MIGRATED_TO) or (provisioner and not provisioner.startswith("kubernetes.io/")):
            return                                          # an external provisioner deletes it
        path = (pv["spec"].get("hostPath") or {}).get("path")
        if path is None:
            problem = "no deletable volume plugin matched"
        elif not re.search("/tmp/.+", path):
            problem = f"host_path deleter only supports /tmp/.+ but received provided {path}"
        else:
            self.api.delete("persistentvolumes", pv["metadata"]["name"])
            return
        if (pv.get("status") or {}).get("message") != problem:
            self.recorder.event(pv, "Warning", "VolumeFailedDelete", problem)
        self._volume_phase(pv, "Failed", problem)

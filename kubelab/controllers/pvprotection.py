"""Storage object in-use protection (pkg/controller/volume/pvcprotection and
pvprotection): a claim a Pod still uses, and a volume still bound to a claim,
are not removed when deleted — they wait, ``Terminating``, until they are free.

Both carry a finalizer from creation (the StorageObjectInUseProtection
admission plugin adds it; these controllers add it to older objects):

* ``kubernetes.io/pvc-protection`` on a claim: removed once the claim is being
  deleted and no Pod scheduled to a node names it (even a finished one: delete
  the Pod to free the claim; an unscheduled Pod cannot start with it anyway);
* ``kubernetes.io/pv-protection`` on a volume: removed once the volume is being
  deleted and is not ``Bound``.
"""
from __future__ import annotations

from .. import errors
from ..storage.matching import pod_claim_names
from .base import Controller

__all__ = ["PVCProtectionController", "PVProtectionController", "PVC_FINALIZER", "PV_FINALIZER"]

PVC_FINALIZER = "kubernetes.io/pvc-protection"
PV_FINALIZER = "kubernetes.io/pv-protection"


class _Protection(Controller):
    """Add the finalizer to live objects, remove it from deleted ones no longer in use."""

    resource = finalizer = ""

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.objects = self.informer(self.resource)
        self.objects.add_handler(self.enqueue, lambda old, new: self.enqueue(new), None)

    def in_use(self, obj: dict) -> bool:   # pragma: no cover - each protection says
        raise NotImplementedError

    def sync(self, key: str) -> None:
        namespace, _, name = key.rpartition("/")
        obj = self.objects.get(name, namespace or None)
        if obj is None:
            return
        m = obj["metadata"]
        finalizers = list(m.get("finalizers") or [])
        if not m.get("deletionTimestamp"):
            if self.finalizer not in finalizers:
                self._write(obj, finalizers + [self.finalizer])
        elif self.finalizer in finalizers and not self.in_use(obj):
            self._write(obj, [f for f in finalizers if f != self.finalizer])

    def _write(self, obj: dict, finalizers: list[str]) -> None:
        try:
            self.api.update(dict(obj, metadata=dict(obj["metadata"], finalizers=finalizers)))
        except errors.NotFound:
            pass


class PVCProtectionController(_Protection):
    """pvc-protection-controller: a claim stays while a Pod uses it."""

    name = "pvc-protection-controller"
    resource, finalizer = "persistentvolumeclaims", PVC_FINALIZER

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.pods = self.informer("pods")
        self.pods.add_handler(None, lambda old, new: self._pod_changed(new), self._pod_changed)

    def _pod_changed(self, pod: dict) -> None:
        """A Pod that finished or went away may free the claims it used."""
        ns = pod["metadata"].get("namespace")
        for name in pod_claim_names(pod):
            pvc = self.objects.get(name, ns)
            if pvc is not None and pvc["metadata"].get("deletionTimestamp"):
                self.enqueue(pvc)

    def in_use(self, pvc: dict) -> bool:
        """isBeingUsed / podUsesPVC: a scheduled Pod in the namespace names the claim (the
        cache is double-checked with a live list, as the controller does).
        simplified: a finished Pod's generic ephemeral claim counts as used too."""
        ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
        pods = self.api.list("pods", namespace=ns)["items"]
        return any(p["spec"].get("nodeName") and name in pod_claim_names(p) for p in pods)


class PVProtectionController(_Protection):
    """pv-protection-controller: a volume stays while it is Bound."""

    name = "pv-protection-controller"
    resource, finalizer = "persistentvolumes", PV_FINALIZER

    def in_use(self, pv: dict) -> bool:
        return (pv.get("status") or {}).get("phase") == "Bound"

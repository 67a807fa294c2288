"""StorageObjectInUseProtection (plugin/pkg/admission/storage/storageobjectinuseprotection):
every new claim gets the ``kubernetes.io/pvc-protection`` finalizer and every new
volume ``kubernetes.io/pv-protection``, so deleting one that is still in use
waits for the protection controllers (:mod:`kubelab.controllers.pvprotection`).
"""
_FINALIZERS = {"PersistentVolumeClaim": "kubernetes.io/pvc-protection",
               "PersistentVolume": "kubernetes.io/pv-protection"}


def storage_object_in_use_protection(api, operation, obj, old, rtype) -> None:
    finalizer = _FINALIZERS.get(rtype.kind) if not rtype.group else None
    if operation != "CREATE" or finalizer is None:
        return
    finalizers = obj["metadata"].setdefault("finalizers", [])
    if finalizer not in finalizers:
        finalizers.append(finalizer)

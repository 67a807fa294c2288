"""DefaultStorageClass (plugin/pkg/admission/storage/storageclass/setdefault): a new
claim that names no class (``storageClassName`` unset, not ``""``) gets the
default StorageClass — the one annotated ``storageclass.kubernetes.io/is-default-class:
"true"``, the newest if several are. ``storageClassName: ""`` keeps a claim to
statically provisioned volumes without a class.
"""
from ...storage.matching import default_class

_ANN_BETA_CLASS = "volume.beta.kubernetes.io/storage-class"


def default_storage_class(api, operation, obj, old, rtype) -> None:
    if operation != "CREATE" or rtype.kind != "PersistentVolumeClaim" or rtype.group:
        return
    spec = obj.setdefault("spec", {})
    if spec.get("storageClassName") is not None or _ANN_BETA_CLASS in (obj["metadata"].get("annotations") or {}):
        return
    kvs, _ = api.store.range(api.registry.resolve("storageclasses.storage.k8s.io").prefix())
    sc = default_class(kv.value for kv in kvs)
    if sc is not None:
        spec["storageClassName"] = sc["metadata"]["name"]

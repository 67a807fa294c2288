"""The lab cluster's default StorageClass, as kind installs it.

kind clusters come with rancher's local-path-provisioner and one StorageClass,
``standard``, marked as the default: a claim that names no class gets it (the
DefaultStorageClass admission plugin), waits for its first Pod
(WaitForFirstConsumer), and is then provisioned as a directory on the node the
scheduler picked, pinned there by node affinity; deleting the claim deletes
the directory (reclaimPolicy Delete).

It is an add-on of the distribution, not something kube-apiserver creates:
delete it, or mark another class as the default, as on kind.
"""
from __future__ import annotations

from .. import errors
from .matching import ANN_DEFAULT_CLASS

__all__ = ["DEFAULT_STORAGE_CLASS", "install_default_storage_class"]

#: kind's manifest (its local-path-storage add-on)
DEFAULT_STORAGE_CLASS = {
    "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
    "metadata": {"name": "standard", "annotations": {ANN_DEFAULT_CLASS: "true"}},
    "provisioner": "rancher.io/local-path",
    "reclaimPolicy": "Delete",
    "volumeBindingMode": "WaitForFirstConsumer",
}


def install_default_storage_class(api) -> dict:
    """Create kind's ``standard`` StorageClass (unless a class of that name exists)."""
    try:
        return api.create(DEFAULT_STORAGE_CLASS)
    except errors.AlreadyExists:
        return api.get("storageclasses", "standard")

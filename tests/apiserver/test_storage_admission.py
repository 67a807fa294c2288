"""The DefaultStorageClass and StorageObjectInUseProtection admission plugins
(https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/)."""
import pytest

import kubelab as kl


def storage_class(name, default=None):
    meta = {"name": name}
    if default is not None:
        meta["annotations"] = {"storageclass.kubernetes.io/is-default-class": default}
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": meta,
            "provisioner": "kubelab.io/disk"}


def claim(**spec):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
            "spec": dict({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}, **spec)}


@pytest.mark.parametrize("classes,spec,want", [
    ([storage_class("standard", "true")], {}, "standard"),          # no class named: the default
    ([storage_class("standard", "true")], {"storageClassName": ""}, ""),   # "" means: no class, on purpose
    ([storage_class("standard", "true")], {"storageClassName": "fast"}, "fast"),
    ([storage_class("standard", "false")], {}, None),                # "false" is not a default
    ([storage_class("old", "true"), storage_class("new", "true")], {}, "new"),    # several: the newest
])
def test_the_default_storage_class_fills_in_a_missing_class(classes, spec, want):
    c = kl.Cluster(nodes=0)
    for sc in classes:
        c.apply(sc)
        c.run(1)                       # distinct creation times
    created = c.api.create(claim(**spec))
    assert created["spec"].get("storageClassName") == want


def test_protection_finalizers_are_added_once():
    c = kl.Cluster(nodes=0)
    pvc = claim()
    pvc["metadata"]["finalizers"] = ["kubernetes.io/pvc-protection", "example.com/keep"]
    assert c.api.create(pvc)["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection", "example.com/keep"]

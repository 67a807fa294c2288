"""The PersistentVolume controller (pkg/controller/volume/persistentvolume/pv_controller.go;
https://kubernetes.io/docs/concepts/storage/persistent-volumes/)."""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.controllers.persistentvolume import SYNC_PERIOD


def pv(name, size="1Gi", policy=None, path=None, **spec):
    spec = dict({"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"],
                 "hostPath": {"path": path or f"/mnt/{name}"}}, **spec)
    if policy:
        spec["persistentVolumeReclaimPolicy"] = policy
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name}, "spec": spec}


def pvc(name="data", size="1Gi", **spec):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": dict({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}, **spec)}


def storage_class(name="standard", provisioner="kubelab.io/disk", default=False, **fields):
    meta = {"name": name}
    if default:
        meta["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    return dict({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": meta,
                 "provisioner": provisioner}, **fields)


def events(c, name):
    return [(e["reason"], e["message"]) for e in c.events() if e["involvedObject"]["name"] == name]


def phase(c, kind, name):
    return c.get(kind, name)["status"]["phase"]


@pytest.fixture
def c():
    # these rules are about claims and volumes without a default class: take away kind's "standard"
    cluster = kl.Cluster(nodes=0)
    cluster.delete("storageclass", "standard")
    return cluster


def test_a_claim_binds_to_the_smallest_volume_that_fits(c):
    c.apply([pv("small", "1Gi"), pv("medium", "5Gi"), pv("large", "50Gi"), pvc(size="3Gi")])
    c.run(1)
    claim, volume = c.get("pvc", "data"), c.get("pv", "medium")
    assert claim["spec"]["volumeName"] == "medium"
    assert claim["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"}}
    # pv.spec.claimRef points back at the claim, by uid too
    assert {k: volume["spec"]["claimRef"][k] for k in ("kind", "namespace", "name", "uid")} == \
        {"kind": "PersistentVolumeClaim", "namespace": "default", "name": "data", "uid": claim["metadata"]["uid"]}
    assert volume["status"]["phase"] == "Bound"
    assert {k: v for k, v in claim["metadata"]["annotations"].items() if k.startswith("pv.")} == \
        {"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes"}
    assert [phase(c, "pv", n) for n in ("small", "large")] == ["Available", "Available"]


def test_without_a_match_and_without_a_class_the_claim_stays_pending(c):
    c.apply([pv("small", "1Gi"), pvc(size="3Gi")])
    c.run(1)
    assert phase(c, "pvc", "data") == "Pending"
    # syncUnboundClaim: the FailedBinding reason kubectl describe shows
    assert events(c, "data") == [("FailedBinding", "no persistent volumes available for this claim and no storage "
                                                    "class is set")]


def test_a_claim_binds_at_the_next_resync_once_a_volume_appears(c):
    c.apply(pvc(size="3Gi"))
    c.run(1)
    c.apply(pv("late", "5Gi"))
    c.run(1)
    assert phase(c, "pv", "late") == "Available"          # a new volume does not wake the claim ...
    c.run(SYNC_PERIOD)
    assert phase(c, "pvc", "data") == "Bound"             # ... the 15 s resync of every claim does


def test_a_claim_naming_a_volume_gets_exactly_that_one(c):
    c.apply([pv("big", "50Gi"), pv("fits", "5Gi"), pvc(size="1Gi", volumeName="big")])
    c.run(1)
    assert c.get("pvc", "data")["spec"]["volumeName"] == "big"
    # the user chose the volume, so the claim is not marked bound-by-controller
    assert "pv.kubernetes.io/bound-by-controller" not in c.get("pvc", "data")["metadata"]["annotations"]


def test_a_volume_reserved_for_a_claim_waits_for_it(c):
    c.apply(pv("reserved", "5Gi", claimRef={"namespace": "default", "name": "data"}))
    c.apply(pvc("other", size="1Gi"))
    c.run(1)
    assert phase(c, "pvc", "other") == "Pending"
    assert phase(c, "pv", "reserved") == "Available"
    c.apply(pvc("data", size="1Gi"))
    c.run(1)
    assert c.get("pvc", "data")["spec"]["volumeName"] == "reserved"


def test_a_missing_storage_class_is_reported(c):
    c.apply(pvc(storageClassName="gold"))
    c.run(1)
    assert events(c, "data") == [("ProvisioningFailed", 'storageclass.storage.k8s.io "gold" not found')]


def test_a_class_without_a_provisioner_cannot_provision(c):
    c.apply([storage_class("local", "kubernetes.io/no-provisioner"), pvc(storageClassName="local")])
    c.run(1)
    assert events(c, "data") == [("ProvisioningFailed", "no volume plugin matched name: kubernetes.io/no-provisioner")]


def test_wait_for_first_consumer_waits_and_names_waiting_pods(c):
    c.apply([storage_class(volumeBindingMode="WaitForFirstConsumer"), pvc(storageClassName="standard"),
             pv("fits", "5Gi", storageClassName="standard")])
    c.run(1)
    assert events(c, "data") == [("WaitForFirstConsumer", "waiting for first consumer to be created before binding")]
    assert phase(c, "pv", "fits") == "Available"            # the scheduler picks the volume, not this controller
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
             "spec": {"containers": [{"name": "c", "image": "nginx"}],
                      "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}]}})
    c.run(SYNC_PERIOD)
    # emitEventForUnboundDelayBindingClaim: no node in this cluster, so the Pod stays unscheduled
    assert ("WaitForPodScheduled", "waiting for pod web to be scheduled") in events(c, "data")


def test_deleting_the_claim_releases_a_retained_volume_with_its_claim_ref(c):
    c.apply([pv("keep", "5Gi"), pvc()])
    c.run(1)
    c.delete("pvc", "data")
    c.run(1)
    volume = c.get("pv", "keep")
    assert volume["status"]["phase"] == "Released"
    assert volume["spec"]["claimRef"]["name"] == "data"
    # a new claim of the same name is another claim (another uid): the data is not handed over
    c.apply(pvc())
    c.run(1)
    assert phase(c, "pvc", "data") == "Pending"
    # an administrator frees the volume by removing the claimRef
    c.api.patch("persistentvolumes", "keep", [{"op": "remove", "path": "/spec/claimRef"}], patch_type="json")
    c.run(SYNC_PERIOD)
    assert c.get("pvc", "data")["spec"]["volumeName"] == "keep"


@pytest.mark.parametrize("path,left", [
    # the in-tree hostPath deleter removes only directories under /tmp/
    ("/tmp/scratch", None),
    ("/mnt/data", "host_path deleter only supports /tmp/.+ but received provided /mnt/data"),
])
def test_the_delete_policy_on_a_static_host_path_volume(c, path, left):
    c.apply([pv("gone", "1Gi", policy="Delete", path=path), pvc()])
    c.run(1)
    c.delete("pvc", "data")
    c.run(1)
    if left is None:
        assert c.get("pv") == []
    else:
        volume = c.get("pv", "gone")
        assert (volume["status"]["phase"], volume["status"]["message"]) == ("Failed", left)
        assert events(c, "gone") == [("VolumeFailedDelete", left)]


def test_a_static_network_volume_with_the_delete_policy_fails_to_delete(c):
    c.apply([pv("nfs", policy="Delete", hostPath=None, nfs={"server": "nfs.example", "path": "/x"}), pvc()])
    c.run(1)
    c.delete("pvc", "data")
    c.run(1)
    assert c.get("pv", "nfs")["status"]["message"] == "no deletable volume plugin matched"


def test_a_claim_whose_volume_disappears_is_lost(c):
    c.apply([pv("short-lived"), pvc()])
    c.run(1)
    c.api.patch("persistentvolumes", "short-lived", {"metadata": {"finalizers": None}}, patch_type="merge")
    c.delete("pv", "short-lived")
    c.run(1)
    with pytest.raises(errors.NotFound):
        c.get("pv", "short-lived")          # a Bound volume waits for pv-protection; without it, it goes
    assert phase(c, "pvc", "data") == "Lost"
    assert events(c, "data")[-1] == ("ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!")


def test_a_claim_created_before_any_default_class_gets_it_later(c):
    c.apply(pvc())
    c.run(1)
    assert "storageClassName" not in c.get("pvc", "data")["spec"]
    c.apply(storage_class(default=True))
    c.run(SYNC_PERIOD)
    # RetroactiveDefaultStorageClass (GA in 1.28): an unset class is filled in, then provisioned
    assert c.get("pvc", "data")["spec"]["storageClassName"] == "standard"
    assert phase(c, "pvc", "data") == "Bound"


def test_a_claim_with_an_empty_class_never_gets_the_default(c):
    c.apply([storage_class(default=True), pvc(storageClassName="")])
    c.run(SYNC_PERIOD)
    assert c.get("pvc", "data")["spec"]["storageClassName"] == ""
    assert phase(c, "pvc", "data") == "Pending"

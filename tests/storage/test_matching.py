"""Claim-to-volume matching (component-helpers/storage/volume/pv_helpers.go FindMatchingVolume;
pkg/controller/volume/persistentvolume/index.go findByClaim)."""
import pytest

from kubelab.storage.matching import claim_class, default_class, find_best_match, find_matching_volume


def pv(name, size, modes=("ReadWriteOnce",), phase="Available", cls=None, labels=None, claim_ref=None,
       mode=None, zone=None, deleting=False):
    spec = {"capacity": {"storage": size}, "accessModes": list(modes)}
    if cls:
        spec["storageClassName"] = cls
    if claim_ref:
        spec["claimRef"] = claim_ref
    if mode:
        spec["volumeMode"] = mode
    if zone:
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}]}]}}
    meta = {"name": name, "labels": labels or {}}
    if deleting:
        meta["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    return {"metadata": meta, "spec": spec, "status": {"phase": phase}}


def pvc(size="5Gi", modes=("ReadWriteOnce",), cls=None, selector=None, mode=None, name="data", uid="u1"):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}}
    if cls is not None:
        spec["storageClassName"] = cls
    if selector is not None:
        spec["selector"] = selector
    if mode:
        spec["volumeMode"] = mode
    return {"metadata": {"name": name, "namespace": "default", "uid": uid}, "spec": spec}


def name_of(found):
    return found["metadata"]["name"] if found else None


@pytest.mark.parametrize("claim,volumes,want", [
    # the smallest volume that is large enough (the docs' "matching volume ... smallest")
    (pvc("5Gi"), [pv("a", "3Gi"), pv("b", "20Gi"), pv("c", "10Gi")], "c"),
    # only Available volumes are candidates
    (pvc("5Gi"), [pv("a", "10Gi", phase="Released"), pv("b", "20Gi")], "b"),
    # storage class must be equal ("" matches only volumes without a class)
    (pvc("1Gi", cls="fast"), [pv("a", "1Gi"), pv("b", "2Gi", cls="fast")], "b"),
    (pvc("1Gi"), [pv("a", "1Gi", cls="fast")], None),
    # the claim's label selector
    (pvc("1Gi", selector={"matchLabels": {"tier": "gold"}}), [pv("a", "1Gi"), pv("b", "5Gi", labels={"tier": "gold"})], "b"),
    # volumeMode must agree (unset means Filesystem)
    (pvc("1Gi", mode="Block"), [pv("a", "1Gi"), pv("b", "1Gi", mode="Block")], "b"),
    # a volume bound to another claim is never taken
    (pvc("1Gi"), [pv("a", "1Gi", claim_ref={"name": "other", "namespace": "default", "uid": "x"})], None),
    # a volume pre-bound to this claim wins, even when a smaller one exists
    (pvc("1Gi"), [pv("a", "1Gi"), pv("b", "9Gi", phase="Available", claim_ref={"name": "data", "namespace": "default"})], "b"),
    # ... but not if its claimRef names an earlier claim of the same name (another uid)
    (pvc("1Gi"), [pv("b", "9Gi", claim_ref={"name": "data", "namespace": "default", "uid": "old"})], None),
    # volumes being deleted are skipped
    (pvc("1Gi"), [pv("a", "1Gi", deleting=True)], None),
])
def test_find_matching_volume_follows_kubernetes(claim, volumes, want):
    assert name_of(find_best_match(claim, volumes)) == want


def test_fewer_access_modes_are_preferred_to_a_smaller_volume():
    # findByClaim walks access-mode sets smallest first: an RWO claim takes the RWO volume
    # even though an RWO+RWX one is smaller
    volumes = [pv("both", "1Gi", modes=("ReadWriteOnce", "ReadWriteMany")), pv("rwo", "5Gi")]
    assert name_of(find_best_match(pvc("1Gi"), volumes)) == "rwo"
    # a claim for RWX can only use the volume that offers it
    assert name_of(find_best_match(pvc("1Gi", modes=("ReadWriteMany",)), volumes)) == "both"


def test_a_wait_for_first_consumer_claim_is_left_to_the_scheduler():
    # delayBinding on the PV controller's path: only a pre-bound volume matches
    assert find_best_match(pvc("1Gi"), [pv("a", "1Gi")], delay_binding=True) is None


def test_the_scheduler_path_checks_node_affinity_and_access_modes():
    node_a = {"metadata": {"name": "n1", "labels": {"topology.kubernetes.io/zone": "a"}}}
    volumes = [pv("in-b", "1Gi", zone="b"), pv("in-a", "5Gi", zone="a"), pv("rox", "1Gi", modes=("ReadOnlyMany",))]
    assert name_of(find_matching_volume(pvc("1Gi"), volumes, node=node_a, delay_binding=True)) == "in-a"
    assert find_matching_volume(pvc("1Gi"), volumes, node=node_a, excluded={"in-a"}) is None


def test_the_storage_class_of_a_claim_prefers_the_beta_annotation():
    claim = pvc(cls="spec-class")
    claim["metadata"]["annotations"] = {"volume.beta.kubernetes.io/storage-class": "old-style"}
    assert claim_class(claim) == "old-style"


def test_the_newest_of_several_default_classes_is_the_default():
    def sc(name, stamp, default="true"):
        return {"metadata": {"name": name, "creationTimestamp": stamp,
                             "annotations": {"storageclass.kubernetes.io/is-default-class": default}}}
    assert default_class([sc("old", "2025-01-01T00:00:00Z"), sc("new", "2025-01-02T00:00:00Z"),
                          sc("off", "2025-01-03T00:00:00Z", "false")])["metadata"]["name"] == "new"
    assert default_class([sc("off", "2025-01-03T00:00:00Z", "false")]) is None

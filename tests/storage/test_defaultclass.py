"""kind's default StorageClass in every lab cluster (kind's local-path-storage add-on;
https://kubernetes.io/docs/concepts/storage/storage-classes/#default-storageclass)."""
import kubelab as kl
from kubelab.storage.defaultclass import install_default_storage_class


def claim(**spec):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
            "spec": dict({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}, **spec)}


def test_a_new_cluster_lists_kinds_standard_class_as_the_default():
    c = kl.Cluster(nodes=1)
    # what `kubectl get storageclass` prints on a fresh kind cluster
    assert c.kubectl("get storageclass") == (
        "NAME                 PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE\n"
        "standard (default)   rancher.io/local-path   Delete          WaitForFirstConsumer   false                  0s\n")


def test_a_claim_without_a_class_gets_the_default_and_waits_for_its_first_pod():
    c = kl.Cluster(nodes=1)
    c.apply(claim())
    c.run(5)
    pvc = c.get("pvc", "data")
    assert (pvc["spec"]["storageClassName"], pvc["status"]["phase"]) == ("standard", "Pending")
    assert [(e["reason"], e["message"]) for e in c.events() if e["involvedObject"]["name"] == "data"] == [
        ("WaitForFirstConsumer", "waiting for first consumer to be created before binding")]


def test_a_claim_with_an_empty_class_opts_out_of_the_default():
    c = kl.Cluster(nodes=1)
    c.apply(claim(storageClassName=""))
    assert c.get("pvc", "data")["spec"]["storageClassName"] == ""


def test_another_default_class_made_in_the_same_second_loses_to_the_first_by_name():
    # GetDefaultClass: the newest default class, and among those created together the first by name
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "provisioner": "kubelab.io/disk",
             "metadata": {"name": "zonal", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}})
    c.apply(claim())
    assert c.get("pvc", "data")["spec"]["storageClassName"] == "standard"


def test_installing_it_again_keeps_the_class_there():
    c = kl.Cluster(nodes=0)
    c.kubectl("annotate storageclass standard storageclass.kubernetes.io/is-default-class=false --overwrite")
    again = install_default_storage_class(c.api)
    assert again["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "false"

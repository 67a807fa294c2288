"""Dynamic provisioning (https://kubernetes.io/docs/concepts/storage/dynamic-provisioning/,
kubernetes-csi/external-provisioner): the events, the PersistentVolume it creates, reclaim Delete."""
import pytest

import kubelab as kl
from kubelab.storage.backends import StorageBackend


def storage_class(provisioner="kubelab.io/disk", name="standard", **fields):
    return dict({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
                 "provisioner": provisioner}, **fields)


def pvc(name="data", cls="standard", modes=("ReadWriteOnce",), size="2Gi"):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": list(modes), "storageClassName": cls, "resources": {"requests": {"storage": size}}}}


def events(c, name):
    return [(e["source"]["component"], e["reason"], e["message"]) for e in c.events()
            if e["involvedObject"]["name"] == name]


def cluster(nodes=0):
    """A cluster without kind's default class, whose name ("standard") these tests give their own class."""
    c = kl.Cluster(nodes=nodes)
    c.delete("storageclass", "standard")
    return c


def zoned_nodes():
    return [{"metadata": {"name": f"node-{i}", "labels": {"topology.kubernetes.io/zone": zone}}}
            for i, zone in ((1, "zone-a"), (2, "zone-b"), (3, "zone-b"))]


def test_an_immediate_class_provisions_a_volume_for_the_claim():
    c = cluster()
    c.apply([storage_class(reclaimPolicy="Retain"), pvc()])
    c.run(1)
    claim = c.get("pvc", "data")
    name = f'pvc-{claim["metadata"]["uid"]}'
    assert claim["spec"]["volumeName"] == name and claim["status"]["phase"] == "Bound"
    # the PV controller hands the claim over; the provisioner reports as itself
    assert events(c, "data") == [
        ("persistentvolume-controller", "ExternalProvisioning",
         "Waiting for a volume to be created either by the external provisioner 'kubelab.io/disk' or manually by the "
         "system administrator. If volume creation is delayed, please verify that the provisioner is running and "
         "correctly registered."),
        ("kubelab.io/disk", "Provisioning", 'External provisioner is provisioning volume for claim "default/data"'),
        ("kubelab.io/disk", "ProvisioningSucceeded", f"Successfully provisioned volume {name}")]
    volume = c.get("pv", name)
    assert volume["metadata"]["annotations"] == {"pv.kubernetes.io/provisioned-by": "kubelab.io/disk"}
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"        # from the class
    assert volume["spec"]["csi"] == {"driver": "kubelab.io/disk", "volumeHandle": name, "fsType": "ext4"}
    assert (volume["spec"]["capacity"], volume["spec"]["storageClassName"]) == ({"storage": "2Gi"}, "standard")


def test_in_tree_provisioner_names_are_migrated_to_their_csi_driver():
    c = cluster()
    c.apply([storage_class("kubernetes.io/aws-ebs", name="gp2"), pvc(cls="gp2")])
    c.run(1)
    annotations = c.get("pvc", "data")["metadata"]["annotations"]
    assert annotations["volume.kubernetes.io/storage-provisioner"] == "ebs.csi.aws.com"
    assert annotations["pv.kubernetes.io/migrated-to"] == "ebs.csi.aws.com"
    assert c.get("pvc", "data")["status"]["phase"] == "Bound"


def test_a_disk_cannot_be_shared_read_write_by_many_nodes():
    c = cluster()
    c.apply([storage_class(), pvc(modes=("ReadWriteMany",))])
    c.run(1)
    assert events(c, "data")[-1] == ("kubelab.io/disk", "ProvisioningFailed",
                                     'failed to provision volume with StorageClass "standard": rpc error: '
                                     'code = InvalidArgument desc = Volume capabilities not supported')
    assert c.get("pvc", "data")["status"]["phase"] == "Pending"
    c.apply([storage_class("kubelab.io/nfs", name="shared"), pvc("files", cls="shared", modes=("ReadWriteMany",))])
    c.run(1)
    assert c.get("pvc", "files")["status"]["phase"] == "Bound"


def test_an_unknown_provisioner_leaves_the_claim_waiting():
    c = cluster()
    c.apply([storage_class("example.com/nobody"), pvc()])
    c.run(30)
    assert c.get("pvc", "data")["status"]["phase"] == "Pending"
    assert {reason for _, reason, _ in events(c, "data")} == {"ExternalProvisioning"}


def test_reclaim_delete_removes_the_volume_and_its_data():
    c = cluster()
    c.apply([storage_class(), pvc()])
    c.run(1)
    volume = c.get("pv")[0]
    backend = StorageBackend.of(c.api)
    backend.volume_data(volume)["db.sqlite"] = "rows"
    c.delete("pvc", "data")
    c.run(1)
    assert c.get("pv") == []
    assert not backend.exists(volume)


def test_a_zonal_disk_is_made_in_the_zone_of_the_selected_node():
    c = cluster(zoned_nodes())
    c.apply([storage_class(volumeBindingMode="WaitForFirstConsumer"), pvc()])
    c.run(1)
    assert c.get("pv") == []                  # nothing is made before a Pod is scheduled
    c.api.patch("persistentvolumeclaims", "data",
                {"metadata": {"annotations": {"volume.kubernetes.io/selected-node": "node-1"}}})
    c.run(1)
    affinity = c.get("pv")[0]["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    assert affinity == [{"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In",
                                               "values": ["zone-a"]}]}]


def test_an_immediate_zonal_disk_goes_to_the_first_allowed_zone():
    c = cluster(zoned_nodes())
    allowed = [{"matchLabelExpressions": [{"key": "topology.kubernetes.io/zone", "values": ["zone-b"]}]}]
    c.apply([storage_class(allowedTopologies=allowed), pvc()])
    c.run(1)
    terms = c.get("pv")[0]["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == ["zone-b"]


@pytest.mark.parametrize("provisioner,prefix", [
    ("kubelab.io/hostpath", "/var/lib/kubelab/hostpath/"),
    ("rancher.io/local-path", "/opt/local-path-provisioner/"),      # kind's default class
])
def test_a_node_local_volume_is_pinned_to_the_selected_node(provisioner, prefix):
    c = cluster(zoned_nodes())
    c.apply([storage_class(provisioner, volumeBindingMode="WaitForFirstConsumer"), pvc()])
    c.api.patch("persistentvolumeclaims", "data",
                {"metadata": {"annotations": {"volume.kubernetes.io/selected-node": "node-2"}}})
    c.run(1)
    volume = c.get("pv")[0]
    assert volume["spec"]["hostPath"]["path"].startswith(prefix)
    assert volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"] == [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-2"]}]

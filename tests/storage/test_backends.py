"""Where PersistentVolume data lives (https://kubernetes.io/docs/concepts/storage/persistent-volumes/):
network volumes are reachable from any node, hostPath/local volumes are a node's directory."""
import pytest

import kubelab as kl
from kubelab.storage.backends import StorageBackend, location


def volume(name, **source):
    return {"metadata": {"name": name}, "spec": dict({"capacity": {"storage": "1Gi"}}, **source)}


@pytest.mark.parametrize("source,node,want", [
    ({"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1"}}, None, ("csi", "ebs.csi.aws.com", "vol-1")),
    ({"nfs": {"server": "10.0.0.5", "path": "/exports"}}, "node-1", ("nfs", "10.0.0.5", "/exports")),
    # node-local: the same path on two nodes is two different directories
    ({"hostPath": {"path": "/mnt/data"}}, "node-1", ("node", "node-1", "/mnt/data")),
    ({"local": {"path": "/mnt/ssd"}}, "node-2", ("node", "node-2", "/mnt/ssd")),
])
def test_a_volume_is_located_by_its_source(source, node, want):
    assert location(volume("v", **source), node) == want


def test_a_node_local_volume_needs_the_node():
    with pytest.raises(ValueError, match="is on a node"):
        location(volume("v", hostPath={"path": "/mnt/data"}))


def test_two_volumes_naming_the_same_disk_share_its_files():
    backend = StorageBackend()
    disk = {"csi": {"driver": "kubelab.io/disk", "volumeHandle": "d1"}}
    backend.volume_data(volume("first", **disk))["index.html"] = "hello"
    assert backend.volume_data(volume("second", **disk)) == {"index.html": "hello"}
    backend.delete(volume("first", **disk))
    assert not backend.exists(volume("second", **disk))


def test_each_cluster_has_its_own_backend_and_volumes_are_found_by_name():
    c = kl.Cluster(nodes=0)
    c.apply({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
             "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                      "nfs": {"server": "nfs.example", "path": "/share"}}})
    backend = StorageBackend.of(c.api)
    assert backend is StorageBackend.of(c.api)
    assert StorageBackend.of(kl.Cluster(nodes=0).api) is not backend
    backend.volume_data("pv1")["a.txt"] = "kept"
    assert backend.volume_data("pv1") == {"a.txt": "kept"}
    assert backend.host_path("node-1", "/share") == {}

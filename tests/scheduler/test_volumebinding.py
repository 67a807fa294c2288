"""The VolumeBinding scheduler plugin (pkg/scheduler/framework/plugins/volumebinding;
https://kubernetes.io/docs/concepts/storage/storage-classes/#volume-binding-mode), with
the PV controller and the provisioners running, through kl.Cluster."""
import kubelab as kl

ZONE = "topology.kubernetes.io/zone"
NO_PREEMPTION = " preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."


def zoned_cluster():
    return kl.Cluster(nodes=[{"metadata": {"name": f"node-{i}", "labels": {ZONE: zone}}}
                             for i, zone in ((1, "zone-a"), (2, "zone-b"), (3, "zone-b"))])


def storage_class(name, provisioner, **fields):
    return dict({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
                 "provisioner": provisioner, "volumeBindingMode": "WaitForFirstConsumer"}, **fields)


def claim(name="data", cls=None):
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    if cls is not None:
        spec["storageClassName"] = cls
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": spec}


def local_pv(name, node, cls="local"):
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
            "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": cls,
                     "local": {"path": "/mnt/ssd"}, "nodeAffinity": {"required": {"nodeSelectorTerms": [
                         {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In",
                                                "values": [node]}]}]}}}}


def pod(name="web", claim_name="data"):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "nginx"}],
                     "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": claim_name}}]}}


def scheduling_failures(c, name="web"):
    return [e["message"] for e in c.events() if e["reason"] == "FailedScheduling"
            and e["involvedObject"]["name"] == name]


def node_of(c, name="web"):
    return c.get("pod", name)["spec"].get("nodeName")


def test_a_pod_waits_for_its_immediate_claim_to_be_bound():
    c = kl.Cluster(nodes=3)
    c.apply([claim(cls=""), pod()])      # no class (not kind's default): binding is immediate
    c.run(5)
    assert scheduling_failures(c) == ["0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."
                                      + NO_PREEMPTION]
    c.apply({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
             "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                      "nfs": {"server": "nfs.example", "path": "/share"}}})
    c.run(20)                       # the PV controller's next resync binds; the claim update retries the Pod
    assert node_of(c) is not None


def test_a_missing_claim_is_named():
    c = kl.Cluster(nodes=3)
    c.apply(pod())
    c.run(1)
    assert scheduling_failures(c) == ['0/3 nodes are available: persistentvolumeclaim "data" not found.'
                                      + NO_PREEMPTION]


def test_wait_for_first_consumer_binds_the_static_volume_of_the_chosen_node():
    c = zoned_cluster()
    c.apply([storage_class("local", "kubernetes.io/no-provisioner"), claim(cls="local"), pod()])
    c.run(5)
    # no volume anywhere, and this class cannot provision
    assert scheduling_failures(c) == ["0/3 nodes are available: 3 node(s) didn't find available persistent volumes "
                                      "to bind." + NO_PREEMPTION]
    c.apply(local_pv("ssd-on-3", "node-3"))
    c.run(10)
    assert node_of(c) == "node-3"
    assert c.get("pv", "ssd-on-3")["spec"]["claimRef"]["name"] == "data"
    assert c.get("pvc", "data")["status"]["phase"] == "Bound"


def test_a_bound_local_volume_narrows_the_nodes_to_its_own():
    c = zoned_cluster()
    c.apply([storage_class("local", "kubernetes.io/no-provisioner"), local_pv("ssd-on-3", "node-3"),
             claim(cls="local"), pod()])
    c.run(10)
    c.delete("pod", "web")
    c.run(40)
    c.kubectl("cordon node-3")
    c.apply(pod("again"))
    c.run(5)
    # PreFilter's result (GetEligibleNodes) leaves only node-3, which is cordoned
    assert scheduling_failures(c, "again") == [
        "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't satisfy plugin(s) [VolumeBinding]."
        + NO_PREEMPTION]


def test_the_volume_is_provisioned_where_the_scheduler_put_the_pod():
    c = zoned_cluster()
    c.apply([storage_class("disk", "kubelab.io/disk"), claim(cls="disk"), pod()])
    c.run(10)
    node = node_of(c)
    zone = c.get("node", node)["metadata"]["labels"][ZONE]
    annotations = c.get("pvc", "data")["metadata"]["annotations"]
    assert annotations["volume.kubernetes.io/selected-node"] == node
    volume = c.get("pv", c.get("pvc", "data")["spec"]["volumeName"])
    assert volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == [zone]


def test_allowed_topologies_restrict_where_the_pod_can_go():
    c = zoned_cluster()
    only_a = [{"matchLabelExpressions": [{"key": ZONE, "values": ["zone-a"]}]}]
    c.apply([storage_class("disk-a", "kubelab.io/disk", allowedTopologies=only_a), claim(cls="disk-a"), pod()])
    c.run(10)
    assert node_of(c) == "node-1"


def test_a_new_pod_follows_its_zonal_disk():
    c = zoned_cluster()
    only_a = [{"matchLabelExpressions": [{"key": ZONE, "values": ["zone-a"]}]}]
    c.apply([storage_class("disk-a", "kubelab.io/disk", allowedTopologies=only_a), claim(cls="disk-a"), pod()])
    c.run(10)
    c.delete("pod", "web")
    c.run(40)
    c.kubectl("cordon node-1")
    c.apply(pod("again"))
    c.run(5)
    # the disk lives in zone-a: the zone-b nodes conflict with its node affinity
    assert scheduling_failures(c, "again") == [
        "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) had volume node affinity conflict."
        + NO_PREEMPTION]
    c.kubectl("uncordon node-1")
    c.run(10)
    assert node_of(c, "again") == "node-1"


def test_two_pods_do_not_take_the_same_volume():
    c = zoned_cluster()
    c.apply([storage_class("local", "kubernetes.io/no-provisioner"), local_pv("ssd-on-2", "node-2"),
             local_pv("ssd-on-3", "node-3"), claim("a", cls="local"), claim("b", cls="local"),
             pod("pa", "a"), pod("pb", "b")])
    c.run(10)
    assert {node_of(c, "pa"), node_of(c, "pb")} == {"node-2", "node-3"}
    assert {c.get("pvc", n)["spec"]["volumeName"] for n in ("a", "b")} == {"ssd-on-2", "ssd-on-3"}

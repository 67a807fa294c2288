"""Storage object in-use protection (https://kubernetes.io/docs/concepts/storage/persistent-volumes/
#storage-object-in-use-protection): claims in use and bound volumes wait, Terminating, when deleted."""
import kubelab as kl


def claim_and_volume(c):
    c.apply([{"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
              "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                       "hostPath": {"path": "/mnt/pv1"}}},
             {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
              "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                       "storageClassName": ""}}])     # no class: the classless volume, not kind's default
    c.run(1)


def pod_using(c, name="web", node="node-1"):
    c.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                  "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}],
                           "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}]}})


def test_new_claims_and_volumes_carry_their_protection_finalizers():
    c = kl.Cluster(nodes=0)
    claim_and_volume(c)
    assert c.get("pvc", "data")["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    assert c.get("pv", "pv1")["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]


def test_a_claim_in_use_by_a_pod_waits_until_the_pod_is_gone():
    c = kl.Cluster(nodes=0)
    claim_and_volume(c)
    pod_using(c)
    c.delete("pvc", "data")
    c.run(5)
    claim = c.get("pvc", "data")
    assert claim["metadata"]["deletionTimestamp"] and claim["status"]["phase"] == "Bound"   # kubectl: Terminating
    c.delete("pod", "web", grace_period_seconds=0)
    c.run(1)
    assert c.get("pvc") == []
    assert c.get("pv", "pv1")["status"]["phase"] == "Released"


def test_an_unscheduled_pod_does_not_hold_a_claim():
    # podUsesPVC looks only at scheduled Pods: the kubelet would refuse to start this one
    c = kl.Cluster(nodes=0)
    claim_and_volume(c)
    c.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pending"},
                  "spec": {"containers": [{"name": "c", "image": "nginx"}],
                           "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}]}})
    c.delete("pvc", "data")
    c.run(1)
    assert c.get("pvc") == []


def test_a_bound_volume_waits_until_its_claim_is_gone():
    c = kl.Cluster(nodes=0)
    claim_and_volume(c)
    c.delete("pv", "pv1")
    c.run(5)
    assert c.get("pv", "pv1")["status"]["phase"] == "Bound"
    c.delete("pvc", "data")
    c.run(1)
    assert c.get("pv") == []

"""Data that outlives Pods, and data that does not: the kubelet's volumes end to end.

Kubernetes' rules, as the docs state them:
* "a PersistentVolume ... has a lifecycle independent of any individual Pod that uses
  the PV" (concepts/storage/persistent-volumes);
* "When a Pod is removed from a node for any reason, the data in the emptyDir is
  deleted permanently", but "a container crashing does not remove a Pod from a node.
  The data in an emptyDir volume is safe across container crashes" (concepts/storage/volumes);
* StatefulSet "PersistentVolumeClaims ... are not deleted when the Pods ... are deleted"
  and a recreated Pod mounts its own claim again (tutorials/stateful-application/basic-stateful-set);
* ReadWriteOnce: "the volume can be mounted as read-write by a single node" — though
  "multiple pods [can] access the volume when the pods are running on the same node".
"""
import pytest

import kubelab as kl
from kubelab.storage.backends import StorageBackend


def storage_class(name, provisioner, policy="Delete", binding="Immediate"):
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
            "provisioner": provisioner, "reclaimPolicy": policy, "volumeBindingMode": binding}


def claim(name="data", cls=None, modes=("ReadWriteOnce",)):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": "1Gi"}}}
    if cls is not None:
        spec["storageClassName"] = cls
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": spec}


def pod(name, volume, node=None, **spec):
    spec = dict({"volumes": [dict(volume, name="data")],
                 "containers": [{"name": "app", "image": "busybox:1.36", "command": ["sleep", "3600"],
                                 "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}, **spec)
    if node:
        spec["nodeSelector"] = {"kubernetes.io/hostname": node}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


PVC = {"persistentVolumeClaim": {"claimName": "data"}}


def sh(c, name, command, container="app"):
    return c.api.exec(name, "default", container, ["sh", "-c", command])


def state(c, name):
    status = c.get("pod", name)["status"]["containerStatuses"][0]["state"]
    return next(iter(status.items()))


def events(c, name, reason=None):
    return [(e["source"]["component"], e["reason"], e["message"]) for e in c.events()
            if e["involvedObject"]["name"] == name and reason in (None, e["reason"])]


def recreate(c, old, new):
    c.delete("pod", old)
    c.run(40)                           # the kubelet stops it (30 s grace at most) and removes it
    c.apply(new)
    c.run(10)


def test_a_file_written_to_network_storage_is_there_for_a_pod_on_another_node():
    c = kl.Cluster(nodes=3)
    c.apply([storage_class("disk", "kubelab.io/disk"), claim(cls="disk"), pod("writer", PVC, node="node-1")])
    c.run(10)
    assert sh(c, "writer", "echo kept > /data/note; cat /data/note") == ("kept\n", 0)
    recreate(c, "writer", pod("reader", PVC, node="node-3"))
    assert c.get("pod", "reader")["spec"]["nodeName"] == "node-3"
    assert sh(c, "reader", "cat /data/note") == ("kept\n", 0)


def test_the_default_class_keeps_data_on_one_node_and_the_scheduler_goes_back_there():
    # kind's "standard" class: local-path directories, WaitForFirstConsumer, then pinned by node affinity
    c = kl.Cluster(nodes=3)
    c.apply([claim(), pod("writer", PVC)])
    c.run(10)
    node = c.get("pod", "writer")["spec"]["nodeName"]
    volume = c.get("pv", c.get("pvc", "data")["spec"]["volumeName"])
    assert volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"] == [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]
    sh(c, "writer", "echo on-disk > /data/note")
    recreate(c, "writer", pod("reader", PVC))
    assert c.get("pod", "reader")["spec"]["nodeName"] == node        # VolumeBinding: the volume's node
    assert sh(c, "reader", "cat /data/note") == ("on-disk\n", 0)


def test_a_node_local_volume_mounted_on_another_node_shows_that_nodes_directory():
    # with Immediate binding a local-path volume is not pinned: each node has its own directory
    c = kl.Cluster(nodes=2)
    c.apply([storage_class("local", "rancher.io/local-path"), claim(cls="local"), pod("one", PVC, node="node-1")])
    c.run(10)
    sh(c, "one", "echo node-1 > /data/where")
    c.apply(pod("two", PVC, node="node-2"))
    c.run(10)
    assert sh(c, "two", "ls /data") == ("", 0)


def test_emptydir_data_survives_a_container_crash_but_not_the_pod():
    c = kl.Cluster(nodes=1)
    c.apply(pod("scratch", {"emptyDir": {}}))
    c.run(10)
    sh(c, "scratch", "echo temporary > /data/f")
    c.kill_container("scratch")
    c.run(15)
    assert c.get("pod", "scratch")["status"]["containerStatuses"][0]["restartCount"] == 1
    assert sh(c, "scratch", "cat /data/f") == ("temporary\n", 0)
    recreate(c, "scratch", pod("scratch", {"emptyDir": {}}))
    assert sh(c, "scratch", "cat /data/f") == ("cat: can't open '/data/f': No such file or directory\n", 1)


STATEFULSET = """
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec: {clusterIP: None, selector: {app: nginx}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"""


def test_a_statefulset_replica_finds_its_own_data_after_it_is_recreated():
    # the StatefulSet basics tutorial: write each Pod's hostname into its index.html, delete, look again
    c = kl.Cluster(nodes=3)
    c.apply(STATEFULSET)
    c.run(60)
    for name in ("web-0", "web-1"):
        assert sh(c, name, "echo $(hostname) > /usr/share/nginx/html/index.html", "nginx")[1] == 0
    old_uid = c.get("pod", "web-1")["metadata"]["uid"]
    c.delete("pod", "web-1")
    c.run(60)
    assert c.get("pod", "web-1")["metadata"]["uid"] != old_uid
    assert [p["metadata"]["name"] for p in c.get("pvc")] == ["www-web-0", "www-web-1"]
    assert sh(c, "web-1", "cat /usr/share/nginx/html/index.html", "nginx") == ("web-1\n", 0)
    assert sh(c, "web-0", "cat /usr/share/nginx/html/index.html", "nginx") == ("web-0\n", 0)
    assert c.curl("http://web-1.nginx").body == "web-1\n"


@pytest.mark.parametrize("policy", ["Delete", "Retain"])
def test_deleting_the_claim_deletes_or_keeps_the_data_by_reclaim_policy(policy):
    # concepts/storage/persistent-volumes#reclaiming: Delete removes the volume and its storage;
    # Retain leaves the PersistentVolume Released, its data in place, for an administrator
    c = kl.Cluster(nodes=1)
    c.apply([storage_class("disk", "kubelab.io/disk", policy), claim(cls="disk"), pod("writer", PVC)])
    c.run(10)
    sh(c, "writer", "echo precious > /data/f")
    volume = c.get("pv", c.get("pvc", "data")["spec"]["volumeName"])
    c.delete("pod", "writer")
    c.delete("pvc", "data")
    c.run(60)
    backend = StorageBackend.of(c.api)
    if policy == "Delete":
        assert c.get("pv") == [] and not backend.exists(volume)
    else:
        assert c.get("pv", volume["metadata"]["name"])["status"]["phase"] == "Released"
        assert backend.volume_data(volume) == {"f": "precious\n"}


def test_a_read_write_once_disk_stays_with_its_node_until_the_pod_there_is_gone():
    c = kl.Cluster(nodes=2)
    c.apply([storage_class("disk", "kubelab.io/disk"), claim(cls="disk"), pod("web-0", PVC, node="node-1")])
    c.run(10)
    volume = c.get("pvc", "data")["spec"]["volumeName"]
    assert events(c, "web-0", "SuccessfulAttachVolume") == [
        ("attachdetach-controller", "SuccessfulAttachVolume", f'AttachVolume.Attach succeeded for volume "{volume}"')]
    c.apply([pod("web-1", PVC, node="node-2"), pod("neighbour", PVC, node="node-1")])
    c.run(30)
    assert state(c, "web-1") == ("waiting", {"reason": "ContainerCreating"})
    # reconciler.reportMultiAttachError, once; since v1.28 the kubelet's own wait times out silently
    assert events(c, "web-1", "FailedAttachVolume") == [
        ("attachdetach-controller", "FailedAttachVolume",
         f'Multi-Attach error for volume "{volume}" Volume is already used by pod(s) neighbour, web-0')]
    assert events(c, "web-1", "FailedMount") == []
    assert state(c, "neighbour")[0] == "running"            # the same node shares the attached disk
    c.delete("pod", "web-0")
    c.delete("pod", "neighbour")
    c.run(40)
    assert state(c, "web-1")[0] == "running"
    assert events(c, "web-1", "SuccessfulAttachVolume") != []


def test_a_shared_file_system_is_mounted_on_many_nodes_at_once():
    c = kl.Cluster(nodes=2)
    c.apply([storage_class("files", "kubelab.io/nfs"), claim(cls="files", modes=("ReadWriteMany",)),
             pod("a", PVC, node="node-1"), pod("b", PVC, node="node-2")])
    c.run(10)
    sh(c, "a", "echo from-a > /data/x")
    assert sh(c, "b", "cat /data/x") == ("from-a\n", 0)
    assert events(c, "b", "FailedAttachVolume") == [] and events(c, "b", "SuccessfulAttachVolume") == []


def test_a_pod_on_an_unbound_claim_waits_in_container_creating_until_it_binds():
    c = kl.Cluster(nodes=1)
    # spec.nodeName skips the scheduler (and its VolumeBinding wait), so the kubelet meets the claim
    c.apply([claim(cls=""), pod("early", PVC, nodeName="node-1")])
    c.run(25)
    assert state(c, "early") == ("waiting", {"reason": "ContainerCreating"})
    failed = events(c, "early", "FailedMount")
    # desired_state_of_world_populator's error, reported by SyncPod (kubelet v1.32)
    assert failed == [("kubelet", "FailedMount",
                       "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], "
                       "failed to process volumes=[data]: error processing PVC default/data: PVC is not bound")]
    # retried after the pod worker's 10 s back-off, the event counted each time: t = 0, 10, 20
    assert [e["count"] for e in c.events() if e["reason"] == "FailedMount"] == [3]
    c.apply({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
             "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                      "nfs": {"server": "10.0.0.5", "path": "/exports/pv1"}}})
    c.run(30)                           # the PV controller's 15 s resync binds it; the kubelet retries
    assert state(c, "early")[0] == "running"
    out, _ = sh(c, "early", "mount | grep /data")
    assert out == "10.0.0.5:/exports/pv1 on /data type nfs4 (rw,relatime)\n"


def test_a_missing_claim_is_reported_with_the_api_servers_error():
    c = kl.Cluster(nodes=1)
    c.apply(pod("orphan", PVC, nodeName="node-1"))
    c.run(5)
    assert events(c, "orphan", "FailedMount")[0][2].endswith(
        'failed to process volumes=[data]: error processing PVC default/data: failed to fetch PVC from API '
        'server: persistentvolumeclaims "data" not found')


def config_map(data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": data}


def test_a_config_map_volume_follows_updates_but_env_and_sub_path_mounts_do_not():
    # configure-pod-configmap: "mounted ConfigMaps are updated automatically" (after the kubelet's
    # sync period); environment variables and subPath mounts keep what the container started with
    c = kl.Cluster(nodes=1)
    mounts = [{"name": "data", "mountPath": "/etc/settings"},
              {"name": "data", "mountPath": "/etc/mode", "subPath": "mode"}]
    c.apply([config_map({"mode": "blue"}), {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"},
        "spec": {"volumes": [{"name": "data", "configMap": {"name": "settings"}}],
                 "containers": [{"name": "app", "image": "busybox:1.36", "command": ["sleep", "3600"],
                                 "volumeMounts": mounts,
                                 "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {
                                     "name": "settings", "key": "mode"}}}]}]}}])
    c.run(10)
    c.apply(config_map({"mode": "green", "extra": "1"}))
    c.run(5)
    assert sh(c, "app", "cat /etc/settings/mode") == ("blue", 0)          # not yet: the next sync
    c.run(60)
    assert sh(c, "app", "cat /etc/settings/mode; echo; ls /etc/settings") == ("green\nextra\nmode\n", 0)
    assert sh(c, "app", "cat /etc/mode; echo; echo $MODE") == ("blue\nblue\n", 0)


def test_secret_files_are_decoded_and_read_only_on_a_tmpfs():
    c = kl.Cluster(nodes=1)
    c.apply([{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"},
              "data": {"password": "czNjcmV0"}},                              # base64 of "s3cret"
             pod("app", {"secret": {"secretName": "creds", "items": [{"key": "password", "path": "db/pass"}]}})])
    c.run(10)
    assert sh(c, "app", "cat /data/db/pass") == ("s3cret", 0)
    # a secret volume is a memory-backed emptyDir: a tmpfs the size of the node's allocatable memory
    assert sh(c, "app", "mount | grep /data") == ("tmpfs on /data type tmpfs (ro,relatime,size=16674816k)\n", 0)
    assert sh(c, "app", "rm /data/db/pass") == ("rm: can't remove '/data/db/pass': Read-only file system\n", 1)


def test_a_missing_key_fails_the_mount_until_the_config_map_has_it():
    c = kl.Cluster(nodes=1)
    c.apply([config_map({"mode": "blue"}),
             pod("app", {"configMap": {"name": "settings", "items": [{"key": "level", "path": "level"}]}})])
    c.run(5)
    assert events(c, "app", "FailedMount")[0][2] == (
        'MountVolume.SetUp failed for volume "data" : configmap references non-existent config key: level')
    c.apply(config_map({"mode": "blue", "level": "debug"}))
    c.run(120)
    assert sh(c, "app", "cat /data/level") == ("debug", 0)


DOWNWARD = {"downwardAPI": {"items": [
    {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
    {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}},
    {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
    {"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}},
    {"path": "cpu_limit", "resourceFieldRef": {"containerName": "app", "resource": "limits.cpu", "divisor": "1m"}},
    {"path": "mem_request", "resourceFieldRef": {"containerName": "app", "resource": "requests.memory",
                                                 "divisor": "1Mi"}}]}}


def test_downward_api_files_show_the_pod_and_follow_its_labels():
    # tasks/inject-data-application/downward-api-volume-expose-pod-information: one key="value"
    # line per label, sorted; resource fields divided by their divisor
    c = kl.Cluster(nodes=1)
    manifest = pod("kubernetes-downwardapi-volume-example", DOWNWARD)
    manifest["metadata"].update(labels={"zone": "us-est-coast", "cluster": "test-cluster1", "rack": "rack-22"},
                                annotations={"build": "two", "builder": "john-doe"})
    manifest["spec"]["containers"][0]["resources"] = {"requests": {"memory": "32Mi"}, "limits": {"cpu": "500m"}}
    c.api.create(manifest)              # (kubectl apply would add its last-applied annotation)
    c.run(10)
    name = "kubernetes-downwardapi-volume-example"
    out, _ = sh(c, name, "for f in labels annotations name namespace cpu_limit mem_request; do cat /data/$f; "
                         "echo; done")
    assert out == ('cluster="test-cluster1"\nrack="rack-22"\nzone="us-est-coast"\n'
                   'build="two"\nbuilder="john-doe"\n'
                   f"{name}\ndefault\n500\n32\n")
    c.kubectl(f"label pod {name} rack=rack-23 --overwrite")
    c.run(1)
    assert sh(c, name, "cat /data/labels") == ('cluster="test-cluster1"\nrack="rack-23"\nzone="us-est-coast"', 0)


def test_dev_shm_is_shared_by_the_containers_of_a_pod_and_by_no_other_pod():
    c = kl.Cluster(nodes=1)
    two = pod("pair", {"emptyDir": {}})
    two["spec"]["containers"].append({"name": "peer", "image": "busybox:1.36", "command": ["sleep", "3600"]})
    c.apply([two, pod("other", {"emptyDir": {}})])
    c.run(10)
    sh(c, "pair", "echo hello > /dev/shm/segment")
    assert sh(c, "pair", "cat /dev/shm/segment", "peer") == ("hello\n", 0)
    assert sh(c, "other", "ls /dev/shm") == ("", 0)
    assert sh(c, "pair", "df /dev/shm", "peer") == (
        "Filesystem           1K-blocks      Used Available Use% Mounted on\n"
        "shm                      65536         4     65532   1% /dev/shm\n", 0)


def test_a_memory_backed_emptydir_counts_toward_the_writers_memory_limit():
    # concepts/storage/volumes#emptydir: with medium Memory "files you write count against
    # your container's memory limit"
    c = kl.Cluster(nodes=1)
    manifest = pod("cache", {"emptyDir": {"medium": "Memory"}})
    manifest["spec"]["containers"][0]["resources"] = {"limits": {"memory": "4Mi"}}
    manifest["spec"]["containers"].append({"name": "peer", "image": "busybox:1.36", "command": ["sleep", "3600"],
                                           "resources": {"limits": {"memory": "12Mi"}}})
    c.apply(manifest)
    c.run(10)
    # the tmpfs is as large as the Pod's memory limit, 4Mi + 12Mi (calculateEmptyDirMemorySize)
    assert sh(c, "cache", "df /data") == (
        "Filesystem           1K-blocks      Used Available Use% Mounted on\n"
        "tmpfs                    16384         0     16384   0% /data\n", 0)
    sh(c, "cache", "seq 1 400000 > /data/numbers")       # 2.6 MiB: within the limit, counted as memory
    c.run(1)
    assert c.kubelets["node-1"].pod_usage()[("default", "cache")]["app"][1] == 2_688_895
    sh(c, "cache", "seq 1 300000 >> /data/numbers")      # past 4 MiB: the writer is OOM-killed
    c.run(1)
    assert c.get("pod", "cache")["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"] == \
        "OOMKilled"


def test_a_tmpfs_file_deleted_by_another_container_no_longer_counts_for_its_writer():
    # memory cgroups: tmpfs pages are charged to the cgroup that wrote them and uncharged
    # when the file is freed, whichever process removes it
    c = kl.Cluster(nodes=1)
    manifest = pod("cache", {"emptyDir": {"medium": "Memory"}})
    manifest["spec"]["containers"].append({"name": "peer", "image": "busybox:1.36", "command": ["sleep", "3600"],
                                           "volumeMounts": [{"name": "data", "mountPath": "/data"}]})
    c.apply(manifest)
    c.run(10)

    def app_memory():
        return c.kubelets["node-1"].pod_usage()[("default", "cache")]["app"][1]
    idle = app_memory()
    sh(c, "cache", "seq 1 400000 > /data/numbers")
    assert app_memory() == idle + 2_688_895
    sh(c, "cache", "rm /data/numbers", "peer")
    assert app_memory() == idle

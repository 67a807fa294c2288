"""The StatefulSet controller (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/,
pkg/controller/statefulset). Only kube-controller-manager runs; ``step`` plays the scheduler
and the kubelets (Pods are bound, turn Running and Ready; deleted Pods stop), as Kubernetes'
controller tests write Pod status themselves. The end-to-end test at the bottom lets the
real scheduler and kubelets do it."""
import pytest
from fake_kubelet import controllers_only, set_status

import kubelab as kl
from kubelab.api.manifests import load_manifests

STS = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: "nginx:1.25"}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"""


@pytest.fixture
def c():
    return controllers_only(seed=0)


def apply(c, **spec):
    sts = load_manifests(STS)[0]
    sts["spec"].update(spec)
    c.apply(sts)
    c.run(seconds=1)


def step(c, ready=True):
    """One round of kubelet work, then a second for the controllers to react."""
    for pod in c.get("pods"):
        m = pod["metadata"]
        if m.get("deletionTimestamp"):
            c.api.delete("pods", m["name"], grace_period_seconds=0)
            continue
        if not pod["spec"].get("nodeName"):
            c.api.create({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": m["name"]},
                          "target": {"kind": "Node", "name": "node-1"}})
        if ready and pod["status"]["phase"] == "Pending":
            set_status(c, pod)
    c.run(seconds=1)


def names(c, phase=None):
    return [p["metadata"]["name"] for p in c.get("pods") if phase is None or p["status"]["phase"] == phase]


def images(c):
    return {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in c.get("pods")}


def claims(c):
    return [p["metadata"]["name"] for p in c.get("pvc")]


def events(c):
    return [(e["reason"], e["message"]) for e in c.events() if e["involvedObject"]["name"] == "web"]


def scale(c, replicas):
    c.api.patch("statefulsets", "web", {"spec": {"replicas": replicas}}, patch_type="merge")
    c.run(seconds=0.5)


def test_pods_are_created_one_at_a_time_each_waiting_for_the_previous_to_be_ready(c):
    apply(c)
    seen = [names(c)]
    for _ in range(3):
        step(c)
        seen.append(names(c))
    # OrderedReady: web-1 only once web-0 is Running and Ready, and so on
    assert seen == [["web-0"], ["web-0", "web-1"], ["web-0", "web-1", "web-2"], ["web-0", "web-1", "web-2"]]
    assert events(c)[:2] == [("SuccessfulCreate", "create Claim www-web-0 Pod web-0 in StatefulSet web success"),
                             ("SuccessfulCreate", "create Pod web-0 in StatefulSet web successful")]


def test_each_pod_has_a_stable_identity_and_its_own_claim(c):
    apply(c)
    pod = c.get("pod", "web-0")
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "web-0"
    assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "0"
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("web-0", "nginx")   # web-0.nginx in DNS
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}} in pod["spec"]["volumes"]
    claim = c.get("pvc", "www-web-0")
    assert claim["metadata"]["labels"] == {"app": "nginx"}        # the selector's labels
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert "ownerReferences" not in claim["metadata"]              # Retain/Retain: nobody owns it
    revision = pod["metadata"]["labels"]["controller-revision-hash"]
    assert revision.startswith("web-") and c.get("controllerrevisions", revision)["revision"] == 1


def test_a_deleted_pod_comes_back_with_the_same_name_and_claim(c):
    apply(c, replicas=1)
    step(c)
    uid = c.get("pod", "web-0")["metadata"]["uid"]
    c.api.delete("pods", "web-0", grace_period_seconds=0)
    c.run(seconds=1)
    pod = c.get("pod", "web-0")
    assert pod["metadata"]["uid"] != uid
    assert pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "www-web-0"
    assert claims(c) == ["www-web-0"]


def test_scaling_down_deletes_from_the_highest_ordinal_and_keeps_the_claims(c):
    apply(c)
    for _ in range(3):
        step(c)
    scale(c, 1)
    order = []
    for _ in range(3):
        order += [n for n in ("web-1", "web-2") if n in names(c) and
                  c.get("pod", n)["metadata"].get("deletionTimestamp") and n not in order]
        step(c)
    assert order == ["web-2", "web-1"] and names(c) == ["web-0"]
    assert claims(c) == ["www-web-0", "www-web-1", "www-web-2"]    # whenScaled: Retain
    scale(c, 2)
    step(c)
    assert c.get("pod", "web-1")["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "www-web-1"


def test_scaling_down_waits_while_a_pod_is_unhealthy(c):
    apply(c)
    for _ in range(3):
        step(c)
    set_status(c, c.get("pod", "web-0"), ready=False)
    scale(c, 2)
    step(c, ready=False)
    assert names(c) == ["web-0", "web-1", "web-2"]                 # web-0 is not ready: nothing goes
    set_status(c, c.get("pod", "web-0"))
    c.run(seconds=1)
    assert c.get("pod", "web-2")["metadata"].get("deletionTimestamp")


def test_parallel_creates_and_deletes_all_pods_at_once(c):
    apply(c, podManagementPolicy="Parallel")
    assert names(c) == ["web-0", "web-1", "web-2"]          # none waits for another to be ready
    step(c, ready=False)
    scale(c, 0)
    terminating = [p["metadata"]["name"] for p in c.get("pods") if p["metadata"].get("deletionTimestamp")]
    assert terminating == ["web-0", "web-1", "web-2"]


def test_the_retention_policy_deletes_claims_of_pods_scaled_away(c):
    apply(c, persistentVolumeClaimRetentionPolicy={"whenScaled": "Delete", "whenDeleted": "Retain"})
    for _ in range(3):
        step(c)
    scale(c, 1)
    for _ in range(4):
        step(c)
    # the scaled-down Pods owned their claims, so the garbage collector removed them
    assert names(c) == ["web-0"] and claims(c) == ["www-web-0"]


def test_when_deleted_delete_lets_the_claims_go_with_the_statefulset(c):
    apply(c, replicas=1, persistentVolumeClaimRetentionPolicy={"whenScaled": "Retain", "whenDeleted": "Delete"})
    step(c)
    owner = c.get("pvc", "www-web-0")["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"]) == ("StatefulSet", "web")
    c.delete("statefulsets", "web")
    for _ in range(3):
        step(c)
    assert claims(c) == []


def test_a_partitioned_rolling_update_updates_from_the_highest_ordinal_down_to_the_partition(c):
    apply(c)
    for _ in range(3):
        step(c)
    c.api.patch("statefulsets", "web", {"spec": {
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
        "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}})
    c.run(seconds=0.5)
    order = []
    for _ in range(6):
        order += [n for n, image in sorted(images(c).items()) if image == "nginx:1.26" and n not in order]
        step(c)
    assert order == ["web-2", "web-1"]
    assert images(c) == {"web-0": "nginx:1.25", "web-1": "nginx:1.26", "web-2": "nginx:1.26"}
    status = c.get("sts", "web")["status"]
    assert (status["currentReplicas"], status["updatedReplicas"]) == (1, 2)
    assert status["currentRevision"] != status["updateRevision"]
    c.api.patch("statefulsets", "web", {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}})
    for _ in range(3):
        step(c)
    status = c.get("sts", "web")["status"]
    assert set(images(c).values()) == {"nginx:1.26"}
    # the rollout is complete: the update revision has become the current one
    assert status["currentRevision"] == status["updateRevision"] and status["currentReplicas"] == 3
    assert sorted(r["revision"] for r in c.get("controllerrevisions")) == [1, 2]


def test_on_delete_leaves_pods_at_the_old_revision_until_deleted(c):
    apply(c, replicas=2, updateStrategy={"type": "OnDelete"})
    for _ in range(2):
        step(c)
    c.api.patch("statefulsets", "web", {"spec": {"template": {"spec": {
        "containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}})
    step(c)
    assert set(images(c).values()) == {"nginx:1.25"}
    c.api.delete("pods", "web-0", grace_period_seconds=0)
    step(c)
    assert images(c) == {"web-0": "nginx:1.26", "web-1": "nginx:1.25"}


def test_status_counts_ready_and_updated_replicas(c):
    apply(c)
    for _ in range(3):
        step(c)
    status = c.get("sts", "web")["status"]
    revision = c.get("pod", "web-0")["metadata"]["labels"]["controller-revision-hash"]
    assert status == {"observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
                      "updatedReplicas": 3, "currentRevision": revision, "updateRevision": revision,
                      "collisionCount": 0, "availableReplicas": 3}


def set_image(c, image):
    c.api.patch("statefulsets", "web", {"spec": {"template": {"spec": {
        "containers": [{"name": "nginx", "image": image}]}}}})
    for _ in range(4):
        step(c)


def test_rolling_back_renumbers_the_old_revision_instead_of_copying_it(c):
    apply(c, replicas=1)
    step(c)
    first = c.get("pod", "web-0")["metadata"]["labels"]["controller-revision-hash"]
    set_image(c, "nginx:1.26")
    set_image(c, "nginx:1.25")
    revisions = {r["metadata"]["name"]: r["revision"] for r in c.get("controllerrevisions")}
    # getStatefulSetRevisions: an equal older revision becomes the newest (1 -> 3)
    assert len(revisions) == 2 and revisions[first] == 3
    assert c.get("pod", "web-0")["metadata"]["labels"]["controller-revision-hash"] == first
    assert c.get("sts", "web")["status"]["currentRevision"] == first


# -- end to end: the scheduler and the kubelets run the Pods ---------------------------------------

def started(pod):
    return pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]


def test_end_to_end_scale_up_in_order_keep_claims_and_a_partitioned_rolling_update():
    c = kl.Cluster(nodes=3, seed=0)
    c.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "provisioner": "kubelab.io/disk",
             "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
             "volumeBindingMode": "WaitForFirstConsumer"})   # the claims need a provisioner, as on kind
    apply(c)
    c.run(seconds=30)
    pods = {p["metadata"]["name"]: p for p in c.get("pods")}
    assert [p["status"]["phase"] for p in pods.values()] == ["Running"] * 3
    # OrderedReady: each Pod is created only after the previous one has started and is Ready
    assert pods["web-0"]["metadata"]["creationTimestamp"] < pods["web-1"]["metadata"]["creationTimestamp"] \
        < pods["web-2"]["metadata"]["creationTimestamp"]
    assert started(pods["web-0"]) <= pods["web-1"]["metadata"]["creationTimestamp"]
    scale(c, 1)
    c.run(seconds=90)                          # graceful termination: up to 30 s per Pod
    assert names(c) == ["web-0"] and claims(c) == ["www-web-0", "www-web-1", "www-web-2"]
    scale(c, 3)
    c.run(seconds=30)
    c.api.patch("statefulsets", "web", {"spec": {
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}},
        "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}})
    c.run(seconds=90)
    assert images(c) == {"web-0": "nginx:1.25", "web-1": "nginx:1.25", "web-2": "nginx:1.26"}
    status = c.get("sts", "web")["status"]
    assert (status["readyReplicas"], status["currentReplicas"], status["updatedReplicas"]) == (3, 2, 1)

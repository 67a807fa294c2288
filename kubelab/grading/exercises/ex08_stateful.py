"""ex08.stateful (chapter 8, Persistent storage): a StatefulSet whose data survives rescheduling.

The answer is a headless Service ``db`` and a StatefulSet ``db`` (3 replicas of
redis, data in ``/data``) whose replicas each keep their data in a claim of
their own. The lab cluster has four nodes in two zones (``zone-a``: node-1 and
node-2, ``zone-b``: node-3 and node-4) and three StorageClasses:

* ``standard`` (the default, as on kind): ``rancher.io/local-path``, a directory
  on the node where the Pod was first scheduled (WaitForFirstConsumer), pinned
  there by node affinity; ReadWriteOnce;
* ``disk``: ``kubelab.io/disk``, a zonal network disk (like EBS or PD) that any
  node of its zone can attach, one node at a time (WaitForFirstConsumer);
  ReadWriteOnce and ReadWriteOncePod;
* ``nfs``: ``kubelab.io/nfs``, a shared file system every node can mount
  (Immediate); every access mode.

What Kubernetes v1.32 does, and the checks rely on:

* a StatefulSet's ``volumeClaimTemplates`` give ordinal N the claim
  ``<template>-<set>-N``, created once and reused by every later Pod with that
  ordinal; ``persistentVolumeClaimRetentionPolicy`` defaults to Retain for both
  ``whenScaled`` and ``whenDeleted``, so scaling down keeps the claims
  (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/);
* a StatefulSet Pod on a node that stopped responding is evicted after the
  node's unreachable taint has been there 300 s, but its Pod object stays
  (Terminating) until the kubelet confirms or the Node object is deleted; the
  StatefulSet does not create a second Pod with the same identity meanwhile
  (https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/).
  When the machine is gone for good the Node object is deleted (the cloud node
  lifecycle controller) and the pod garbage collector deletes its Pods; then
  the StatefulSet recreates the Pod;
* a node-local volume's PV has node affinity for its node: the recreated Pod
  can run nowhere else (``node(s) had volume node affinity conflict``); a
  zonal disk is attached to another node of its zone once the attach/detach
  controller lets go of the old one (on an unhealthy node, after its 6-minute
  maxWaitForUnmountDuration; ``--disable-force-detach-on-timeout`` is false by
  default), so the checks wait 7 minutes;
* a StatefulSet Pod with ``spec.serviceName`` naming a headless Service gets
  the DNS name ``<pod>.<service>`` (``db-0.db.default.svc.cluster.local``).
"""
from __future__ import annotations

import copy

from ... import errors
from ...storage.matching import pod_claim_names
from .. import scenario
from ..framework import Exercise, Fail

REPLICAS = 3
MOUNT = "/data"
TOKEN_FILE = f"{MOUNT}/kubelab-check"
ZONES = (("node-1", "zone-a"), ("node-2", "zone-a"), ("node-3", "zone-b"), ("node-4", "zone-b"))
ALLOWED_KINDS = ("Service", "StatefulSet", "PersistentVolumeClaim", "ConfigMap", "Secret")

#: the lab's classes besides kind's default ``standard``
CLASSES = [
    {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "disk"},
     "provisioner": "kubelab.io/disk", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"},
    {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "nfs"},
     "provisioner": "kubelab.io/nfs", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"},
]

OWN_CLAIM_HINT = ("A StatefulSet gives each replica its own claim through volumeClaimTemplates: a template named "
                  "data becomes data-db-0, data-db-1, ...; a claim named in spec.template.spec.volumes is one claim "
                  "that every replica shares.")
NODE_HINT = ("Where a volume's data lives decides where its Pod can run again: a node-local directory is lost with "
             "its node, a network disk can be attached to another node (of its zone). Choose the class accordingly.")

#: what a replica's trouble says -> the hint for it
TROUBLE_HINTS = (
    ("Multi-Attach", "A ReadWriteOnce disk is attached to one node at a time, so replicas on other nodes cannot "
                     "mount the same claim; and they should not share one anyway. " + OWN_CLAIM_HINT),
    ("ProvisioningFailed", "Each kind of storage supports only some access modes: a disk attaches to one node "
                           "(ReadWriteOnce), a shared file system to many. One replica needs ReadWriteOnce."),
    ("volume node affinity conflict", NODE_HINT),
)


def _cluster(nodes=ZONES):
    c = scenario.cluster([{"metadata": {"name": n, "labels": {"topology.kubernetes.io/zone": z}}} for n, z in nodes])
    c.apply(CLASSES)
    return c


# -- reading the answer ----------------------------------------------------------------------

def _prepare(answer) -> list[dict]:
    objects = scenario.load(answer)
    other = [o for o in objects if o.get("kind") not in ALLOWED_KINDS]
    if other:
        what = ", ".join(f"{o.get('kind')} {(o.get('metadata') or {}).get('name')}" for o in other)
        raise Fail(f"the answer holds {what}; the lab provides the storage (StorageClasses standard, disk and nfs)",
                   "Write the Service and the StatefulSet; name one of the lab's StorageClasses in the claims.")
    sts = _statefulset(objects)
    if sts is None:
        raise Fail("the answer holds no StatefulSet named db", "Keep the StatefulSet db of the stub.")
    spec = sts.get("spec") or {}
    if spec.get("replicas") != REPLICAS:
        raise Fail(f"StatefulSet db asks for {spec.get('replicas', '1 (the default)')} replicas; "
                   f"the database runs {REPLICAS}",
                   f"Keep replicas: {REPLICAS}.")
    redis = next((x for x in ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
                  if x.get("name") == "redis"), None)
    if redis is None:
        raise Fail("StatefulSet db has no container named redis", "Keep the given container redis as it is.")
    if not any((m.get("mountPath") or "").rstrip("/") == MOUNT for m in redis.get("volumeMounts") or []):
        raise Fail(f"container redis mounts nothing at {MOUNT}, so the data lives in the container's own "
                   "writable layer (this is still the stub)",
                   f"Give each replica a volume of its own and mount it at {MOUNT} in container redis.")
    scenario.apply(_cluster(()), objects, what="your manifests")
    return objects


def _statefulset(objects) -> dict | None:
    return next((o for o in objects if o.get("kind") == "StatefulSet"
                 and (o.get("metadata") or {}).get("name") == "db"), None)


# -- running it ----------------------------------------------------------------------------------

def _run(objects, nodes=ZONES):
    c = _cluster(nodes)
    scenario.apply(c, copy.deepcopy(objects), what="your manifests")
    c.run(90)
    return c


def _pod_trouble(c, name: str) -> str:
    """Why a replica is not running, in kubectl's words: the Pod's state and its last warning."""
    pod = _get(c, "pods", name)
    if pod is None:
        events = [e for e in c.events() if e["involvedObject"].get("name") == "db" and e.get("type") == "Warning"]
        tail = f"; StatefulSet db: {events[-1]['message']}" if events else ""
        return f"pod/{name} does not exist{tail}"
    if not pod["spec"].get("nodeName"):
        text = scenario.scheduling_failure(c, name)
        for claim in pod_claim_names(pod):
            warnings = [e for e in c.events() if e["involvedObject"].get("kind") == "PersistentVolumeClaim"
                        and e["involvedObject"].get("name") == claim and e.get("type") == "Warning"]
            if warnings:
                text += f"; persistentvolumeclaim/{claim}: {warnings[-1]['reason']}: {warnings[-1]['message']}"
        return text
    warnings = [e for e in c.events() if e["involvedObject"].get("name") == name and e.get("type") == "Warning"
                and e["involvedObject"].get("uid") == pod["metadata"]["uid"]]
    text = scenario.pod_line(pod)
    if warnings:
        text += f"; {warnings[-1]['reason']}: {warnings[-1]['message']}"
    elif not scenario.is_ready(pod):
        text += f"; {scenario.container_trouble(c, pod)}"
    return text


def _get(c, kind: str, name: str) -> dict | None:
    try:
        return c.api.get(kind, name)
    except errors.NotFound:
        return None


def _require_running(c, names=None) -> None:
    for i in range(REPLICAS) if names is None else names:
        name = f"db-{i}"
        pod = _get(c, "pods", name)
        if pod is None or pod["metadata"].get("deletionTimestamp") or not scenario.is_ready(pod):
            trouble = _pod_trouble(c, name)
            raise Fail(trouble, next((hint for words, hint in TROUBLE_HINTS if words in trouble), None))


def _claim_of(pod: dict) -> str | None:
    """The claim the Pod mounts at /data in container redis."""
    redis = next(x for x in pod["spec"]["containers"] if x["name"] == "redis")
    volume = next((m["name"] for m in redis.get("volumeMounts") or [] if m["mountPath"].rstrip("/") == MOUNT), None)
    source = next((v for v in pod["spec"].get("volumes") or [] if v["name"] == volume), {})
    return (source.get("persistentVolumeClaim") or {}).get("claimName")


def _write(c, pod: str, text: str, path: str = TOKEN_FILE) -> None:
    out, code = scenario.exec_in(c, pod, "redis", ["sh", "-c", f"echo '{text}' > {path}"])
    if code:
        raise Fail(f"writing {path} in pod/{pod} failed: {out.strip()}")


def _read(c, pod: str, path: str = TOKEN_FILE) -> str:
    out, code = scenario.exec_in(c, pod, "redis", ["cat", path])
    return out.strip() if not code else f"cat: {path}: No such file or directory"


def _require_token(c, pod: str, token: str, what: str, hint: str | None = None) -> None:
    said = _read(c, pod)
    if said != token:
        raise Fail(f"{what}, `kubectl exec {pod} -- cat {TOKEN_FILE}` said: {said}", hint)


def _claims(c) -> list[str]:
    """The claims ``kubectl get pvc`` lists (not being deleted), by name."""
    return sorted(p["metadata"]["name"] for p in c.get("pvc") if not p["metadata"].get("deletionTimestamp"))


def _playground(answer):
    c = _cluster()
    scenario.apply(c, _prepare(answer))
    return c.run(90)


EXERCISE = Exercise("ex08.stateful", "a StatefulSet whose data survives rescheduling", chapter="08-storage",
                    prepare=_prepare, playground=_playground)


@EXERCISE.check("runs", "every replica runs, each with its own Bound claim data-db-N", hint=OWN_CLAIM_HINT)
def runs(objects):
    c = _run(objects)
    _require_running(c)
    for i in range(REPLICAS):
        pod = c.api.get("pods", f"db-{i}")
        claim = _claim_of(pod)
        if claim != f"data-db-{i}":
            where = f"claim {claim}" if claim else "no claim (its volume is not a persistentVolumeClaim)"
            raise Fail(f"pod/db-{i} mounts {where} at {MOUNT}; its own claim would be data-db-{i}")
        pvc = c.api.get("persistentvolumeclaims", claim)
        if (pvc.get("status") or {}).get("phase") != "Bound":
            raise Fail(f"persistentvolumeclaim/{claim} is {(pvc.get('status') or {}).get('phase')}")


@EXERCISE.check("pod-deleted", "a file db-1 wrote is still there after `kubectl delete pod db-1`",
                hint="A Pod's own files (its writable layer, an emptyDir) are deleted with the Pod; only a volume "
                     "that outlives it, such as a PersistentVolumeClaim, keeps them.")
def pod_deleted(objects):
    c = _run(objects)
    _require_running(c)
    _write(c, "db-1", "written by db-1 before it was deleted")
    c.kubectl("delete pod db-1 --wait=false")
    c.run(90)
    _require_running(c, [1])
    _require_token(c, "db-1", "written by db-1 before it was deleted", "after `kubectl delete pod db-1`")


@EXERCISE.check("node-lost", "when db-1's node is lost for good, db-1 comes back on another node with its data",
                hint=NODE_HINT)
def node_lost(objects):
    c = _run(objects)
    _require_running(c)
    _write(c, "db-1", "written by db-1 before its node died")
    node = c.api.get("pods", "db-1")["spec"]["nodeName"]
    c.fail_node(node)
    c.run(360)            # Unknown after 50 s, evicted 300 s later: Terminating, as its kubelet cannot confirm
    c.remove_node(node)   # the machine is gone: its Node object and Pods are deleted
    c.run(420)            # the attach/detach controller's 6-minute maxWaitForUnmountDuration, and more
    pod = _get(c, "pods", "db-1")
    if pod is None or not scenario.is_ready(pod):
        raise Fail(f"{node}, where db-1 ran, died and was removed; 7 minutes later {_pod_trouble(c, 'db-1')}")
    _require_token(c, "db-1", "written by db-1 before its node died",
                   f"after {node} died and db-1 came back on {pod['spec']['nodeName']}")


@EXERCISE.check("scale", "scaled to 1 and back to 3, the claims are kept and db-2 has its data back",
                hint="persistentVolumeClaimRetentionPolicy.whenScaled says what happens to a scaled-away replica's "
                     "claims: Retain (the default) keeps them for when the replica comes back, Delete deletes them.")
def scale(objects):
    c = _run(objects)
    _require_running(c)
    _write(c, "db-2", "written by db-2 before the scale-down")
    before = _claims(c)
    c.kubectl("scale statefulset db --replicas=1")
    c.run(120)
    after = _claims(c)
    gone = [name for name in before if name not in after]
    if gone:
        raise Fail(f"after `kubectl scale statefulset db --replicas=1`, `kubectl get pvc` listed "
                   f"{', '.join(after) or 'no claims'}: {', '.join(gone)} had been deleted")
    c.kubectl("scale statefulset db --replicas=3")
    c.run(120)
    _require_running(c)
    _require_token(c, "db-2", "written by db-2 before the scale-down", "after scaling to 1 and back to 3")


@EXERCISE.check("dns", "each replica has a stable DNS name, db-N.db, through a headless Service", hidden=True,
                hint="spec.serviceName names the Service that gives the Pods their DNS names (<pod>.<service>); it "
                     "must be headless (clusterIP: None) and select the Pods.")
def dns(objects):
    c = _cluster()
    scenario.apply(c, copy.deepcopy(objects), what="your manifests")
    scenario.apply(c, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
                       "spec": {"containers": [{"name": "client", "image": "busybox:1.36",
                                                "command": ["sleep", "86400"]}]}})
    c.run(90)
    _require_running(c)
    service = _get(c, "services", "db")
    if service is None:
        raise Fail("`kubectl get service db`: Error from server (NotFound): services \"db\" not found")
    if service["spec"].get("clusterIP") not in (None, "None"):
        raise Fail(f"`kubectl get service db` shows CLUSTER-IP {service['spec']['clusterIP']}: a virtual IP that "
                   "load-balances over the replicas, where each replica needs its own name")
    for i, name in ((0, "db-0.db"), (2, "db-2.db.default.svc.cluster.local")):
        ip = c.api.get("pods", f"db-{i}")["status"].get("podIP")
        out, code = scenario.exec_in(c, "client", "client", ["nslookup", name])
        if code or f"Address: {ip}" not in out:
            said = out.strip().splitlines()[-1] if out.strip() else "nothing"
            raise Fail(f"`nslookup {name}` from another Pod said: {said} (pod/db-{i} has IP {ip})")


@EXERCISE.check("own-data", "each replica's data is its own, even with all of them on one node", hidden=True,
                hint="A hostPath directory (or one shared claim) is the same directory for every replica on a node. "
                     "A StatefulSet's claim templates give each replica a volume of its own.")
def own_data(objects):
    c = _run(objects, nodes=ZONES[:1])
    _require_running(c)
    for i in range(REPLICAS):
        _write(c, f"db-{i}", f"I am db-{i}")
    for i in range(REPLICAS):
        said = _read(c, f"db-{i}")
        if said != f"I am db-{i}":
            raise Fail(f"each replica wrote `I am db-N` into {TOKEN_FILE}; then, in db-{i}, the file said: {said}")

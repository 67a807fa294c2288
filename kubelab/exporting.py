"""``kl.export``: a lab scenario as plain manifests and a verify script, to replay on kind or minikube.

    kl.export(c, "scenario")         # scenario/01-namespace-shop.yaml, 02-deployment-web.yaml, verify.sh
    $ kubectl apply -f scenario/ && sh scenario/verify.sh

What the learner did is in the API server's audit log: the writes whose user
agent is ``kubectl`` (``c.apply``, ``c.kubectl``, ``c.delete``, or a client of
``kubelab serve``). Each object the learner wrote and did not delete is written
as it was right after the learner's last write to it, so what controllers did
afterwards (status, a scaled-down ReplicaSet) is not, and without what the API
server sets: uid, resourceVersion, creationTimestamp, generation, managedFields,
status, owner references, kubectl's last-applied annotation and controllers'
annotations, an allocated clusterIP, a scheduled nodeName, a Job's generated
selector. Defaults the server filled in stay (they are valid input).

Objects a fresh lab makes for itself (system namespaces, system PriorityClasses,
the ``kubernetes`` Service, the default StorageClass), Nodes and node Leases are
left out: kind and minikube have their own.

Simplified: the revisions are read from the store's history, which kube-apiserver's
compactor trims every 5 minutes (kubelab/apiserver/compaction.py). A write older than
the compaction point is exported as the object is now (without the fields a controller
fills in later), and its namespace is that of the object of that name that exists now;
if several namespaces hold one, the export fails with the API server's 410 Gone.

``verify.sh`` checks, with ``kubectl rollout status`` and ``kubectl wait``, the
state the lab reached: rollouts complete with as many ready replicas, Pods ready
or succeeded, Jobs complete or failed, claims bound; any other object exists.
"""
from __future__ import annotations

import functools
import os

from . import errors
from .kubectl import goyaml

__all__ = ["export"]

_CLUSTER_OWNED_KINDS = ("Node", "Event")                     # the machines' own, and the log
_SERVER_METADATA = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink",
                    "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences")
#: annotations that controllers and kubectl set, not the author of the manifest
_SET_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/",
                    "pv.kubernetes.io/", "volume.kubernetes.io/", "volume.beta.kubernetes.io/",
                    "control-plane.alpha.kubernetes.io/", "autoscaling.alpha.kubernetes.io/")
#: fields a controller fills in after creation: kept only if the learner's create had them
_SET_LATER = {"Pod": "nodeName", "PersistentVolumeClaim": "volumeName"}
_JOB_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid",
               "job-name", "batch.kubernetes.io/job-name")


def export(cluster, path: str) -> list[str]:
    """Write the learner's objects as ``NN-<kind>-<name>.yaml`` and ``verify.sh`` under
    ``path`` (created if missing); returns the files written, in apply order."""
    api = cluster.api
    objects = _learners_objects(api)
    os.makedirs(path, exist_ok=True)
    written, checks = [], []
    for i, (rtype, namespace, name, revision, created) in enumerate(objects, 1):
        obj = _manifest(_read_at(api, rtype, namespace, name, revision) or _final(api, rtype, namespace, name),
                        created)
        stem = f"{i:02d}-{rtype.kind.lower()}-{'' if namespace in (None, 'default') else namespace + '-'}{name}"
        written.append(os.path.join(path, stem + ".yaml"))
        with open(written[-1], "w") as f:
            f.write(goyaml.dump(obj))
        checks += _checks(rtype, namespace, name, _final(api, rtype, namespace, name))
    written.append(os.path.join(path, "verify.sh"))
    with open(written[-1], "w") as f:
        f.write(_script(checks, len(objects)))
    os.chmod(written[-1], 0o755)
    return written


def _learners_objects(api) -> list[tuple]:
    """(type, namespace, name, revision of the learner's last write, the object as created), in
    the order the learner first wrote them, for the objects the learner wrote and did not delete."""
    own = _fresh_lab_keys()
    first: dict[str, tuple] = {}
    last: dict[str, tuple] = {}
    for entry in api.audit:
        if not (entry.user_agent or "").split("/")[0] == "kubectl":
            continue
        plural, _, sub = entry.resource.partition("/")
        if sub == "binding":
            continue
        rtype = api.resolve(plural)
        if rtype.kind in _CLUSTER_OWNED_KINDS:
            continue
        namespace = _locate(api, rtype, entry.name, entry.revision)
        key = rtype.key(entry.name, namespace)
        if key in own or rtype.kind == "Lease" and namespace == "kube-node-lease":   # a kubelet's heartbeat
            continue
        deleted = entry.verb == "delete" or sub == "eviction"
        first.setdefault(key, (rtype, namespace, entry.name, entry.revision))
        last[key] = (entry.revision, deleted)
    out = []
    for key, (rtype, namespace, name, created_at) in first.items():
        revision, deleted = last[key]
        if deleted or _final(api, rtype, namespace, name) is None:
            continue
        out.append((rtype, namespace, name, revision, _read_at(api, rtype, namespace, name, created_at) or {}))
    return out


def _read_at(api, rtype, namespace, name, revision: int) -> dict | None:
    """The object as it was at ``revision``; None once that revision is compacted away."""
    try:
        return api.get(rtype, name, namespace=namespace, resource_version=str(revision))
    except errors.Gone:
        return None


@functools.lru_cache(maxsize=1)
def _fresh_lab_keys() -> frozenset[str]:
    """The store keys of what a new lab holds before any command: the cluster's own objects."""
    from .cluster import Cluster

    return frozenset(kv.key for kv in Cluster(nodes=0).store.range("/registry/")[0])


def _locate(api, rtype, name: str, revision: int) -> str | None:
    """The namespace of the object named ``name`` written at ``revision`` (the audit log
    records names only): the one at that resourceVersion, else the one deleted then."""
    if not rtype.namespaced:
        return None
    try:
        at = api.list(rtype, resource_version=str(revision))["items"]
        for obj in at:
            if obj["metadata"]["name"] == name and obj["metadata"]["resourceVersion"] == str(revision):
                return obj["metadata"].get("namespace")
        remaining = {o["metadata"].get("namespace") for o in at if o["metadata"]["name"] == name}
        for obj in api.list(rtype, resource_version=str(revision - 1))["items"]:
            if obj["metadata"]["name"] == name and obj["metadata"].get("namespace") not in remaining:
                return obj["metadata"].get("namespace")
        return None
    except errors.Gone:                 # compacted: the one namespace holding that name now
        now = sorted({o["metadata"]["namespace"] for o in api.list(rtype)["items"]
                      if o["metadata"]["name"] == name})
        if len(now) > 1:
            raise
        return now[0] if now else None


def _final(api, rtype, namespace, name) -> dict | None:
    try:
        return api.get(rtype, name, namespace=namespace)
    except errors.NotFound:
        return None


def _manifest(obj: dict, created: dict) -> dict:
    """The object without what the server and controllers set (see the module docstring)."""
    obj = dict(obj)
    obj.pop("status", None)
    meta = obj["metadata"] = {k: v for k, v in obj["metadata"].items() if k not in _SERVER_METADATA}
    _keep(meta, "annotations", {k: v for k, v in (meta.get("annotations") or {}).items()
                                if not k.startswith(_SET_ANNOTATIONS)})
    _keep(meta, "finalizers", [f for f in meta.get("finalizers") or () if "kubernetes.io/" not in f])
    spec = obj.get("spec")
    if isinstance(spec, dict):
        spec = obj["spec"] = dict(spec)
        field = _SET_LATER.get(obj["kind"])
        if field and field not in (created.get("spec") or {}):
            spec.pop(field, None)
        if obj["kind"] == "Service" and spec.get("clusterIP") != "None":
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        if obj["kind"] == "Job" and not spec.get("manualSelector"):
            spec.pop("selector", None)
            template = spec["template"] = dict(spec.get("template") or {})
            tmeta = template["metadata"] = dict(template.get("metadata") or {})
            labels = tmeta.get("labels") or {}
            _keep(tmeta, "labels", {k: v for k, v in labels.items() if k not in _JOB_LABELS})
            _keep(template, "metadata", tmeta)
    return obj


def _keep(mapping: dict, key: str, value) -> None:
    """Set ``mapping[key]`` to ``value``, or drop the key if ``value`` is empty."""
    if value:
        mapping[key] = value
    else:
        mapping.pop(key, None)


def _checks(rtype, namespace, name, final: dict | None) -> list[str]:
    """The kubectl arguments that check ``final``, the state the lab reached."""
    target = f"{rtype.kind.lower()}/{name}" + (f" -n {namespace}" if namespace else "")
    status, spec = (final or {}).get("status") or {}, (final or {}).get("spec") or {}
    kind = rtype.kind
    if kind in ("Deployment", "StatefulSet") and status.get("readyReplicas", 0) == spec.get("replicas", 1):
        checks = [f"rollout status {target} --timeout=$TIMEOUT"]
        if spec.get("replicas", 1):
            checks.append(f"wait --for=jsonpath='{{.status.readyReplicas}}'={spec.get('replicas', 1)} "
                          f"{target} --timeout=$TIMEOUT")
        return checks
    if kind == "DaemonSet" and status.get("numberReady") == status.get("desiredNumberScheduled"):
        return [f"rollout status {target} --timeout=$TIMEOUT"]
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    if kind == "Job":
        for outcome in ("Complete", "Failed"):
            if conditions.get(outcome) == "True":
                return [f"wait --for=condition={outcome} {target} --timeout=$TIMEOUT"]
    if kind == "Pod":
        if status.get("phase") == "Succeeded":
            return [f"wait --for=jsonpath='{{.status.phase}}'=Succeeded {target} --timeout=$TIMEOUT"]
        if conditions.get("Ready") == "True":
            return [f"wait --for=condition=Ready {target} --timeout=$TIMEOUT"]
    if kind == "PersistentVolumeClaim" and status.get("phase") == "Bound":
        return [f"wait --for=jsonpath='{{.status.phase}}'=Bound {target} --timeout=$TIMEOUT"]
    return [f"get {target}"]


def _script(checks: list[str], count: int) -> str:
    lines = [
        "#!/bin/sh",
        "# The state this scenario reached in the kubelab lab, checked on a real cluster (kind, minikube):",
        "#   kubectl apply -f <this directory> && sh <this directory>/verify.sh",
        "# KUBECTL picks the kubectl binary, TIMEOUT each wait's limit.",
        "set -eu",
        'KUBECTL="${KUBECTL:-kubectl}"',
        'TIMEOUT="${TIMEOUT:-120s}"',
        "",
        'check() { echo "+ kubectl $*"; "$KUBECTL" "$@"; }',
        "",
        *(f"check {c}" for c in checks),
        f'echo "verified: the {count} objects of the scenario are as the lab left them"',
    ]
    return "\n".join(lines) + "\n"

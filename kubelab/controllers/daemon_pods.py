"""Which nodes a DaemonSet runs on, and its Pods (pkg/controller/daemon/util and
NodeShouldRunDaemonPod in daemon_controller.go).

A node should run a daemon Pod when the Pod would fit it as the scheduler
judges: ``spec.nodeName`` (if set) names it, ``nodeSelector`` and required node
affinity match its labels, and every NoSchedule/NoExecute taint is tolerated.
A Pod already there may stay as long as the NoExecute taints are tolerated.

Daemon Pods tolerate more than their template says: not-ready and unreachable
nodes (NoExecute, forever), disk/memory/PID pressure and unschedulable nodes
(NoSchedule), and, with hostNetwork, an unavailable network. Each Pod is pinned
to its node by required node affinity on ``metadata.name`` (matchFields) and
placed there by the default scheduler, as DaemonSets have done since 1.12.
"""
from __future__ import annotations

import copy

from ..api.tolerations import untolerated_taint
from ..api.affinity import RequiredNodeAffinity

__all__ = [
    "HASH_LABEL", "add_daemon_tolerations", "daemon_pod_template", "is_pod_updated", "node_should_run",
    "pin_to_node", "pod_order", "target_node",
]

#: apps.DefaultDaemonSetUniqueLabelKey (= ControllerRevisionHashLabelKey)
HASH_LABEL = "controller-revision-hash"

_DAEMON_TOLERATIONS = [
    ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule"),
]


def _add_or_update_toleration(spec: dict, toleration: dict) -> None:
    """AddOrUpdateTolerationInPodSpec: replace a toleration with the same key, operator,
    value and effect (one with tolerationSeconds, say), or append it."""
    same = ("key", "operator", "value", "effect")
    current = spec.get("tolerations") or []
    out, replaced = [], False
    for t in current:
        if all((t.get(f) or "") == (toleration.get(f) or "") for f in same):
            out.append(dict(toleration))
            replaced = True
        else:
            out.append(t)
    if not replaced:
        out.append(dict(toleration))
    spec["tolerations"] = out


def add_daemon_tolerations(spec: dict) -> None:
    """AddOrUpdateDaemonPodTolerations."""
    wanted = list(_DAEMON_TOLERATIONS)
    if spec.get("hostNetwork"):
        wanted.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
    for key, effect in wanted:
        _add_or_update_toleration(spec, {"key": key, "operator": "Exists", "effect": effect})


def daemon_pod_template(ds: dict, hash_: str) -> dict:
    """CreatePodTemplate: the template with the daemon tolerations and the revision hash label.
    simplified: no pod-template-generation label (kubelab's API server keeps no template generation)."""
    template = copy.deepcopy(ds["spec"]["template"])
    add_daemon_tolerations(template.setdefault("spec", {}))
    template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = hash_
    return template


def pin_to_node(spec: dict, node_name: str) -> None:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: required node affinity for exactly this node
    (replacing the template's required terms, which the node already satisfies)."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    node_affinity = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
    node_affinity.setdefault("requiredDuringSchedulingIgnoredDuringExecution", {})["nodeSelectorTerms"] = [term]


def target_node(pod: dict) -> str | None:
    """util.GetTargetNodeName: ``spec.nodeName``, or the node the affinity pins the Pod to."""
    if pod["spec"].get("nodeName"):
        return pod["spec"]["nodeName"]
    required = ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution") or {}
    for term in required.get("nodeSelectorTerms") or []:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("operator") == "In" and \
                    len(field.get("values") or []) == 1:
                return field["values"][0]
    return None


def node_should_run(node: dict, ds: dict) -> tuple[bool, bool]:
    """NodeShouldRunDaemonPod: (should run, should continue running) for the DaemonSet on ``node``."""
    template_spec = ds["spec"]["template"]["spec"]
    if template_spec.get("nodeName") and template_spec["nodeName"] != node["metadata"]["name"]:
        return False, False
    pod = {"metadata": copy.deepcopy(ds["spec"]["template"].get("metadata") or {}),
           "spec": copy.deepcopy(template_spec)}
    add_daemon_tolerations(pod["spec"])
    if not RequiredNodeAffinity(pod).match(node):
        return False, False
    taints = (node.get("spec") or {}).get("taints") or []
    tolerations = pod["spec"]["tolerations"]
    if untolerated_taint(tolerations, taints, ("NoSchedule", "NoExecute")) is None:
        return True, True
    return False, untolerated_taint(tolerations, taints, ("NoExecute",)) is None


def is_pod_updated(pod: dict, hash_: str) -> bool:
    """util.IsPodUpdated: the Pod carries the current revision's hash."""
    return bool(hash_) and (pod["metadata"].get("labels") or {}).get(HASH_LABEL) == hash_


def pod_order(pod: dict):
    """podByCreationTimestampAndPhase: scheduled Pods first, then oldest, then by name."""
    return (not pod["spec"].get("nodeName"), pod["metadata"].get("creationTimestamp") or "",
            pod["metadata"]["name"])

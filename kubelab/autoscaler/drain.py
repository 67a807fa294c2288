"""Which Pods keep the cluster autoscaler from removing a node, and how full a node is
(cluster-autoscaler simulator/drainability rules and simulator/utilization).

For every Pod on a node it would remove, the autoscaler decides: the Pod is
evicted and needs room elsewhere (``DRAIN``); it needs no room (``SKIP``:
mirror Pods, DaemonSet Pods, finished or terminating Pods); or it blocks the
removal. The FAQ's "What types of pods can prevent CA from removing a node?",
with the messages the autoscaler logs:

========================  ==================================================  ==========================
reason                    when                                                message
========================  ==================================================  ==========================
NotSafeToEvictAnnotation  ``cluster-autoscaler.kubernetes.io/safe-to-evict:   pod annotated as not safe
                          "false"``                                           to evict present: <pod>
NotEnoughPdb              its PodDisruptionBudget allows no more disruption   not enough pod disruption
                                                                              budget to move <ns>/<pod>
NotReplicated             no controller (or not one the autoscaler knows)     <ns>/<pod> is not replicated
UnmovableKubeSystemPod    in kube-system without a PodDisruptionBudget        non-daemonset, non-mirrored,
                                                                              non-pdb-assigned kube-system
                                                                              pod present: <pod>
LocalStorageRequested     an emptyDir (not ``medium: Memory``) or hostPath    pod with local storage
                          volume not listed in ``safe-to-evict-local-volumes``  present: <pod>
========================  ==================================================  ==========================

``safe-to-evict: "true"`` lifts the last three; a PodDisruptionBudget always counts.
"""
from __future__ import annotations

from ..api.labels import selector_from_label_selector

__all__ = ["DRAIN", "SKIP", "classify", "pdbs_for", "utilization", "format_utilization", "SAFE_TO_EVICT"]

DRAIN, SKIP = "drain", "skip"
SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict"
SAFE_TO_EVICT_LOCAL_VOLUMES = "cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
#: controllers whose Pods are recreated elsewhere (skip-nodes-with-custom-controller-pods=true)
REPLICATED_KINDS = frozenset({"ReplicaSet", "ReplicationController", "StatefulSet", "Job"})


def pdbs_for(pod: dict, pdbs: list[dict]) -> list[dict]:
    """The PodDisruptionBudgets whose selector matches the Pod."""
    meta = pod["metadata"]
    labels = meta.get("labels") or {}
    return [p for p in pdbs if p["metadata"].get("namespace") == meta.get("namespace")
            and selector_from_label_selector(p["spec"].get("selector")).matches(labels)]


def _controller(pod: dict) -> dict | None:
    return next((r for r in pod["metadata"].get("ownerReferences") or () if r.get("controller")), None)


def _local_volumes(pod: dict) -> list[str]:
    out = []
    for v in (pod.get("spec") or {}).get("volumes") or ():
        if "hostPath" in v or ("emptyDir" in v and (v.get("emptyDir") or {}).get("medium") != "Memory"):
            out.append(v.get("name"))
    return out


def classify(pod: dict, pdbs: list[dict], budget: dict) -> tuple[str, str]:
    """(DRAIN, ""), (SKIP, "") or (blocking reason, message) for a Pod on a node being removed.

    ``budget`` maps a PDB's ``namespace/name`` to the disruptions it still allows in this
    simulation; a drained Pod takes one from each of its budgets."""
    meta = pod["metadata"]
    name, ns = meta["name"], meta.get("namespace") or "default"
    annotations = meta.get("annotations") or {}
    owner = _controller(pod)
    if MIRROR_ANNOTATION in annotations or meta.get("deletionTimestamp") or \
            (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") or \
            (owner is not None and owner.get("kind") == "DaemonSet"):
        return SKIP, ""
    if annotations.get(SAFE_TO_EVICT) == "false":
        return "NotSafeToEvictAnnotation", f"pod annotated as not safe to evict present: {name}"
    covering = pdbs_for(pod, pdbs)
    keys = [f'{p["metadata"]["namespace"]}/{p["metadata"]["name"]}' for p in covering]
    for key, pdb in zip(keys, covering):
        budget.setdefault(key, (pdb.get("status") or {}).get("disruptionsAllowed", 0))
    if any(budget[key] < 1 for key in keys):
        return "NotEnoughPdb", f"not enough pod disruption budget to move {ns}/{name}"
    if annotations.get(SAFE_TO_EVICT) != "true":
        if owner is None or owner.get("kind") not in REPLICATED_KINDS:
            return "NotReplicated", f"{ns}/{name} is not replicated"
        if ns == "kube-system" and not covering:
            return "UnmovableKubeSystemPod", \
                f"non-daemonset, non-mirrored, non-pdb-assigned kube-system pod present: {name}"
        allowed = {v.strip() for v in annotations.get(SAFE_TO_EVICT_LOCAL_VOLUMES, "").split(",") if v.strip()}
        if any(v not in allowed for v in _local_volumes(pod)):
            return "LocalStorageRequested", f"pod with local storage present: {name}"
    for key in keys:
        budget[key] -= 1
    return DRAIN, ""


def utilization(node_info) -> tuple[float, float, str, float]:
    """utilization.Calculate: (cpu, memory, the fuller resource, the larger fraction) of the
    node's allocatable that its Pods request (DaemonSet and mirror Pods included)."""
    alloc, used = node_info.allocatable, node_info.requested
    cpu = used.milli_cpu / alloc.milli_cpu if alloc.milli_cpu else 0.0
    mem = used.memory / alloc.memory if alloc.memory else 0.0
    return (cpu, mem, "cpu", cpu) if cpu >= mem else (cpu, mem, "memory", mem)


def format_utilization(info: tuple) -> str:
    """As Go prints the autoscaler's UtilizationInfo with %v: ``{0.25 0.0625 0 cpu 0.25}``."""
    cpu, mem, resource, util = info
    return "{%s %s 0 %s %s}" % (_go_float(cpu), _go_float(mem), resource, _go_float(util))


def _go_float(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text

"""The disruption controller: keeps each PodDisruptionBudget's status current.

For the Pods a PDB selects it counts the healthy (Ready) ones and works out how
many must stay healthy: ``minAvailable`` as given (a percentage is of the
expected count, rounded up), or expected minus ``maxUnavailable`` (a
percentage rounded up too). The expected count is the sum of the owning
controllers' ``spec.replicas`` (Deployment via its ReplicaSet, StatefulSet, ...),
or the number of selected Pods for bare Pods and an integer minAvailable.
``disruptionsAllowed = max(0, currentHealthy - desiredHealthy)`` is what the
Eviction API consumes.
"""
from __future__ import annotations

import math

from .. import errors
from ..api.labels import selector_from_label_selector
from ..api.meta import format_time
from .base import Controller

__all__ = ["DisruptionController", "desired_healthy"]

_SCALABLE = {"ReplicaSet": "replicasets", "StatefulSet": "statefulsets",
             "ReplicationController": "replicationcontrollers", "Deployment": "deployments"}


def _scaled(value, total: int) -> int:
    """An IntOrString against ``total``: percentages round up (GetScaledValueFromIntOrPercent)."""
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


def desired_healthy(spec: dict, expected: int) -> int:
    if spec.get("maxUnavailable") is not None:
        return max(0, expected - _scaled(spec["maxUnavailable"], expected))
    return _scaled(spec.get("minAvailable", 1), expected)


def _ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions", []))


class DisruptionController(Controller):
    name = "disruption-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.pdbs = self.informer("poddisruptionbudgets")
        self.pods = self.informer("pods")
        self.pdbs.add_handler(self.enqueue, lambda old, new: self.enqueue(new), None)
        self.pods.add_handler(self._pod, lambda old, new: (self._pod(old), self._pod(new)), self._pod)

    def _pod(self, pod: dict) -> None:
        labels = pod["metadata"].get("labels") or {}
        for pdb in self.pdbs.list(namespace=pod["metadata"]["namespace"]):
            if selector_from_label_selector(pdb["spec"].get("selector")).matches(labels):
                self.enqueue(pdb)

    def _expected(self, pdb: dict, pods: list[dict]) -> int:
        spec = pdb["spec"]
        if spec.get("maxUnavailable") is None and not str(spec.get("minAvailable", 1)).endswith("%"):
            return len(pods)
        scales: dict = {}
        for pod in pods:
            ref = next((r for r in pod["metadata"].get("ownerReferences", []) if r.get("controller")), None)
            if ref is None or ref["kind"] not in _SCALABLE:
                continue
            owner = self.api.get(_SCALABLE[ref["kind"]], ref["name"], namespace=pod["metadata"]["namespace"])
            top = next((r for r in owner["metadata"].get("ownerReferences", [])
                        if r.get("controller") and r["kind"] == "Deployment"), None)
            if top is not None:
                owner = self.api.get("deployments", top["name"], namespace=pod["metadata"]["namespace"])
            scales[owner["metadata"]["uid"]] = owner["spec"].get("replicas", 1)
        return sum(scales.values()) if scales else len(pods)

    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        pdb = self.pdbs.get(name, namespace)
        if pdb is None:
            return
        selector = selector_from_label_selector(pdb["spec"].get("selector"))
        pods = [p for p in self.pods.list(namespace=namespace, selector=selector)
                if not p["metadata"].get("deletionTimestamp")]
        expected = self._expected(pdb, pods)
        healthy = sum(1 for p in pods if _ready(p))
        desired = desired_healthy(pdb["spec"], expected)
        allowed = max(0, healthy - desired)
        old = pdb.get("status", {})
        status = {
            "observedGeneration": pdb["metadata"].get("generation", 1),
            "disruptionsAllowed": allowed, "currentHealthy": healthy,
            "desiredHealthy": desired, "expectedPods": expected,
            "conditions": [{
                "type": "DisruptionAllowed", "status": "True" if allowed > 0 else "False",
                "reason": "SufficientPods" if allowed > 0 else "InsufficientPods", "message": "",
                "observedGeneration": pdb["metadata"].get("generation", 1),
                "lastTransitionTime": next((c["lastTransitionTime"] for c in old.get("conditions", [])
                                            if c["type"] == "DisruptionAllowed"
                                            and c["status"] == ("True" if allowed > 0 else "False")),
                                           format_time(self.api.clock.now())),
            }],
        }
        if old.get("disruptedPods"):
            status["disruptedPods"] = {k: v for k, v in old["disruptedPods"].items()
                                       if any(p["metadata"]["name"] == k for p in pods)}
        if {k: v for k, v in old.items()} != status:
            try:
                self.api.update({**pdb, "status": status}, subresource="status")
            except errors.Conflict:
                self.queue.add_rate_limited(key)

"""What a cluster picture shows: the nodes and their Pods, now or at a past revision.

The state is read through the API server like any client (``list`` at a
resourceVersion for the past, as ``kubectl get --resource-version`` would), and
each Pod is summarised as ``kubectl get pods`` prints it: STATUS, READY and
RESTARTS come from kubectl's own printer.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..kubectl.pods import pod_status

__all__ = ["ClusterState", "NodeState", "PodState", "cluster_state", "tone"]

#: STATUS words that mean a Pod is broken, in kubectl's words
_FAILED = {"Error", "CrashLoopBackOff", "Failed", "ImagePullBackOff", "ErrImagePull", "OOMKilled",
           "Evicted", "InvalidImageName", "CreateContainerConfigError", "Unknown", "NodeLost",
           "ContainerStatusUnknown"}


@dataclass(frozen=True)
class PodState:
    """One Pod as a row of ``kubectl get pods -o wide``."""

    name: str
    namespace: str
    node: str | None
    status: str              # kubectl's STATUS column
    ready: int
    total: int
    restarts: int
    priority_class: str | None = None
    nominated_node: str | None = None

    @property
    def ready_text(self) -> str:
        return f"{self.ready}/{self.total}"

    @property
    def tone(self) -> str:
        return tone(self.status, self.ready, self.total)


@dataclass(frozen=True)
class NodeState:
    name: str
    ready: bool
    unschedulable: bool
    pods: tuple[PodState, ...]


@dataclass(frozen=True)
class ClusterState:
    """Nodes (sorted by name) with their Pods, and the Pods no node has yet."""

    revision: int
    nodes: tuple[NodeState, ...]
    unscheduled: tuple[PodState, ...]

    @property
    def pods(self) -> list[PodState]:
        return [p for n in self.nodes for p in n.pods] + list(self.unscheduled)


def tone(status: str, ready: int, total: int) -> str:
    """The colour family of a Pod: ok (running and ready), starting, pending, done,
    failed or terminating."""
    if status == "Terminating":
        return "terminating"
    if status in _FAILED or status.startswith("Init:") and status[5:] in _FAILED:
        return "failed"
    if status == "Running":
        return "ok" if ready == total else "starting"
    if status in ("Completed", "Succeeded"):
        return "done"
    return "pending"


def _pod_state(pod: dict) -> PodState:
    status, ready, total, restarts, _ = pod_status(pod)
    meta, spec = pod["metadata"], pod.get("spec") or {}
    return PodState(meta["name"], meta.get("namespace", "default"), spec.get("nodeName"), status or "Pending",
                    ready, total, restarts, spec.get("priorityClassName"),
                    (pod.get("status") or {}).get("nominatedNodeName"))


def cluster_state(api, revision: int | None = None, namespace: str | None = None) -> ClusterState:
    """The cluster as it is (``revision=None``) or was at ``revision``; ``namespace``
    limits the Pods (None: every namespace)."""
    rv = None if revision is None else str(revision)
    node_list = api.list("nodes", resource_version=rv)
    pods = api.list("pods", namespace=namespace, resource_version=rv)["items"]
    by_node: dict[str | None, list[PodState]] = {}
    for pod in sorted(pods, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"])):
        state = _pod_state(pod)
        by_node.setdefault(state.node, []).append(state)
    nodes = []
    for node in sorted(node_list["items"], key=lambda n: n["metadata"]["name"]):
        name = node["metadata"]["name"]
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in (node.get("status") or {}).get("conditions") or [])
        nodes.append(NodeState(name, ready, bool((node.get("spec") or {}).get("unschedulable")),
                               tuple(by_node.pop(name, ()))))
    # Pods bound to a node that is gone stay with the unscheduled ones, after them
    unscheduled = by_node.pop(None, []) + [p for name in sorted(by_node) for p in by_node[name]]
    return ClusterState(int(node_list["metadata"]["resourceVersion"]), tuple(nodes), tuple(unscheduled))

"""PodInfo and NodeInfo (pkg/scheduler/framework/types.go): what the scheduler
knows about each node, kept as running totals so a plugin never walks the pods.

``NodeInfo.memo`` lets a plugin whose verdict on a node depends only on the
Pod's shape and on this NodeInfo remember it (kubelab's stand-in for the
real scheduler's parallelism): every change to the node clears it.

``NodeInfo.requested`` sums the fit requests of the node's pods (assumed ones
included); ``non_zero_requested`` the same with the 100m/200Mi defaults (for
scoring); ``allocatable`` is the Node's ``status.allocatable``.
"""
from __future__ import annotations

from itertools import repeat
from operator import attrgetter

from ..api.affinity import affinity_terms, weighted_affinity_terms
from .resources import Resource, pod_requests

__all__ = ["PodInfo", "NodeInfo", "normalized_image_name", "host_ports", "memoised"]

_memo = attrgetter("memo")


def memoised(node_infos: list, key: str, compute) -> list:
    """What each node remembers under ``key`` in its ``memo``, in order; ``compute(node_info)``
    fills in (and remembers) the values a node does not have yet. The lookup is one pass
    in C over the nodes, the cost that matters when a Pod is scored on hundreds of nodes."""
    values = list(map(dict.get, map(_memo, node_infos), repeat(key, len(node_infos))))
    i = -1
    while None in values:                   # usually one node: the last Pod's
        i = values.index(None, i + 1)
        ni = node_infos[i]
        values[i] = ni.memo[key] = compute(ni)
    return values


def host_ports(pod: dict) -> list[tuple[str, str, int]]:
    """(hostIP, protocol, hostPort) of every container port with a hostPort."""
    out = []
    spec = pod.get("spec") or {}
    for c in list(spec.get("initContainers") or ()) + list(spec.get("containers") or ()):
        for p in c.get("ports") or ():
            if p.get("hostPort"):
                out.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", int(p["hostPort"])))
    return out


class PodInfo:
    """A Pod with what the scheduler derives from it once: requests and affinity terms."""

    __slots__ = ("pod", "uid", "key", "namespace", "labels", "priority", "requests", "non_zero_cpu",
                 "non_zero_mem", "required_affinity", "required_anti_affinity", "preferred_affinity",
                 "preferred_anti_affinity", "host_ports")

    def __init__(self, pod: dict):
        self.update(pod)

    def update(self, pod: dict) -> None:
        meta = pod["metadata"]
        self.pod = pod
        self.uid = meta.get("uid") or f'{meta.get("namespace")}/{meta["name"]}'
        self.namespace = meta.get("namespace") or "default"
        self.key = f'{self.namespace}/{meta["name"]}'
        self.labels = meta.get("labels") or {}
        self.priority = (pod.get("spec") or {}).get("priority") or 0
        self.requests = pod_requests(pod)
        non_zero = pod_requests(pod, non_zero=True)
        self.non_zero_cpu, self.non_zero_mem = non_zero.milli_cpu, non_zero.memory
        affinity = (pod.get("spec") or {}).get("affinity") or {}
        if affinity.get("podAffinity") or affinity.get("podAntiAffinity"):
            self.required_affinity = affinity_terms(pod, "podAffinity")
            self.required_anti_affinity = affinity_terms(pod, "podAntiAffinity")
            self.preferred_affinity = weighted_affinity_terms(pod, "podAffinity")
            self.preferred_anti_affinity = weighted_affinity_terms(pod, "podAntiAffinity")
        else:
            self.required_affinity = self.required_anti_affinity = ()
            self.preferred_affinity = self.preferred_anti_affinity = ()
        self.host_ports = host_ports(pod)

    @property
    def name(self) -> str:
        return self.pod["metadata"]["name"]

    def on_node(self, node_name: str) -> "PodInfo":
        """The assumed copy: the same Pod with ``spec.nodeName`` set (the informer's
        object is shared and read-only, so spec is copied, not changed)."""
        out = PodInfo.__new__(PodInfo)
        for slot in PodInfo.__slots__:
            setattr(out, slot, getattr(self, slot))
        out.pod = dict(self.pod, spec=dict(self.pod["spec"], nodeName=node_name))
        return out

    @property
    def has_affinity(self) -> bool:
        """podWithAffinity: any pod affinity or anti-affinity (required or preferred)."""
        affinity = (self.pod.get("spec") or {}).get("affinity") or {}
        return bool(affinity.get("podAffinity") or affinity.get("podAntiAffinity"))

    def __repr__(self) -> str:
        return f"<PodInfo {self.key}>"


def normalized_image_name(name: str) -> str:
    """ImageLocality's normalizedImageName: add ``:latest`` when no tag is given."""
    if name.rfind(":") <= name.rfind("/"):
        name += ":latest"
    return name


class NodeInfo:
    """One node with its pods and the running totals plugins read."""

    __slots__ = ("node", "name", "labels", "taints", "unschedulable", "allocatable", "requested",
                 "non_zero_requested", "pods", "pods_with_affinity", "pods_with_required_anti_affinity",
                 "used_ports", "images", "generation", "memo")

    _generation = 0

    def __init__(self, node: dict | None = None):
        self.pods: dict[str, PodInfo] = {}
        self.pods_with_affinity: dict[str, PodInfo] = {}
        self.pods_with_required_anti_affinity: dict[str, PodInfo] = {}
        self.requested = Resource()
        self.non_zero_requested = Resource()
        self.used_ports: dict[tuple, int] = {}
        self.node = None
        self.name = ""
        self.labels: dict = {}
        self.taints: list = []
        self.unschedulable = False
        self.allocatable = Resource()
        self.images: dict[str, int] = {}
        self.generation = 0
        self.memo: dict = {}
        if node is not None:
            self.set_node(node)

    def _bump(self) -> None:
        NodeInfo._generation += 1
        self.generation = NodeInfo._generation
        self.memo.clear()

    def set_node(self, node: dict) -> None:
        self.node = node
        self.name = node["metadata"]["name"]
        self.labels = node["metadata"].get("labels") or {}
        spec = node.get("spec") or {}
        self.taints = spec.get("taints") or []
        self.unschedulable = bool(spec.get("unschedulable"))
        self.allocatable = Resource.from_list((node.get("status") or {}).get("allocatable"))
        self.images = {}
        for image in (node.get("status") or {}).get("images") or ():
            for name in image.get("names") or ():
                self.images[normalized_image_name(name)] = int(image.get("sizeBytes") or 0)
        self._bump()

    def add_pod(self, pi: PodInfo) -> None:
        self.pods[pi.uid] = pi
        if pi.has_affinity:
            self.pods_with_affinity[pi.uid] = pi
        if pi.required_anti_affinity:
            self.pods_with_required_anti_affinity[pi.uid] = pi
        self._account(pi, 1)

    def remove_pod(self, uid: str) -> PodInfo | None:
        pi = self.pods.pop(uid, None)
        if pi is not None:
            self.pods_with_affinity.pop(uid, None)
            self.pods_with_required_anti_affinity.pop(uid, None)
            self._account(pi, -1)
        return pi

    def _account(self, pi: PodInfo, sign: int) -> None:
        self.requested.add(pi.requests, sign)
        self.non_zero_requested.milli_cpu += sign * pi.non_zero_cpu
        self.non_zero_requested.memory += sign * pi.non_zero_mem
        for port in pi.host_ports:
            n = self.used_ports.get(port, 0) + sign
            if n:
                self.used_ports[port] = n
            else:
                del self.used_ports[port]
        self._bump()

    def clone(self) -> "NodeInfo":
        """Snapshot(): a copy whose pods can be removed and added (preemption's dry run)."""
        out = NodeInfo()
        out.node, out.name, out.labels, out.taints = self.node, self.name, self.labels, self.taints
        out.unschedulable, out.allocatable, out.images = self.unschedulable, self.allocatable, self.images
        out.pods = dict(self.pods)
        out.pods_with_affinity = dict(self.pods_with_affinity)
        out.pods_with_required_anti_affinity = dict(self.pods_with_required_anti_affinity)
        out.requested = self.requested.clone()
        out.non_zero_requested = self.non_zero_requested.clone()
        out.used_ports = dict(self.used_ports)
        out.generation = self.generation
        return out

    def __repr__(self) -> str:
        return f"<NodeInfo {self.name}: {len(self.pods)} pods, requested {self.requested}>"

"""The scheduler cache (pkg/scheduler/backend/cache): NodeInfos kept current
from the Node and assigned-Pod informers, plus *assumed* Pods.

A Pod is assumed onto its node as soon as a scheduling cycle picks the node,
before Reserve, so the next cycle already counts its requests while binding is
still in flight; the informer's add of the bound Pod confirms it, and a failed
binding forgets it. The snapshot lists nodes in the node tree's order: zones
in the order they appeared, one node from each zone in turn (nodeTree.list).
"""
from __future__ import annotations

from ..api.tolerations import DO_NOT_SCHEDULE_EFFECTS
from .nodeinfo import NodeInfo, PodInfo

__all__ = ["Cache", "zone_key"]


def zone_key(node: dict) -> str:
    """utilnode.GetZoneKey: region and zone labels (empty when neither is set)."""
    labels = node["metadata"].get("labels") or {}
    region = labels.get("topology.kubernetes.io/region") or labels.get("failure-domain.beta.kubernetes.io/region", "")
    zone = labels.get("topology.kubernetes.io/zone") or labels.get("failure-domain.beta.kubernetes.io/zone", "")
    return f"{region}:\x00:{zone}" if region or zone else ""


class Cache:
    """NodeInfos by node name, the assumed Pods, and cluster-wide counts that let
    plugins tell in O(1) that they have nothing to do (no tainted node, ...)."""

    def __init__(self):
        self.nodes: dict[str, NodeInfo] = {}       # includes nodes known only from their pods
        self.assumed: dict[str, str] = {}          # pod uid -> node name
        self.pod_nodes: dict[str, str] = {}        # pod uid -> node name, for every pod in the cache
        self.zones: dict[str, list[str]] = {}      # zone key -> node names, in arrival order
        self.image_nodes: dict[str, set[str]] = {}
        self._list: list[NodeInfo] | None = None
        self.unschedulable_nodes = 0
        self.tainted_nodes = 0                     # with a NoSchedule/NoExecute taint
        self.prefer_no_schedule_nodes = 0
        self.pods_with_affinity = 0
        self.pods_with_required_anti_affinity = 0

    # -- nodes -------------------------------------------------------------
    def add_node(self, node: dict) -> NodeInfo:
        name = node["metadata"]["name"]
        ni = self.nodes.get(name)
        if ni is None:
            ni = self.nodes[name] = NodeInfo()
        old = ni.node
        if old is not None:
            self._count_node(ni, -1)
        ni.set_node(node)
        self._count_node(ni, 1)
        if old is None or zone_key(old) != zone_key(node):
            if old is not None:
                self._zone_remove(old)
            self.zones.setdefault(zone_key(node), []).append(name)
            self._list = None
        return ni

    def remove_node(self, node: dict) -> None:
        name = node["metadata"]["name"]
        ni = self.nodes.get(name)
        if ni is None or ni.node is None:
            return
        self._count_node(ni, -1)
        self._zone_remove(ni.node)
        if ni.pods:
            ni.node = None          # pods still point at it, as the real cache keeps a ghost NodeInfo
        else:
            del self.nodes[name]
        self._list = None

    def _zone_remove(self, node: dict) -> None:
        names = self.zones.get(zone_key(node), [])
        if node["metadata"]["name"] in names:
            names.remove(node["metadata"]["name"])
        if not names:
            self.zones.pop(zone_key(node), None)

    def _count_node(self, ni: NodeInfo, sign: int) -> None:
        self.unschedulable_nodes += sign * ni.unschedulable
        effects = {t.get("effect") for t in ni.taints}
        self.tainted_nodes += sign * bool(effects & set(DO_NOT_SCHEDULE_EFFECTS))
        self.prefer_no_schedule_nodes += sign * ("PreferNoSchedule" in effects)
        for image in ni.images:
            names = self.image_nodes.setdefault(image, set())
            (names.add if sign > 0 else names.discard)(ni.name)
            if not names:
                del self.image_nodes[image]

    def node_list(self) -> list[NodeInfo]:
        """Nodes in node-tree order (round robin over zones)."""
        if self._list is None:
            zones = [list(names) for names in self.zones.values()]
            out = []
            for i in range(max((len(z) for z in zones), default=0)):
                out.extend(self.nodes[z[i]] for z in zones if i < len(z))
            self._list = out
        return self._list

    # -- pods --------------------------------------------------------------
    def add_pod(self, pi: PodInfo, node_name: str) -> None:
        if pi.uid in self.pod_nodes:
            self.remove_pod(pi.uid)
        ni = self.nodes.get(node_name)
        if ni is None:
            ni = self.nodes[node_name] = NodeInfo()
            ni.name = node_name
        ni.add_pod(pi)
        self.pod_nodes[pi.uid] = node_name
        self.pods_with_affinity += pi.has_affinity
        self.pods_with_required_anti_affinity += bool(pi.required_anti_affinity)

    def remove_pod(self, uid: str) -> PodInfo | None:
        name = self.pod_nodes.pop(uid, None)
        self.assumed.pop(uid, None)
        ni = self.nodes.get(name) if name is not None else None
        pi = ni.remove_pod(uid) if ni is not None else None
        if pi is not None:
            self.pods_with_affinity -= pi.has_affinity
            self.pods_with_required_anti_affinity -= bool(pi.required_anti_affinity)
            if ni.node is None and not ni.pods:
                del self.nodes[name]
        return pi

    def assume(self, pi: PodInfo, node_name: str) -> None:
        """AssumePod: count the Pod on ``node_name`` before it is bound."""
        self.add_pod(pi, node_name)
        self.assumed[pi.uid] = node_name

    def forget(self, uid: str) -> None:
        """ForgetPod: a binding failed; stop counting the assumed Pod."""
        if uid in self.assumed:
            self.remove_pod(uid)

    def is_assumed(self, uid: str) -> bool:
        return uid in self.assumed

    def confirm(self, pod: dict, node_name: str) -> None:
        """The informer saw the Pod bound (or changed): replace whatever we had. The usual
        case, the binding of a Pod assumed on this very node with the same spec and labels,
        only swaps in the new object: nothing a plugin counts on the node changed."""
        uid = pod["metadata"].get("uid")
        ni = self.nodes.get(node_name) if self.pod_nodes.get(uid) == node_name else None
        pi = ni.pods.get(uid) if ni is not None else None
        labels = pod["metadata"].get("labels") or {}
        if pi is not None and pi.pod["spec"] == pod["spec"] and pi.labels == labels:
            pi.pod, pi.labels = pod, labels
            self.assumed.pop(uid, None)
            return
        self.add_pod(PodInfo(pod), node_name)

    def get(self, name: str) -> NodeInfo | None:
        ni = self.nodes.get(name)
        return ni if ni is not None and ni.node is not None else None

    def nodes_with_pods_with_affinity(self) -> list[NodeInfo]:
        return [ni for ni in self.node_list() if ni.pods_with_affinity] if self.pods_with_affinity else []

    def nodes_with_required_anti_affinity(self) -> list[NodeInfo]:
        if not self.pods_with_required_anti_affinity:
            return []
        return [ni for ni in self.node_list() if ni.pods_with_required_anti_affinity]

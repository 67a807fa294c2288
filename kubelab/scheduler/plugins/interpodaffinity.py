"""InterPodAffinity: place Pods near (affinity) or away from (anti-affinity)
other Pods, per topology domain (``topologyKey``).

Filter, in this order: the Pod's required affinity terms must each find a
matching Pod in the node's domain ("node(s) didn't match pod affinity
rules", unresolvable); its required anti-affinity terms must find none there
("node(s) didn't match pod anti-affinity rules"); and no existing Pod's
required anti-affinity may reject it ("node(s) didn't satisfy existing pods
anti-affinity rules"). A Pod whose affinity matches only itself may go
anywhere while no other Pod matches (the first Pod of a group).

Score: preferred terms of the Pod (and of the Pods already placed, towards
this Pod, plus their required affinity at hardPodAffinityWeight 1) add or
subtract weights per domain; scores are then scaled min-max onto 0..100.
"""
from __future__ import annotations

from ..framework import MAX_NODE_SCORE, ClusterEvent, Plugin, Status
from ..nodeinfo import PodInfo

ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
HARD_POD_AFFINITY_WEIGHT = 1
_PRE_FILTER = "PreFilterInterPodAffinity"
_PRE_SCORE = "PreScoreInterPodAffinity"


class _FilterState:
    __slots__ = ("pod_info", "existing_anti", "affinity", "anti", "ns_labels")

    def clone(self):
        out = _FilterState()
        out.pod_info, out.ns_labels = self.pod_info, self.ns_labels
        out.existing_anti, out.affinity, out.anti = dict(self.existing_anti), dict(self.affinity), dict(self.anti)
        return out


def _bump(counts: dict, key, delta: int) -> None:
    counts[key] = counts.get(key, 0) + delta
    if not counts[key]:
        del counts[key]


class InterPodAffinity(Plugin):
    name = "InterPodAffinity"

    def _pod_info(self, state, pod):
        return state.get("PodInfo") or PodInfo(pod)

    def pre_filter(self, state, pod):
        pi = self._pod_info(state, pod)
        snapshot = self.handle.snapshot
        s = _FilterState()
        s.pod_info, s.ns_labels = pi, self.handle.namespace_labels(pi.namespace)
        s.existing_anti, s.affinity, s.anti = {}, {}, {}
        for ni in snapshot.nodes_with_required_anti_affinity():
            for existing in ni.pods_with_required_anti_affinity.values():
                self._count_existing(s, existing, ni, 1)
        if pi.required_affinity or pi.required_anti_affinity:
            for ni in snapshot.node_list():
                for existing in ni.pods.values():
                    self._count_incoming(s, existing, ni, 1)
        if not s.existing_anti and not pi.required_affinity and not pi.required_anti_affinity:
            return Status.skip()
        state[_PRE_FILTER] = s

    def _count_existing(self, s, existing, ni, delta):
        for term in existing.required_anti_affinity:
            if term.matches(s.pod_info.pod, s.ns_labels) and term.topology_key in ni.labels:
                _bump(s.existing_anti, (term.topology_key, ni.labels[term.topology_key]), delta)

    def _count_incoming(self, s, existing, ni, delta):
        labels = ni.labels
        for terms, counts in ((s.pod_info.required_affinity, s.affinity), (s.pod_info.required_anti_affinity, s.anti)):
            for term in terms:
                if term.topology_key in labels and term.matches(existing.pod, self.handle.namespace_labels(
                        existing.namespace)):
                    _bump(counts, (term.topology_key, labels[term.topology_key]), delta)

    def add_pod(self, state, pod, pod_info, node_info):
        self._update(state, pod_info, node_info, 1)

    def remove_pod(self, state, pod, pod_info, node_info):
        self._update(state, pod_info, node_info, -1)

    def _update(self, state, pod_info, node_info, delta):
        s = state.get(_PRE_FILTER)
        if s is not None:
            self._count_existing(s, pod_info, node_info, delta)
            self._count_incoming(s, pod_info, node_info, delta)

    def filter(self, state, pod, node_info):
        s = state[_PRE_FILTER]
        labels = node_info.labels
        pi = s.pod_info
        if pi.required_affinity:
            pods_exist = True
            for term in pi.required_affinity:
                if term.topology_key not in labels:
                    return Status.unresolvable(ERR_REASON_AFFINITY)
                if s.affinity.get((term.topology_key, labels[term.topology_key]), 0) <= 0:
                    pods_exist = False
            if not pods_exist and not (not s.affinity and all(
                    t.matches(pi.pod, s.ns_labels) for t in pi.required_affinity)):
                return Status.unresolvable(ERR_REASON_AFFINITY)
        if s.anti:
            for term in pi.required_anti_affinity:
                if term.topology_key in labels and s.anti.get((term.topology_key, labels[term.topology_key]), 0) > 0:
                    return Status.unschedulable(ERR_REASON_ANTI_AFFINITY)
        if s.existing_anti and any(s.existing_anti.get(item, 0) > 0 for item in labels.items()):
            return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY)
        return None

    # -- scoring -----------------------------------------------------------------
    def pre_score(self, state, pod, node_infos):
        pi = self._pod_info(state, pod)
        has_constraints = bool(pi.preferred_affinity or pi.preferred_anti_affinity)
        snapshot = self.handle.snapshot
        nodes = snapshot.node_list() if has_constraints else snapshot.nodes_with_pods_with_affinity()
        ns_labels = self.handle.namespace_labels(pi.namespace)
        topology: dict[str, dict[str, int]] = {}

        def process(terms, target, target_ns_labels, node, multiplier, weight=None):
            for term in terms:
                if term.topology_key in node.labels and term.matches(target, target_ns_labels):
                    values = topology.setdefault(term.topology_key, {})
                    value = node.labels[term.topology_key]
                    values[value] = values.get(value, 0) + (term.weight if weight is None else weight) * multiplier

        for ni in nodes:
            if not ni.labels:
                continue
            for existing in (ni.pods if has_constraints else ni.pods_with_affinity).values():
                existing_ns = self.handle.namespace_labels(existing.namespace)
                process(pi.preferred_affinity, existing.pod, existing_ns, ni, 1)
                process(pi.preferred_anti_affinity, existing.pod, existing_ns, ni, -1)
                process(existing.required_affinity, pod, ns_labels, ni, 1, HARD_POD_AFFINITY_WEIGHT)
                process(existing.preferred_affinity, pod, ns_labels, ni, 1)
                process(existing.preferred_anti_affinity, pod, ns_labels, ni, -1)
        if not topology:
            return Status.skip()
        state[_PRE_SCORE] = topology

    def score(self, state, pod, node_info):
        topology = state[_PRE_SCORE]
        return sum(values.get(node_info.labels[key], 0) for key, values in topology.items() if key in node_info.labels)

    def normalize_score(self, state, pod, scores):
        if not scores:
            return
        lo, hi = min(s.score for s in scores), max(s.score for s in scores)
        for s in scores:
            s.score = int(MAX_NODE_SCORE * ((s.score - lo) / (hi - lo))) if hi > lo else 0

    def events_to_register(self):
        return [ClusterEvent("Pod", "*"), ClusterEvent("Node", "Add"), ClusterEvent("Node", "UpdateNodeLabel")]

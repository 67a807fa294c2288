"""PodTopologySpread: keep matching Pods spread across topology domains
(``spec.topologySpreadConstraints``).

Filter (whenUnsatisfiable: DoNotSchedule): placing the Pod in a domain must
keep ``matching pods there + 1 (if the Pod matches itself) - global minimum
<= maxSkew``; with fewer eligible domains than ``minDomains`` the global
minimum counts as 0. Worked example: zones a, b, c hold 2, 1, 0 matching Pods,
maxSkew 1: zone a gives 2 + 1 - 0 = 3 > 1 (rejected), zone c gives 0 + 1 - 0
= 1 (fits). Score (ScheduleAnyway): fewer matching Pods in the node's
domains is better, each count weighted by log(number of domains + 2).

simplified: the system default constraints (spreading Pods of the same
Service/ReplicaSet by hostname and zone) are not applied; Pods without
constraints are skipped, as with ``defaultingType: List`` and no defaults.
"""
from __future__ import annotations

import math

from ...api.labels import IN, Selector, SelectorError, new_requirement, selector_from_label_selector
from ...api.tolerations import DO_NOT_SCHEDULE_EFFECTS, untolerated_taint
from ...api.affinity import RequiredNodeAffinity
from ..framework import MAX_NODE_SCORE, ClusterEvent, Plugin, Status

ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
HOSTNAME = "kubernetes.io/hostname"
_PRE_FILTER = "PreFilterPodTopologySpread"
_PRE_SCORE = "PreScorePodTopologySpread"


class Constraint:
    """A parsed TopologySpreadConstraint (matchLabelKeys merged into the selector)."""

    __slots__ = ("max_skew", "topology_key", "selector", "min_domains", "affinity_policy", "taints_policy")

    def __init__(self, pod: dict, c: dict):
        self.max_skew = int(c.get("maxSkew", 1))
        self.topology_key = c.get("topologyKey", "")
        try:
            selector = selector_from_label_selector(c.get("labelSelector"))
        except SelectorError:
            selector = Selector.nothing()
        labels = pod["metadata"].get("labels") or {}
        extra = [new_requirement(k, IN, [labels[k]]) for k in c.get("matchLabelKeys") or () if k in labels]
        if extra and selector != Selector.nothing():
            selector = Selector(selector.requirements + extra)
        self.selector = selector
        self.min_domains = int(c.get("minDomains") or 1)
        self.affinity_policy = c.get("nodeAffinityPolicy") or "Honor"
        self.taints_policy = c.get("nodeTaintsPolicy") or "Ignore"

    def includes_node(self, pod: dict, node: dict, required: RequiredNodeAffinity) -> bool:
        """matchNodeInclusionPolicies: which nodes count as eligible domains."""
        if self.affinity_policy == "Honor" and not required.match(node):
            return False
        if self.taints_policy == "Honor":
            taints = (node.get("spec") or {}).get("taints")
            if untolerated_taint(pod["spec"].get("tolerations"), taints, DO_NOT_SCHEDULE_EFFECTS) is not None:
                return False
        return True


def constraints(pod: dict, action: str) -> list[Constraint]:
    return [Constraint(pod, c) for c in pod["spec"].get("topologySpreadConstraints") or ()
            if c.get("whenUnsatisfiable", "DoNotSchedule") == action]


def count_matching(pods, selector: Selector, namespace: str) -> int:
    """countPodsMatchSelector: same namespace, not terminating, labels match."""
    if selector.empty():
        return 0
    return sum(1 for pi in pods.values() if pi.namespace == namespace
               and not pi.pod["metadata"].get("deletionTimestamp") and selector.matches(pi.labels))


def _has_all_keys(labels: dict, cs) -> bool:
    return all(c.topology_key in labels for c in cs)


class _FilterState:
    __slots__ = ("constraints", "counts")

    def __init__(self, cs, counts):
        self.constraints, self.counts = cs, counts      # counts[i]: topology value -> matching pods

    def clone(self):
        return _FilterState(self.constraints, [dict(c) for c in self.counts])

    def min_match(self, i: int) -> int:
        counts = self.counts[i]
        if len(counts) < self.constraints[i].min_domains or not counts:
            return 0
        return min(counts.values())


class PodTopologySpread(Plugin):
    name = "PodTopologySpread"

    def pre_filter(self, state, pod):
        cs = constraints(pod, "DoNotSchedule")
        if not cs:
            return Status.skip()
        required = RequiredNodeAffinity(pod)
        ns = pod["metadata"].get("namespace") or "default"
        counts = [{} for _ in cs]
        for ni in self.handle.snapshot.node_list():
            if not _has_all_keys(ni.labels, cs):
                continue
            for i, c in enumerate(cs):
                if c.includes_node(pod, ni.node, required):
                    value = ni.labels[c.topology_key]
                    counts[i][value] = counts[i].get(value, 0) + count_matching(ni.pods, c.selector, ns)
        state[_PRE_FILTER] = _FilterState(cs, counts)

    def add_pod(self, state, pod, pod_info, node_info):
        self._update(state, pod, pod_info, node_info, 1)

    def remove_pod(self, state, pod, pod_info, node_info):
        self._update(state, pod, pod_info, node_info, -1)

    def _update(self, state, pod, pod_info, node_info, delta):
        s = state.get(_PRE_FILTER)
        if s is None or pod_info.namespace != (pod["metadata"].get("namespace") or "default"):
            return
        if not _has_all_keys(node_info.labels, s.constraints):
            return
        required = RequiredNodeAffinity(pod)
        for i, c in enumerate(s.constraints):
            if c.selector.matches(pod_info.labels) and c.includes_node(pod, node_info.node, required):
                value = node_info.labels[c.topology_key]
                s.counts[i][value] = s.counts[i].get(value, 0) + delta

    def filter(self, state, pod, node_info):
        s = state[_PRE_FILTER]
        labels = pod["metadata"].get("labels") or {}
        for i, c in enumerate(s.constraints):
            value = node_info.labels.get(c.topology_key)
            if value is None:
                return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH)
            self_match = 1 if c.selector.matches(labels) else 0
            if s.counts[i].get(value, 0) + self_match - s.min_match(i) > c.max_skew:
                return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH)
        return None

    # -- scoring --------------------------------------------------------------
    def pre_score(self, state, pod, node_infos):
        cs = constraints(pod, "ScheduleAnyway")
        if not cs:
            return Status.skip()
        ignored = {ni.name for ni in node_infos if not _has_all_keys(ni.labels, cs)}
        counts = [{} for _ in cs]
        for ni in node_infos:
            if ni.name not in ignored:
                for i, c in enumerate(cs):
                    if c.topology_key != HOSTNAME:
                        counts[i].setdefault(ni.labels[c.topology_key], 0)
        required = RequiredNodeAffinity(pod)
        ns = pod["metadata"].get("namespace") or "default"
        for ni in self.handle.snapshot.node_list():
            if not _has_all_keys(ni.labels, cs):
                continue
            for i, c in enumerate(cs):
                value = ni.labels[c.topology_key]
                if value in counts[i] and c.includes_node(pod, ni.node, required):
                    counts[i][value] += count_matching(ni.pods, c.selector, ns)
        weights = []
        for i, c in enumerate(cs):
            size = len(node_infos) - len(ignored) if c.topology_key == HOSTNAME else len(counts[i])
            weights.append(math.log(size + 2))
        state[_PRE_SCORE] = (cs, ignored, counts, weights)

    def score(self, state, pod, node_info):
        cs, ignored, counts, weights = state[_PRE_SCORE]
        if node_info.name in ignored:
            return 0
        ns = pod["metadata"].get("namespace") or "default"
        score = 0.0
        for i, c in enumerate(cs):
            value = node_info.labels.get(c.topology_key)
            if value is None:
                continue
            n = count_matching(node_info.pods, c.selector, ns) if c.topology_key == HOSTNAME else counts[i][value]
            score += n * weights[i] + (c.max_skew - 1)
        return int(math.floor(score + 0.5))

    def normalize_score(self, state, pod, scores):
        ignored = state[_PRE_SCORE][1]
        valid = [s.score for s in scores if s.name not in ignored]
        lo, hi = (min(valid), max(valid)) if valid else (0, 0)
        for s in scores:
            if s.name in ignored:
                s.score = 0
            elif hi == 0:
                s.score = MAX_NODE_SCORE
            else:
                s.score = MAX_NODE_SCORE * (hi + lo - s.score) // hi

    def events_to_register(self):
        return [ClusterEvent("Pod", "*"), ClusterEvent("Node", "Add"), ClusterEvent("Node", "Delete"),
                ClusterEvent("Node", "UpdateNodeLabel"), ClusterEvent("Node", "UpdateNodeTaint")]

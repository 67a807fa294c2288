"""NodeAffinity: ``spec.nodeSelector`` and required node affinity must match
the node's labels (Filter); each matching *preferred* term adds its weight to
the node's score, normalized so the best node gets 100.

PreFilter narrows the nodes when every required term names nodes by
``metadata.name`` (DaemonSet Pods do), and returns Skip when the Pod has no
selector or required affinity at all.
"""
from ...api.affinity import RequiredNodeAffinity, node_selector_term_matches
from ..framework import MAX_NODE_SCORE, ClusterEvent, Plugin, PreFilterResult, Status
from .helper import default_normalize_score

ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_CONFLICT = "pod affinity terms conflict"
_KEY = "PreFilterNodeAffinity"


def _preferred_terms(pod):
    na = ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {})
    return na.get("preferredDuringSchedulingIgnoredDuringExecution") or []


class NodeAffinity(Plugin):
    name = "NodeAffinity"

    def pre_filter(self, state, pod):
        required = RequiredNodeAffinity(pod)
        if required.empty():
            return Status.skip()
        state[_KEY] = required
        if not required.terms:
            return None
        node_names = None
        for term in required.terms:
            term_names = None
            for field in term.get("matchFields") or ():
                if field.get("key") == "metadata.name" and field.get("operator") == "In":
                    values = set(field.get("values") or ())
                    term_names = values if term_names is None else term_names & values
            if term_names is None:
                return None          # a term without a node-name field: any node may match
            node_names = term_names if node_names is None else node_names | term_names
        if node_names is not None and not node_names:
            return Status.unresolvable(ERR_REASON_CONFLICT)
        return PreFilterResult(node_names) if node_names else None

    def filter(self, state, pod, node_info):
        if state[_KEY].match(node_info.node):
            return None
        return Status.unresolvable(ERR_REASON_POD)

    def pre_score(self, state, pod, node_infos):
        terms = _preferred_terms(pod)
        if not terms:
            return Status.skip()
        state["PreScoreNodeAffinity"] = terms

    def score(self, state, pod, node_info):
        return sum(t.get("weight", 0) for t in state["PreScoreNodeAffinity"]
                   if t.get("weight", 0) and node_selector_term_matches(t.get("preference") or {}, node_info.node))

    def normalize_scores(self, state, pod, node_infos, scores):
        return default_normalize_score(MAX_NODE_SCORE, False, scores)

    def events_to_register(self):
        def hint(pod, old, new):
            return RequiredNodeAffinity(pod).match(new)
        return [ClusterEvent("Node", "Add", hint), ClusterEvent("Node", "UpdateNodeLabel", hint)]

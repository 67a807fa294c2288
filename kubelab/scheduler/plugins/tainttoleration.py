"""TaintToleration: a node's NoSchedule/NoExecute taints repel Pods that do not
tolerate them (Filter); each untolerated PreferNoSchedule taint lowers the
node's score (Score counts them, NormalizeScore reverses: fewest is best).

Worked example: nodes with 0, 1 and 2 intolerable PreferNoSchedule taints
score 100 - 100*0/2 = 100, 100 - 100*1/2 = 50 and 100 - 100*2/2 = 0.
"""
from ...api.tolerations import DO_NOT_SCHEDULE_EFFECTS, format_taint, tolerates, untolerated_taint
from ..framework import MAX_NODE_SCORE, ClusterEvent, Plugin, Status
from .helper import default_normalize_score

_PREFER = "PreferNoSchedule"


def _prefer_tolerations(pod):
    # getAllTolerationPreferNoSchedule: tolerations with an empty or PreferNoSchedule effect
    return [t for t in pod["spec"].get("tolerations") or () if (t.get("effect") or "") in ("", _PREFER)]


class TaintToleration(Plugin):
    name = "TaintToleration"

    def pre_filter(self, state, pod):
        # kubelab: with no NoSchedule/NoExecute taint in the snapshot Filter passes everywhere
        return None if self.handle.snapshot.tainted_nodes else Status.skip()

    def filter(self, state, pod, node_info):
        if not node_info.taints:
            return None
        taint = untolerated_taint(pod["spec"].get("tolerations"), node_info.taints, DO_NOT_SCHEDULE_EFFECTS)
        if taint is None:
            return None
        return Status.unresolvable(f"node(s) had untolerated taint {format_taint(taint)}")

    def pre_score(self, state, pod, node_infos):
        state["PreScoreTaintToleration"] = _prefer_tolerations(pod)

    def score(self, state, pod, node_info):
        tolerations = state["PreScoreTaintToleration"]
        return sum(1 for taint in node_info.taints if taint.get("effect") == _PREFER
                   and not any(tolerates(t, taint) for t in tolerations))

    def score_nodes(self, state, pod, node_infos):
        if not self.handle.snapshot.prefer_no_schedule_nodes:
            return [0] * len(node_infos)
        return [self.score(state, pod, ni) if ni.taints else 0 for ni in node_infos]

    def normalize_scores(self, state, pod, node_infos, scores):
        return default_normalize_score(MAX_NODE_SCORE, True, scores)

    def events_to_register(self):
        def hint(pod, old, new):
            taints = (new.get("spec") or {}).get("taints")
            return untolerated_taint(pod["spec"].get("tolerations"), taints, DO_NOT_SCHEDULE_EFFECTS) is None
        return [ClusterEvent("Node", "Add", hint), ClusterEvent("Node", "UpdateNodeTaint", hint),
                ClusterEvent("UnscheduledPod", "UpdatePodToleration")]

"""Preemption (pkg/scheduler/framework/preemption): when no node fits a Pod,
find a node where evicting lower-priority Pods would make room.

1. The Pod must be eligible: ``preemptionPolicy: Never`` is not, nor a Pod
   whose nominated node still has victims terminating.
2. Candidates: only nodes whose Filter verdict was Unschedulable (not
   Unresolvable). On each, remove every lower-priority Pod; if the Pod still
   does not fit, the node is out. Otherwise reprieve victims one by one, most
   important first (PDB-violating ones first), keeping each that still lets
   the Pod fit. Nodes are tried from a random offset until enough candidates
   (10% of nodes, at least 100) are found.
3. Pick a node by, in order: fewest PodDisruptionBudget violations, lowest
   highest-victim priority, smallest sum of victim priorities, fewest
   victims, latest start time of the highest-priority victims, then the first.
4. Evict: each victim gets the DisruptionTarget condition (reason
   PreemptionByScheduler) and a graceful delete, and an event "Preempted by pod
   <uid> on node <node>"; lower-priority Pods nominated to the node lose the
   nomination. The preemptor is nominated to the node (status.nominatedNodeName).
"""
from __future__ import annotations

from .. import errors
from ..api.labels import SelectorError, selector_from_label_selector
from ..api.meta import format_time
from .diagnosis import NodeToStatus, fit_error_message
from .framework import Code, Status
from .nodeinfo import PodInfo

__all__ = ["Evaluator", "MIN_CANDIDATE_NODES_PERCENTAGE", "MIN_CANDIDATE_NODES_ABSOLUTE"]

MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100
_INT32_MAX = 2**31 - 1


def _start_time(pi: PodInfo) -> str:
    """GetPodStartTime: status.startTime, else the creation time (RFC 3339 sorts as text)."""
    return (pi.pod.get("status") or {}).get("startTime") or pi.pod["metadata"].get("creationTimestamp") or ""


def _importance_key(pi: PodInfo):
    """util.MoreImportantPod as a sort key: higher priority, then earlier start."""
    return (-pi.priority, _start_time(pi))


def terminating_by_preemption(pod: dict) -> bool:
    if not pod["metadata"].get("deletionTimestamp"):
        return False
    return any(c.get("type") == "DisruptionTarget" and c.get("status") == "True"
               and c.get("reason") == "PreemptionByScheduler" for c in (pod.get("status") or {}).get("conditions") or ())


def split_by_pdb_violation(victims: list[PodInfo], pdbs: list[dict]):
    """filterPodsWithPDBViolation: (violating, non-violating), order kept."""
    allowed = [(pdb.get("status") or {}).get("disruptionsAllowed", 0) for pdb in pdbs]
    violating, ok = [], []
    for pi in victims:
        violated = False
        if pi.labels:
            for i, pdb in enumerate(pdbs):
                if pdb["metadata"].get("namespace") != pi.namespace:
                    continue
                try:
                    selector = selector_from_label_selector((pdb.get("spec") or {}).get("selector"))
                except SelectorError:
                    continue
                if selector.empty() or not selector.matches(pi.labels):
                    continue
                if pi.name in ((pdb.get("status") or {}).get("disruptedPods") or {}):
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else ok).append(pi)
    return violating, ok


class Candidate:
    __slots__ = ("name", "victims", "pdb_violations")

    def __init__(self, name, victims, pdb_violations):
        self.name, self.victims, self.pdb_violations = name, victims, pdb_violations


class Evaluator:
    """The preemption algorithm, for one framework (profile)."""

    def __init__(self, framework, handle, plugin_name: str = "DefaultPreemption"):
        self.fw, self.handle, self.plugin_name = framework, handle, plugin_name

    def eligible(self, pod: dict, statuses) -> tuple[bool, str]:
        """PodEligibleToPreemptOthers."""
        if pod["spec"].get("preemptionPolicy") == "Never":
            return False, "not eligible due to preemptionPolicy=Never."
        nominated = (pod.get("status") or {}).get("nominatedNodeName")
        if nominated:
            if statuses.get(nominated).code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                return True, ""
            ni = self.handle.snapshot.get(nominated)
            priority = pod["spec"].get("priority") or 0
            if ni is not None and any(p.priority < priority and terminating_by_preemption(p.pod)
                                      for p in ni.pods.values()):
                return False, "not eligible due to a terminating pod on the nominated node."
        return True, ""

    def preempt(self, state, pod: dict, statuses):
        """Preempt: (nominated node name or "" to clear or None to keep, Status)."""
        latest = self.handle.pod_lister.get(pod["metadata"]["name"], pod["metadata"].get("namespace"))
        pod = latest or pod
        ok, msg = self.eligible(pod, statuses)
        if not ok:
            return None, Status(Code.UNSCHEDULABLE, msg)
        all_nodes = self.handle.snapshot.node_list()
        candidates, node_statuses = self.find_candidates(state, pod, all_nodes, statuses)
        if not candidates:
            node_statuses.absent = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                                          "Preemption is not helpful for scheduling")
            return "", Status(Code.UNSCHEDULABLE, fit_error_message(len(all_nodes), node_statuses))
        best = self.select_candidate(candidates)
        self.prepare_candidate(best, pod)
        return best.name, Status()

    def find_candidates(self, state, pod, all_nodes, statuses):
        potential = [ni for ni in all_nodes if statuses.get(ni.name).code == Code.UNSCHEDULABLE]
        node_statuses = NodeToStatus()
        if not potential:
            return [], node_statuses
        pdbs = self.handle.pdbs()
        offset = self.handle.rng.randrange(len(potential))
        wanted = min(max(len(potential) * MIN_CANDIDATE_NODES_PERCENTAGE // 100, MIN_CANDIDATE_NODES_ABSOLUTE),
                     len(potential))
        non_violating, violating = [], []
        for i in range(len(potential)):
            ni = potential[(offset + i) % len(potential)].clone()
            victims, violations, status = self.select_victims_on_node(state.clone(), pod, ni, pdbs)
            if status is None and victims:
                (violating if violations else non_violating).append(Candidate(ni.name, victims, violations))
                if non_violating and len(non_violating) + len(violating) >= wanted:
                    break
                continue
            if status is None:
                status = Status(Code.ERROR, f'expected at least one victim pod on node "{ni.name}"')
            node_statuses.set(ni.name, status)
        return non_violating + violating, node_statuses

    def select_victims_on_node(self, state, pod, ni, pdbs):
        """SelectVictimsOnNode: (victims most important first, PDB violations, Status or None)."""
        priority = pod["spec"].get("priority") or 0
        potential = [pi for pi in ni.pods.values() if pi.priority < priority]
        if not potential:
            return [], 0, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, "No preemption victims found for incoming pod")
        for pi in potential:
            ni.remove_pod(pi.uid)
            self.fw.run_pre_filter_remove_pod(state, pod, pi, ni)
        status = self.fw.run_filter_with_nominated_pods(state, pod, ni)
        if status is not None:
            return [], 0, status
        potential.sort(key=_importance_key)
        violating, non_violating = split_by_pdb_violation(potential, pdbs)
        victims, violations = [], 0
        for group, counts in ((violating, True), (non_violating, False)):
            for pi in group:
                ni.add_pod(pi)
                self.fw.run_pre_filter_add_pod(state, pod, pi, ni)
                if self.fw.run_filter_with_nominated_pods(state, pod, ni) is not None:
                    ni.remove_pod(pi.uid)
                    self.fw.run_pre_filter_remove_pod(state, pod, pi, ni)
                    victims.append(pi)
                    violations += counts
        if violating and non_violating:
            victims.sort(key=_importance_key)
        return victims, violations, None

    @staticmethod
    def select_candidate(candidates: list[Candidate]) -> Candidate:
        """pickOneNodeForPreemption's criteria, in order."""
        def criteria():
            yield lambda c: -c.pdb_violations
            yield lambda c: -c.victims[0].priority
            yield lambda c: -sum(v.priority + _INT32_MAX + 1 for v in c.victims)
            yield lambda c: -len(c.victims)
            yield lambda c: _start_time(min(c.victims, key=_importance_key))
        pool = list(candidates)
        for score in criteria():
            best = max(score(c) for c in pool)
            pool = [c for c in pool if score(c) == best]
            if len(pool) == 1:
                break
        return pool[0]

    def prepare_candidate(self, c: Candidate, pod: dict) -> None:
        """Evict the victims (or reject them if waiting at Permit), clear lower nominations."""
        api = self.handle.api
        for victim in c.victims:
            waiting = self.handle.get_waiting_pod(victim.uid)
            if waiting is not None:
                waiting.reject(self.plugin_name, "preempted")
            else:
                self._evict(api, victim.pod, pod)
            self.handle.recorder.event(victim.pod, "Normal", "Preempted",
                                       f'Preempted by pod {pod["metadata"].get("uid")} on node {c.name}')
        priority = pod["spec"].get("priority") or 0
        for pi in self.handle.nominated_pods_for_node(c.name):
            if pi.priority < priority:
                self.handle.clear_nominated_node_name(pi.pod)

    def _evict(self, api, victim: dict, preemptor: dict) -> None:
        meta = victim["metadata"]
        ns = meta.get("namespace")
        condition = {"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
                     "message": f'{preemptor["spec"].get("schedulerName", "default-scheduler")}: '
                                "preempting to accommodate a higher priority pod",
                     "lastProbeTime": None, "lastTransitionTime": format_time(self.handle.clock.now())}
        try:
            current = api.get("pods", meta["name"], namespace=ns)
            conditions = [x for x in (current.get("status") or {}).get("conditions") or ()
                          if x.get("type") != "DisruptionTarget"] + [condition]
            api.patch("pods", meta["name"], {"status": {"conditions": conditions}}, namespace=ns,
                      patch_type="merge", subresource="status")
            api.delete("pods", meta["name"], namespace=ns)
        except errors.NotFound:
            pass

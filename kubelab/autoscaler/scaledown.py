"""Scale-down: finding unneeded nodes and removing them (cluster-autoscaler core/scaledown:
planner, eligibility, unneeded, actuation).

Every loop without a scale-up, each node of a node group is checked:

* it must not be marked ``cluster-autoscaler.kubernetes.io/scale-down-disabled: "true"``,
  nor be on its way out, and its group must stay at or above its minimum size;
* the sum of its Pods' cpu requests, and of their memory requests, must each be
  below ``scale_down_utilization_threshold`` (0.5) of its allocatable;
* every Pod on it must be movable (:mod:`.drain`) and fit on another node, in a
  simulation where the Pods of nodes already chosen in this pass have moved.

A node that passes is *unneeded*; one unneeded for ``scale_down_unneeded_time``
(10 minutes) is removed, unless a scale-up happened in the last 10 minutes, a
removal failed in the last 3, or one happened in the last loop. Empty nodes
(only DaemonSet or mirror Pods) go up to 10 at a time, others one at a time:
the node is tainted ``ToBeDeletedByClusterAutoscaler:NoSchedule``, 5 s later
its Pods are evicted through the Eviction API (so PodDisruptionBudgets hold;
a refused eviction is retried every 10 s for up to 2 minutes, then the removal
fails and the taint is taken off), and once they are gone the machine is
deleted. A node that failed the check is not checked again for 5 minutes.
"""
from __future__ import annotations

from .. import errors
from .drain import DRAIN, SKIP, classify, format_utilization, utilization
from .nodegroup import GROUP_LABEL

__all__ = ["ScaleDown", "TO_BE_DELETED_TAINT", "SCALE_DOWN_DISABLED"]

TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler"
SCALE_DOWN_DISABLED = "cluster-autoscaler.kubernetes.io/scale-down-disabled"
UNREMOVABLE_RECHECK = 300.0          # --unremovable-node-recheck-timeout
EVICTION_RETRY = 10.0                # drain: retry a refused eviction after
MAX_POD_EVICTION_TIME = 120.0        # and give up after
POD_TERMINATION_POLL = 5.0
POD_EVICTION_HEADROOM = 30.0


class ScaleDown:
    """The scale-down half of the autoscaler: ``update()`` then ``actuate()`` each loop."""

    def __init__(self, ca):
        self.ca = ca
        self.unneeded: dict[str, float] = {}           # node -> unneeded since
        self.unremovable: dict[str, tuple] = {}        # node -> (reason, detail, recheck at)
        self.to_move: dict[str, list[dict]] = {}       # unneeded node -> the Pods it must evict
        self.utilization: dict[str, tuple] = {}
        self.deleting: set[str] = set()
        self.hints: dict[str, str] = {}                # pod uid -> where it fitted last time

    # -- planning -------------------------------------------------------------------
    def update(self, now: float) -> None:
        """UpdateClusterState: which nodes are unneeded now, and since when."""
        ca, checker = self.ca, self.ca.checker
        budget: dict = {}
        room = {g.name: g.target_size() - len([n for n in self.deleting if n in g.instances]) - g.min_size
                for g in ca.groups.values()}
        chosen: list[str] = []
        pdbs = ca.pdbs.list()
        hints, self.hints = self.hints, {}
        checker.fork()
        for name in self._candidates(now):
            ni = checker.snapshot.get(name)
            group = ni.labels.get(GROUP_LABEL)
            self.utilization[name] = info = utilization(ni)
            if info[3] >= ca.scale_down_utilization_threshold:
                self._unremovable(name, "NotUnderutilized", "", now, recheck=False)
                continue
            if room.get(group, 0) <= 0:
                self._unremovable(name, "NodeGroupMinSizeReached", "", now, recheck=False)
                continue
            trial = dict(budget)
            verdicts = [(pi, classify(pi.pod, pdbs, trial)) for pi in ni.pods.values()]
            blocked = next(((r, m) for _, (r, m) in verdicts if r not in (DRAIN, SKIP)), None)
            if blocked is not None:
                self._unremovable(name, "BlockedByPod", f"{blocked[0]}: {blocked[1]}", now)
                continue
            movable = sorted((pi for pi, (r, _) in verdicts if r == DRAIN), key=lambda pi: pi.key)
            if not self._place(name, movable, set(chosen), hints):
                self._unremovable(name, "NoPlaceToMovePods", "", now)
                continue
            budget = trial
            room[group] -= 1
            chosen.append(name)
            self.to_move[name] = [pi.pod for pi in movable]
            self.unremovable.pop(name, None)
        checker.revert()
        self.unneeded = {n: self.unneeded.get(n, now) for n in chosen}
        self.to_move = {n: self.to_move[n] for n in chosen}
        known = {n for g in ca.groups.values() for n in g.instances}
        self.unremovable = {n: v for n, v in self.unremovable.items() if n in known}

    def _candidates(self, now: float) -> list[str]:
        """Nodes of node groups that may be checked now: unneeded ones first, then the rest."""
        names = []
        for group in self.ca.groups.values():
            for name in sorted(group.registered):
                ni = self.ca.checker.snapshot.get(name)
                if ni is None or name in self.deleting or not _ready(ni.node):
                    continue
                if (ni.node["metadata"].get("annotations") or {}).get(SCALE_DOWN_DISABLED) == "true":
                    self._unremovable(name, "ScaleDownDisabledAnnotation", "", now, recheck=False)
                    continue
                if any(t.get("key") == TO_BE_DELETED_TAINT for t in ni.taints):
                    continue
                held = self.unremovable.get(name)
                if held is not None and held[2] > now:
                    continue
                names.append(name)
        return sorted(names, key=lambda n: (n not in self.unneeded, n))

    def _place(self, node: str, pods: list, gone: set[str], hints: dict) -> bool:
        """Move the node's Pods to other nodes in the snapshot (kept if they all fit); where a
        Pod fitted in the last pass is tried first (the autoscaler's hinting simulator)."""
        checker = self.ca.checker
        checker.fork()
        for pi in pods:
            checker.remove_pod(pi.uid)
        others = [ni.name for ni in checker.snapshot.node_list() if ni.name != node and ni.name not in gone]
        for pi in pods:
            hint = hints.get(pi.uid)
            order = ([hint] if hint in others else []) + others
            unbound = dict(pi.pod, spec={k: v for k, v in pi.pod["spec"].items() if k != "nodeName"})
            dest, _ = checker.find(unbound, order)
            if dest is None:
                checker.revert()
                return False
            checker.add_pod(pi, dest)
            self.hints[pi.uid] = dest
        checker.commit()
        return True

    def _unremovable(self, node, reason, detail, now, recheck=True) -> None:
        self.unremovable[node] = (reason, detail, now + UNREMOVABLE_RECHECK if recheck else now)

    # -- acting -----------------------------------------------------------------------
    def clean_taints(self) -> None:
        """CleanAllToBeDeleted: a (re)started autoscaler takes its taint off every node."""
        ca = self.ca
        for node in ca.informers["nodes"].list():
            taints = (node.get("spec") or {}).get("taints") or ()
            if any(t.get("key") == TO_BE_DELETED_TAINT for t in taints):
                kept = [t for t in taints if t.get("key") != TO_BE_DELETED_TAINT]
                ca.api.patch("nodes", node["metadata"]["name"], {"spec": {"taints": kept or None}},
                             namespace=None, patch_type="merge")

    def actuate(self, now: float) -> None:
        """StartDeletion: remove the nodes unneeded long enough (empty ones in bulk)."""
        ca = self.ca
        if self.deleting:
            return
        due = sorted(n for n, since in self.unneeded.items() if now - since >= ca.scale_down_unneeded_time)
        empty = [n for n in due if not self.to_move.get(n)][:ca.max_empty_bulk_delete]
        if empty:
            for name in empty:
                self._start(name, [])
        elif due:
            self._start(due[0], self.to_move[due[0]])

    def _start(self, name: str, pods: list[dict]) -> None:
        ca = self.ca
        self.deleting.add(name)
        self.unneeded.pop(name, None)
        node = ca.api.get("nodes", name, namespace=None)
        taints = list((node.get("spec") or {}).get("taints") or [])
        stamp = str(int(ca.cluster.clock.start.timestamp() + ca.cluster.clock.seconds))
        taints.append({"key": TO_BE_DELETED_TAINT, "value": stamp, "effect": "NoSchedule"})
        ca.api.patch("nodes", name, {"spec": {"taints": taints}}, namespace=None, patch_type="merge")
        ca.event(node, "Normal", "ScaleDown", "marked the node as toBeDeleted/unschedulable")
        if pods:
            ca.status_event("ScaleDown", f"Scale-down: removing node {name}, utilization: "
                            f"{format_utilization(self.utilization[name])}, pods to reschedule: "
                            f"{','.join(p['metadata']['name'] for p in pods)}")
        else:
            ca.status_event("ScaleDownEmpty", f'Scale-down: removing empty node "{name}"')
        ca.later(ca.node_delete_delay_after_taint, lambda: self._drain(name, pods, ca.loop.clock.seconds))

    def _drain(self, name: str, pods: list[dict], began: float) -> None:
        """Evict what is left to evict; retry refusals; give up after 2 minutes."""
        ca = self.ca
        refused = []
        for pod in pods:
            meta = pod["metadata"]
            try:
                ca.event(pod, "Normal", "ScaleDown", "deleting pod for node scale down")
                ca.api.create({"apiVersion": "policy/v1", "kind": "Eviction",
                               "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
                               "deleteOptions": {"gracePeriodSeconds": min(
                                   ca.max_graceful_termination,
                                   pod["spec"].get("terminationGracePeriodSeconds", 30))}})
            except errors.NotFound:
                continue
            except errors.ApiError as e:
                refused.append((pod, e))
        if not refused:
            self._wait_gone(name, pods, ca.loop.clock.seconds)
        elif ca.loop.clock.seconds - began + EVICTION_RETRY <= MAX_POD_EVICTION_TIME:
            ca.later(EVICTION_RETRY, lambda: self._drain(name, [p for p, _ in refused], began))
        else:
            pod, error = refused[0]
            self._fail(name, f"failed to drain and delete node: failed to evict pods from node {name}: "
                             f"{pod['metadata']['namespace']}/{pod['metadata']['name']}: {error.message}")

    def _wait_gone(self, name: str, pods: list[dict], since: float) -> None:
        ca = self.ca
        left = [p for p in pods if ca.pods.get(p["metadata"]["name"], p["metadata"]["namespace"]) is not None
                and ca.pods.get(p["metadata"]["name"], p["metadata"]["namespace"])["metadata"]["uid"]
                == p["metadata"]["uid"]]
        if left and ca.loop.clock.seconds - since < ca.max_graceful_termination + POD_EVICTION_HEADROOM:
            ca.later(POD_TERMINATION_POLL, lambda: self._wait_gone(name, left, since))
            return
        self._delete(name, drained=bool(pods))

    def _delete(self, name: str, drained: bool) -> None:
        ca = self.ca
        group = ca.group_of(name)
        group.delete_node(name)
        self.deleting.discard(name)
        ca.last_scale_down_delete = ca.loop.clock.seconds
        if drained:
            ca.status_event("ScaleDown", f"Scale-down: node {name} removed with drain")
        else:
            ca.status_event("ScaleDownEmpty", f"Scale-down: empty node {name} removed")

    def _fail(self, name: str, message: str) -> None:
        """The removal failed: the node stays, untainted, and is left alone for a while."""
        ca = self.ca
        self.deleting.discard(name)
        now = ca.loop.clock.seconds
        ca.last_scale_down_fail = now
        self._unremovable(name, "RecentlyUnremovable", message, now)
        try:
            node = ca.api.get("nodes", name, namespace=None)
        except errors.NotFound:
            return
        taints = [t for t in (node.get("spec") or {}).get("taints") or () if t.get("key") != TO_BE_DELETED_TAINT]
        ca.api.patch("nodes", name, {"spec": {"taints": taints or None}}, namespace=None, patch_type="merge")
        ca.event(node, "Warning", "ScaleDownFailed", message)


def _ready(node: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (node.get("status") or {}).get("conditions") or ())


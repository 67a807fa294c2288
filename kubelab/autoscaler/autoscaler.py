"""cluster-autoscaler: the main loop (core/static_autoscaler.go RunOnce).

Every ``scan_interval`` (10 s) the autoscaler looks at the cluster through its
informers and a snapshot of nodes and bound Pods (kept current by the
informers' handlers, changed only inside forks while it simulates):

1. *scale-up*: the Pods the scheduler marked ``PodScheduled=False`` /
   ``Unschedulable`` (priority at least -10, the expendable cutoff) are first
   placed, in the simulation, on the existing nodes and on the nodes already
   booting; the ones left over drive :mod:`.scaleup`. Pods that helped get a
   ``TriggeredScaleUp`` event, the others ``NotTriggerScaleUp`` with the
   reasons, per node group (``1 max node group size reached``, ``1 Insufficient
   cpu``...). A loop that scaled up ends there.
2. *scale-down*: :mod:`.scaledown` updates the unneeded nodes and removes
   those unneeded for long enough.
3. the status ConfigMap is written (:mod:`.status`).

Events go through the usual recorder, each (object, reason, message) at most
once per 5 minutes (the autoscaler's own deduplication; --record-duplicated-events=false).
"""
from __future__ import annotations

from .. import errors
from ..client.events import EventRecorder
from ..client.informer import Informer
from ..kubectl.tabwriter import tabwrite
from ..scheduler.predicates import PredicateChecker
from ..scheduler.resources import Resource
from .nodegroup import NodeGroup
from .scaledown import ScaleDown
from .scaleup import Option, choose, estimate
from .status import STATUS_CONFIGMAP, StatusWriter

__all__ = ["ClusterAutoscaler"]

EVENT_DEDUP_WINDOW = 300.0


class ClusterAutoscaler:
    """``ClusterAutoscaler(c, [NodeGroup(...)], expander="least-waste")``: a component
    (``c.stop("cluster-autoscaler")``) that starts at once."""

    name = "cluster-autoscaler"

    def __init__(self, cluster, node_groups: list[NodeGroup], *, scan_interval: float = 10.0,
                 expander: str = "random", expander_priorities: dict | None = None,
                 scale_down_enabled: bool = True, scale_down_unneeded_time: float = 600.0,
                 scale_down_utilization_threshold: float = 0.5, scale_down_delay_after_add: float = 600.0,
                 scale_down_delay_after_failure: float = 180.0, scale_down_delay_after_delete: float | None = None,
                 max_empty_bulk_delete: int = 10, max_graceful_termination: int = 600,
                 node_delete_delay_after_taint: float = 5.0, expendable_pods_priority_cutoff: int = -10):
        self.cluster, self.api, self.loop, self.rng = cluster, cluster.api, cluster.loop, cluster.rng
        self.groups = {g.name: g for g in node_groups}
        self.scan_interval, self.expander, self.expander_priorities = scan_interval, expander, expander_priorities
        self.scale_down_enabled = scale_down_enabled
        self.scale_down_unneeded_time = scale_down_unneeded_time
        self.scale_down_utilization_threshold = scale_down_utilization_threshold
        self.scale_down_delay_after_add = scale_down_delay_after_add
        self.scale_down_delay_after_failure = scale_down_delay_after_failure
        self.scale_down_delay_after_delete = scan_interval if scale_down_delay_after_delete is None \
            else scale_down_delay_after_delete
        self.max_empty_bulk_delete = max_empty_bulk_delete
        self.max_graceful_termination = max_graceful_termination
        self.node_delete_delay_after_taint = node_delete_delay_after_taint
        self.expendable_cutoff = expendable_pods_priority_cutoff
        self.recorder = EventRecorder(self.api, self.name)
        self.last_scale_up = self.last_scale_down_delete = self.last_scale_down_fail = -1e9
        self.last_scale_up_infos: list[str] = []
        self.running = False
        self._timer = None
        self._recorded: dict[tuple, float] = {}
        cluster.components[self.name] = self
        for group in node_groups:
            group.attach(cluster)
        self.start()

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        """Fresh informers and snapshot, then a loop every scan interval."""
        self.checker = PredicateChecker(self.api, self.loop, rng=self.rng, namespace_labels=self._ns_labels)
        self.pending: dict[str, dict] = {}
        self.scale_down = ScaleDown(self)
        self.status = StatusWriter(self)
        self.status.ensure()
        self.informers = {r: Informer(self.api, r, loop=self.loop, owner=self.name)
                          for r in ("namespaces", "poddisruptionbudgets", "daemonsets.apps", "nodes", "pods")}
        self.pdbs, self.pods = self.informers["poddisruptionbudgets"], self.informers["pods"]
        self.informers["nodes"].add_handler(self.checker.add_node, lambda old, new: self.checker.add_node(new),
                                            self.checker.remove_node)
        self.pods.add_handler(self._pod_changed, lambda old, new: self._pod_changed(new), self._pod_deleted)
        self.running = True
        for informer in self.informers.values():
            informer.start()
        self.scale_down.clean_taints()
        self._timer = self.loop.later(self.scan_interval, self._tick, self.name, daemon=True)

    def stop(self) -> None:
        self.running = False
        for informer in self.informers.values():
            informer.stop()
        if self._timer is not None:
            self._timer.cancel()

    def later(self, delay: float, fn) -> None:
        """A step of work (a node being removed) ``delay`` seconds from now."""
        self.loop.later(delay, lambda: fn() if self.running else None, self.name)

    def _tick(self) -> None:
        self._timer = self.loop.later(self.scan_interval, self._tick, self.name, daemon=True)
        self.run_once()

    # -- the snapshot ---------------------------------------------------------------------
    def _pod_changed(self, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        terminal = (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
        node = pod["spec"].get("nodeName")
        if node and not terminal:
            self.checker.add_pod(pod, node)
        elif uid in self.checker.snapshot.pod_nodes:
            self.checker.remove_pod(uid)
        if not node and not terminal and _unschedulable(pod):
            self.pending[uid] = pod
        else:
            self.pending.pop(uid, None)

    def _pod_deleted(self, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        self.pending.pop(uid, None)
        if uid in self.checker.snapshot.pod_nodes:
            self.checker.remove_pod(uid)

    def _ns_labels(self, namespace: str) -> dict:
        ns = self.informers["namespaces"].get(namespace)
        return (ns["metadata"].get("labels") or {}) if ns else {}

    def node_ready(self, name: str) -> bool:
        ni = self.checker.snapshot.get(name)
        return ni is not None and any(c.get("type") == "Ready" and c.get("status") == "True"
                                      for c in (ni.node.get("status") or {}).get("conditions") or ())

    def group_of(self, node: str) -> NodeGroup | None:
        return next((g for g in self.groups.values() if node in g.instances), None)

    # -- RunOnce ---------------------------------------------------------------------------
    def run_once(self) -> None:
        if not self.running:
            return
        now = self.loop.clock.seconds
        scaled_up = self._scale_up(now)
        if scaled_up:
            self.last_scale_up = now
        elif self.scale_down_enabled:
            self.scale_down.update(now)
            cooling = (now < self.last_scale_up + self.scale_down_delay_after_add
                       or now < self.last_scale_down_fail + self.scale_down_delay_after_failure
                       or now < self.last_scale_down_delete + self.scale_down_delay_after_delete)
            if not cooling:
                self.scale_down.actuate(now)
        self.status.write()

    def _scale_up(self, now: float) -> bool:
        pods = sorted((p for p in self.pending.values() if not p["metadata"].get("deletionTimestamp")
                       and (p["spec"].get("priority") or 0) >= self.expendable_cutoff),
                      key=lambda p: (-(p["spec"].get("priority") or 0), p["metadata"]["creationTimestamp"],
                                     p["metadata"]["namespace"], p["metadata"]["name"]))
        if not pods:
            return False
        checker = self.checker
        checker.fork()
        try:
            for group in self.groups.values():                 # the nodes already on their way
                for name in group.upcoming():
                    self._add_template(group, name)
            left = self._filter_out_schedulable(pods)
            if not left:
                return False
            options, rejected = [], {}
            for group in self.groups.values():
                option = self._option(group, left, rejected)
                if option is not None:
                    options.append(option)
            best = choose(options, self.expander, self.rng, priorities=self.expander_priorities,
                          alloc_of=lambda g: Resource.from_list(g.template()["status"]["allocatable"]))
            if best is None:
                for pod in left:
                    reasons = rejected.get(pod["metadata"]["uid"], {})
                    counts: dict[str, int] = {}
                    for reason in reasons.values():
                        counts[reason] = counts.get(reason, 0) + 1
                    self.event(pod, "Normal", "NotTriggerScaleUp", "pod didn't trigger scale-up: " + ", ".join(
                        f"{n} {r}" for r, n in sorted(counts.items())))
                return False
            self._execute(best)
            return True
        finally:
            checker.revert()

    def _filter_out_schedulable(self, pods: list[dict]) -> list[dict]:
        """Pods the scheduler will place on existing or booting nodes need no new node."""
        checker, left = self.checker, []
        names = [ni.name for ni in checker.snapshot.node_list()]
        for pod in pods:
            node, _ = checker.find(pod, names)
            if node is None:
                left.append(pod)
            else:
                checker.add_pod(pod, node)
        return left

    def _add_template(self, group: NodeGroup, name: str) -> str:
        """A template node in the (forked) snapshot, with the DaemonSet Pods it would run."""
        node = group.template(name)
        self.checker.add_node(node)
        for ds in self.informers["daemonsets.apps"].list():
            pod = {"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": f'{ds["metadata"]["name"]}-{name}', "namespace": ds["metadata"]["namespace"],
                                "uid": f'{ds["metadata"]["uid"]}-{name}',
                                "labels": (ds["spec"]["template"].get("metadata") or {}).get("labels") or {}},
                   "spec": dict(ds["spec"]["template"]["spec"])}
            if self.checker.check(pod, name) is None:
                self.checker.add_pod(pod, name)
        return name

    def _option(self, group: NodeGroup, pods: list[dict], rejected: dict) -> Option | None:
        """ComputeExpansionOption for one group; why it cannot help is noted per Pod."""
        if group.target_size() >= group.max_size:
            for pod in pods:
                rejected.setdefault(pod["metadata"]["uid"], {})[group.name] = "max node group size reached"
            return None
        checker = self.checker
        checker.fork()
        probe = self._add_template(group, f"template-node-for-{group.name}")
        fitting, verdicts = [], {}
        for pod in pods:            # Pods of one controller are alike: one check each (equivalence groups)
            owner = next((r["uid"] for r in pod["metadata"].get("ownerReferences") or () if r.get("controller")),
                         pod["metadata"]["uid"])
            if owner not in verdicts:
                verdicts[owner] = checker.check(pod, probe)
            status = verdicts[owner]
            if status is None:
                fitting.append(pod)
            else:
                rejected.setdefault(pod["metadata"]["uid"], {})[group.name] = status.message
        checker.revert()
        if not fitting:
            return None
        checker.fork()
        try:
            alloc = Resource.from_list(group.template()["status"]["allocatable"])
            count, placed = estimate(checker, lambda i: self._add_template(
                group, f"template-node-for-{group.name}-{i}"), fitting, group.max_size - group.target_size(), alloc)
            return Option(group, count, placed) if count else None
        finally:
            checker.revert()

    def _execute(self, option: Option) -> None:
        group = option.group
        current = group.target_size()
        new = min(current + option.node_count, group.max_size)
        group.increase_size(new - current)
        info = f"{{{group.name} {current}->{new} (max: {group.max_size})}}"
        self.last_scale_up_infos = [info]
        self.status_event("ScaledUpGroup", f"Scale-up: setting group {group.name} size to {new} instead of "
                                           f"{current} (max: {group.max_size})")
        for pod in option.pods:
            self.event(pod, "Normal", "TriggeredScaleUp", f"pod triggered scale-up: [{info}]")

    # -- events ------------------------------------------------------------------------------
    def event(self, obj: dict, type_: str, reason: str, message: str) -> None:
        key = (obj["metadata"].get("uid") or obj["metadata"]["name"], reason, message)
        now = self.loop.clock.seconds
        if now - self._recorded.get(key, -1e9) < EVENT_DEDUP_WINDOW:
            return
        if len(self._recorded) > 10_000:
            self._recorded = {k: t for k, t in self._recorded.items() if now - t < EVENT_DEDUP_WINDOW}
        self._recorded[key] = now
        self.recorder.event(obj, type_, reason, message)

    def status_event(self, reason: str, message: str) -> None:
        try:
            cm = self.api.get("configmaps", STATUS_CONFIGMAP, namespace="kube-system")
        except errors.NotFound:
            cm = self.status.ensure()
        self.event(cm, "Normal", reason, message)

    # -- looking inside ------------------------------------------------------------------------
    def table(self) -> str:
        """Every node of every group: utilization, and unneeded for how long or why it stays."""
        now = self.loop.clock.seconds
        rows = [("NODE", "GROUP", "UTILIZATION", "STATE")]
        for group in self.groups.values():
            for name in group.nodes():
                info = self.scale_down.utilization.get(name)
                util = f"{info[3]:.0%} {info[2]}" if info else "-"
                if name in group.upcoming():
                    state = f"booting ({now - group.instances[name]:.0f}s)"
                elif name in self.scale_down.deleting:
                    state = "being removed"
                elif name in self.scale_down.unneeded:
                    state = f"unneeded for {now - self.scale_down.unneeded[name]:.0f}s"
                elif name in self.scale_down.unremovable:
                    reason, detail, _ = self.scale_down.unremovable[name]
                    state = reason + (f" ({detail})" if detail else "")
                else:
                    state = "-"
                rows.append((name, group.name, util, state))
        return tabwrite("\n".join("\t".join(r) for r in rows))


def _unschedulable(pod: dict) -> bool:
    return any(c.get("type") == "PodScheduled" and c.get("status") == "False" and c.get("reason") == "Unschedulable"
               for c in (pod.get("status") or {}).get("conditions") or ())


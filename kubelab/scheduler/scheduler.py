"""kube-scheduler: watch unscheduled Pods, pick a node for each, bind it
(pkg/scheduler/scheduler.go, schedule_one.go, eventhandlers.go).

One scheduling cycle per Pod popped from the queue: PreFilter, Filter over
the nodes (from where the last cycle stopped, until enough feasible nodes are
found: percentageOfNodesToScore, adaptive by default as 50 - nodes/125 %, at
least 5 % and at least 100 nodes), PreScore and Score, then the node with the
highest total (ties: reservoir sampling with the cluster's rng, as selectHost
does). The Pod is *assumed* on that node in the cache, Reserve and Permit run,
and the binding cycle (PreBind, Bind, PostBind) follows, after waiting at
Permit if a plugin asked to. A Pod that fits nowhere runs PostFilter
(preemption), gets a FailedScheduling event and the PodScheduled=False
condition, and goes back to the queue.
"""
from __future__ import annotations

from collections import OrderedDict

from .. import errors
from ..api.meta import format_time
from ..client.events import EventRecorder
from ..client.informer import Informer
from .cache import Cache
from .diagnosis import NodeToStatus, fit_error_message
from .explain import Attempt, Explanation
from .framework import Code, CycleState, Status
from .nodeinfo import PodInfo
from .plugins import IN_TREE
from .profile import load_profiles
from .queue import SchedulingQueue
from .runtime import Framework, WaitingPod

__all__ = ["Scheduler", "num_feasible_nodes_to_find"]

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
NOTE_LENGTH_LIMIT = 1024
KEPT_ATTEMPTS = 1000          # explain() remembers the last attempt of this many Pods


def num_feasible_nodes_to_find(percentage: int | None, num_all_nodes: int) -> int:
    """numFeasibleNodesToFind. Worked example: 5000 nodes -> 50 - 5000/125 = 10 %
    -> 500 nodes; 1000 nodes -> 42 % -> 420; 6000 nodes -> 5 % (the floor) -> 300."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if not percentage:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


class _FitError(Exception):
    def __init__(self, num_all_nodes, statuses, plugins, pre_filter_msg=""):
        super().__init__()
        self.num_all_nodes, self.statuses, self.plugins = num_all_nodes, statuses, plugins
        self.pre_filter_msg = pre_filter_msg
        self.post_filter_msg = ""

    def message(self) -> str:
        return fit_error_message(self.num_all_nodes, self.statuses, self.pre_filter_msg, self.post_filter_msg)


class Handle:
    """framework.Handle: what plugins may use besides their arguments."""

    def __init__(self, scheduler: "Scheduler"):
        self._s = scheduler
        self.api, self.rng, self.clock = scheduler.api, scheduler.rng, scheduler.loop.clock
        self.loop = scheduler.loop              # for plugins that watch more kinds (VolumeBinding)
        self.recorder = scheduler.recorder

    @property
    def snapshot(self) -> Cache:
        return self._s.cache

    @property
    def pod_lister(self) -> Informer:
        return self._s.informers["pods"]

    def namespace_labels(self, namespace: str) -> dict:
        ns = self._s.informers["namespaces"].get(namespace)
        return (ns["metadata"].get("labels") or {}) if ns else {}

    def pdbs(self) -> list[dict]:
        return self._s.informers["poddisruptionbudgets"].list()

    def pod_group(self, namespace: str, name: str) -> dict | None:
        informer = self._s.informers.get("podgroups")
        return informer.get(name, namespace) if informer is not None else None

    def waiting_pods(self) -> list[WaitingPod]:
        return list(self._s.waiting.values())

    def get_waiting_pod(self, uid: str) -> WaitingPod | None:
        return self._s.waiting.get(uid)

    def nominated_pods_for_node(self, node: str):
        return self._s.queue.nominated_pods_for_node(node)

    def clear_nominated_node_name(self, pod: dict) -> None:
        self._s.update_pod_status(pod, None, "")

    def move_all_on_event(self, resource: str, actions: tuple[str, ...], old=None, new=None) -> None:
        """A change a plugin's own informer saw (claims, volumes): retry the Pods it may help."""
        if self._s.running:
            self._s.queue.move_all_on_event(resource, actions, old, new)

    def activate(self, pods) -> None:
        """PodsToActivate: move these Pods straight back to activeQ."""
        self._s.queue.activate([p["metadata"].get("uid") for p in pods])

    def framework_for(self, pod: dict) -> Framework:
        return self._s.frameworks[pod["spec"].get("schedulerName") or "default-scheduler"]


class Scheduler:
    """The kube-scheduler component: ``start()``, ``stop()``, ``register_plugin()``, ``explain()``."""

    name = "kube-scheduler"

    def __init__(self, api, loop, *, rng, config: dict | None = None, plugins: dict | None = None):
        self.api, self.loop, self.rng = api, loop, rng
        self.config = config
        self.registry = dict(IN_TREE)
        self.registry.update(plugins or {})
        self.recorder = EventRecorder(api, "default-scheduler")
        self.running = False
        self._build()

    # -- assembly -------------------------------------------------------------
    def _build(self) -> None:
        self.profiles = load_profiles(self.config, self.registry)
        self.handle = Handle(self)
        self.frameworks = {p.scheduler_name: Framework(p, self.registry, self.handle) for p in self.profiles}
        first = next(iter(self.frameworks.values()))
        self.queue_sort = first.plugins_at("QueueSort")[0]

    def start(self) -> None:
        """Fresh cache, queue and informers (a restarted scheduler relists everything)."""
        self.cache = Cache()
        self.waiting: dict[str, WaitingPod] = {}
        self.attempts: OrderedDict[str, Attempt] = OrderedDict()
        self.next_start_node_index = 0
        self._kicked = False
        self.queue = SchedulingQueue(self.loop, self.queue_sort, events_for=self._events_for,
                                     pre_enqueue=self._pre_enqueue, owner=self.name, on_active=self._kick)
        self.informers = {}
        for resource in ("namespaces", "poddisruptionbudgets", "podgroups", "nodes", "pods"):
            try:
                self.informers[resource] = Informer(self.api, resource, loop=self.loop, owner=self.name)
            except errors.NotFound:
                continue        # PodGroup is not registered in this cluster
        self.informers["nodes"].add_handler(self._node_add, self._node_update, self._node_delete)
        self.informers["pods"].add_handler(self._pod_add, self._pod_update, self._pod_delete)
        if "podgroups" in self.informers:
            self.informers["podgroups"].add_handler(
                lambda pg: self.queue.move_all_on_event("podgroups", ("Add",), None, pg),
                lambda old, pg: self.queue.move_all_on_event("podgroups", ("Update",), old, pg))
        self.running = True
        for informer in self.informers.values():
            informer.start()

    def stop(self) -> None:
        for informer in self.informers.values():
            informer.stop()
        for waiting in list(self.waiting.values()):
            waiting.reject("", "scheduler stopped")
        self.running = False

    def register_plugin(self, plugin_cls, *, weight: int = 1, profiles=None) -> None:
        """Add a plugin class (with a ``name``) and enable it, at every extension
        point it implements, in the given profiles (default: all of them)."""
        if not getattr(plugin_cls, "name", None) or plugin_cls.name == "Plugin":
            raise ValueError("a plugin class needs a unique `name` attribute")
        self.registry[plugin_cls.name] = plugin_cls
        config = dict(self.config or {})
        raw = [dict(p) for p in config.get("profiles") or [{"schedulerName": "default-scheduler"}]]
        for p in raw:
            if profiles is None or p.get("schedulerName", "default-scheduler") in profiles:
                plugins = {k: dict(v) for k, v in (p.get("plugins") or {}).items()}
                multi = plugins.setdefault("multiPoint", {})
                multi["enabled"] = list(multi.get("enabled") or []) + [{"name": plugin_cls.name, "weight": weight}]
                p["plugins"] = plugins
        config["profiles"] = raw
        self.config = config
        self._build()
        if self.running:
            self.queue.queue_sort = self.queue_sort

    def _events_for(self, plugin_name: str):
        for fw in self.frameworks.values():
            if plugin_name in fw.plugins:
                events = fw.plugins[plugin_name].events_to_register() if hasattr(
                    fw.plugins[plugin_name], "events_to_register") else []
                return events or None
        return None

    def _pre_enqueue(self, pod: dict) -> Status | None:
        fw = self.frameworks.get(pod["spec"].get("schedulerName") or "default-scheduler")
        for pl in fw.plugins_at("PreEnqueue") if fw else ():
            status = pl.pre_enqueue(pod)
            if status is not None and not status.is_success():
                return status.with_plugin(pl.name)
        return None

    # -- informer handlers (eventhandlers.go) -------------------------------------
    def _responsible(self, pod: dict) -> bool:
        return (pod["spec"].get("schedulerName") or "default-scheduler") in self.frameworks

    @staticmethod
    def _terminal(pod: dict) -> bool:
        return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")

    def _pod_add(self, pod: dict) -> None:
        if self._terminal(pod):
            return
        if pod["spec"].get("nodeName"):
            self.cache.confirm(pod, pod["spec"]["nodeName"])
            self.queue.move_all_on_event("AssignedPod", ("Add",), None, pod)
        elif self._responsible(pod):
            self.queue.add(PodInfo(pod))
            self.queue.move_all_on_event("UnscheduledPod", ("Add",), None, pod)

    def _pod_update(self, old: dict, pod: dict) -> None:
        if self._terminal(pod):
            self._pod_delete(pod)
            return
        uid = pod["metadata"].get("uid")
        if pod["spec"].get("nodeName"):
            if not old["spec"].get("nodeName"):
                self.queue.delete(uid)
            self.cache.confirm(pod, pod["spec"]["nodeName"])
            self.queue.move_all_on_event("AssignedPod", ("Update",), old, pod)
            for fw in self.frameworks.values():
                for pl in fw.plugins.values():
                    if hasattr(pl, "refresh_status"):
                        pl.refresh_status(pod)
        elif self._responsible(pod) and not self.cache.is_assumed(uid):
            self.queue.update(old, PodInfo(pod))

    def _pod_delete(self, pod: dict) -> None:
        uid = pod["metadata"].get("uid")
        waiting = self.waiting.get(uid)
        if waiting is not None:
            waiting.reject("", "pod deleted")
        if pod["spec"].get("nodeName") or self.cache.is_assumed(uid):
            if self.cache.remove_pod(uid) is not None:
                self.queue.move_all_on_event("AssignedPod", ("Delete",), pod, None)
        self.queue.delete(uid)

    def _node_add(self, node: dict) -> None:
        self.cache.add_node(node)
        self.queue.move_all_on_event("Node", ("Add",), None, node)

    def _node_update(self, old: dict, node: dict) -> None:
        self.cache.add_node(node)
        actions = _node_update_actions(old, node)
        if actions:
            self.queue.move_all_on_event("Node", actions, old, node)

    def _node_delete(self, node: dict) -> None:
        self.cache.remove_node(node)

    # -- the scheduling loop --------------------------------------------------------
    def _kick(self) -> None:
        if not self._kicked:
            self._kicked = True
            self.loop.soon(self._schedule_next, self.name)

    def _schedule_next(self) -> None:
        self._kicked = False
        if not self.running:
            return
        qpi = self.queue.pop()
        if qpi is not None:
            self.schedule_one(qpi)
        if len(self.queue):
            self._kick()

    def schedule_one(self, qpi) -> None:
        """ScheduleOne: one scheduling cycle, then the binding cycle."""
        pod = qpi.pod
        uid = qpi.pod_info.uid
        fw = self.frameworks[pod["spec"].get("schedulerName") or "default-scheduler"]
        if pod["metadata"].get("deletionTimestamp"):
            self.recorder.event(pod, "Warning", "FailedScheduling",
                                f'skip schedule deleting pod: {qpi.pod_info.key}')
            self.queue.done(uid)
            return
        if self.cache.is_assumed(uid):
            self.queue.done(uid)
            return
        state = CycleState()
        state["PodInfo"] = qpi.pod_info
        attempt = Attempt(qpi.pod_info.key, format_time(self.loop.clock.now()), fw.name)
        self._remember(uid, attempt)
        try:
            host = self._schedule_pod(fw, state, pod, attempt)
        except _FitError as fit:
            nominating = self._post_filter(fw, state, pod, fit)
            attempt.message = fit.message()
            self.handle_failure(fw, qpi, Status(Code.UNSCHEDULABLE, attempt.message), fit.plugins, nominating)
            return
        except _NoNodes:
            attempt.message = "no nodes available to schedule pods"
            self.handle_failure(fw, qpi, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, attempt.message), set(), "")
            return
        attempt.chosen = host
        assumed = qpi.pod_info.on_node(host)
        self.cache.assume(assumed, host)
        self.queue.delete_nominated(uid)
        status = fw.run_reserve(state, assumed.pod, host)
        if status is not None:
            self._abort(fw, state, qpi, assumed, host, status)
            return
        status, waits = fw.run_permit(state, assumed.pod, host)
        if status is not None and status.code != Code.WAIT:
            self._abort(fw, state, qpi, assumed, host, status)
            return
        if waits:
            def resume(waiting, result):
                self.waiting.pop(uid, None)
                self._binding_cycle(fw, state, qpi, assumed, host, result)
            self.waiting[uid] = WaitingPod(assumed, waits, self.loop, resume)
            return
        self._binding_cycle(fw, state, qpi, assumed, host, None)

    def _remember(self, uid: str, attempt: "Attempt") -> None:
        self.attempts.pop(uid, None)
        self.attempts[uid] = attempt
        if len(self.attempts) > KEPT_ATTEMPTS:
            self.attempts.popitem(last=False)

    def _schedule_pod(self, fw: Framework, state: CycleState, pod: dict, attempt) -> str:
        nodes = self.cache.node_list()
        if not nodes:
            raise _NoNodes()
        pre_res, status, plugins = fw.run_pre_filter(state, pod)
        statuses = NodeToStatus()
        attempt.statuses, attempt.nodes = statuses, nodes
        attempt.skipped_filters = sorted(state.skip_filter_plugins)
        if not status.is_success():
            if not status.is_rejected():
                raise RuntimeError(status.message)
            statuses.absent = status
            attempt.pre_filter = status
            raise _FitError(len(nodes), statuses, plugins, status.message)
        feasible = []
        nominated = (pod.get("status") or {}).get("nominatedNodeName")
        if nominated and self.cache.get(nominated) is not None:
            feasible = self._find_feasible(fw, state, pod, [self.cache.get(nominated)], statuses, plugins, False)
        if not feasible:
            candidates = nodes
            if pre_res is not None:
                candidates = [self.cache.get(n) for n in sorted(pre_res.node_names) if self.cache.get(n)]
                statuses.absent = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                                         f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(plugins))}]")
            feasible = self._find_feasible(fw, state, pod, candidates, statuses, plugins, True)
            self.next_start_node_index = (self.next_start_node_index + len(feasible) + len(statuses)) % len(nodes)
        attempt.feasible = [ni.name for ni in feasible]
        if not feasible:
            raise _FitError(len(nodes), statuses, plugins)
        if len(feasible) == 1:
            return feasible[0].name
        status = fw.run_pre_score(state, pod, feasible)
        if status is not None:
            raise RuntimeError(status.message)
        attempt.skipped_scores = sorted(state.skip_score_plugins)
        totals, attempt.scores = fw.run_score(state, pod, feasible)
        attempt.totals = totals
        return self._select_host(feasible, totals)

    def _find_feasible(self, fw, state, pod, nodes, statuses, plugins, rotate) -> list:
        """findNodesThatPassFilters: from the round-robin start, until enough fit."""
        n = len(nodes)
        need = num_feasible_nodes_to_find(fw.profile.percentage_of_nodes_to_score, n)
        if not fw.plugins_at("Score"):
            need = 1
        start = self.next_start_node_index if rotate else 0
        filters = fw.active_filters(state)
        if not filters:
            return [nodes[(start + i) % n] for i in range(min(need, n))]
        feasible = []
        nominated = self.queue.nominated
        order = nodes[start:] + nodes[:start] if start else nodes
        single = filters[0].filter if len(filters) == 1 and not nominated else None
        append, left = feasible.append, need
        for ni in order:
            if single is not None:               # RunFilterPlugins with one plugin: the hot loop
                status = single(state, pod, ni)
                if status is None:
                    append(ni)
                    left -= 1
                    if not left:
                        break
                    continue
                if not status.code:
                    status = None
                else:
                    status.plugin = filters[0].name
            elif nominated and ni.name in nominated:
                status = fw.run_filter_with_nominated_pods(state, pod, ni, filters)
            else:
                status = fw.run_filter(state, pod, ni, filters)
            if status is None:
                append(ni)
                left -= 1
                if not left:
                    break
            elif not status.is_rejected():
                raise RuntimeError(f'running "{status.plugin}" filter plugin: {status.message}')
            else:
                statuses.set(ni.name, status)
                plugins.add(status.plugin)
        return feasible

    def _select_host(self, feasible, totals) -> str:
        """selectHost: the highest total; ties broken by reservoir sampling (the
        k-th tied node replaces the pick with probability 1/k)."""
        best = max(totals)
        ties = [i for i, total in enumerate(totals) if total == best]
        chosen = ties[0]
        random = self.rng.random
        for k, i in enumerate(ties[1:], 2):
            if random() * k < 1:
                chosen = i
        return feasible[chosen].name

    def _post_filter(self, fw, state, pod, fit: _FitError):
        """Run PostFilter (preemption); returns the nomination (None: leave as is)."""
        if not fw.plugins_at("PostFilter"):
            return ""
        result, status = fw.run_post_filter(state, pod, fit.statuses)
        fit.post_filter_msg = status.message
        return result.nominated_node_name if result is not None else None

    # -- after the scheduling cycle ------------------------------------------------
    def _abort(self, fw, state, qpi, assumed, host, status: Status) -> None:
        """Reserve or Permit failed: undo and report (a rejection reads like a FitError on one node)."""
        fw.run_unreserve(state, assumed.pod, host)
        self.cache.forget(assumed.uid)
        message = status.message
        plugins = set()
        if status.is_rejected():
            statuses = NodeToStatus()
            statuses.set(host, status)
            message = fit_error_message(1, statuses)
            plugins = {status.plugin}
        self.attempts[qpi.pod_info.uid].message = message
        self.handle_failure(fw, qpi, Status(status.code, message), plugins, "")

    def _binding_cycle(self, fw, state, qpi, assumed, host, permit_result: Status | None) -> None:
        pod = assumed.pod
        if permit_result is not None and not permit_result.is_success():
            self._binding_failed(fw, state, qpi, assumed, host, permit_result)
            return
        self.queue.done(assumed.uid)
        status = fw.run_pre_bind(state, pod, host)
        if status is None:
            status = fw.run_bind(state, pod, host)
        if status is not None:
            self._binding_failed(fw, state, qpi, assumed, host, status)
            return
        self.recorder.event(pod, "Normal", "Scheduled",
                            f'Successfully assigned {qpi.pod_info.key} to {host}')
        fw.run_post_bind(state, pod, host)

    def _binding_failed(self, fw, state, qpi, assumed, host, status: Status) -> None:
        fw.run_unreserve(state, assumed.pod, host)
        self.cache.forget(assumed.uid)
        self.queue.move_all_on_event("AssignedPod", ("Delete",), assumed.pod, None)
        message, plugins = status.message, set()
        if status.is_rejected():
            statuses = NodeToStatus()
            statuses.set(host, status)
            message, plugins = fit_error_message(1, statuses), {status.plugin}
        attempt = self.attempts.get(qpi.pod_info.uid)
        if attempt is not None:
            attempt.message = message
        self.handle_failure(fw, qpi, Status(status.code, message), plugins, "")

    def handle_failure(self, fw, qpi, status: Status, plugins: set, nominating: str | None) -> None:
        """handleSchedulingFailure: requeue, event, PodScheduled=False condition."""
        reason = "Unschedulable" if status.is_rejected() else "SchedulerError"
        qpi.unschedulable_plugins = {p for p in plugins if p}
        meta = qpi.pod["metadata"]
        cached = self.informers["pods"].get(meta["name"], meta.get("namespace"))
        if cached is not None and cached["metadata"].get("uid") == qpi.pod_info.uid and not cached["spec"].get("nodeName"):
            if cached is not qpi.pod:
                qpi.pod_info = PodInfo(cached)
            self.queue.add_unschedulable_if_not_present(qpi)
        else:
            self.queue.done(qpi.pod_info.uid)
        if nominating is not None:
            self.queue.add_nominated(qpi.pod_info, nominating)
        message = status.message
        if len(message) > NOTE_LENGTH_LIMIT:
            message = message[:NOTE_LENGTH_LIMIT - 4] + " ..."
        self.recorder.event(qpi.pod, "Warning", "FailedScheduling", message)
        if cached is not None:
            self.update_pod_status(cached, {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                                            "reason": reason, "message": status.message}, nominating)

    def update_pod_status(self, pod: dict, condition: dict | None, nominated: str | None) -> None:
        """updatePod: write the condition and/or nominatedNodeName if they change."""
        status = pod.get("status") or {}
        patch = {}
        if nominated is not None and (status.get("nominatedNodeName") or "") != nominated:
            patch["nominatedNodeName"] = nominated or None
        if condition is not None:
            conditions = list(status.get("conditions") or [])
            old = next((c for c in conditions if c.get("type") == condition["type"]), None)
            now = format_time(self.loop.clock.now())
            new = dict(condition, lastTransitionTime=old.get("lastTransitionTime") if old is not None and
                       old.get("status") == condition["status"] else now)
            if old is None or any(old.get(k) != new.get(k) for k in ("status", "reason", "message")):
                patch["conditions"] = [new if c is old else c for c in conditions] if old is not None else \
                    conditions + [new]
        if not patch:
            return
        meta = pod["metadata"]
        try:
            self.api.patch("pods", meta["name"], {"status": patch}, namespace=meta.get("namespace"),
                           patch_type="merge", subresource="status")
        except errors.NotFound:
            pass

    # -- looking inside ------------------------------------------------------------
    def explain(self, name: str, namespace: str = "default") -> Explanation:
        """Every node's verdict and scores in the Pod's last scheduling attempt."""
        pod = self.informers["pods"].get(name, namespace)
        if pod is None:
            raise errors.NotFound(f'pods "{name}" not found', kind="pods", name=name)
        attempt = self.attempts.get(pod["metadata"].get("uid"))
        if attempt is None:
            raise LookupError(f"pod {namespace}/{name} has no scheduling attempt on record "
                              f"(bound before the scheduler started, or more than {KEPT_ATTEMPTS} Pods ago)")
        fw = self.frameworks[attempt.profile]
        return Explanation(attempt, [pl.name for pl in fw.plugins_at("Filter")])


class _NoNodes(Exception):
    """ErrNoNodesAvailable."""


def _node_update_actions(old: dict, new: dict) -> tuple[str, ...]:
    """nodeSchedulingPropertiesChange: which specific node updates happened."""
    actions = []
    if (old.get("status") or {}).get("allocatable") != (new.get("status") or {}).get("allocatable"):
        actions.append("UpdateNodeAllocatable")
    if (old["metadata"].get("labels") or {}) != (new["metadata"].get("labels") or {}):
        actions.append("UpdateNodeLabel")
    if (old.get("spec") or {}).get("taints") != (new.get("spec") or {}).get("taints") or \
            bool((old.get("spec") or {}).get("unschedulable")) != bool((new.get("spec") or {}).get("unschedulable")):
        actions.append("UpdateNodeTaint")
    old_conditions = {c.get("type"): c.get("status") for c in (old.get("status") or {}).get("conditions") or ()}
    new_conditions = {c.get("type"): c.get("status") for c in (new.get("status") or {}).get("conditions") or ()}
    if old_conditions != new_conditions:
        actions.append("UpdateNodeCondition")
    return tuple(actions)



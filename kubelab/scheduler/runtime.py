"""The framework runtime (pkg/scheduler/framework/runtime/framework.go): runs
a profile's plugins at each extension point with Kubernetes' rules.

* PreFilter: Skip drops the plugin's Filter for this cycle; Unschedulable
  still lets the other PreFilters run (preemption may need them);
  UnschedulableAndUnresolvable stops at once; PreFilterResults intersect.
* Filter: the first plugin that rejects a node decides, in plugin order.
* PostFilter: until one succeeds; the failures' messages are joined.
* Score: Score (or the batch ``score_nodes``), then NormalizeScore, then
  weight; every normalized score must be within 0..100.
* Permit: Wait parks the Pod (at most 15 minutes) until every waiting plugin
  allows it, one rejects it, or the time runs out.
"""
from __future__ import annotations

from functools import partial, reduce
from itertools import repeat
from operator import add, mul

from ..api.duration import format_duration
from .framework import (MAX_NODE_SCORE, MIN_NODE_SCORE, Code, CycleState, NodeScore,
                        PreFilterResult, Status)
from .profile import Profile, instantiate

__all__ = ["Framework", "WaitingPod", "MAX_PERMIT_TIMEOUT"]

MAX_PERMIT_TIMEOUT = 15 * 60.0


class WaitingPod:
    """A Pod parked at Permit: ``allow(plugin)`` / ``reject(plugin, msg)``."""

    def __init__(self, pod_info, waits: dict[str, float], loop, on_done):
        self.pod_info, self.on_done = pod_info, on_done
        self.pending = dict(waits)
        self.result: Status | None = None
        self._timers = {}
        for plugin, seconds in waits.items():
            msg = f"rejected due to timeout after waiting {format_duration(seconds)} at plugin {plugin}"
            self._timers[plugin] = loop.later(seconds, lambda p=plugin, m=msg: self.reject(p, m), "kube-scheduler")

    @property
    def pod(self) -> dict:
        return self.pod_info.pod

    def allow(self, plugin: str) -> None:
        if self.result is not None:
            return
        self.pending.pop(plugin, None)
        timer = self._timers.pop(plugin, None)
        if timer is not None:
            timer.cancel()
        if not self.pending:
            self._finish(Status())

    def reject(self, plugin: str, msg: str) -> None:
        if self.result is None:
            self._finish(Status(Code.UNSCHEDULABLE, msg, plugin=plugin))

    def _finish(self, status: Status) -> None:
        self.result = status
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self.on_done(self, status)


class Framework:
    """A profile's plugin instances, and the extension points run in order."""

    def __init__(self, profile: Profile, registry: dict, handle):
        self.profile = profile
        self.name = profile.scheduler_name
        self.handle = handle
        names = []
        for point_names in profile.points.values():
            names += [n for n in point_names if n not in names]
        self.plugins = {n: instantiate(registry[n], profile.plugin_args.get(n), handle) for n in names}
        self.points = {point: [self.plugins[n] for n in ns] for point, ns in profile.points.items()}
        self.weights = dict(profile.weights)

    def plugins_at(self, point: str) -> list:
        return self.points.get(point, [])

    # -- PreFilter / Filter ---------------------------------------------------
    def run_pre_filter(self, state: CycleState, pod: dict):
        """(PreFilterResult | None, Status, names of the plugins that rejected or narrowed)."""
        result, returned = None, Status()
        rejected, narrowing = set(), []
        state.skip_filter_plugins = set()
        for pl in self.plugins_at("PreFilter"):
            out = pl.pre_filter(state, pod)
            status, r = (None, out) if isinstance(out, PreFilterResult) else (out, None)
            if status is not None and status.code == Code.SKIP:
                state.skip_filter_plugins.add(pl.name)
                continue
            if status is not None and not status.is_success():
                status.plugin = pl.name
                if status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                    return None, status, {pl.name}
                if status.code == Code.UNSCHEDULABLE:
                    returned = status
                    rejected.add(pl.name)
                    continue
                return None, Status(Code.ERROR, f'running PreFilter plugin "{pl.name}": {status.message}',
                                    plugin=pl.name), set()
            if r is not None and not r.all_nodes():
                narrowing.append(pl.name)
                result = r.merge(result) if result is not None else r
                if not result.node_names:
                    msg = (f"node(s) didn't satisfy plugin {narrowing[0]}" if len(narrowing) == 1 else
                           f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(narrowing))}] simultaneously")
                    return result, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, msg), set(narrowing)
        return result, returned, (rejected if not returned.is_success() else set(narrowing))

    def active_filters(self, state: CycleState) -> list:
        skip = state.skip_filter_plugins
        return [pl for pl in self.plugins_at("Filter") if pl.name not in skip]

    def run_filter(self, state: CycleState, pod: dict, node_info, filters=None) -> Status | None:
        """RunFilterPlugins: None if the node fits, else the first rejection."""
        for pl in filters if filters is not None else self.active_filters(state):
            status = pl.filter(state, pod, node_info)
            if status is not None and status.code != Code.SUCCESS:
                if not status.is_rejected():
                    status = Status(Code.ERROR, f'running "{pl.name}" filter plugin: {status.message}')
                status.plugin = pl.name
                return status
        return None

    def run_filter_with_nominated_pods(self, state: CycleState, pod: dict, node_info, filters=None):
        """RunFilterPluginsWithNominatedPods: also with the equal-or-higher priority
        Pods nominated to this node counted as if they ran there."""
        nominated = self.handle.nominated_pods_for_node(node_info.name)
        if nominated:
            priority = pod["spec"].get("priority") or 0
            uid = pod["metadata"].get("uid")
            added = [pi for pi in nominated if pi.priority >= priority and pi.uid != uid]
            if added:
                state2, ni2 = state.clone(), node_info.clone()
                for pi in added:
                    ni2.add_pod(pi)
                    self.run_pre_filter_add_pod(state2, pod, pi, ni2)
                status = self.run_filter(state2, pod, ni2, filters)
                if status is not None:
                    return status
        return self.run_filter(state, pod, node_info, filters)

    def run_pre_filter_add_pod(self, state, pod, pod_info, node_info) -> None:
        for pl in self.plugins_at("PreFilter"):
            if pl.name not in state.skip_filter_plugins and hasattr(pl, "add_pod"):
                pl.add_pod(state, pod, pod_info, node_info)

    def run_pre_filter_remove_pod(self, state, pod, pod_info, node_info) -> None:
        for pl in self.plugins_at("PreFilter"):
            if pl.name not in state.skip_filter_plugins and hasattr(pl, "remove_pod"):
                pl.remove_pod(state, pod, pod_info, node_info)

    def run_post_filter(self, state: CycleState, pod: dict, statuses):
        result, reasons, rejector = None, [], ""
        for pl in self.plugins_at("PostFilter"):
            r, status = pl.post_filter(state, pod, statuses)
            status = status or Status()
            if status.is_success():
                return r, status
            if status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                return r, status.with_plugin(pl.name)
            if not status.is_rejected():
                return None, Status(Code.ERROR, status.message, plugin=pl.name)
            if r is not None and r.nominated_node_name is not None:
                result = r
            reasons += status.reasons
            rejector = rejector or pl.name
        return result, Status(Code.UNSCHEDULABLE, *reasons, plugin=rejector)

    # -- Score ------------------------------------------------------------------
    def run_pre_score(self, state: CycleState, pod: dict, nodes) -> Status | None:
        state.skip_score_plugins = set()
        for pl in self.plugins_at("PreScore"):
            status = pl.pre_score(state, pod, nodes)
            if status is not None and status.code == Code.SKIP:
                state.skip_score_plugins.add(pl.name)
            elif status is not None and not status.is_success():
                return Status(Code.ERROR, f'running PreScore plugin "{pl.name}": {status.message}')
        return None

    def run_score(self, state: CycleState, pod: dict, nodes) -> tuple[list[int], dict]:
        """RunScorePlugins: the weighted total per node (in ``nodes`` order) and,
        per plugin, (raw scores, normalized scores, weight)."""
        columns = []
        details = {}
        for pl in self.plugins_at("Score"):
            if pl.name in state.skip_score_plugins:
                continue
            batch = getattr(pl, "score_nodes", None)
            raw = batch(state, pod, nodes) if batch is not None else [pl.score(state, pod, ni) for ni in nodes]
            normalized = raw
            if hasattr(pl, "normalize_scores"):
                normalized = pl.normalize_scores(state, pod, nodes, raw)
            elif hasattr(pl, "normalize_score"):
                scores = list(map(NodeScore, [ni.name for ni in nodes], raw))
                status = pl.normalize_score(state, pod, scores)
                if status is not None and not status.is_success():
                    raise RuntimeError(f'running Normalize on Score plugins: plugin "{pl.name}" failed with: '
                                       f'{status.message}')
                normalized = [s.score for s in scores]
            if normalized and not (MIN_NODE_SCORE <= min(normalized) and max(normalized) <= MAX_NODE_SCORE):
                bad = next(s for s in normalized if not MIN_NODE_SCORE <= s <= MAX_NODE_SCORE)
                raise RuntimeError(f'applying score defaultWeights on Score plugins: plugin "{pl.name}" '
                                   f'returns an invalid score {bad}, it should in the range of '
                                   f'[{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing')
            weight = self.weights.get(pl.name, 1)
            columns.append(normalized if weight == 1 else map(mul, normalized, repeat(weight)))
            details[pl.name] = (raw, normalized, weight)
        return list(reduce(partial(map, add), columns, repeat(0, len(nodes)))), details

    # -- Reserve, Permit, binding -------------------------------------------------
    def run_reserve(self, state, pod, node_name) -> Status | None:
        for pl in self.plugins_at("Reserve"):
            status = pl.reserve(state, pod, node_name)
            if status is not None and not status.is_success():
                if not status.is_rejected():
                    status = Status(Code.ERROR, f'running Reserve plugin "{pl.name}": {status.message}')
                return status.with_plugin(pl.name)
        return None

    def run_unreserve(self, state, pod, node_name) -> None:
        for pl in reversed(self.plugins_at("Reserve")):
            pl.unreserve(state, pod, node_name)

    def run_permit(self, state, pod, node_name) -> tuple[Status | None, dict[str, float]]:
        """(status, waits): Wait with per-plugin timeouts, a rejection, or None."""
        waits = {}
        for pl in self.plugins_at("Permit"):
            out = pl.permit(state, pod, node_name)
            status, timeout = out if isinstance(out, tuple) else (out, 0)
            if status is None or status.is_success():
                continue
            if status.is_rejected():
                return status.with_plugin(pl.name), {}
            if status.code == Code.WAIT:
                waits[pl.name] = min(float(timeout), MAX_PERMIT_TIMEOUT)
                continue
            return Status(Code.ERROR, f'running Permit plugin "{pl.name}": {status.message}', plugin=pl.name), {}
        if waits:
            return Status(Code.WAIT, "one or more plugins asked to wait and no plugin rejected pod "
                                     f'"{pod["metadata"]["name"]}"'), waits
        return None, {}

    def run_pre_bind(self, state, pod, node_name) -> Status | None:
        for pl in self.plugins_at("PreBind"):
            status = pl.pre_bind(state, pod, node_name)
            if status is not None and not status.is_success():
                return status.with_plugin(pl.name)
        return None

    def run_bind(self, state, pod, node_name) -> Status | None:
        status = Status(Code.SKIP)
        for pl in self.plugins_at("Bind"):
            status = pl.bind(state, pod, node_name)
            if status is not None and status.code == Code.SKIP:
                continue
            if status is not None and not status.is_success():
                return status.with_plugin(pl.name)
            return None
        return status

    def run_post_bind(self, state, pod, node_name) -> None:
        for pl in self.plugins_at("PostBind"):
            pl.post_bind(state, pod, node_name)



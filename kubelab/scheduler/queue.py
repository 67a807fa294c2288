"""The scheduling queue (pkg/scheduler/backend/queue.PriorityQueue).

Three places a Pod waits:

* **activeQ** - ready to be tried, ordered by the QueueSort plugin
  (PrioritySort: higher ``spec.priority`` first, then earlier in the queue);
* **backoffQ** - failed recently; waits 1 s, doubling per attempt up to 10 s
  (a Pod that failed with an error, not rejected by a plugin, comes back
  here after every attempt);
* **unschedulablePods** - rejected by some plugins; it stays until a cluster
  event that one of those plugins registered for (``events_to_register``,
  with its QueueingHint) could make it schedulable, or for at most 5 minutes
  (podMaxInUnschedulablePodsDuration; checked every 30 s).

simplified: a Pod leaves backoffQ exactly when its backoff expires (the real
queue flushes every second), and "an event arrived during the Pod's cycle" is
tracked with a move-request cycle number, the pre-QueueingHint mechanism.
"""
from __future__ import annotations

import heapq
import itertools

from .nodeinfo import PodInfo

__all__ = ["QueuedPodInfo", "SchedulingQueue", "backoff_duration"]

POD_INITIAL_BACKOFF = 1.0
POD_MAX_BACKOFF = 10.0
POD_MAX_IN_UNSCHEDULABLE = 300.0
UNSCHEDULABLE_FLUSH_PERIOD = 30.0


def backoff_duration(attempts: int, initial: float = POD_INITIAL_BACKOFF, maximum: float = POD_MAX_BACKOFF) -> float:
    """calculateBackoffDuration: initial * 2**(attempts-1), capped at maximum."""
    duration = initial
    for _ in range(1, attempts):
        duration *= 2
        if duration > maximum:
            return maximum
    return duration


class QueuedPodInfo:
    """A Pod in the queue: when it (re)entered, how often it was tried, and
    which plugins rejected it last time."""

    __slots__ = ("pod_info", "timestamp", "attempts", "initial_attempt_timestamp", "unschedulable_plugins",
                 "seq", "gated", "cycle", "unschedulable_since")

    def __init__(self, pod_info: PodInfo, timestamp: float, seq: int):
        self.pod_info, self.timestamp, self.seq = pod_info, timestamp, seq
        self.attempts = 0
        self.initial_attempt_timestamp = None
        self.unschedulable_plugins: set[str] = set()
        self.gated = False
        self.cycle = 0
        self.unschedulable_since = 0.0

    @property
    def pod(self) -> dict:
        return self.pod_info.pod

    def __repr__(self) -> str:
        return f"<QueuedPodInfo {self.pod_info.key} attempts={self.attempts}>"


class _ByLess:
    """Heap entry for a QueueSort plugin that only defines ``less``."""

    __slots__ = ("qpi", "less")

    def __init__(self, qpi, less):
        self.qpi, self.less = qpi, less

    def __lt__(self, other) -> bool:
        if self.less(self.qpi, other.qpi):
            return True
        return not self.less(other.qpi, self.qpi) and self.qpi.seq < other.qpi.seq


class SchedulingQueue:
    """activeQ, backoffQ and unschedulablePods for every profile of one scheduler."""

    def __init__(self, loop, queue_sort, *, events_for=None, pre_enqueue=None, owner="kube-scheduler",
                 on_active=None):
        self.loop, self.clock, self.owner = loop, loop.clock, owner
        self.queue_sort = queue_sort
        self._key = getattr(queue_sort, "sort_key", None)
        self.events_for = events_for or (lambda plugin: None)
        self.pre_enqueue = pre_enqueue or (lambda pod: None)
        self.on_active = on_active or (lambda: None)
        self._seq = itertools.count()
        self._active: list = []
        self._in_active: dict[str, tuple] = {}           # uid -> heap entry
        self._backoff: list = []
        self._in_backoff: dict[str, QueuedPodInfo] = {}
        self.unschedulable: dict[str, QueuedPodInfo] = {}
        self.in_flight: dict[str, QueuedPodInfo] = {}
        self.scheduling_cycle = 0
        self.move_request_cycle = -1
        self._backoff_timers: list = []
        self.nominated: dict[str, dict[str, PodInfo]] = {}   # node -> uid -> PodInfo
        self._nominated_node: dict[str, str] = {}
        self.loop.later(UNSCHEDULABLE_FLUSH_PERIOD, self._flush_unschedulable_leftover, owner, daemon=True)

    # -- sizes -------------------------------------------------------------
    def pending(self) -> dict[str, int]:
        return {"active": len(self._in_active), "backoff": len(self._in_backoff),
                "unschedulable": len(self.unschedulable)}

    def __len__(self) -> int:
        return len(self._in_active)

    def __contains__(self, uid: str) -> bool:
        return uid in self._in_active or uid in self._in_backoff or uid in self.unschedulable

    # -- activeQ -----------------------------------------------------------
    def _push_active(self, qpi: QueuedPodInfo) -> bool:
        status = self.pre_enqueue(qpi.pod)
        if status is not None and not status.is_success():
            qpi.gated = True
            qpi.unschedulable_plugins = {status.plugin} if status.plugin else set()
            qpi.unschedulable_since = self.clock.seconds
            self.unschedulable[qpi.pod_info.uid] = qpi
            return False
        qpi.gated = False
        entry = (*self._key(qpi), qpi.seq, qpi) if self._key else _ByLess(qpi, self.queue_sort.less)
        heapq.heappush(self._active, entry)
        self._in_active[qpi.pod_info.uid] = entry
        self.on_active()
        return True

    def add(self, pod_info: PodInfo) -> None:
        """A new unscheduled Pod from the informer."""
        qpi = QueuedPodInfo(pod_info, self.clock.seconds, next(self._seq))
        self._update_nominated(pod_info)
        self._push_active(qpi)

    def pop(self) -> QueuedPodInfo | None:
        while self._active:
            entry = heapq.heappop(self._active)
            qpi = entry[-1] if isinstance(entry, tuple) else entry.qpi
            uid = qpi.pod_info.uid
            if self._in_active.get(uid) is not entry:
                continue            # removed or replaced since it was pushed
            del self._in_active[uid]
            self.scheduling_cycle += 1
            qpi.attempts += 1
            qpi.cycle = self.scheduling_cycle
            if qpi.initial_attempt_timestamp is None:
                qpi.initial_attempt_timestamp = self.clock.seconds
            self.in_flight[uid] = qpi
            return qpi
        return None

    def done(self, uid: str) -> None:
        self.in_flight.pop(uid, None)

    # -- after a failed attempt ----------------------------------------------
    def add_unschedulable_if_not_present(self, qpi: QueuedPodInfo) -> str:
        """AddUnschedulableIfNotPresent: where a Pod goes after a failed cycle."""
        uid = qpi.pod_info.uid
        self.done(uid)
        if uid in self:
            return "present"
        qpi.timestamp = self.clock.seconds        # refresh: the Pod is re-added now
        if qpi.unschedulable_plugins and self.move_request_cycle < qpi.cycle:
            qpi.unschedulable_since = self.clock.seconds
            self.unschedulable[uid] = qpi
            return "unschedulablePods"
        return self._requeue(qpi)

    def _requeue(self, qpi: QueuedPodInfo) -> str:
        if self._backoff_expiry(qpi) > self.clock.seconds:
            self._in_backoff[qpi.pod_info.uid] = qpi
            heapq.heappush(self._backoff, (self._backoff_expiry(qpi), qpi.seq, qpi))
            self._arm_backoff_timers()
            return "backoffQ"
        self._push_active(qpi)
        return "activeQ"

    def _backoff_expiry(self, qpi: QueuedPodInfo) -> float:
        return qpi.timestamp + backoff_duration(qpi.attempts)

    def _arm_backoff_timers(self) -> None:
        """A timer at the earliest expiry; it keeps ``run()`` busy only if some Pod in
        backoffQ was rejected by plugins (a retry after an error, with nothing
        changed, is not work: such a Pod would otherwise be retried forever)."""
        while self._backoff and self._in_backoff.get(self._backoff[0][2].pod_info.uid) is not self._backoff[0][2]:
            heapq.heappop(self._backoff)
        for timer in self._backoff_timers:
            timer.cancel()
        self._backoff_timers = []
        if not self._backoff:
            return
        self._backoff_timers.append(self.loop.at(self._backoff[0][0], self._flush_backoff, self.owner, daemon=True))
        work = [entry[0] for entry in self._backoff if entry[2].unschedulable_plugins
                and self._in_backoff.get(entry[2].pod_info.uid) is entry[2]]
        if work:
            self._backoff_timers.append(self.loop.at(min(work), self._flush_backoff, self.owner))

    def _flush_backoff(self) -> None:
        """flushBackoffQCompleted: Pods whose backoff expired go to activeQ."""
        now = self.clock.seconds
        while self._backoff and self._backoff[0][0] <= now:
            _, _, qpi = heapq.heappop(self._backoff)
            if self._in_backoff.get(qpi.pod_info.uid) is qpi:
                del self._in_backoff[qpi.pod_info.uid]
                self._push_active(qpi)
        self._arm_backoff_timers()

    def _flush_unschedulable_leftover(self) -> None:
        """flushUnschedulablePodsLeftover (every 30 s): Pods unschedulable for
        over 5 minutes are retried whatever happened."""
        now = self.clock.seconds
        stale = [q for q in self.unschedulable.values()
                 if not q.gated and now - q.unschedulable_since > POD_MAX_IN_UNSCHEDULABLE]
        for qpi in stale:
            del self.unschedulable[qpi.pod_info.uid]
            self._requeue(qpi)
        self.loop.later(UNSCHEDULABLE_FLUSH_PERIOD, self._flush_unschedulable_leftover, self.owner, daemon=True)

    # -- cluster events ------------------------------------------------------
    def move_all_on_event(self, resource: str, actions: tuple[str, ...], old=None, new=None) -> int:
        """MoveAllToActiveOrBackoffQueue: retry every unschedulable Pod that one
        of its rejecting plugins says this event could help. Returns how many moved."""
        moved = 0
        for uid, qpi in list(self.unschedulable.items()):
            if qpi.gated or not self._event_may_help(qpi, resource, actions, old, new):
                continue
            del self.unschedulable[uid]
            self._requeue(qpi)
            moved += 1
        self.move_request_cycle = self.scheduling_cycle
        return moved

    def _event_may_help(self, qpi, resource, actions, old, new) -> bool:
        if not qpi.unschedulable_plugins:
            return True                  # no plugin to ask (an error): any event
        for plugin in qpi.unschedulable_plugins:
            events = self.events_for(plugin)
            if events is None:
                return True              # the plugin registered nothing: any event
            for event in events:
                if event.matches(resource, actions) and (event.hint is None or event.hint(qpi.pod, old, new)):
                    return True
        return False

    def activate(self, uids) -> None:
        """Activate (PodsToActivate): move these Pods straight to activeQ."""
        for uid in uids:
            qpi = self.unschedulable.pop(uid, None) or self._in_backoff.pop(uid, None)
            if qpi is not None:
                self._push_active(qpi)

    # -- informer updates of unscheduled Pods ----------------------------------
    def update(self, old_pod: dict | None, pod_info: PodInfo) -> None:
        uid = pod_info.uid
        self._update_nominated(pod_info)
        if uid in self._in_active:
            qpi = self._entry_qpi(self._in_active[uid])
            qpi.pod_info = pod_info
            del self._in_active[uid]
            self._push_active(qpi)
        elif uid in self._in_backoff:
            self._in_backoff[uid].pod_info = pod_info
        elif uid in self.unschedulable:
            qpi = self.unschedulable[uid]
            qpi.pod_info = pod_info
            actions = _pod_update_actions(old_pod, pod_info.pod)
            if qpi.gated or (actions and self._event_may_help(qpi, "UnscheduledPod", actions, old_pod, pod_info.pod)):
                del self.unschedulable[uid]
                if qpi.gated:
                    self._push_active(qpi)
                else:
                    self._requeue(qpi)
        elif uid not in self.in_flight:
            self.add(pod_info)
        else:
            self.in_flight[uid].pod_info = pod_info

    def delete(self, uid: str) -> None:
        self._in_active.pop(uid, None)
        self._in_backoff.pop(uid, None)
        self.unschedulable.pop(uid, None)
        self.delete_nominated(uid)

    @staticmethod
    def _entry_qpi(entry) -> QueuedPodInfo:
        return entry[-1] if isinstance(entry, tuple) else entry.qpi

    def pods(self) -> list[tuple[str, QueuedPodInfo]]:
        """(queue name, QueuedPodInfo) for every waiting Pod (for inspection)."""
        out = [("activeQ", self._entry_qpi(e)) for e in self._in_active.values()]
        out += [("backoffQ", q) for q in self._in_backoff.values()]
        out += [("unschedulablePods", q) for q in self.unschedulable.values()]
        return out

    # -- the nominator ---------------------------------------------------------
    def _update_nominated(self, pod_info: PodInfo) -> None:
        node = (pod_info.pod.get("status") or {}).get("nominatedNodeName") or ""
        self.add_nominated(pod_info, node)

    def add_nominated(self, pod_info: PodInfo, node: str) -> None:
        """AddNominatedPod: remember the node a Pod was nominated to by preemption."""
        self.delete_nominated(pod_info.uid)
        if node:
            self.nominated.setdefault(node, {})[pod_info.uid] = pod_info
            self._nominated_node[pod_info.uid] = node

    def delete_nominated(self, uid: str) -> None:
        node = self._nominated_node.pop(uid, None)
        if node is not None:
            pods = self.nominated.get(node, {})
            pods.pop(uid, None)
            if not pods:
                self.nominated.pop(node, None)

    def nominated_pods_for_node(self, node: str) -> list[PodInfo]:
        return list(self.nominated.get(node, {}).values())


def _pod_update_actions(old: dict | None, new: dict) -> tuple[str, ...]:
    """The specific update events of an unscheduled Pod (podSchedulingPropertiesChange)."""
    if old is None:
        return ("Update",)
    actions = []
    if (old["metadata"].get("labels") or {}) != (new["metadata"].get("labels") or {}):
        actions.append("UpdatePodLabel")
    if (old["spec"].get("tolerations") or []) != (new["spec"].get("tolerations") or []):
        actions.append("UpdatePodToleration")
    if old["spec"].get("schedulingGates") and not new["spec"].get("schedulingGates"):
        actions.append("UpdatePodSchedulingGatesEliminated")
    return tuple(actions)

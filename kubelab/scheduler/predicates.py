"""Would this Pod fit on that node? A profile's PreFilter and Filter plugins, run
outside the scheduler over a snapshot the caller owns and may change
(cluster-autoscaler's PredicateChecker over its ClusterSnapshot).

The cluster autoscaler asks whether a pending Pod would fit on a node that does
not exist yet (a node group's template), and whether the Pods of a node it
wants to remove would fit on the others. The snapshot is a scheduler
:class:`~kubelab.scheduler.cache.Cache`; ``fork()`` starts recording changes,
``revert()`` undoes them and ``commit()`` keeps them (forks nest)::

    checker = PredicateChecker(api, loop, rng=rng)
    checker.add_node(node)                     # fill the snapshot
    checker.fork()
    checker.add_node(template)                 # what if there were one more node?
    status = checker.check(pending_pod, template["metadata"]["name"])   # None: it fits
    checker.revert()

simplified: PreFilter runs again for every question (the real checker keeps one
CycleState per Pod), and nominated Pods are not counted.
"""
from __future__ import annotations

from .cache import Cache
from .framework import Code, CycleState, Status
from .nodeinfo import PodInfo
from .plugins import IN_TREE
from .profile import load_profiles
from .runtime import Framework

__all__ = ["PredicateChecker"]


class _Handle:
    """framework.Handle for plugins run in a simulation (no queue, no waiting Pods)."""

    def __init__(self, checker: "PredicateChecker", api, loop, rng):
        self._checker = checker
        self.api, self.loop, self.rng, self.clock = api, loop, rng, loop.clock
        self.recorder = None

    @property
    def snapshot(self) -> Cache:
        return self._checker.snapshot

    def namespace_labels(self, namespace: str) -> dict:
        return self._checker.namespace_labels(namespace)

    def move_all_on_event(self, *args, **kwargs) -> None:
        pass

    def waiting_pods(self) -> list:
        return []

    def nominated_pods_for_node(self, node: str) -> list:
        return []


class PredicateChecker:
    """PreFilter + Filter of the default profile (or ``config``'s first) over ``snapshot``."""

    def __init__(self, api, loop, *, rng, config: dict | None = None, namespace_labels=None):
        self.snapshot = Cache()
        self.namespace_labels = namespace_labels or (lambda namespace: {})
        profile = load_profiles(config, IN_TREE)[0]
        self.framework = Framework(profile, IN_TREE, _Handle(self, api, loop, rng))
        self._journals: list[list] = []

    # -- the questions ------------------------------------------------------------
    def check(self, pod: dict, node_name: str) -> Status | None:
        """None if ``pod`` fits on ``node_name`` in the snapshot, else why not."""
        return self.find(pod, [node_name])[1].get(node_name)

    def find(self, pod: dict, node_names) -> tuple[str | None, dict[str, Status]]:
        """The first of ``node_names`` the Pod fits on (None: none), and why the ones
        tried before it did not."""
        state = CycleState()
        state["PodInfo"] = PodInfo(pod)
        pre, status, _ = self.framework.run_pre_filter(state, pod)
        rejected: dict[str, Status] = {}
        for name in node_names:
            ni = self.snapshot.get(name)
            if ni is None:
                rejected[name] = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, f'node "{name}" not found')
                continue
            if not status.is_success():
                rejected[name] = status
                continue
            if pre is not None and name not in pre.node_names:
                rejected[name] = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                                        "node(s) didn't satisfy plugin(s) [PreFilter]")
                continue
            verdict = self.framework.run_filter(state, pod, ni)
            if verdict is None:
                return name, rejected
            rejected[name] = verdict
        return None, rejected

    # -- changing the snapshot (recorded while forked) ------------------------------
    def add_node(self, node: dict) -> None:
        name = node["metadata"]["name"]
        old = self.snapshot.get(name)
        self._record((lambda o=old.node: self.snapshot.add_node(o)) if old is not None else
                     (lambda: self.snapshot.remove_node(node)))
        self.snapshot.add_node(node)

    def remove_node(self, node: dict) -> None:
        if self.snapshot.get(node["metadata"]["name"]) is not None:
            self._record(lambda: self.snapshot.add_node(node))
        self.snapshot.remove_node(node)

    def add_pod(self, pod: dict | PodInfo, node_name: str) -> None:
        pi = pod if isinstance(pod, PodInfo) else PodInfo(pod)
        self._record(self._undo_for(pi.uid))
        self.snapshot.add_pod(pi.on_node(node_name) if pi.pod["spec"].get("nodeName") != node_name else pi,
                              node_name)

    def remove_pod(self, uid: str) -> None:
        self._record(self._undo_for(uid))
        self.snapshot.remove_pod(uid)

    def pod_info(self, uid: str) -> PodInfo | None:
        node = self.snapshot.pod_nodes.get(uid)
        return self.snapshot.nodes[node].pods.get(uid) if node is not None else None

    def _undo_for(self, uid: str):
        node = self.snapshot.pod_nodes.get(uid)
        if node is None:
            return lambda: self.snapshot.remove_pod(uid)
        pi = self.snapshot.nodes[node].pods[uid]
        return lambda: self.snapshot.add_pod(pi, node)

    def _record(self, undo) -> None:
        if self._journals:
            self._journals[-1].append(undo)

    def fork(self) -> None:
        """Start recording changes (ClusterSnapshot.Fork)."""
        self._journals.append([])

    def revert(self) -> None:
        """Undo every change since the matching fork()."""
        for undo in reversed(self._journals.pop()):
            undo()

    def commit(self) -> None:
        """Keep the changes since the matching fork() (undoable by an outer fork)."""
        done = self._journals.pop()
        if self._journals:
            self._journals[-1].extend(done)

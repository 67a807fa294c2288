"""The DaemonSet controller (pkg/controller/daemon/daemon_controller.go).

A sync of a DaemonSet: record its template as a ControllerRevision, then for
every node decide whether a daemon Pod should run there (daemon_pods.py):
create the Pod where one is missing, delete Pods on nodes that no longer
qualify, replace Failed Pods (with a per-node backoff of 1 s doubling to
15 minutes) and Succeeded ones, keep only the oldest of duplicates; then roll
out a changed template (daemonset_update.py) and write the status.

A new node that qualifies gets its Pod at once; a tainted node the Pods do not
tolerate gets none (and counts as not desired).
"""
from __future__ import annotations

import copy

from .. import errors
from ..api.labels import selector_from_label_selector
from ..api.meta import controller_ref
from .base import Controller, key_of
from .controller_utils import (
    BURST_REPLICAS, CONTROLLER_UID_INDEX, ControllerExpectations, claim_pods, controller_uid_index, is_pod_ready,
    pod_from_template, pods_owned_by, slow_start_batch,
)
from .daemon_pods import HASH_LABEL, daemon_pod_template, is_pod_updated, node_should_run, pin_to_node, pod_order, \
    target_node
from .daemonset_update import DaemonSetUpdates, allows_surge
from .history import History
from .podcontrol import PodControl

__all__ = ["DaemonSetController"]

_STATUS_FIELDS = ("desiredNumberScheduled", "currentNumberScheduled", "numberMisscheduled", "numberReady",
                  "updatedNumberScheduled", "numberAvailable", "numberUnavailable")


class FailedPodBackoff:
    """flowcontrol.Backoff(1 s, 15 min) keyed by DaemonSet, generation and node."""

    def __init__(self, clock, initial: float = 1.0, cap: float = 900.0):
        self.clock, self.initial, self.cap = clock, initial, cap
        self._entries: dict[str, tuple[float, float]] = {}      # key -> (delay, last update)

    def in_backoff(self, key: str) -> bool:
        delay, last = self._entries.get(key, (0.0, 0.0))
        now = self.clock.seconds
        return key in self._entries and now - last <= 2 * self.cap and now - last < delay

    def next(self, key: str) -> None:
        delay, last = self._entries.get(key, (0.0, 0.0))
        expired = key not in self._entries or self.clock.seconds - last > 2 * self.cap
        self._entries[key] = (self.initial if expired else min(delay * 2, self.cap), self.clock.seconds)

    def delay(self, key: str) -> float:
        return self._entries.get(key, (0.0, 0.0))[0]


class DaemonSetController(DaemonSetUpdates, Controller):
    """kube-controller-manager's daemonset-controller."""

    name = "daemonset-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.daemonsets = self.informer("daemonsets")
        self.pods = self.informer("pods")
        self.pods.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
        self.nodes = self.informer("nodes")
        self.revisions = self.informer("controllerrevisions")
        self.history = History(api, self.revisions)
        self.expectations = ControllerExpectations(loop.clock)
        self.pod_control = PodControl(api, self.recorder)
        self.failed_backoff = FailedPodBackoff(loop.clock)
        self.enqueue_on_change(self.daemonsets)
        self.revisions.add_handler(self._owned_changed, lambda old, new: self._owned_changed(new), self._owned_changed)
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)
        self.nodes.add_handler(self._node_added, self._node_updated, None)

    # -- event handlers -----------------------------------------------------------------
    def _owner(self, obj: dict, ref: dict | None = None) -> dict | None:
        ref = ref if ref is not None else controller_ref(obj)
        if not ref or ref.get("kind") != "DaemonSet":
            return None
        ds = self.daemonsets.get(ref["name"], obj["metadata"]["namespace"])
        return ds if ds is not None and ds["metadata"]["uid"] == ref.get("uid") else None

    def _selecting(self, obj: dict) -> list[dict]:
        labels = obj["metadata"].get("labels") or {}
        return [ds for ds in self.daemonsets.list(obj["metadata"]["namespace"])
                if selector_from_label_selector(ds["spec"]["selector"]).matches(labels)]

    def _owned_changed(self, obj: dict) -> None:
        """A ControllerRevision (or orphan Pod) changed: wake its DaemonSet, or those that may adopt it."""
        owner = self._owner(obj)
        for ds in [owner] if owner is not None else ([] if controller_ref(obj) else self._selecting(obj)):
            self.enqueue(ds)

    def _pod_added(self, pod: dict) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._pod_deleted(pod)
            return
        ds = self._owner(pod)
        if ds is not None:
            self.expectations.creation_observed(key_of(ds))
        self._owned_changed(pod)

    def _pod_updated(self, old: dict, new: dict) -> None:
        if old["metadata"]["resourceVersion"] == new["metadata"]["resourceVersion"]:
            return
        if new["metadata"].get("deletionTimestamp"):
            self._pod_deleted(new)
            return
        old_ref = controller_ref(old)
        if old_ref != controller_ref(new) and (previous := self._owner(old, old_ref)) is not None:
            self.enqueue(previous)
        ds = self._owner(new)
        if ds is None:
            if controller_ref(new) is None and old["metadata"].get("labels") != new["metadata"].get("labels"):
                self._owned_changed(new)
            return
        self.enqueue(ds)
        if not is_pod_ready(old) and is_pod_ready(new) and ds["spec"].get("minReadySeconds", 0) > 0:
            self.enqueue_after(ds, ds["spec"]["minReadySeconds"] + 1)

    def _pod_deleted(self, pod: dict) -> None:
        ds = self._owner(pod)
        if ds is not None:
            self.expectations.deletion_observed(key_of(ds), key_of(pod))
            self.enqueue(ds)

    def _node_added(self, node: dict) -> None:
        for ds in self.daemonsets.list():
            if node_should_run(node, ds)[0]:
                self.enqueue(ds)

    def _node_updated(self, old: dict, new: dict) -> None:
        """Only labels and taints matter (shouldIgnoreNodeUpdate)."""
        if (old["metadata"].get("labels"), old["spec"].get("taints")) == \
                (new["metadata"].get("labels"), new["spec"].get("taints")):
            return
        for ds in self.daemonsets.list():
            if node_should_run(old, ds) != node_should_run(new, ds):
                self.enqueue(ds)

    # -- the sync recipe -----------------------------------------------------------------
    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        ds = self.daemonsets.get(name, namespace)
        if ds is None:
            self.expectations.delete(key)
            return
        nodes = self.nodes.list()
        selector = ds["spec"].get("selector") or {}
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            self.recorder.event(ds, "Warning", "SelectingAll",
                                "This daemon set is selecting all pods. A non-empty selector is required.")
            return
        if ds["metadata"].get("deletionTimestamp"):
            return
        current, old = self._construct_history(ds)
        hash_ = current["metadata"]["labels"][HASH_LABEL]
        if not self.expectations.satisfied(key):
            self._update_status(ds, nodes, hash_, observed=False)
            return
        failure = None
        try:
            self._manage(ds, nodes, hash_)
            if self.expectations.satisfied(key) and \
                    (ds["spec"].get("updateStrategy") or {}).get("type") == "RollingUpdate":
                self._rolling_update(ds, nodes, hash_)
            self._cleanup_history(ds, old)
        except errors.ApiError as e:
            failure = e
        self._update_status(ds, nodes, hash_, observed=True)
        if failure is not None:
            raise failure

    def _daemon_pods(self, ds: dict) -> list[dict]:
        """getDaemonPods: the DaemonSet's Pods, adopting and releasing as ClaimPods does."""
        m = ds["metadata"]

        def fresh():
            try:
                return self.api.get("daemonsets", m["name"], namespace=m["namespace"])
            except errors.NotFound:
                return None
        selector = selector_from_label_selector(ds["spec"]["selector"])
        return claim_pods(self.api, ds, selector, pods_owned_by(self.pods, ds, include_orphans=True), fresh=fresh)

    def _node_to_daemon_pods(self, ds: dict) -> dict[str, list[dict]]:
        """getNodesToDaemonPods: Pods by target node (terminal Pods being deleted left out)."""
        out: dict[str, list[dict]] = {}
        for pod in self._daemon_pods(ds):
            if pod["metadata"].get("deletionTimestamp") and pod["status"].get("phase") in ("Succeeded", "Failed"):
                continue
            node = target_node(pod)
            if node is not None:
                out.setdefault(node, []).append(pod)
        return out

    def _manage(self, ds: dict, nodes: list[dict], hash_: str) -> None:
        """manage: create the missing daemon Pods, delete the ones that should go."""
        node_pods = self._node_to_daemon_pods(ds)
        create, delete = [], []
        for node in nodes:
            need, drop = self._pods_should_be_on_node(node, node_pods, ds, hash_)
            create += need
            delete += drop
        existing = {n["metadata"]["name"] for n in nodes}       # unscheduled Pods for vanished nodes
        delete += [p["metadata"]["name"] for node, pods in sorted(node_pods.items()) if node not in existing
                   for p in pods if not p["spec"].get("nodeName")]
        self._sync_nodes(ds, delete, create, hash_)

    def _pods_should_be_on_node(self, node: dict, node_pods: dict, ds: dict, hash_: str) -> tuple[list, list]:
        """podsShouldBeOnNode: (nodes needing a Pod, Pod names to delete) for one node."""
        name, m = node["metadata"]["name"], ds["metadata"]
        should_run, should_continue = node_should_run(node, ds)
        pods = node_pods.get(name)
        if should_run and not pods:
            return [name], []
        if not should_continue:
            return [], [p["metadata"]["name"] for p in pods or () if not p["metadata"].get("deletionTimestamp")]
        delete, running = [], []
        for pod in pods or ():
            phase = pod["status"].get("phase")
            if pod["metadata"].get("deletionTimestamp"):
                continue
            if phase == "Failed":
                backoff_key = f'{m["uid"]}/{(ds.get("status") or {}).get("observedGeneration", 0)}/{name}'
                if self.failed_backoff.in_backoff(backoff_key):
                    self.enqueue_after(ds, self.failed_backoff.delay(backoff_key))
                    continue
                self.failed_backoff.next(backoff_key)
                self.recorder.event(ds, "Warning", "FailedDaemonPod", f'Found failed daemon pod '
                                    f'{pod["metadata"]["namespace"]}/{pod["metadata"]["name"]} on node {name}, '
                                    "will try to kill it")
                delete.append(pod["metadata"]["name"])
            elif phase == "Succeeded":
                self.recorder.event(ds, "Normal", "SucceededDaemonPod", f'Found succeeded daemon pod '
                                    f'{pod["metadata"]["namespace"]}/{pod["metadata"]["name"]} on node {name}, '
                                    "will try to delete it")
                delete.append(pod["metadata"]["name"])
            else:
                running.append(pod)
        running.sort(key=pod_order)
        if not allows_surge(ds):
            return [], delete + [p["metadata"]["name"] for p in running[1:]]
        if not running:
            return ([name] if should_run else []), delete
        # surging: keep the oldest new Pod, and the oldest old one while the new one is not yet available
        newest = [p for p in running if is_pod_updated(p, hash_)]
        oldest = [p for p in running if not is_pod_updated(p, hash_)]
        delete += [p["metadata"]["name"] for p in newest[1:] + oldest[1:]]
        if newest and oldest and (not is_pod_ready(oldest[0]) or self._available(ds, newest[0])):
            delete.append(oldest[0]["metadata"]["name"])
        return [], delete

    def _sync_nodes(self, ds: dict, delete: list[str], create: list[str], hash_: str) -> None:
        """syncNodes: create Pods pinned to ``create`` nodes and delete the ``delete`` Pods,
        at most 500 of each per sync, creations in slow-start batches."""
        key, ns = key_of(ds), ds["metadata"]["namespace"]
        create, delete = create[:BURST_REPLICAS], delete[:BURST_REPLICAS]
        self.expectations.expect(key, len(create), [f"{ns}/{name}" for name in delete])
        template = daemon_pod_template(ds, hash_)
        queue = list(create)

        def create_one():
            pod = pod_from_template(copy.deepcopy(template), ds)
            pin_to_node(pod["spec"], queue.pop(0))
            try:
                self.pod_control.create(pod, ds)
            except errors.ApiError:
                self.expectations.creation_observed(key)
                raise
        _, failure = slow_start_batch(len(create), 1, create_one)
        for _ in queue:                          # skipped after a failed batch: not expected
            self.expectations.creation_observed(key)
        for name in delete:
            try:
                self.pod_control.delete(ns, name, ds)
            except errors.ApiError as e:
                self.expectations.deletion_observed(key, f"{ns}/{name}")
                if not isinstance(e, errors.NotFound):
                    failure = failure or e
        if failure is not None:
            raise failure

    def _update_status(self, ds: dict, nodes: list[dict], hash_: str, observed: bool) -> None:
        """updateDaemonSetStatus: count the nodes' daemon Pods (the oldest one on each)."""
        node_pods = self._node_to_daemon_pods(ds)
        counts = dict.fromkeys(_STATUS_FIELDS, 0)
        for node in nodes:
            pods = sorted(node_pods.get(node["metadata"]["name"], []), key=pod_order)
            if not node_should_run(node, ds)[0]:
                counts["numberMisscheduled"] += bool(pods)
                continue
            counts["desiredNumberScheduled"] += 1
            if not pods:
                continue
            counts["currentNumberScheduled"] += 1
            counts["numberReady"] += is_pod_ready(pods[0])
            counts["numberAvailable"] += self._available(ds, pods[0])
            counts["updatedNumberScheduled"] += is_pod_updated(pods[0], hash_)
        counts["numberUnavailable"] = counts["desiredNumberScheduled"] - counts["numberAvailable"]
        status = ds.get("status") or {}
        generation = ds["metadata"].get("generation", 0)
        if all(status.get(f, 0) == v for f, v in counts.items()) and status.get("observedGeneration", 0) >= generation:
            return
        new = {**status, **counts}
        if observed:
            new["observedGeneration"] = generation
        for field in ("updatedNumberScheduled", "numberAvailable", "numberUnavailable"):   # omitempty
            if not new[field]:
                del new[field]
        self.api.update({**ds, "status": new}, subresource="status")
        if ds["spec"].get("minReadySeconds", 0) > 0 and counts["numberReady"] != counts["numberAvailable"]:
            self.enqueue_after(ds, ds["spec"]["minReadySeconds"])

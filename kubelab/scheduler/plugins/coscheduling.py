"""Coscheduling (kubernetes-sigs/scheduler-plugins): gang scheduling. Pods
labelled ``scheduling.x-k8s.io/pod-group: <name>`` belong to the PodGroup of
that name (scheduling.x-k8s.io/v1alpha1) and are placed all together or not at
all.

* QueueSort: priority, then the PodGroup's creation time, so a gang's Pods
  are tried one after another.
* PreFilter: fewer Pods than ``spec.minMember`` exist: reject the Pod
  (unresolvable: "pre-filter pod web-0 cannot find enough sibling pods, ...").
* Permit: the Pod is assumed on its node and *waits* until ``minMember`` Pods
  of the group are assumed or bound (the first to wait moves its siblings
  back to activeQ), then all are allowed at once; after
  ``scheduleTimeoutSeconds`` (default: permitWaitingTimeSeconds, 60) the
  waiting Pod is rejected and Unreserve rejects every waiting sibling, so a
  gang that only partly fits frees its nodes and stays Pending whole.
* PostFilter: when a member fits nowhere, reject the waiting siblings at once.

simplified: the PodGroup status (phase Pending -> Scheduling -> Scheduled ->
Running, ``scheduled``/``running`` counts) is written by this plugin, in
place of scheduler-plugins' separate PodGroup controller; minResources and
the PodGroup backoff are not modelled.
"""
from __future__ import annotations

from ... import errors
from ..framework import ClusterEvent, Plugin, PostFilterResult, Status

POD_GROUP_LABEL = "scheduling.x-k8s.io/pod-group"
DEFAULT_PERMIT_WAITING_TIME_SECONDS = 60


def pod_group_name(pod: dict) -> str:
    return (pod["metadata"].get("labels") or {}).get(POD_GROUP_LABEL, "")


class Coscheduling(Plugin):
    name = "Coscheduling"

    def __init__(self, args=None):
        self.timeout = (args or {}).get("permitWaitingTimeSeconds", DEFAULT_PERMIT_WAITING_TIME_SECONDS)
        self.assigned: dict[str, set[str]] = {}      # "ns/group" -> names of assumed or bound pods

    # -- helpers ------------------------------------------------------------
    def _group(self, pod: dict):
        """(full name, PodGroup or None); ("", None) for a Pod in no group."""
        name = pod_group_name(pod)
        if not name:
            return "", None
        ns = pod["metadata"].get("namespace") or "default"
        return f"{ns}/{name}", self.handle.pod_group(ns, name)

    def _members(self, pod: dict) -> list[dict]:
        ns = pod["metadata"].get("namespace") or "default"
        name = pod_group_name(pod)
        return [p for p in self.handle.pod_lister.list(ns) if pod_group_name(p) == name
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]

    # -- extension points -------------------------------------------------------
    def less(self, a, b) -> bool:
        if a.pod_info.priority != b.pod_info.priority:
            return a.pod_info.priority > b.pod_info.priority
        ta, tb = self._creation(a), self._creation(b)
        if ta == tb:
            return a.pod_info.key < b.pod_info.key
        return ta < tb

    def _creation(self, qpi):
        _, pg = self._group(qpi.pod)
        if pg is not None:
            return (pg["metadata"].get("creationTimestamp") or "", 0.0)
        return ("", qpi.initial_attempt_timestamp or qpi.timestamp)

    def pre_filter(self, state, pod):
        full, pg = self._group(pod)
        if pg is None:
            return None
        pods = self._members(pod)
        min_member = (pg.get("spec") or {}).get("minMember", 0)
        if len(pods) < min_member:
            return Status.unresolvable(
                f'pre-filter pod {pod["metadata"]["name"]} cannot find enough sibling pods, current pods '
                f"number: {len(pods)}, minMember of group: {min_member}")
        self._set_phase(pg, "Scheduling")
        return None

    def post_filter(self, state, pod, statuses):
        full, pg = self._group(pod)
        if pg is None:
            return PostFilterResult(), Status.unschedulable("can not find pod group")
        min_member = (pg.get("spec") or {}).get("minMember", 0)
        assigned = self._assigned_bound(pod)
        if assigned >= min_member:
            return PostFilterResult(), Status.unschedulable()
        if min_member and (min_member - assigned) / min_member <= 0.1:
            return PostFilterResult(), Status.unschedulable()
        self._reject_waiting(pod, "optimistic rejection in PostFilter")
        return PostFilterResult(), Status.unschedulable(
            f'PodGroup {full} gets rejected due to Pod {pod["metadata"]["name"]} is unschedulable even after PostFilter')

    def _assigned_bound(self, pod) -> int:
        """CalculateAssignedPods: the group's Pods already on a node in the snapshot."""
        ns, name = pod["metadata"].get("namespace") or "default", pod_group_name(pod)
        return sum(1 for ni in self.handle.snapshot.node_list() for pi in ni.pods.values()
                   if pi.namespace == ns and pod_group_name(pi.pod) == name)

    def reserve(self, state, pod, node_name):
        return None

    def unreserve(self, state, pod, node_name):
        full, pg = self._group(pod)
        if pg is None:
            return
        self.assigned.get(full, set()).discard(pod["metadata"]["name"])
        self._reject_waiting(pod, "rejection in Unreserve")

    def permit(self, state, pod, node_name):
        full, pg = self._group(pod)
        if not full:
            return None
        if pg is None:
            return Status.unschedulable("PodGroup not found")
        assigned = self.assigned.setdefault(full, set())
        assigned.add(pod["metadata"]["name"])
        if len(assigned) >= (pg.get("spec") or {}).get("minMember", 0):
            for waiting in self.handle.waiting_pods():
                if self._group(waiting.pod)[0] == full:
                    waiting.allow(self.name)
            return None
        if len(assigned) == 1:
            # ActivateSiblings: the first member to arrive here pulls the others out of the queue
            uid = pod["metadata"].get("uid")
            self.handle.activate([p for p in self._members(pod) if p["metadata"].get("uid") != uid])
        wait = (pg.get("spec") or {}).get("scheduleTimeoutSeconds") or self.timeout
        return Status.wait(), wait

    def post_bind(self, state, pod, node_name):
        full, pg = self._group(pod)
        if pg is not None:
            self.refresh_status(pod)

    def _reject_waiting(self, pod, msg):
        full = self._group(pod)[0]
        for waiting in self.handle.waiting_pods():
            if self._group(waiting.pod)[0] == full:
                waiting.reject(self.name, msg)

    # -- PodGroup status --------------------------------------------------------
    def refresh_status(self, pod: dict) -> None:
        """Recount the group's scheduled and running Pods and move its phase on."""
        _, pg = self._group(pod)
        if pg is None:
            return
        pods = self._members(pod) if pod_group_name(pod) else []
        min_member = (pg.get("spec") or {}).get("minMember", 0)
        scheduled = sum(1 for p in pods if p["spec"].get("nodeName"))
        running = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Running")
        status = dict(pg.get("status") or {})
        phase = status.get("phase") or "Pending"
        if scheduled >= min_member and phase in ("Pending", "Scheduling"):
            phase = "Scheduled"
        if running >= min_member and phase == "Scheduled":
            phase = "Running"
        status.update({"phase": phase, "scheduled": scheduled, "running": running})
        self._write_status(pg, status)

    def _set_phase(self, pg: dict, phase: str) -> None:
        if (pg.get("status") or {}).get("phase") in (None, "", "Pending"):
            self._write_status(pg, dict(pg.get("status") or {}, phase=phase))

    def _write_status(self, pg: dict, status: dict) -> None:
        if status == pg.get("status"):
            return
        try:
            self.handle.api.patch("podgroups", pg["metadata"]["name"], {"status": status},
                                  namespace=pg["metadata"]["namespace"], patch_type="merge", subresource="status")
        except errors.ApiError:
            pass            # best effort; the next change writes it again

    def events_to_register(self):
        return [ClusterEvent("Pod", "Add"), ClusterEvent("podgroups", "Add"), ClusterEvent("podgroups", "Update")]

"""What the workload controllers share (kubernetes pkg/controller/controller_utils.go).

* ControllerExpectations: how many creations/deletions a controller waits to
  see in its cache before it trusts the cache again (so a stale cache never
  makes it create twice); satisfied when observed, or after 5 minutes.
* Owner references: the controller reference, and ClaimPods' adopt/release.
* Pod readiness and availability (IsPodReady, IsPodAvailable).
* Which pods to delete first (ActivePodsWithRanks).
* slowStartBatch, and the pod-by-controller index (FilterPodsByOwner).
"""
from __future__ import annotations

import math
from datetime import timedelta
from functools import cmp_to_key
from typing import Callable

from .. import errors
from ..api.labels import selector_from_label_selector
from ..api.meta import controller_ref, parse_time

__all__ = [
    "BURST_REPLICAS", "EXPECTATIONS_TIMEOUT", "SLOW_START_INITIAL_BATCH_SIZE", "ControllerExpectations",
    "new_controller_ref", "claim", "claim_pods", "pod_from_template", "is_pod_ready", "is_pod_available",
    "is_pod_active", "filter_active_pods", "ready_condition", "rank_pods_for_deletion", "pods_to_delete",
    "slow_start_batch", "CONTROLLER_UID_INDEX", "controller_uid_index", "pods_owned_by",
    "max_container_restarts", "DELETION_COST_ANNOTATION", "label_selector",
]

#: replicaset.BurstReplicas: at most this many creations/deletions per sync
BURST_REPLICAS = 500
#: controller.SlowStartInitialBatchSize
SLOW_START_INITIAL_BATCH_SIZE = 1
#: controller.ExpectationsTimeout: expectations older than this count as satisfied
EXPECTATIONS_TIMEOUT = 5 * 60.0
DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"


class ControllerExpectations:
    """UIDTrackingControllerExpectations: per controller key, creations still expected
    (a count) and deletions still expected (the pod keys, so a pod seen first with a
    deletionTimestamp and then deleted is counted once)."""

    def __init__(self, clock):
        self.clock = clock
        self._adds: dict[str, int] = {}
        self._dels: dict[str, set[str]] = {}
        self._stamp: dict[str, float] = {}

    def satisfied(self, key: str) -> bool:
        """SatisfiedExpectations: nothing expected, all observed, or expired (5 minutes)."""
        if key not in self._stamp:
            return True
        if self._adds.get(key, 0) <= 0 and not self._dels.get(key):
            return True
        return self.clock.seconds - self._stamp[key] > EXPECTATIONS_TIMEOUT

    def expect_creations(self, key: str, count: int) -> None:
        self._adds[key] = count
        self._dels[key] = set()
        self._stamp[key] = self.clock.seconds

    def expect_deletions(self, key: str, pod_keys: list[str]) -> None:
        self._adds[key] = 0
        self._dels[key] = set(pod_keys)
        self._stamp[key] = self.clock.seconds

    def expect(self, key: str, count: int, pod_keys: list[str]) -> None:
        """SetExpectations: creations and deletions at once (the DaemonSet controller's syncNodes)."""
        self._adds[key] = count
        self._dels[key] = set(pod_keys)
        self._stamp[key] = self.clock.seconds

    def creation_observed(self, key: str) -> None:
        if key in self._adds:
            self._adds[key] -= 1

    def deletion_observed(self, key: str, pod_key: str) -> None:
        self._dels.get(key, set()).discard(pod_key)

    def delete(self, key: str) -> None:
        """DeleteExpectations (the controller object is gone)."""
        for table in (self._adds, self._dels, self._stamp):
            table.pop(key, None)

    def pending(self, key: str) -> tuple[int, int]:
        """(creations, deletions) still expected."""
        return max(self._adds.get(key, 0), 0), len(self._dels.get(key, ()))


# -- selectors ------------------------------------------------------------------------

class _MatchLabels:
    """A LabelSelector of ``matchLabels`` only (the usual one), matched by plain lookups."""

    __slots__ = ("_want",)

    def __init__(self, match_labels: dict):
        self._want = tuple(match_labels.items())

    def matches(self, labels) -> bool:
        labels = labels or {}
        for key, value in self._want:
            if labels.get(key) != value:
                return False
        return True

    def empty(self) -> bool:
        return not self._want


def label_selector(selector: dict | None):
    """metav1.LabelSelectorAsSelector for a validated LabelSelector dict: an object with
    ``matches(labels)`` and ``empty()``; ``None`` selects nothing, ``{}`` everything."""
    if selector is not None and not selector.get("matchExpressions"):
        return _MatchLabels(selector.get("matchLabels") or {})
    return selector_from_label_selector(selector)


# -- owner references -------------------------------------------------------------

def new_controller_ref(owner: dict) -> dict:
    """metav1.NewControllerRef: the reference a controller puts on what it creates."""
    m = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": m["name"], "uid": m["uid"],
            "controller": True, "blockOwnerDeletion": True}


def pod_from_template(template: dict, owner: dict) -> dict:
    """GetPodFromTemplate: labels, annotations, finalizers and spec from the template,
    ``generateName: <owner>-`` (the API server adds 5 random characters) and the
    controller reference."""
    tm = template.get("metadata") or {}
    meta = {"generateName": f'{owner["metadata"]["name"]}-', "namespace": owner["metadata"]["namespace"],
            "ownerReferences": [new_controller_ref(owner)]}
    for field in ("labels", "annotations", "finalizers"):
        if tm.get(field):
            meta[field] = tm[field]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template.get("spec") or {}}


def claim_pods(api, owner: dict, selector, pods: list[dict], *, fresh: Callable[[], dict | None]) -> list[dict]:
    """PodControllerRefManager.ClaimPods (see :func:`claim`)."""
    return claim(api, "pods", owner, selector, pods, fresh=fresh)


def claim(api, resource: str, owner: dict, selector, objs: list[dict], *,
          fresh: Callable[[], dict | None]) -> list[dict]:
    """ControllerRefManager.ClaimObject over ``objs``: the ones ``owner`` controls after
    adopting orphans its selector matches and releasing its own that no longer match.

    Objects controlled by someone else are never touched; nor are orphans being
    deleted. Before the first adoption ``fresh()`` re-reads the owner from the API
    server (RecheckDeletionTimestamp): an owner being deleted adopts nothing.
    """
    uid = owner["metadata"]["uid"]
    owner_deleting = bool(owner["metadata"].get("deletionTimestamp"))
    claimed, checked = [], False
    for obj in objs:
        m = obj["metadata"]
        ref = next((r for r in m.get("ownerReferences") or () if r.get("controller") is True), None)
        matches = selector.matches(m.get("labels") or {})
        if ref is not None:
            if ref.get("uid") != uid:
                continue
            if matches:
                claimed.append(obj)
            elif not owner_deleting:
                _patch_owner(api, resource, obj, {"$patch": "delete", "uid": uid})
            continue
        if owner_deleting or not matches or m.get("deletionTimestamp") or m.get("namespace") != \
                owner["metadata"].get("namespace"):
            continue
        if not checked:
            current = fresh()
            if current is None or current["metadata"]["uid"] != uid or current["metadata"].get("deletionTimestamp"):
                raise errors.Conflict(f'{owner["kind"]} {m.get("namespace")}/{owner["metadata"]["name"]} has '
                                      "just been deleted, cannot adopt")
            checked = True
        adopted = _patch_owner(api, resource, obj, new_controller_ref(owner))
        if adopted is not None:
            claimed.append(adopted)
    return claimed


def _patch_owner(api, resource: str, obj: dict, ref: dict) -> dict | None:
    """Adopt (add a controller reference) or release (``$patch: delete`` it) with a
    strategic merge patch on ``ownerReferences`` (merge key ``uid``)."""
    m = obj["metadata"]
    try:
        return api.patch(resource, m["name"], {"metadata": {"ownerReferences": [ref], "uid": m["uid"]}},
                         namespace=m["namespace"], patch_type="strategic")
    except errors.NotFound:
        return None


# -- pods ------------------------------------------------------------------------

def ready_condition(pod: dict) -> dict | None:
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond
    return None


def is_pod_ready(pod: dict) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    cond = ready_condition(pod)
    return cond is not None and cond.get("status") == "True"


def is_pod_available(pod: dict, min_ready_seconds: int, now) -> bool:
    """podutil.IsPodAvailable: ready, and (with minReadySeconds) ready for longer than
    that: lastTransitionTime + minReadySeconds strictly before ``now`` (a datetime)."""
    cond = ready_condition(pod)
    if cond is None or cond.get("status") != "True":
        return False
    if not min_ready_seconds:
        return True
    stamp = cond.get("lastTransitionTime")
    return bool(stamp) and parse_time(stamp) + timedelta(seconds=min_ready_seconds) < now


def is_pod_active(pod: dict) -> bool:
    """controller.IsPodActive: not Succeeded, not Failed, not being deleted."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed") and \
        not pod["metadata"].get("deletionTimestamp")


def filter_active_pods(pods: list[dict]) -> list[dict]:
    return [p for p in pods if is_pod_active(p)]


def max_container_restarts(pod: dict) -> int:
    """The most restarts of any container (and of any restartable init container: a sidecar)."""
    status = pod.get("status") or {}
    counts = [s.get("restartCount", 0) for s in status.get("containerStatuses") or ()]
    sidecars = {c["name"] for c in (pod.get("spec") or {}).get("initContainers") or ()
                if c.get("restartPolicy") == "Always"}
    counts += [s.get("restartCount", 0) for s in status.get("initContainerStatuses") or () if s["name"] in sidecars]
    return max(counts, default=0)


# -- which pods go first ----------------------------------------------------------

_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _deletion_cost(pod: dict) -> int:
    try:
        return int(((pod["metadata"].get("annotations") or {}).get(DELETION_COST_ANNOTATION)) or 0)
    except ValueError:
        return 0


def _log_rank(stamp: str, now_ns: int) -> int:
    """logarithmicRankDiff's rank: floor(log2(nanoseconds since ``stamp``)), -1 if not after it."""
    d = now_ns - int(parse_time(stamp).timestamp()) * 10**9
    return int(math.log2(d)) if d > 0 else -1


def rank_pods_for_deletion(pods: list[dict], ranks: list[int], now) -> list[dict]:
    """ActivePodsWithRanks (v1.32, LogarithmicScaleDown and PodDeletionCost on): pods
    sorted so the ones to delete first come first. Each rule decides only if the
    previous ones tie:

    1. unassigned before assigned; 2. Pending < Unknown < Running; 3. not ready
    before ready; 4. lower ``pod-deletion-cost`` first; 5. higher rank (more active
    pods of the same owner family on its node) first; 6. both ready: ready more
    recently first, compared on a log2 scale of how long ago (equal buckets: by
    uid); 7. more container restarts first; 8. created more recently first (log2
    buckets again, then uid).
    """
    now_ns = int(now.timestamp()) * 10**9
    facts = []
    for p, rank in zip(pods, ranks):
        cond = ready_condition(p)
        ready = cond is not None and cond.get("status") == "True"
        ready_at = cond.get("lastTransitionTime") if ready else None
        created = p["metadata"].get("creationTimestamp")
        facts.append((bool(p["spec"].get("nodeName")), _PHASE_ORDINAL.get((p.get("status") or {}).get("phase"), 0),
                      ready, _deletion_cost(p), rank, ready_at, _log_rank(ready_at, now_ns) if ready_at else None,
                      max_container_restarts(p), created, _log_rank(created, now_ns) if created else None,
                      p["metadata"].get("uid", ""), (p["spec"].get("nodeName") or "")))

    def by_time(fa, fb, when: int, rank: int) -> int:
        if not fa[when] or not fb[when]:
            return -1 if not fa[when] else 1          # afterOrZero: a zero time goes first
        if fa[rank] != fb[rank]:
            return -1 if fa[rank] < fb[rank] else 1
        return -1 if fa[10] < fb[10] else 1 if fa[10] > fb[10] else 0

    def less(a: int, b: int) -> int:
        fa, fb = facts[a], facts[b]
        if fa[11] != fb[11] and fa[0] != fb[0]:
            return -1 if not fa[0] else 1
        for i in (1, 2, 3):                           # phase, readiness, deletion cost: lower first
            if fa[i] != fb[i]:
                return -1 if fa[i] < fb[i] else 1
        if fa[4] != fb[4]:
            return -1 if fa[4] > fb[4] else 1
        if fa[2] and fb[2] and fa[5] != fb[5]:
            return by_time(fa, fb, 5, 6)
        if fa[7] != fb[7]:
            return -1 if fa[7] > fb[7] else 1
        if fa[8] != fb[8]:
            return by_time(fa, fb, 8, 9)
        return 0

    order = sorted(range(len(pods)), key=cmp_to_key(less))
    return [pods[i] for i in order]


def pods_to_delete(pods: list[dict], related: list[dict], diff: int, now) -> list[dict]:
    """getPodsToDelete: rank each pod by how many active related pods (of every
    ReplicaSet of the same owner) share its node, then take the first ``diff``."""
    if diff >= len(pods):
        return list(pods)
    on_node: dict[str, int] = {}
    for p in related:
        if is_pod_active(p):
            node = p["spec"].get("nodeName") or ""
            on_node[node] = on_node.get(node, 0) + 1
    ranks = [on_node.get(p["spec"].get("nodeName") or "", 0) for p in pods]
    return rank_pods_for_deletion(pods, ranks, now)[:diff]


def slow_start_batch(count: int, initial: int, fn: Callable[[], None]) -> tuple[int, errors.ApiError | None]:
    """slowStartBatch: call ``fn`` in batches of 1, 2, 4, ... until ``count`` calls; the
    first batch with a failure ends it. Returns (successes, first error)."""
    remaining, successes = count, 0
    batch = min(remaining, initial)
    while batch > 0:
        failure = None
        for _ in range(batch):
            try:
                fn()
                successes += 1
            except errors.ApiError as e:
                failure = failure or e
        if failure is not None:
            return successes, failure
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None


# -- pods by controller -------------------------------------------------------------

CONTROLLER_UID_INDEX = "podControllerUID"


def controller_uid_index(pod: dict) -> list[str]:
    """AddPodControllerUIDIndexer: a pod's controller uid, or for an orphan the
    namespace-scoped orphan key (so adoption candidates are found without a scan)."""
    ref = controller_ref(pod)
    return [ref["uid"]] if ref is not None else [f'<orphan>/{pod["metadata"].get("namespace", "")}']


def pods_owned_by(pod_informer, owner: dict, include_orphans: bool) -> list[dict]:
    """FilterPodsByOwner: the owner's pods (and its namespace's orphans) from the index."""
    out = pod_informer.by_index(CONTROLLER_UID_INDEX, owner["metadata"]["uid"])
    if include_orphans:
        out = out + pod_informer.by_index(CONTROLLER_UID_INDEX, f'<orphan>/{owner["metadata"]["namespace"]}')
    return out

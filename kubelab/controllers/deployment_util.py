"""Deployment arithmetic and bookkeeping (kubernetes pkg/controller/deployment/util).

Pure functions over wire-shape dicts: maxSurge/maxUnavailable from integers
or percentages (ResolveFenceposts), revisions and the annotations a
Deployment copies to its ReplicaSets, which ReplicaSet is the new one
(same template, ignoring pod-template-hash), how far to scale it, the
proportions of a scaling event, and the status conditions.
"""
from __future__ import annotations

import math
from copy import deepcopy
from datetime import timedelta

from ..api.meta import format_time, parse_time

__all__ = [
    "REVISION", "REVISION_HISTORY", "DESIRED_REPLICAS", "MAX_REPLICAS", "HASH_LABEL", "scaled_value",
    "resolve_fenceposts", "max_surge", "max_unavailable", "revision", "max_revision", "equal_ignore_hash",
    "find_new_replica_set", "find_old_replica_sets", "new_rs_new_replicas", "is_saturated", "replicas",
    "set_new_replica_set_annotations", "set_replicas_annotations", "replicas_annotations_need_update",
    "proportion", "deployment_complete", "deployment_progressing", "deployment_timed_out", "has_progress_deadline",
    "new_condition", "get_condition", "set_condition", "remove_condition", "by_creation", "active",
    "total_replicas", "actual_replicas", "ready_replicas", "available_replicas", "find_active_or_latest",
]

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
HASH_LABEL = "pod-template-hash"
#: annotations a Deployment never copies to its ReplicaSets (annotationsToSkip)
SKIP_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY,
                              DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to"})
MAX_REV_HISTORY_CHARS = 2000
MAX_INT32 = 2**31 - 1


def replicas(obj: dict) -> int:
    return (obj.get("spec") or {}).get("replicas", 1)


def scaled_value(value, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is; "25%" of ``total``,
    rounded up (maxSurge) or down (maxUnavailable)."""
    if isinstance(value, int):
        return value
    pct = int(str(value).rstrip("%"))
    exact = pct * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def resolve_fenceposts(surge, unavailable, desired: int) -> tuple[int, int]:
    """ResolveFenceposts: surge rounds up, unavailable rounds down; both zero would
    deadlock a rollout, so then unavailable becomes 1."""
    s = scaled_value(surge if surge is not None else 0, desired, True)
    u = scaled_value(unavailable if unavailable is not None else 0, desired, False)
    if s == 0 and u == 0:
        u = 1
    return s, u


def _rolling(d: dict) -> dict | None:
    strategy = d["spec"].get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return None
    return strategy.get("rollingUpdate") or {"maxSurge": "25%", "maxUnavailable": "25%"}


def max_surge(d: dict) -> int:
    ru = _rolling(d)
    return 0 if ru is None else resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), replicas(d))[0]


def max_unavailable(d: dict) -> int:
    ru = _rolling(d)
    if ru is None or replicas(d) == 0:
        return 0
    return min(resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), replicas(d))[1], replicas(d))


# -- replica set lists --------------------------------------------------------------

def by_creation(rss: list[dict]) -> list[dict]:
    """ReplicaSetsByCreationTimestamp: oldest first, then by name."""
    return sorted(rss, key=lambda r: (r["metadata"].get("creationTimestamp") or "", r["metadata"]["name"]))


def active(rss: list[dict | None]) -> list[dict]:
    """FilterActiveReplicaSets: those with spec.replicas > 0."""
    return [r for r in rss if r is not None and replicas(r) > 0]


def total_replicas(rss) -> int:
    return sum(replicas(r) for r in rss if r is not None)


def _status_sum(rss, field: str) -> int:
    return sum((r.get("status") or {}).get(field, 0) for r in rss if r is not None)


def actual_replicas(rss) -> int:
    return _status_sum(rss, "replicas")


def ready_replicas(rss) -> int:
    return _status_sum(rss, "readyReplicas")


def available_replicas(rss) -> int:
    return _status_sum(rss, "availableReplicas")


def revision(obj: dict) -> int:
    try:
        return int((obj["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def max_revision(rss: list[dict]) -> int:
    return max((revision(r) for r in rss), default=0)


def _without_hash(template: dict) -> dict:
    t = deepcopy(template or {})
    labels = (t.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(HASH_LABEL, None)
    return _semantic(t)


def _semantic(value):
    """apiequality.Semantic: empty and missing maps and lists compare equal."""
    if isinstance(value, dict):
        return {k: _semantic(v) for k, v in value.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def equal_ignore_hash(a: dict, b: dict) -> bool:
    """EqualIgnoreHash: the same pod template, whatever its pod-template-hash label."""
    return _without_hash(a) == _without_hash(b)


def find_new_replica_set(d: dict, rss: list[dict]) -> dict | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's."""
    for rs in by_creation(rss):
        if equal_ignore_hash(rs["spec"]["template"], d["spec"]["template"]):
            return rs
    return None


def find_old_replica_sets(rss: list[dict], new: dict | None) -> list[dict]:
    """FindOldReplicaSets: every ReplicaSet but the new one."""
    return [r for r in rss if new is None or r["metadata"]["uid"] != new["metadata"]["uid"]]


def find_active_or_latest(new: dict | None, old: list[dict]) -> dict | None:
    """FindActiveOrLatest: the only active ReplicaSet, or with none active the new one
    (else the newest old one); None when several are active."""
    if new is None and not old:
        return None
    old_newest_first = list(reversed(by_creation(old)))
    alive = active(old_newest_first + [new])
    if not alive:
        return new if new is not None else old_newest_first[0]
    return alive[0] if len(alive) == 1 else None


def new_rs_new_replicas(d: dict, all_rss: list[dict], new: dict) -> int:
    """NewRSNewReplicas: RollingUpdate grows the new ReplicaSet while all pods stay within
    replicas + maxSurge; Recreate takes it straight to replicas."""
    if _rolling(d) is None:
        return replicas(d)
    current = total_replicas(all_rss)
    most = replicas(d) + max_surge(d)
    if current >= most:
        return replicas(new)
    return replicas(new) + min(most - current, replicas(d) - replicas(new))


def is_saturated(d: dict, rs: dict | None) -> bool:
    """IsSaturated: the new ReplicaSet was sized for this Deployment and is all available."""
    if rs is None:
        return False
    desired = (rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS)
    return desired == str(replicas(d)) and replicas(rs) == replicas(d) and \
        (rs.get("status") or {}).get("availableReplicas", 0) == replicas(d)


# -- annotations ------------------------------------------------------------------------

def set_replicas_annotations(rs: dict, desired: int, most: int) -> bool:
    ann = rs["metadata"].setdefault("annotations", {})
    changed = ann.get(DESIRED_REPLICAS) != str(desired) or ann.get(MAX_REPLICAS) != str(most)
    ann[DESIRED_REPLICAS], ann[MAX_REPLICAS] = str(desired), str(most)
    return changed


def replicas_annotations_need_update(rs: dict, desired: int, most: int) -> bool:
    ann = rs["metadata"].get("annotations") or {}
    return ann.get(DESIRED_REPLICAS) != str(desired) or ann.get(MAX_REPLICAS) != str(most)


def set_new_replica_set_annotations(d: dict, rs: dict, new_revision: int, exists: bool) -> bool:
    """SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision
    (remembering the old one in revision-history when a rollback reuses a ReplicaSet),
    and on creation record desired-replicas and max-replicas."""
    ann = rs["metadata"].setdefault("annotations", {})
    changed = False
    for key, value in sorted((d["metadata"].get("annotations") or {}).items()):
        if key not in SKIP_ANNOTATIONS and ann.get(key) != value:
            ann[key] = value
            changed = True
    old = ann.get(REVISION)
    try:
        old_int = int(old) if old is not None else 0
    except ValueError:
        return changed
    if old_int < new_revision:
        ann[REVISION] = str(new_revision)
        changed = True
        if old is not None:
            history = ann.get(REVISION_HISTORY, "")
            revs = history.split(",") if history else []
            total = len(history) + len(old) + 1
            while revs and total > MAX_REV_HISTORY_CHARS:
                total -= len(revs.pop(0)) + 1
            if total <= MAX_REV_HISTORY_CHARS:
                ann[REVISION_HISTORY] = ",".join(revs + [old])
    if not exists and set_replicas_annotations(rs, replicas(d), replicas(d) + max_surge(d)):
        changed = True
    return changed


# -- proportional scaling ---------------------------------------------------------------------

def proportion(rs: dict, d: dict, to_add: int, added: int) -> int:
    """GetProportion: this ReplicaSet's share of a scaling event, from its max-replicas
    annotation (the size the Deployment had when it was sized), never beyond what is left."""
    if replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    if replicas(d) == 0:
        fraction = -replicas(rs)
    else:
        deployment_replicas = replicas(d) + max_surge(d)
        try:
            annotated = int((rs["metadata"].get("annotations") or {})[MAX_REPLICAS])
        except (KeyError, ValueError):
            annotated = (d.get("status") or {}).get("replicas", 0)
        size = replicas(rs) * deployment_replicas / annotated
        fraction = int(math.floor(size + 0.5)) - replicas(rs)      # math.Round: half away from zero
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


# -- conditions ---------------------------------------------------------------------------------

def new_condition(type_: str, status: str, reason: str, message: str, now) -> dict:
    stamp = format_time(now)
    return {"type": type_, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def get_condition(status: dict, type_: str) -> dict | None:
    return next((c for c in status.get("conditions") or () if c["type"] == type_), None)


def set_condition(status: dict, cond: dict) -> None:
    """SetDeploymentCondition: same status and reason: keep the old one; same status:
    keep its lastTransitionTime; the condition moves to the end."""
    current = get_condition(status, cond["type"])
    if current is not None and current["status"] == cond["status"] and current["reason"] == cond["reason"]:
        return
    if current is not None and current["status"] == cond["status"]:
        cond = dict(cond, lastTransitionTime=current["lastTransitionTime"])
    status["conditions"] = [c for c in status.get("conditions") or () if c["type"] != cond["type"]] + [cond]


def remove_condition(status: dict, type_: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or () if c["type"] != type_]


def has_progress_deadline(d: dict) -> bool:
    pds = d["spec"].get("progressDeadlineSeconds")
    return pds is not None and pds != MAX_INT32


def deployment_complete(d: dict, status: dict) -> bool:
    """DeploymentComplete: every replica updated and available, the latest spec observed."""
    n = replicas(d)
    return status.get("updatedReplicas", 0) == n and status.get("replicas", 0) == n and \
        status.get("availableReplicas", 0) == n and \
        status.get("observedGeneration", 0) >= d["metadata"].get("generation", 0)


def deployment_progressing(d: dict, new: dict) -> bool:
    """DeploymentProgressing: more updated, ready or available pods, or fewer old ones."""
    old = d.get("status") or {}

    def olds(s):
        return s.get("replicas", 0) - s.get("updatedReplicas", 0)
    return new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or olds(new) < olds(old) or \
        new.get("readyReplicas", 0) > old.get("readyReplicas", 0) or \
        new.get("availableReplicas", 0) > old.get("availableReplicas", 0)


def deployment_timed_out(d: dict, status: dict, now) -> bool:
    """DeploymentTimedOut: no progress for progressDeadlineSeconds since the Progressing
    condition was last updated."""
    if not has_progress_deadline(d):
        return False
    cond = get_condition(status, "Progressing")
    if cond is None or cond["reason"] == "NewReplicaSetAvailable":
        return False
    if cond["reason"] == "ProgressDeadlineExceeded":
        return True
    deadline = parse_time(cond["lastUpdateTime"]) + timedelta(seconds=d["spec"]["progressDeadlineSeconds"])
    return deadline < now

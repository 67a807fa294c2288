"""DaemonSet rollouts and history (pkg/controller/daemon/update.go).

Every template a DaemonSet has had is a ControllerRevision ``<ds>-<hash>``, the
hash being ComputeHash of the template (the pod-template-hash function), which
new Pods carry in their ``controller-revision-hash`` label. A RollingUpdate
replaces old Pods node by node:

* ``maxSurge: 0`` (the default): delete old Pods while at most
  ``maxUnavailable`` (1 by default, a percentage rounds up) daemon Pods are
  unavailable; the sync then creates the new Pod on that node.
* ``maxSurge > 0``: start a new Pod next to the old one on up to ``maxSurge``
  nodes; the old Pod goes once the new one is available.

``OnDelete`` only replaces Pods someone deleted. Old revisions beyond
``revisionHistoryLimit`` that no Pod uses are deleted, oldest first.
"""
from __future__ import annotations

from .. import errors
from ..api.labels import selector_from_label_selector
from ..api.meta import controller_ref
from .controller_utils import is_pod_available, new_controller_ref
from .daemon_pods import HASH_LABEL, is_pod_updated, node_should_run
from .deployment_util import scaled_value
from .history import canonical_json, sort_revisions, template_patch
from .templatehash import compute_hash

__all__ = ["DaemonSetUpdates", "allows_surge"]


def _rolling(ds: dict) -> dict | None:
    strategy = ds["spec"].get("updateStrategy") or {}
    return strategy.get("rollingUpdate") if strategy.get("type") == "RollingUpdate" else None


def surge_count(ds: dict, desired: int) -> int:
    """util.SurgeCount: maxSurge of ``desired`` (percentages round up)."""
    rolling = _rolling(ds)
    return scaled_value(rolling["maxSurge"], desired, True) if rolling and rolling.get("maxSurge") is not None else 0


def unavailable_count(ds: dict, desired: int) -> int:
    """util.UnavailableCount: maxUnavailable of ``desired`` (percentages round up)."""
    rolling = _rolling(ds)
    return scaled_value(rolling.get("maxUnavailable") or 0, desired, True) if rolling else 0


def allows_surge(ds: dict) -> bool:
    return surge_count(ds, 1) != 0


def _find_updated_pods(pods: list[dict], hash_: str) -> tuple[dict | None, dict | None, bool]:
    """findUpdatedPodsOnNode: (new Pod, old Pod, at most one of each)."""
    new = old = None
    for pod in pods:
        if pod["metadata"].get("deletionTimestamp"):
            continue
        if is_pod_updated(pod, hash_):
            if new is not None:
                return None, None, False
            new = pod
        else:
            if old is not None:
                return None, None, False
            old = pod
    return new, old, True


class DaemonSetUpdates:
    """The rollout half of the DaemonSet controller (mixed into DaemonSetController)."""

    def _available(self, ds: dict, pod: dict) -> bool:
        return is_pod_available(pod, ds["spec"].get("minReadySeconds", 0), self.loop.clock.now())

    def _rolling_update(self, ds: dict, nodes: list[dict], hash_: str) -> None:
        """rollingUpdate: pick old Pods to delete (or nodes to surge onto) within the budget."""
        node_pods = self._node_to_daemon_pods(ds)
        by_name = {n["metadata"]["name"]: n for n in nodes}
        desired = 0
        for node in nodes:
            if node_should_run(node, ds)[0]:
                desired += 1
                node_pods.setdefault(node["metadata"]["name"], [])
        max_surge, max_unavailable = surge_count(ds, desired), unavailable_count(ds, desired)
        if desired > 0 and max_surge == 0 and max_unavailable == 0:
            max_unavailable = 1
        if max_surge == 0:
            unavailable, replace, candidates = 0, [], []
            for node_name in sorted(node_pods):
                new, old, ok = _find_updated_pods(node_pods[node_name], hash_)
                if not ok or (new is None) == (old is None):
                    unavailable += 1           # the manage loop creates or prunes here
                elif new is not None:
                    unavailable += not self._available(ds, new)
                elif not self._available(ds, old):
                    replace.append(old["metadata"]["name"])
                    unavailable += 1
                elif unavailable < max_unavailable:
                    candidates.append(old["metadata"]["name"])
            room = max(0, min(max_unavailable - unavailable, len(candidates)))
            self._sync_nodes(ds, replace + candidates[:room], [], hash_)
            return
        delete, not_wanted, candidates, allowed = [], [], [], []
        surging = available = 0
        for node_name in sorted(node_pods):
            new, old, ok = _find_updated_pods(node_pods[node_name], hash_)
            if not ok:
                surging += 1
                continue
            if old is not None or new is not None:
                available += self._available(ds, old if old is not None else new)
            if old is None:
                continue
            wanted = node_name in by_name and node_should_run(by_name[node_name], ds)[0]
            if new is None and not wanted:
                # an unavailable old Pod on a node no longer wanted goes now, an available one later
                (not_wanted if self._available(ds, old) else delete).append(old["metadata"]["name"])
            elif new is None and not self._available(ds, old):
                allowed.append(node_name)            # replace it at once: it serves nothing
            elif new is None:
                if surging < max_surge:
                    candidates.append(node_name)
            elif not self._available(ds, new):
                surging += 1
            else:
                delete.append(old["metadata"]["name"])
        # with maxSurge, Pods on nodes no longer wanted go only as others become available
        delete += not_wanted[:max(0, min(available - desired, len(not_wanted)))]
        room = max(0, min(max_surge - surging, len(candidates)))
        self._sync_nodes(ds, delete, allowed + candidates[:room], hash_)

    # -- history -----------------------------------------------------------------
    def _construct_history(self, ds: dict) -> tuple[dict, list[dict]]:
        """constructHistory: the current revision (created or renumbered) and the old ones."""
        ns = ds["metadata"]["namespace"]
        selector = selector_from_label_selector(ds["spec"]["selector"])
        current, old = [], []
        patch = canonical_json(template_patch(ds))
        for rev in self.history.list_owned(ds, selector):
            if controller_ref(rev) is None:
                rev = self.history.adopt(ds, rev)
            if HASH_LABEL not in (rev["metadata"].get("labels") or {}):
                rev = self.api.patch("controllerrevisions", rev["metadata"]["name"],
                                     {"metadata": {"labels": {HASH_LABEL: rev["metadata"]["name"]}}},
                                     namespace=ns, patch_type="merge")
            (current if canonical_json(rev.get("data")) == patch else old).append(rev)
        number = max((r.get("revision", 0) for r in old), default=0) + 1
        if not current:
            return self._snapshot(ds, number), old
        keep = self._dedup(ds, current)
        if keep.get("revision", 0) < number:
            keep = self.history.update_revision(keep, number)
        return keep, old

    def _dedup(self, ds: dict, current: list[dict]) -> dict:
        """dedupCurHistories: keep the highest-numbered equal revision, relabel Pods to it."""
        keep = max(current, key=lambda r: r.get("revision", 0))
        if len(current) == 1:
            return keep
        hash_ = keep["metadata"]["labels"][HASH_LABEL]
        for pod in self._daemon_pods(ds):
            if (pod["metadata"].get("labels") or {}).get(HASH_LABEL) != hash_:
                self.api.patch("pods", pod["metadata"]["name"], {"metadata": {"labels": {HASH_LABEL: hash_}}},
                               namespace=pod["metadata"]["namespace"], patch_type="merge")
        for rev in current:
            if rev is not keep:
                self.history.delete(rev)
        return keep

    def _snapshot(self, ds: dict, number: int) -> dict:
        """snapshot: store the template as revision ``number``; a name taken by other data
        raises status.collisionCount and fails this sync (the next one hashes anew)."""
        m = ds["metadata"]
        hash_ = compute_hash(ds["spec"]["template"], (ds.get("status") or {}).get("collisionCount"))
        revision = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                    "metadata": {"name": f'{m["name"]}-{hash_}', "namespace": m["namespace"],
                                 "labels": {**(ds["spec"]["template"].get("metadata", {}).get("labels") or {}),
                                            HASH_LABEL: hash_},
                                 "ownerReferences": [new_controller_ref(ds)]},
                    "data": template_patch(ds), "revision": number}
        if m.get("annotations"):
            revision["metadata"]["annotations"] = dict(m["annotations"])
        try:
            return self.api.create(revision)
        except errors.AlreadyExists as taken:
            existing = self.api.get("controllerrevisions", revision["metadata"]["name"], namespace=m["namespace"])
            if canonical_json(existing.get("data")) == canonical_json(revision["data"]):
                return existing
            fresh = self.api.get("daemonsets", m["name"], namespace=m["namespace"])
            fresh.setdefault("status", {})["collisionCount"] = fresh["status"].get("collisionCount", 0) + 1
            self.api.update(fresh, subresource="status")
            raise taken

    def _cleanup_history(self, ds: dict, old: list[dict]) -> None:
        """cleanupHistory: delete the oldest unused revisions beyond revisionHistoryLimit."""
        excess = len(old) - ds["spec"].get("revisionHistoryLimit", 10)
        if excess <= 0:
            return
        live = {(p["metadata"].get("labels") or {}).get(HASH_LABEL) for p in self._daemon_pods(ds)}
        for rev in sort_revisions(old):
            if excess <= 0:
                break
            if rev["metadata"]["labels"].get(HASH_LABEL) in live:
                continue
            self.history.delete(rev)
            excess -= 1

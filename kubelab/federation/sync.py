"""Propagation of FederatedDeployments to the member clusters (kubefed's sync controller).

For every FederatedDeployment and every Ready member cluster:

* placed there: the Deployment ``spec.template`` describes (same name and
  namespace, labelled ``kubefed.io/managed: "true"``) with the cluster's
  ``overrides`` applied (JSON pointers: ``replace``, the default, ``add`` or
  ``remove``) is created, or updated when the desired object or the member's
  copy changed since the last propagation (someone edited it there);
* not placed there: a managed Deployment is deleted.

The FederatedDeployment's status lists each placed cluster (with ``status:
ClusterNotReady`` for one that is not Ready) and a ``Propagation`` condition.
Events on the FederatedDeployment: ``CreateInCluster``, ``UpdateInCluster``,
``DeleteInCluster``. simplified: member clusters are polled every sync period
rather than watched.
"""
from __future__ import annotations

import copy

from .. import errors
from ..api.meta import format_time
from ..apiserver.patch import json_patch
from .types import MANAGED_LABEL

__all__ = ["Propagator", "render"]


def render(fd: dict, overrides: list[dict]) -> dict:
    """The member Deployment for one cluster: the template plus that cluster's overrides."""
    template = (fd.get("spec") or {}).get("template") or {}
    meta = template.get("metadata") or {}
    obj = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": fd["metadata"]["name"], "namespace": fd["metadata"]["namespace"],
                        "labels": {**(meta.get("labels") or {}), MANAGED_LABEL: "true"}},
           "spec": copy.deepcopy(template.get("spec") or {})}
    if meta.get("annotations"):
        obj["metadata"]["annotations"] = dict(meta["annotations"])
    ops = [{"op": o.get("op") or "replace", "path": o["path"], **({"value": o["value"]} if "value" in o else {})}
           for o in overrides]
    return json_patch(obj, ops) if ops else obj


class Propagator:
    """Pushes FederatedDeployments into the members and reports where they are."""

    def __init__(self, federation):
        self.fed = federation
        self._pushed: dict[tuple, tuple] = {}     # (cluster, ns/name) -> (desired, member generation)

    def sync(self, fd: dict, ready: list[str]) -> None:
        spec = fd.get("spec") or {}
        placed = {c["name"] for c in (spec.get("placement") or {}).get("clusters") or ()}
        overrides = {o["clusterName"]: o.get("clusterOverrides") or () for o in spec.get("overrides") or ()}
        key = f'{fd["metadata"]["namespace"]}/{fd["metadata"]["name"]}'
        clusters = []
        for cluster in sorted(self.fed.members):
            if cluster not in ready:
                if cluster in placed:
                    clusters.append({"name": cluster, "status": "ClusterNotReady"})
                continue
            if cluster in placed:
                self._apply(fd, cluster, render(fd, overrides.get(cluster, ())), key)
                clusters.append({"name": cluster})
            else:
                self._remove(fd, cluster, key)
        ok = all("status" not in c for c in clusters)
        self._status(fd, clusters, ok)

    def _apply(self, fd: dict, cluster: str, desired: dict, key: str) -> None:
        api = self.fed.members[cluster].api
        meta = desired["metadata"]
        try:
            current = api.get("deployments", meta["name"], namespace=meta["namespace"])
        except errors.NotFound:
            self._event(fd, "CreateInCluster", f'Creating Deployment "{key}" in cluster "{cluster}"')
            created = api.create(desired)
            self._pushed[(cluster, key)] = (desired, created["metadata"].get("generation"))
            return
        if self._pushed.get((cluster, key)) == (desired, current["metadata"].get("generation")):
            return
        self._event(fd, "UpdateInCluster", f'Updating Deployment "{key}" in cluster "{cluster}"')
        labels = {**(current["metadata"].get("labels") or {}), **meta["labels"]}
        updated = api.update(dict(current, metadata=dict(current["metadata"], labels=labels), spec=desired["spec"]))
        self._pushed[(cluster, key)] = (desired, updated["metadata"].get("generation"))

    def _remove(self, fd: dict, cluster: str, key: str) -> None:
        api = self.fed.members[cluster].api
        try:
            current = api.get("deployments", fd["metadata"]["name"], namespace=fd["metadata"]["namespace"])
        except errors.NotFound:
            return
        if (current["metadata"].get("labels") or {}).get(MANAGED_LABEL) == "true":
            self._event(fd, "DeleteInCluster", f'Deleting Deployment "{key}" in cluster "{cluster}"')
            api.delete("deployments", current["metadata"]["name"], namespace=current["metadata"]["namespace"])
            self._pushed.pop((cluster, key), None)

    def _status(self, fd: dict, clusters: list[dict], ok: bool) -> None:
        stamp = format_time(self.fed.loop.clock.now())
        old = (fd.get("status") or {}).get("conditions") or [{}]
        status = "True" if ok else "False"
        since = old[0].get("lastTransitionTime") if old[0].get("status") == status else stamp
        condition = {"type": "Propagation", "status": status, "lastTransitionTime": since}
        if not ok:
            condition["reason"] = "CheckClusters"
        new = {"clusters": clusters, "conditions": [condition]}
        if (fd.get("status") or {}) != new:
            self.fed.api.update(dict(fd, status=new), subresource="status")

    def _event(self, fd: dict, reason: str, message: str) -> None:
        self.fed.recorder.event(fd, "Normal", reason, message)

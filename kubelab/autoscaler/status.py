"""The status ConfigMap ``kube-system/cluster-autoscaler-status`` (clusterstate/api).

Written at the end of every loop: ``data.status`` holds YAML in the order of
the autoscaler's ClusterAutoscalerStatus struct (time, autoscalerStatus,
clusterWide health/scaleUp/scaleDown, then each node group's), and the
annotation ``cluster-autoscaler.kubernetes.io/last-updated`` the time. The
autoscaler's events about the cluster as a whole (ScaledUpGroup,
ScaleDownEmpty, ScaleDown) are recorded on this ConfigMap.

A condition's ``lastTransitionTime`` moves only when its status changes.
Health is Healthy while registered nodes are Ready (kubelab's machines do not
fail to boot); scale-up is ``InProgress`` while requested nodes have not
registered, else ``NoActivity``; scale-down is ``CandidatesPresent`` while some
node is unneeded, else ``NoCandidates``.
"""
from __future__ import annotations

import yaml

from .. import errors
from ..api.meta import format_time

__all__ = ["StatusWriter", "STATUS_CONFIGMAP", "LAST_UPDATED"]

STATUS_CONFIGMAP = "cluster-autoscaler-status"
LAST_UPDATED = "cluster-autoscaler.kubernetes.io/last-updated"


def go_time(dt) -> str:
    """Go's time.Time.Format("2006-01-02 15:04:05.999999999 -0700 MST") in UTC."""
    text = dt.strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
    return f"{text} +0000 UTC"


class StatusWriter:
    """Keeps the conditions' transition times and writes the ConfigMap."""

    def __init__(self, ca):
        self.ca = ca
        self._since: dict[tuple, tuple[str, str]] = {}        # condition -> (status, since)

    def ensure(self) -> dict:
        """The ConfigMap (created at start, so events have an object to point at)."""
        api = self.ca.api
        try:
            return api.get("configmaps", STATUS_CONFIGMAP, namespace="kube-system")
        except errors.NotFound:
            return api.create({"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": STATUS_CONFIGMAP, "namespace": "kube-system"},
                               "data": {"status": ""}})

    def _condition(self, key: tuple, status: str, stamp: str, **extra) -> dict:
        old = self._since.get(key)
        since = old[1] if old is not None and old[0] == status else stamp
        self._since[key] = (status, since)
        return {"status": status, **extra, "lastProbeTime": stamp, "lastTransitionTime": since}

    def build(self) -> dict:
        """The ClusterAutoscalerStatus as a dict, in the struct's field order."""
        ca = self.ca
        now = ca.loop.clock.now()
        stamp = format_time(now)
        groups, totals = [], {"total": 0, "ready": 0, "notStarted": 0, "unregistered": 0}
        for group in ca.groups.values():
            registered = sorted(group.registered)
            ready = [n for n in registered if ca.node_ready(n)]
            counts = {"registered": {"total": len(registered), "ready": len(ready), "notStarted": 0},
                      "longUnregistered": 0, "unregistered": len(group.upcoming())}
            for k in ("total", "ready", "notStarted"):
                totals[k] += counts["registered"][k]
            totals["unregistered"] += counts["unregistered"]
            candidates = len([n for n in ca.scale_down.unneeded if n in group.instances])
            groups.append({
                "name": group.name,
                "health": self._condition((group.name, "health"), "Healthy", stamp, nodeCounts=counts,
                                          cloudProviderTarget=group.target_size(), minSize=group.min_size,
                                          maxSize=group.max_size),
                "scaleUp": self._condition((group.name, "scaleUp"),
                                           "InProgress" if group.upcoming() else "NoActivity", stamp),
                "scaleDown": self._condition((group.name, "scaleDown"),
                                             "CandidatesPresent" if candidates else "NoCandidates", stamp,
                                             **({"candidates": candidates} if candidates else {})),
            })
        unneeded = len(ca.scale_down.unneeded)
        cluster_counts = {"registered": {k: totals[k] for k in ("total", "ready", "notStarted")},
                          "longUnregistered": 0, "unregistered": totals["unregistered"]}
        return {
            "time": go_time(now),
            "autoscalerStatus": "Running",
            "clusterWide": {
                "health": self._condition(("health",), "Healthy", stamp, nodeCounts=cluster_counts),
                "scaleUp": self._condition(("scaleUp",), "InProgress" if totals["unregistered"] else "NoActivity",
                                           stamp),
                "scaleDown": self._condition(("scaleDown",), "CandidatesPresent" if unneeded else "NoCandidates",
                                             stamp, **({"candidates": unneeded} if unneeded else {})),
            },
            "nodeGroups": groups,
        }

    def write(self) -> None:
        status = self.build()
        text = yaml.safe_dump(status, sort_keys=False, default_flow_style=False)
        try:
            self.ca.api.patch("configmaps", STATUS_CONFIGMAP, {
                "metadata": {"annotations": {LAST_UPDATED: status["time"]}}, "data": {"status": text}},
                namespace="kube-system", patch_type="merge")
        except errors.NotFound:
            self.ensure()

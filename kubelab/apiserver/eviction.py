"""The Eviction API (pods/eviction): a delete that respects PodDisruptionBudgets.

``kubectl drain`` and the cluster autoscaler evict rather than delete. If a
budget covering the Pod allows no disruption the answer is 429 Too Many
Requests, "Cannot evict pod as it would violate the pod's disruption budget.";
otherwise the budget's ``disruptionsAllowed`` is consumed (the Pod is noted in
``disruptedPods``) and the Pod is deleted gracefully.
"""
from __future__ import annotations

from .. import errors
from ..api.labels import selector_from_label_selector
from ..api.meta import format_time

__all__ = ["evict"]


def evict(api, eviction: dict, namespace: str | None) -> dict:
    m = eviction.get("metadata") or {}
    name, ns = m.get("name", ""), m.get("namespace") or namespace or "default"
    pod = api.get("pods", name, namespace=ns)
    options = eviction.get("deleteOptions") or {}
    success = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    if pod["status"].get("phase") in ("Succeeded", "Failed") or pod["metadata"].get("deletionTimestamp"):
        api.delete("pods", name, namespace=ns, grace_period_seconds=options.get("gracePeriodSeconds"))
        return success
    labels = pod["metadata"].get("labels") or {}
    budgets = [p for p in api.list("poddisruptionbudgets", namespace=ns)["items"]
               if selector_from_label_selector(p["spec"].get("selector")).matches(labels)]
    if len(budgets) > 1:
        raise errors.InternalError("This pod has more than one PodDisruptionBudget, which the eviction "
                                   "subresource does not support.")
    if budgets:
        pdb = budgets[0]
        status = pdb.get("status") or {}
        if status.get("observedGeneration", 0) < pdb["metadata"].get("generation", 1) or \
                status.get("disruptionsAllowed", 0) <= 0:
            raise errors.TooManyRequests(
                "Cannot evict pod as it would violate the pod's disruption budget.",
                causes=[errors.Cause("", f'The disruption budget {pdb["metadata"]["name"]} needs '
                                         f'{status.get("desiredHealthy", 0)} healthy pods and has '
                                         f'{status.get("currentHealthy", 0)} currently', "DisruptionBudget")])
        status = dict(status, disruptionsAllowed=status["disruptionsAllowed"] - 1,
                      disruptedPods={**status.get("disruptedPods", {}), name: format_time(api.clock.now())})
        api.update({**pdb, "status": status}, subresource="status")
    api.delete("pods", name, namespace=ns, grace_period_seconds=options.get("gracePeriodSeconds"))
    return success

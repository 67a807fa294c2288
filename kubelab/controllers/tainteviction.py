"""The taint eviction controller: NoExecute taints evict Pods that don't tolerate them.

A Pod with no matching toleration is deleted at once; one whose tolerations all
carry ``tolerationSeconds`` is deleted when the shortest of them has passed
since the taint's ``timeAdded`` (every Pod gets 300 s for not-ready and
unreachable from the DefaultTolerationSeconds admission plugin); one that
tolerates the taint forever stays.
"""
from __future__ import annotations

from .. import errors
from ..api.meta import parse_time
from ..api.tolerations import tolerates
from .base import Controller

__all__ = ["TaintEvictionController", "eviction_delay"]


def eviction_delay(tolerations: list, taints: list, now: float, start) -> float | None:
    """Seconds until the Pod must go: 0 now, None never (getMinTolerationTime)."""
    deadline = None
    for taint in taints:
        if taint.get("effect") != "NoExecute":
            continue
        matching = [t for t in tolerations if tolerates(t, taint)]
        if not matching:
            return 0.0
        limits = [t["tolerationSeconds"] for t in matching if t.get("tolerationSeconds") is not None]
        if len(limits) < len(matching):
            continue                     # one toleration without a limit: tolerated forever
        added = (parse_time(taint["timeAdded"]) - start).total_seconds() if taint.get("timeAdded") else now
        due = max(0.0, added + max(0, min(limits)) - now)
        deadline = due if deadline is None else min(deadline, due)
    return deadline


class TaintEvictionController(Controller):
    name = "taint-eviction-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.nodes = self.informer("nodes")
        self.pods = self.informer("pods")
        self.nodes.add_handler(self._node_changed, lambda old, new: self._node_changed(new), None)
        self.pods.add_handler(self._pod_changed, lambda old, new: self._pod_changed(new), None)

    def _node_changed(self, node: dict) -> None:
        if any(t.get("effect") == "NoExecute" for t in node.get("spec", {}).get("taints", [])):
            for pod in self.pods.list():
                if pod["spec"].get("nodeName") == node["metadata"]["name"]:
                    self.enqueue(pod)

    def _pod_changed(self, pod: dict) -> None:
        if pod["spec"].get("nodeName"):
            self.enqueue(pod)

    def sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        pod = self.pods.get(name, namespace)
        if pod is None or pod["metadata"].get("deletionTimestamp"):
            return
        node = self.nodes.get(pod["spec"].get("nodeName", ""))
        if node is None:
            return
        delay = eviction_delay(pod["spec"].get("tolerations", []), node.get("spec", {}).get("taints", []),
                               self.api.clock.seconds, self.api.clock.start)
        if delay is None:
            return
        if delay > 0:
            self.queue.add_after(key, delay)
            return
        self.recorder.event(pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {key}")
        try:
            self.api.delete("pods", name, namespace=namespace)
        except errors.NotFound:
            pass

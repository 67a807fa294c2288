"""The namespace controller: empties a Terminating namespace, then lets it go.

Deleting a Namespace only marks it Terminating (its ``spec.finalizers`` holds
``kubernetes``). This controller deletes everything inside it; once nothing is
left it removes the ``kubernetes`` finalizer through the ``finalize``
subresource, and the API server removes the Namespace.
"""
from __future__ import annotations

from .base import Controller

__all__ = ["NamespaceController"]

RETRY_SECONDS = 1.0


class NamespaceController(Controller):
    name = "namespace-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.namespaces = self.informer("namespaces")
        self.namespaces.add_handler(self._maybe, lambda old, new: self._maybe(new), None)

    def _maybe(self, ns: dict) -> None:
        if ns["metadata"].get("deletionTimestamp"):
            self.enqueue(ns)

    def sync(self, name: str) -> None:
        ns = self.namespaces.get(name)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        remaining = 0
        for rtype in self.api.registry:
            if not rtype.namespaced or not {"list", "delete"} <= set(rtype.verbs):   # deletable kinds only
                continue
            for obj in self.api.list(rtype, namespace=name)["items"]:
                remaining += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    self.api.delete(rtype, obj["metadata"]["name"], namespace=name)
        if remaining:
            self.queue.add_after(name, RETRY_SECONDS)
            return
        finalizers = [f for f in ns.get("spec", {}).get("finalizers", []) if f != "kubernetes"]
        self.api.update({**ns, "spec": {**ns.get("spec", {}), "finalizers": finalizers}},
                        subresource="finalize")

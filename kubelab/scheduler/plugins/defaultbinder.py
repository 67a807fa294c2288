"""DefaultBinder: bind through the API server's pods/binding subresource."""
from ... import errors
from ..framework import Plugin, Status


class DefaultBinder(Plugin):
    name = "DefaultBinder"

    def bind(self, state, pod, node_name):
        meta = pod["metadata"]
        binding = {"apiVersion": "v1", "kind": "Binding",
                   "metadata": {"name": meta["name"], "namespace": meta.get("namespace"), "uid": meta.get("uid")},
                   "target": {"apiVersion": "v1", "kind": "Node", "name": node_name}}
        try:
            self.handle.api.create(binding)
        except errors.ApiError as e:
            return Status.error(str(e))
        return None

"""RealPodControl (pkg/controller/controller_utils.go): create and delete a
controller's Pods, reporting each as an Event on the controller object.

Successes read ``SuccessfulCreate  Created pod: pi-xk2p9`` and
``SuccessfulDelete  Deleted pod: pi-xk2p9``; failures are Warnings
``FailedCreate  Error creating: <error>`` and ``FailedDelete  Error deleting: <error>``.
"""
from __future__ import annotations

from .. import errors

__all__ = ["PodControl"]


class PodControl:
    """Pod writes on behalf of one controller (its API server and event recorder)."""

    def __init__(self, api, recorder):
        self.api, self.recorder = api, recorder

    def create(self, pod: dict, owner: dict) -> dict:
        """CreatePods: create ``pod`` (built from the owner's template); raises the API error."""
        try:
            created = self.api.create(pod)
        except errors.ApiError as e:
            if not any(c.type == "NamespaceTerminating" for c in e.causes):   # no event for a namespace going away
                self.recorder.event(owner, "Warning", "FailedCreate", f"Error creating: {e.message}")
            raise
        self.recorder.event(owner, "Normal", "SuccessfulCreate", f'Created pod: {created["metadata"]["name"]}')
        return created

    def delete(self, namespace: str, name: str, owner: dict) -> None:
        """DeletePod: delete gracefully; a Pod already gone is a NotFound, not an event."""
        try:
            self.api.delete("pods", name, namespace=namespace)
        except errors.ApiError as e:
            if not isinstance(e, errors.NotFound):
                self.recorder.event(owner, "Warning", "FailedDelete", f"Error deleting: {e.message}")
            raise
        self.recorder.event(owner, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")

    def patch(self, namespace: str, name: str, patch: dict) -> dict:
        """PatchPod: a strategic merge patch (used to drop finalizers)."""
        return self.api.patch("pods", name, patch, namespace=namespace, patch_type="strategic")

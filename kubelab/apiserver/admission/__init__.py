"""Admission control: plugins that see every write after defaulting and before
validation, and may change it (mutating) or refuse it with 403 Forbidden.

A plugin is a callable ``plugin(api, operation, obj, old, rtype)`` where
``operation`` is "CREATE" or "UPDATE"; it mutates ``obj`` or raises an ApiError.
"""
from .default_tolerations import default_toleration_seconds
from .namespace_lifecycle import namespace_lifecycle
from .priority import priority

__all__ = ["default_admission", "namespace_lifecycle", "priority", "default_toleration_seconds"]


def default_admission() -> list:
    """The plugins kube-apiserver enables by default that kubelab models, in its order."""
    return [namespace_lifecycle, default_toleration_seconds, priority]

"""Admission control: plugins that see every write after defaulting and before
validation, and may change it (mutating) or refuse it with 403 Forbidden.

A plugin is a callable ``plugin(api, operation, obj, old, rtype)`` where
``operation`` is "CREATE" or "UPDATE"; it mutates ``obj`` or raises an ApiError.
A plugin with a ``validate(api, operation, obj, old, rtype, *, dry_run)`` method
also (or only, if it is not callable) runs in the validating phase, after the
object has passed validation (LimitRanger's checks, ResourceQuota's charge).
"""
from .default_storage_class import default_storage_class
from .default_tolerations import default_toleration_seconds
from .limitranger import limit_ranger
from .namespace_lifecycle import namespace_lifecycle
from .priority import priority
from .resourcequota import resource_quota
from .storage_protection import storage_object_in_use_protection

__all__ = ["default_admission", "namespace_lifecycle", "priority", "default_toleration_seconds",
           "limit_ranger", "resource_quota", "default_storage_class", "storage_object_in_use_protection"]


def default_admission() -> list:
    """The plugins kube-apiserver enables by default that kubelab models, in its order."""
    return [namespace_lifecycle, limit_ranger, default_toleration_seconds, priority, default_storage_class,
            storage_object_in_use_protection, resource_quota]

"""Per-kind describers, dispatched by kind; anything else gets the generic one."""
from __future__ import annotations

from .describe_core import describe_generic

__all__ = ["describe_object"]


def describe_object(s, rtype, obj: dict) -> str:
    return describe_generic(s, rtype, obj)

"""Listers (client-go listers): read an informer's cache, never the API server.

``Lister(informer).namespace("default").get("web")`` is client-go's
``lister.Pods("default").Get("web")``: a miss is a NotFound error, as there.
"""
from __future__ import annotations

from .. import errors

__all__ = ["Lister"]


class Lister:
    """Get and list cached objects, in all namespaces or (``namespace(ns)``) in one."""

    def __init__(self, informer, namespace: str | None = None):
        self._informer, self._namespace = informer, namespace

    def namespace(self, namespace: str) -> "Lister":
        """The NamespaceLister: the same cache, restricted to ``namespace``."""
        return Lister(self._informer, namespace)

    def get(self, name: str) -> dict:
        obj = self._informer.get(name, self._namespace)
        if obj is None:
            rtype = self._informer.rtype
            raise errors.NotFound(f'{rtype.group_resource} "{name}" not found', kind=rtype.plural,
                                  name=name, group=rtype.group)
        return obj

    def list(self, selector=None) -> list[dict]:
        """Objects matching a label Selector (None: all), sorted by namespace/name."""
        return self._informer.list(namespace=self._namespace, selector=selector)

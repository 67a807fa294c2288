"""SharedInformer (client-go tools/cache): a local cache kept current by list + watch.

``start()`` lists the resource, then watches from the list's resourceVersion;
every event updates the cache first and then calls the handlers. Handlers run
on the simulation loop, never inside the API server's write.
"""
from __future__ import annotations

from typing import Callable

__all__ = ["Informer", "key_of"]


def key_of(obj: dict) -> str:
    """client-go's MetaNamespaceKeyFunc: ``namespace/name``, or ``name`` if cluster-scoped."""
    m = obj["metadata"]
    return f'{m["namespace"]}/{m["name"]}' if m.get("namespace") else m["name"]


class Informer:
    """A cache of one resource, with add/update/delete handlers (objects are read-only)."""

    def __init__(self, api, resource, *, loop, owner: str, namespace: str | None = None,
                 label_selector=None, field_selector=None):
        self.api, self.loop, self.owner = api, loop, owner
        self.rtype = api.resolve(resource)
        self.namespace, self.label_selector, self.field_selector = namespace, label_selector, field_selector
        self.cache: dict[str, dict] = {}
        self._handlers: list[tuple[Callable | None, Callable | None, Callable | None]] = []
        self._watch = None
        self.synced = False

    def add_handler(self, on_add: Callable | None = None, on_update: Callable | None = None,
                    on_delete: Callable | None = None) -> None:
        """on_add(obj), on_update(old, new), on_delete(obj); called in event order."""
        self._handlers.append((on_add, on_update, on_delete))
        for obj in self.list():
            if on_add is not None and self.synced:
                on_add(obj)

    def start(self) -> None:
        """List, fill the cache, call on_add for each object, then watch from the list."""
        listed = self.api.list(self.rtype, namespace=self.namespace, label_selector=self.label_selector,
                               field_selector=self.field_selector)
        fresh = {key_of(o): o for o in listed["items"]}
        gone = [o for k, o in sorted(self.cache.items()) if k not in fresh]
        old = self.cache
        self.cache = fresh
        self.synced = True
        for obj in gone:
            self._call(2, obj)
        for k in sorted(fresh):
            if k in old:
                if old[k]["metadata"]["resourceVersion"] != fresh[k]["metadata"]["resourceVersion"]:
                    self._call(1, old[k], fresh[k])
            else:
                self._call(0, fresh[k])
        self._watch = self.api.watch(self.rtype, namespace=self.namespace,
                                     resource_version=listed["metadata"]["resourceVersion"],
                                     label_selector=self.label_selector, field_selector=self.field_selector,
                                     notify=self._wake)

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None

    def _wake(self) -> None:
        self.loop.soon(self._process, self.owner)

    def _process(self) -> None:
        if self._watch is None:
            return
        for event in self._watch.take():
            obj, kind = event["object"], event["type"]
            key = key_of(obj)
            if kind == "DELETED":
                old = self.cache.pop(key, None)
                self._call(2, old if old is not None else obj)
            else:
                old = self.cache.get(key)
                self.cache[key] = obj
                if old is None:
                    self._call(0, obj)
                else:
                    self._call(1, old, obj)

    def _call(self, which: int, *args) -> None:
        for handlers in self._handlers:
            fn = handlers[which]
            if fn is not None:
                fn(*args)

    # -- the Lister -------------------------------------------------------
    def get(self, name: str, namespace: str | None = None) -> dict | None:
        return self.cache.get(f"{namespace}/{name}" if namespace and self.rtype.namespaced else name)

    def list(self, namespace: str | None = None, selector=None) -> list[dict]:
        """Cached objects sorted by key, optionally in one namespace and matching a label Selector."""
        out = []
        for key in sorted(self.cache):
            obj = self.cache[key]
            if namespace and obj["metadata"].get("namespace") != namespace:
                continue
            if selector is not None and not selector.matches(obj["metadata"].get("labels") or {}):
                continue
            out.append(obj)
        return out

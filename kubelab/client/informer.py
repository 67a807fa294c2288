"""SharedIndexInformer (client-go tools/cache): a local cache kept current by list + watch.

``start()`` lists the resource, then watches from the list's resourceVersion;
every event updates the cache (and its indices) first and then calls the
handlers. Handlers run on the simulation loop, never inside the API server's
write. As client-go's Reflector does, a watch that can no longer resume
(410 Gone: the revision was compacted) is replaced by a fresh list, and
handlers see the difference (adds, updates, deletes). With a resync period,
a daemon timer calls ``on_update(obj, obj)`` for every cached object.

Indexers map an object to index values (``{"namespace": ...}`` is always
there); ``by_index("nodeName", "node-1")`` answers from the index, not by
scanning the cache.
"""
from __future__ import annotations

from typing import Callable

from .. import errors

__all__ = ["Informer", "Registration", "key_of", "namespace_index", "NAMESPACE_INDEX"]

NAMESPACE_INDEX = "namespace"


def key_of(obj: dict) -> str:
    """client-go's MetaNamespaceKeyFunc: ``namespace/name``, or ``name`` if cluster-scoped."""
    m = obj["metadata"]
    return f'{m["namespace"]}/{m["name"]}' if m.get("namespace") else m["name"]


def namespace_index(obj: dict) -> list[str]:
    """cache.MetaNamespaceIndexFunc: index an object by its namespace."""
    return [obj["metadata"].get("namespace") or ""]


class Registration:
    """What ``add_handler`` returns (ResourceEventHandlerRegistration); pass it to ``remove_handler``."""

    __slots__ = ("on_add", "on_update", "on_delete")

    def __init__(self, on_add, on_update, on_delete):
        self.on_add, self.on_update, self.on_delete = on_add, on_update, on_delete


class Informer:
    """A cache of one resource with indices and add/update/delete handlers (objects are read-only)."""

    def __init__(self, api, resource, *, loop, owner: str, namespace: str | None = None,
                 label_selector=None, field_selector=None, resync_period: float = 0.0,
                 indexers: dict[str, Callable] | None = None):
        self.api, self.loop, self.owner = api, loop, owner
        self.rtype = api.resolve(resource)
        self.namespace, self.label_selector, self.field_selector = namespace, label_selector, field_selector
        self.resync_period = resync_period
        self.cache: dict[str, dict] = {}
        self._indexers: dict[str, Callable] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        self._handlers: list[Registration] = []
        self._watch = None
        self._resync_timer = None
        self.last_resource_version: str | None = None
        self.synced = False
        self.relists = 0
        self.add_indexers({NAMESPACE_INDEX: namespace_index, **(indexers or {})})

    # -- indices -----------------------------------------------------------
    def add_indexers(self, indexers: dict[str, Callable]) -> None:
        """Add index functions (obj -> list of values); existing objects are indexed at once."""
        for name, fn in indexers.items():
            if name in self._indexers:
                if self._indexers[name] is not fn:
                    raise ValueError(f"indexer conflict: {name}")
                continue
            self._indexers[name] = fn
            index = self._indices[name] = {}
            for key, obj in self.cache.items():
                for value in fn(obj):
                    index.setdefault(value, set()).add(key)

    def index_keys(self, name: str, value: str) -> list[str]:
        """The cache keys of the objects whose index ``name`` contains ``value``, sorted."""
        if name not in self._indices:
            raise KeyError(f"Index with name {name} does not exist")
        return sorted(self._indices[name].get(value, ()))

    def by_index(self, name: str, value: str) -> list[dict]:
        """Indexer.ByIndex: the cached objects with ``value`` in index ``name``, sorted by key."""
        cache = self.cache
        return [cache[k] for k in self.index_keys(name, value)]

    def _store(self, key: str, obj: dict | None, old: dict | None) -> None:
        """Put (or, with obj None, remove) one object, keeping every index current."""
        for name, fn in self._indexers.items():
            before = fn(old) if old is not None else ()
            after = fn(obj) if obj is not None else ()
            if before == after:
                continue
            index = self._indices[name]
            for value in before:
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
            for value in after:
                index.setdefault(value, set()).add(key)
        if obj is None:
            self.cache.pop(key, None)
        else:
            self.cache[key] = obj

    # -- handlers ----------------------------------------------------------
    def add_handler(self, on_add: Callable | None = None, on_update: Callable | None = None,
                    on_delete: Callable | None = None) -> Registration:
        """on_add(obj), on_update(old, new), on_delete(obj); called in event order.

        Added to a synced informer, the handler first gets ``on_add`` for every cached object."""
        reg = Registration(on_add, on_update, on_delete)
        self._handlers.append(reg)
        if self.synced and on_add is not None:
            for key in sorted(self.cache):
                on_add(self.cache[key])
        return reg

    def remove_handler(self, registration: Registration) -> None:
        if registration in self._handlers:
            self._handlers.remove(registration)

    # -- list and watch ------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._watch is not None

    def start(self) -> None:
        """List, fill the cache, call the handlers, then watch from the list (no-op if running)."""
        if self._watch is not None:
            return
        self._relist()
        if self.resync_period and self._resync_timer is None:
            self._resync_timer = self.loop.later(self.resync_period, self._resync, self.owner, daemon=True)

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        if self._resync_timer is not None:
            self._resync_timer.cancel()
            self._resync_timer = None

    def restart_watch(self) -> None:
        """Watch again from the last resourceVersion seen, as the Reflector does when a
        watch ends; a 410 Gone (the revision was compacted away) means list again."""
        if self._watch is None:
            return
        self._watch.stop()
        try:
            self._open_watch(self.last_resource_version)
        except errors.Gone:
            self._relist()

    def _relist(self) -> None:
        listed = self.api.list(self.rtype, namespace=self.namespace, label_selector=self.label_selector,
                               field_selector=self.field_selector)
        if self._watch is not None:
            self._watch.stop()
        self.relists += 1
        fresh = {key_of(o): o for o in listed["items"]}
        old = self.cache
        gone = [k for k in sorted(old) if k not in fresh]
        for key in gone:
            obj = old[key]
            self._store(key, None, obj)
            self._call(2, obj)
        self.synced = True
        for key in sorted(fresh):
            before = old.get(key)
            self._store(key, fresh[key], before)
            if before is None:
                self._call(0, fresh[key])
            elif before["metadata"]["resourceVersion"] != fresh[key]["metadata"]["resourceVersion"]:
                self._call(1, before, fresh[key])
        self._open_watch(listed["metadata"]["resourceVersion"])

    def _open_watch(self, resource_version: str | None) -> None:
        self.last_resource_version = resource_version
        self._watch = self.api.watch(self.rtype, namespace=self.namespace, resource_version=resource_version,
                                     label_selector=self.label_selector, field_selector=self.field_selector,
                                     notify=self._wake)

    def _wake(self) -> None:
        self.loop.soon(self._process, self.owner)

    def _process(self) -> None:
        watch = self._watch
        if watch is None:
            return
        for event in watch.take():
            obj, kind = event["object"], event["type"]
            if kind == "ERROR":                 # a Status: 410 means relist, anything else re-watch
                if obj.get("code") == 410:
                    self._relist()
                else:
                    self.restart_watch()
                return
            key = key_of(obj)
            self.last_resource_version = obj["metadata"]["resourceVersion"]
            old = self.cache.get(key)
            if kind == "DELETED":
                self._store(key, None, old)
                self._call(2, old if old is not None else obj)
            else:
                self._store(key, obj, old)
                if old is None:
                    self._call(0, obj)
                else:
                    self._call(1, old, obj)

    def _resync(self) -> None:
        self._resync_timer = self.loop.later(self.resync_period, self._resync, self.owner, daemon=True)
        for key in sorted(self.cache):
            obj = self.cache.get(key)
            if obj is not None:
                self._call(1, obj, obj)

    def _call(self, which: int, *args) -> None:
        for reg in tuple(self._handlers):
            fn = reg.on_add if which == 0 else reg.on_update if which == 1 else reg.on_delete
            if fn is not None:
                fn(*args)

    # -- reading the cache -------------------------------------------------------
    def get(self, name: str, namespace: str | None = None) -> dict | None:
        """The cached object, or None."""
        return self.cache.get(f"{namespace}/{name}" if namespace and self.rtype.namespaced else name)

    def list(self, namespace: str | None = None, selector=None) -> list[dict]:
        """Cached objects sorted by key, optionally in one namespace and matching a label Selector."""
        objs = self.by_index(NAMESPACE_INDEX, namespace) if namespace else \
            [self.cache[k] for k in sorted(self.cache)]
        if selector is None:
            return objs
        return [o for o in objs if selector.matches(o["metadata"].get("labels") or {})]

    @property
    def lister(self):
        """A client-go style Lister over this cache."""
        from .lister import Lister
        return Lister(self)

"""SharedInformerFactory (client-go informers): one informer per resource for a component.

Every controller of kube-controller-manager asks the factory for "pods" and
gets the same cache and the same watch. Each user holds an
:class:`InformerView`: it reads the shared cache and registers its own
handlers, and ``stop()`` removes only those; the shared informer stops (and
a later start lists afresh) once nobody uses it.
"""
from __future__ import annotations

import weakref
from typing import Callable

from .informer import Informer, Registration

__all__ = ["SharedInformerFactory", "InformerView"]

_FACTORIES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class InformerView:
    """One user's handle on a shared informer (reads pass through; handlers are its own)."""

    def __init__(self, factory: "SharedInformerFactory", informer: Informer):
        self._factory, self.informer = factory, informer
        self._registrations: list[Registration] = []
        self._indexers: dict[str, Callable] = {}
        self._active = True

    @property
    def rtype(self):
        return self.informer.rtype

    @property
    def cache(self) -> dict:
        return self.informer.cache

    @property
    def synced(self) -> bool:
        return self.informer.synced

    def add_indexers(self, indexers: dict[str, Callable]) -> None:
        self._indexers.update(indexers)
        self.informer.add_indexers(indexers)

    def add_handler(self, on_add=None, on_update=None, on_delete=None) -> Registration:
        reg = self.informer.add_handler(on_add, on_update, on_delete)
        self._registrations.append(reg)
        return reg

    def by_index(self, name: str, value: str) -> list[dict]:
        return self.informer.by_index(name, value)

    def get(self, name: str, namespace: str | None = None) -> dict | None:
        return self.informer.get(name, namespace)

    def list(self, namespace: str | None = None, selector=None) -> list[dict]:
        return self.informer.list(namespace, selector)

    @property
    def lister(self):
        return self.informer.lister

    def start(self) -> None:
        """Use the shared informer again (after ``stop()``: re-register, on a fresh list if it
        had stopped) and start it if it is not running."""
        if not self._active:
            self._active = True
            self.informer = informer = self._factory._attach(self)
            informer.add_indexers(self._indexers)
            self._registrations = [informer.add_handler(r.on_add, r.on_update, r.on_delete)
                                   for r in self._registrations]
        self.informer.start()

    def stop(self) -> None:
        """Remove this user's handlers; the last user out stops the shared informer."""
        if self._active:
            self._active = False
            for reg in self._registrations:
                self.informer.remove_handler(reg)
            self._factory._detach(self)


class SharedInformerFactory:
    """Shared informers of one component (``component`` names the loop owner)."""

    def __init__(self, api, loop, *, component: str, resync_period: float = 0.0):
        self.api, self.loop, self.component, self.resync_period = api, loop, component, resync_period
        self._informers: dict[str, Informer] = {}
        self._users: dict[str, set[InformerView]] = {}

    @classmethod
    def of(cls, api, loop, component: str) -> "SharedInformerFactory":
        """The factory of ``component`` in the cluster served by ``api`` (made on first use)."""
        per_api = _FACTORIES.setdefault(api, {})
        factory = per_api.get(component)
        if factory is None or factory.loop is not loop:
            factory = per_api[component] = cls(api, loop, component=component)
        return factory

    def informer(self, resource) -> Informer:
        """The shared informer of ``resource`` (``"pods"``, ``"deployments.apps"``, ...)."""
        rtype = self.api.resolve(resource)
        key = self._key(rtype)
        inf = self._informers.get(key)
        if inf is None:
            inf = self._informers[key] = Informer(self.api, rtype, loop=self.loop,
                                                  owner=f"{self.component}/{rtype.plural}",
                                                  resync_period=self.resync_period)
        return inf

    def view(self, resource) -> InformerView:
        """A handle on the shared informer for one user (a controller)."""
        view = InformerView(self, self.informer(resource))
        self._users.setdefault(self._key(view.rtype), set()).add(view)
        return view

    def start(self) -> None:
        """Start every informer not yet running (sorted, so start order is deterministic)."""
        for key in sorted(self._informers):
            self._informers[key].start()

    @staticmethod
    def _key(rtype) -> str:
        return f"{rtype.plural}.{rtype.group}"

    def _attach(self, view: InformerView) -> Informer:
        informer = self.informer(view.rtype)
        self._users.setdefault(self._key(view.rtype), set()).add(view)
        return informer

    def _detach(self, view: InformerView) -> None:
        key = self._key(view.rtype)
        users = self._users.get(key, set())
        users.discard(view)
        if not users:
            self._users.pop(key, None)
            informer = self._informers.pop(key, None)
            if informer is not None:
                informer.stop()

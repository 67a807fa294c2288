"""The shape every controller shares (client-go's controller pattern).

Event handlers only turn objects into keys and ``enqueue`` them; the work
queue hands one key at a time to ``sync(key)``, which reads the informers'
caches, compares desired with actual state and acts through the API server.
A sync that fails with an API error (a 409 Conflict, say) is retried with
the queue's exponential backoff.
"""
from __future__ import annotations

from .. import errors
from ..client.events import EventRecorder
from ..client.informer import Informer, key_of
from ..client.workqueue import WorkQueue

__all__ = ["Controller", "key_of"]


class Controller:
    """Base for controllers: informers + a work queue + a ``sync(key)`` recipe."""

    name = "controller"

    def __init__(self, api, loop):
        self.api, self.loop = api, loop
        self.queue = WorkQueue(loop, self.name, self._process)
        self.recorder = EventRecorder(api, self.name)
        self.informers: dict[str, Informer] = {}
        self.running = False

    def informer(self, resource, **kwargs) -> Informer:
        """A cache of ``resource`` owned by this controller, started with it."""
        rtype = self.api.resolve(resource)
        key = f"{rtype.plural}.{rtype.group}"
        if key not in self.informers:
            self.informers[key] = Informer(self.api, rtype, loop=self.loop, owner=self.name, **kwargs)
        return self.informers[key]

    def start(self) -> None:
        self.running = True
        self.queue.shutting_down = False
        for informer in self.informers.values():
            informer.start()

    def stop(self) -> None:
        """Stop watching and drop queued work (a crashed or stopped component)."""
        self.running = False
        for informer in self.informers.values():
            informer.stop()
        self.queue.shut_down()

    def enqueue(self, obj: dict) -> None:
        self.queue.add(key_of(obj))

    def _process(self, key) -> None:
        try:
            self.sync(key)
        except errors.ApiError:
            self.queue.add_rate_limited(key)
        else:
            self.queue.forget(key)

    def sync(self, key) -> None:   # pragma: no cover - the recipe each controller writes
        raise NotImplementedError

"""The shape every controller shares (client-go's controller pattern).

Event handlers only turn objects into keys and ``enqueue`` them; the work
queue hands one key at a time to ``sync(key)``, which reads the informers'
caches, compares desired with actual state and acts through the API server.
A sync that fails with an API error (a 409 Conflict, say) is retried with
the queue's exponential backoff.

A whole controller fits on a page. This one keeps a ConfigMap ``pod-count``
in every namespace that has pods::

    import kubelab as kl
    from kubelab.controllers.base import Controller

    class PodCounter(Controller):
        name = "pod-counter"

        def __init__(self, api, loop):
            super().__init__(api, loop)
            self.pods = self.informer("pods")              # shared cache + watch
            self.configmaps = self.informer("configmaps")
            # any pod change: queue its namespace (handlers only enqueue keys)
            self.enqueue_on_change(self.pods, key=lambda pod: pod["metadata"]["namespace"])

        def sync(self, namespace):                          # look up, diff, act
            count = str(len(self.pods.by_index("namespace", namespace)))
            current = self.configmaps.get("pod-count", namespace)
            if current is None:
                self.api.create({"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "pod-count", "namespace": namespace},
                                 "data": {"pods": count}})
            elif current.get("data", {}).get("pods") != count:
                self.api.patch("configmaps", "pod-count", {"data": {"pods": count}},
                               namespace=namespace)

    c = kl.Cluster(nodes=1)
    PodCounter(c.api, c.loop).start()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
             "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    c.run()
    c.get("configmap", "pod-count")["data"]        # {'pods': '1'}
"""
from __future__ import annotations

from typing import Callable

from .. import errors
from ..client.events import EventRecorder
from ..client.factory import SharedInformerFactory
from ..client.informer import Informer, key_of
from ..client.workqueue import WorkQueue

__all__ = ["Controller", "key_of"]


class Controller:
    """Base for controllers: informers + a work queue + a ``sync(key)`` recipe."""

    name = "controller"
    #: whose shared informers this controller uses (one factory per component)
    component = "kube-controller-manager"

    def __init__(self, api, loop):
        self.api, self.loop = api, loop
        self.queue = WorkQueue(loop, self.name, self._process)
        self.recorder = EventRecorder(api, self.name)
        self.factory = SharedInformerFactory.of(api, loop, self.component)
        self.informers: dict = {}
        self.running = False

    def informer(self, resource, **kwargs):
        """The cache of ``resource``: the component's shared informer, or, given
        ``namespace``/``label_selector``/``field_selector``, a private filtered one."""
        rtype = self.api.resolve(resource)
        key = f"{rtype.plural}.{rtype.group}"
        if key not in self.informers:
            self.informers[key] = self.factory.view(rtype) if not kwargs else \
                Informer(self.api, rtype, loop=self.loop, owner=self.name, **kwargs)
        return self.informers[key]

    def enqueue_on_change(self, informer, key: Callable[[dict], str] | None = None) -> None:
        """Queue ``key(obj)`` (default: ``namespace/name``) whenever an object is added,
        updated or deleted: the usual event handler, which does nothing else."""
        to_key = key or key_of

        def changed(obj):
            self.queue.add(to_key(obj))
        informer.add_handler(changed, lambda old, new: changed(new), changed)

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

    def enqueue_after(self, obj: dict, seconds: float) -> None:
        self.queue.add_after(key_of(obj), seconds)

    def _process(self, key) -> None:
        try:
            self.sync(key)
        except errors.ApiError:
            self.queue.add_rate_limited(key)
        else:
            self.queue.forget(key)

    def sync(self, key) -> None:   # pragma: no cover - the recipe each controller writes
        raise NotImplementedError

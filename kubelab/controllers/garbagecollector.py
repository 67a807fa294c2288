"""The garbage collector: deletes dependents whose owners are gone.

Objects point at their owners with ``metadata.ownerReferences``. When every
owner of an object has been deleted, the object is deleted too (Background
propagation). Deleting an owner with ``propagationPolicy: Foreground`` puts a
``foregroundDeletion`` finalizer on it: its dependents go first, then it.
``Orphan`` puts an ``orphan`` finalizer on it: the dependents lose their
reference to it and stay.
"""
from __future__ import annotations

from .. import errors
from .base import Controller

__all__ = ["GarbageCollector"]

_SKIP = {"Binding", "Event"}

#: How often the collector looks for resource types it does not watch yet (a new
#: custom resource): kube-controller-manager re-reads discovery every 30 s.
DISCOVERY_PERIOD = 30.0


class GarbageCollector(Controller):
    """kube-controller-manager's garbagecollector, on informers over every kind."""

    name = "garbage-collector-controller"

    def __init__(self, api, loop):
        super().__init__(api, loop)
        self.objects: dict[str, tuple] = {}           # uid -> (rtype, namespace, name)
        self.dependents: dict[str, set[str]] = {}     # owner uid -> dependent uids
        self._timer = None
        self._monitor_new_types()

    def start(self) -> None:
        super().start()
        self._timer = self.loop.later(DISCOVERY_PERIOD, self._resync_monitors, self.name, daemon=True)

    def stop(self) -> None:
        super().stop()
        if self._timer is not None:
            self._timer.cancel()

    def _monitor_new_types(self) -> list:
        """Start watching every registered kind not watched yet; returns the new informers."""
        added = []
        for rtype in self.api.registry:
            if rtype.kind in _SKIP or "watch" not in rtype.verbs or \
                    f"{rtype.plural}.{rtype.group}" in self.informers:
                continue
            inf = self.informer(rtype)
            inf.add_handler(lambda o, rt=rtype: self._seen(rt, o),
                            lambda old, new, rt=rtype: self._seen(rt, new, old),
                            self._gone)
            added.append((rtype, inf))
        return added

    def _resync_monitors(self) -> None:
        """A kind registered since the last look (a custom resource) gets a monitor; its
        dependents are checked again, since their owners' deletions went unseen."""
        added = self._monitor_new_types()
        for rtype, inf in added:
            inf.start()
            for uid in sorted(self.objects):
                obj = self._live(uid)
                refs = (obj or {}).get("metadata", {}).get("ownerReferences", [])
                if any(r.get("kind") == rtype.kind and r.get("apiVersion") == rtype.api_version for r in refs):
                    self.queue.add(uid)
        self._timer = self.loop.later(DISCOVERY_PERIOD, self._resync_monitors, self.name, daemon=True)

    def _seen(self, rtype, obj, old=None) -> None:
        m = obj["metadata"]
        uid = m["uid"]
        self.objects[uid] = (rtype, m.get("namespace"), m["name"])
        for ref in (old or {}).get("metadata", {}).get("ownerReferences", []):
            self.dependents.get(ref["uid"], set()).discard(uid)
        for ref in m.get("ownerReferences", []):
            self.dependents.setdefault(ref["uid"], set()).add(uid)
        if m.get("ownerReferences") or (m.get("deletionTimestamp") and
                                        {"orphan", "foregroundDeletion"} & set(m.get("finalizers", []))):
            self.queue.add(uid)

    def _gone(self, obj) -> None:
        m = obj["metadata"]
        uid = m["uid"]
        self.objects.pop(uid, None)
        for ref in m.get("ownerReferences", []):
            self.dependents.get(ref["uid"], set()).discard(uid)
            if ref["uid"] in self.objects:
                self.queue.add(ref["uid"])       # a foreground owner may be waiting for this
        for dep in sorted(self.dependents.get(uid, ())):
            self.queue.add(dep)

    def _live(self, uid: str) -> dict | None:
        where = self.objects.get(uid)
        if where is None:
            return None
        rtype, ns, name = where
        try:
            obj = self.api.get(rtype, name, namespace=ns)
        except errors.NotFound:
            return None
        return obj if obj["metadata"]["uid"] == uid else None

    def _owner_exists(self, obj: dict, ref: dict) -> bool:
        """Look the owner up live, as the real collector does before deleting anything."""
        try:
            rtype = self.api.registry.for_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
        except LookupError:
            return False
        ns = obj["metadata"].get("namespace") if rtype.namespaced else None
        try:
            owner = self.api.get(rtype, ref["name"], namespace=ns)
        except errors.NotFound:
            return False
        return owner["metadata"]["uid"] == ref["uid"]

    def sync(self, uid: str) -> None:
        obj = self._live(uid)
        if obj is None:
            return
        rtype, ns, name = self.objects[uid]
        m = obj["metadata"]
        finalizers = m.get("finalizers", [])
        if m.get("deletionTimestamp") and "orphan" in finalizers:
            self._orphan_dependents(uid)
            self._drop_finalizer(rtype, obj, "orphan")
            return
        if m.get("deletionTimestamp") and "foregroundDeletion" in finalizers:
            waiting = [d for d in sorted(self.dependents.get(uid, ())) if self._live(d) is not None]
            for dep in waiting:
                drtype, dns, dname = self.objects[dep]
                dep_obj = self._live(dep)
                if dep_obj is not None and not dep_obj["metadata"].get("deletionTimestamp"):
                    self.api.delete(drtype, dname, namespace=dns, propagation_policy="Foreground")
            if not waiting:
                self._drop_finalizer(rtype, obj, "foregroundDeletion")
            return
        refs = m.get("ownerReferences", [])
        if not refs:
            return
        dangling = [r for r in refs if not self._owner_exists(obj, r)]
        if len(dangling) == len(refs):
            if not m.get("deletionTimestamp"):
                self.api.delete(rtype, name, namespace=ns, propagation_policy="Background")
        elif dangling:
            keep = [r for r in refs if r not in dangling]
            self.api.patch(rtype, name, {"metadata": {"ownerReferences": keep}}, namespace=ns,
                           patch_type="merge")

    def _orphan_dependents(self, uid: str) -> None:
        for dep in sorted(self.dependents.get(uid, ())):
            dep_obj = self._live(dep)
            if dep_obj is None:
                continue
            drtype, dns, dname = self.objects[dep]
            keep = [r for r in dep_obj["metadata"].get("ownerReferences", []) if r["uid"] != uid]
            self.api.patch(drtype, dname, {"metadata": {"ownerReferences": keep or None}}, namespace=dns,
                           patch_type="merge")

    def _drop_finalizer(self, rtype, obj: dict, finalizer: str) -> None:
        m = obj["metadata"]
        rest = [f for f in m.get("finalizers", []) if f != finalizer]
        self.api.patch(rtype, m["name"], {"metadata": {"finalizers": rest or None,
                                                       "resourceVersion": m["resourceVersion"]}},
                       namespace=m.get("namespace"), patch_type="merge")

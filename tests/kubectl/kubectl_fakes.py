"""Small stand-ins for the cluster facade and its API server, so kubectl's verbs
can be tested on hand-built objects (same calls and errors as kubelab's APIServer;
simplified: label selectors by equality only, no defaulting or validation)."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

from kubelab import errors
from kubelab.api.kinds import REGISTRY
from kubelab.apiserver.patch import json_merge, json_patch, strategic_merge

NOW = datetime(2026, 1, 2, 12, 0, 0, tzinfo=timezone.utc)


class FakeAPI:
    def __init__(self, objects=()):
        self.registry = REGISTRY
        self.objects: dict[tuple, dict] = {}
        self.calls: list[tuple] = []
        self._rv = 100
        for obj in objects:
            self._store(copy.deepcopy(obj))

    def _key(self, rtype, name, namespace):
        return (rtype.plural, namespace if rtype.namespaced else None, name)

    def _store(self, obj):
        rtype = self.registry.for_kind(obj["apiVersion"], obj["kind"])
        meta = obj.setdefault("metadata", {})
        if rtype.namespaced:
            meta.setdefault("namespace", "default")
        self._rv += 1
        meta["resourceVersion"] = str(self._rv)
        meta.setdefault("uid", f"uid-{meta['name']}")
        meta.setdefault("creationTimestamp", "2026-01-02T11:00:00Z")
        self.objects[self._key(rtype, meta["name"], meta.get("namespace"))] = obj
        return copy.deepcopy(obj)

    def _resolve(self, resource):
        return resource if not isinstance(resource, str) else self.registry.resolve(resource)

    def _missing(self, rtype, name):
        return errors.NotFound(f'{rtype.group_resource} "{name}" not found', kind=rtype.plural, name=name)

    def create(self, obj, *, namespace=None, dry_run=False, field_validation=None, warnings=None):
        self.calls.append(("create", obj.get("kind"), obj["metadata"]["name"], dry_run))
        rtype = self.registry.for_kind(obj["apiVersion"], obj["kind"])
        obj = copy.deepcopy(obj)
        if rtype.namespaced:
            obj["metadata"]["namespace"] = obj["metadata"].get("namespace") or namespace or "default"
        key = self._key(rtype, obj["metadata"]["name"], obj["metadata"].get("namespace"))
        if key in self.objects:
            raise errors.AlreadyExists(f'{rtype.group_resource} "{key[2]}" already exists',
                                       kind=rtype.plural, name=key[2])
        return copy.deepcopy(obj) if dry_run else self._store(obj)

    def get(self, resource, name, *, namespace="default"):
        rtype = self._resolve(resource)
        try:
            return copy.deepcopy(self.objects[self._key(rtype, name, namespace)])
        except KeyError:
            raise self._missing(rtype, name) from None

    def list(self, resource, *, namespace=None, label_selector=None, field_selector=None):
        rtype = self._resolve(resource)
        wanted = dict(t.split("=", 1) for t in (label_selector or "").split(",") if t)
        fields = dict(t.split("=", 1) for t in (field_selector or "").split(",") if t)
        items = [copy.deepcopy(o) for (plural, ns, _), o in sorted(self.objects.items(), key=lambda kv: str(kv[0]))
                 if plural == rtype.plural and (namespace is None or ns == namespace)
                 and all((o["metadata"].get("labels") or {}).get(k) == v for k, v in wanted.items())
                 and all(_field(o, k) == v for k, v in fields.items())]
        return {"apiVersion": rtype.api_version, "kind": rtype.list_kind,
                "metadata": {"resourceVersion": str(self._rv)}, "items": items}

    def update(self, obj, *, subresource=None, field_validation=None, warnings=None):
        rtype = self.registry.for_kind(obj["apiVersion"], obj["kind"])
        self.calls.append(("update", obj["metadata"]["name"]))
        self.get(rtype, obj["metadata"]["name"], namespace=obj["metadata"].get("namespace"))
        return self._store(copy.deepcopy(obj))

    def patch(self, resource, name, patch, *, namespace="default", patch_type="strategic", subresource=None,
              field_validation=None, warnings=None):
        self.calls.append(("patch", name, patch_type, copy.deepcopy(patch)))
        current = self.get(resource, name, namespace=namespace)
        merged = {"strategic": strategic_merge, "merge": json_merge, "json": json_patch}[patch_type](current, patch)
        return self._store(merged)

    def delete(self, resource, name, *, namespace="default", propagation_policy=None, grace_period_seconds=None):
        rtype = self._resolve(resource)
        self.calls.append(("delete", name, propagation_policy, grace_period_seconds))
        try:
            return self.objects.pop(self._key(rtype, name, namespace))
        except KeyError:
            raise self._missing(rtype, name) from None


def _field(obj, path):
    for part in path.split("."):
        obj = obj.get(part, "") if isinstance(obj, dict) else ""
    return str(obj)


class FakeCluster:
    """What kubectl.run needs from kubelab.Cluster: api, now, events()."""

    def __init__(self, objects=(), now=NOW):
        self.api = FakeAPI(objects)
        self.now = now

    def events(self, namespace=None):
        return [e for e in self.api.list("events", namespace=namespace)["items"]]

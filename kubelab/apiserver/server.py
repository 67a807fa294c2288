"""The API server: Kubernetes' REST verbs over the store, with its semantics.

Every write goes through the same pipeline as kube-apiserver's: decode,
default, admit (mutating then validating admission), validate, optimistic
concurrency on ``resourceVersion``, then one store transaction. Errors are
``kubelab.errors`` exceptions carrying Kubernetes' codes and messages.
"""
from __future__ import annotations

import functools
import json
import pickle
import random
from datetime import timedelta
from typing import Callable, NamedTuple

from .. import errors
from ..api import meta
from ..api.conversion import convert
from ..api.defaults import apply_defaults, generate_job_selector
from ..api.kinds import REGISTRY, Registry, ResourceType, UnknownResource
from ..api.labels import SelectorError, parse_field_selector, parse_selector
from ..api.validation import invalid_error, validate
from ..store import CompareFailed, Compacted, FutureRevision, KeyExists, ValueTooLarge
from . import fieldvalidation, strategy
from .admission import default_admission
from .eviction import evict
from .nodeproxy import NodeProxy
from .patch import PatchError, json_merge, json_patch, strategic_merge
from .scale import ScaleSubresource
from .watchcache import ApiWatch, Cacher

__all__ = ["APIServer", "AuditEvent"]

_PATCHERS = {"merge": json_merge, "strategic": strategic_merge, "json": json_patch}


class AuditEvent(NamedTuple):
    """One entry of kube-apiserver's audit log (audit.k8s.io Event, Metadata level): who
    (``user_agent``) did what (``verb`` on ``resource``/``name``), committed at ``revision``.

    Simplified: only writes that changed the store are logged (no reads, watches, failed
    or no-op requests); a write made inside another (an eviction's delete) is logged once.
    """

    revision: int
    verb: str
    resource: str        # plural, with the subresource: "pods", "pods/status", "pods/binding"
    name: str
    user_agent: str | None


def _audited(verb: str):
    """Log each committed write in ``api.audit``; the write takes a keyword-only
    ``user_agent`` (default: ``api.user_agent()``, the component acting)."""
    def decorate(write):
        @functools.wraps(write)
        def audited(self, target, *args, user_agent: str | None = None, **kwargs):
            before = self.store.revision
            result = write(self, target, *args, **kwargs)
            revision = self.store.revision
            if revision != before and not (self.audit and self.audit[-1].revision == revision):
                if result.get("kind") == "Status":      # pods/binding, pods/eviction
                    resource, name = "pods/" + target["kind"].lower(), target["metadata"]["name"]
                else:
                    sub = kwargs.get("subresource")
                    resource = self.registry.for_kind(result["apiVersion"], result["kind"]).plural
                    resource, name = resource + (f"/{sub}" if sub else ""), result["metadata"]["name"]
                self.audit.append(AuditEvent(revision, verb, resource, name, user_agent or self.user_agent()))
            return result
        return audited
    return decorate


def clone(obj):
    """A private deep copy of a JSON-shaped object (pickle is the fastest way in CPython)."""
    return pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))


class APIServer:
    """kube-apiserver in-process: create, get, list, update, patch, delete, watch."""

    def __init__(self, store, *, clock, rng: random.Random, registry: Registry = REGISTRY,
                 admission: list[Callable] | None = None):
        self.store = store
        self.clock = clock
        self.rng = rng
        self.registry = Registry(registry)     # a private copy: custom kinds stay in this cluster
        self.admission = default_admission() if admission is None else admission
        self._cachers: dict[str, Cacher] = {}
        self.nodes_proxy = NodeProxy(self)      # pods/exec and pods/log go to the Pod's kubelet
        self.scale = ScaleSubresource(self)     # deployments/scale & co: api.scale.get / api.scale.update
        self.audit: list[AuditEvent] = []       # the audit log of committed writes, oldest first
        #: who is calling when a write names no user agent (the cluster answers with the
        #: component its loop is running)
        self.user_agent: Callable[[], str | None] = lambda: None
        #: aggregated APIs answered from memory, not the store (metrics.k8s.io: metrics-server):
        #: ResourceType -> server with get(rtype, name, namespace) and list(rtype, namespace, labels, fields)
        self.virtual: dict[ResourceType, object] = {}
        #: the storage layer's etcd compactor (kubelab.apiserver.compaction), once the cluster starts it
        self.compactor = None

    # -- reading ---------------------------------------------------------
    def resolve(self, resource) -> ResourceType:
        """The ResourceType for a kubectl-style name (``po``, ``deployments.apps``) or a type."""
        if isinstance(resource, ResourceType):
            return resource
        try:
            return self.registry.resolve(resource)
        except UnknownResource as e:
            raise errors.NotFound(str(e)) from None

    def get(self, resource, name: str, *, namespace: str | None = "default",
            resource_version: str | None = None) -> dict:
        """GET one object; ``resource_version`` reads it as it was at that revision."""
        rtype = self.resolve(resource)
        if rtype.storage_version:
            return self._served(rtype, self.get(self.registry.storage_of(rtype), name, namespace=namespace,
                                                resource_version=resource_version))
        if rtype in self.virtual:
            return self.virtual[rtype].get(rtype, name, self._ns(rtype, namespace))
        kv = self._read(rtype.key(name, self._ns(rtype, namespace)), resource_version)
        if kv is None:
            raise self._not_found(rtype, name)
        return clone(self._decode_kv(kv))

    def list(self, resource, *, namespace: str | None = None, label_selector=None,
             field_selector=None, resource_version: str | None = None) -> dict:
        """LIST as a ``<Kind>List``; ``resource_version`` lists at that exact revision
        (resourceVersionMatch=Exact), which is how the book travels back in time."""
        rtype = self.resolve(resource)
        if rtype.storage_version:
            stored = self.list(self.registry.storage_of(rtype), namespace=namespace, label_selector=label_selector,
                               field_selector=field_selector, resource_version=resource_version)
            return dict(stored, apiVersion=rtype.api_version, items=[self._served(rtype, o) for o in stored["items"]])
        if rtype in self.virtual:
            return self.virtual[rtype].list(rtype, self._ns(rtype, namespace), label_selector, field_selector)
        labels, fields = self._selectors(rtype, label_selector, field_selector)
        revision = self._revision(resource_version)
        try:
            kvs, rev = self.store.range(rtype.prefix(self._ns(rtype, namespace)), revision)
        except Compacted as e:
            raise self._gone(e) from None
        except FutureRevision as e:
            raise errors.Timeout(f"Too large resource version: {e.requested}, current: {e.current}") from None
        items = []
        for kv in kvs:
            obj = self._decode_kv(kv)
            if labels is not None and not labels.matches(obj["metadata"].get("labels") or {}):
                continue
            if fields is not None and not fields.matches(obj):
                continue
            items.append(obj)
        return {"apiVersion": rtype.api_version, "kind": rtype.list_kind,
                "metadata": {"resourceVersion": str(rev)}, "items": clone(items)}

    def watch(self, resource, *, namespace: str | None = None, resource_version: str | None = None,
              label_selector=None, field_selector=None, notify: Callable[[], None] | None = None) -> ApiWatch:
        """WATCH: events after ``resource_version``; unset or "0" first sends the current
        objects as ADDED (Kubernetes' "get state and start at most recent")."""
        rtype = self.resolve(resource)
        labels, fields = self._selectors(rtype, label_selector, field_selector)
        ns = self._ns(rtype, namespace)
        cacher = self._cacher(rtype)
        w = ApiWatch(cacher, ns, labels, fields, convert=(lambda obj: self._served(rtype, obj))
                     if rtype.storage_version else None)
        if resource_version in (None, "", "0"):
            kvs, _ = self.store.range(rtype.prefix(ns))
            for kv in kvs:
                w.offer("ADDED", self._decode_kv(kv), None)
        else:
            start = self._revision(resource_version) + 1
            try:
                replay = self.store.watch(rtype.prefix(ns), start)
            except Compacted as e:
                raise self._gone(e, start - 1) from None
            for event in replay.take():
                w.offer(*self._decode_event(event))
            replay.stop()
        w.notify = notify
        cacher.add(w)
        if w.events and notify is not None:
            notify()
        return w

    def exec(self, name: str, namespace: str | None, container: str | None, command: list[str]) -> tuple[str, int]:
        """pods/exec: run ``command`` in a container; (output, exit code). See nodeproxy."""
        return self.nodes_proxy.exec(name, namespace or "default", container, command)

    def logs(self, name: str, namespace: str | None = "default", container: str | None = None,
             previous: bool = False, **options) -> str:
        """pods/log: what a container printed (``previous``: its last terminated instance)."""
        return self.nodes_proxy.logs(name, namespace or "default", container, previous, **options)

    # -- writing ---------------------------------------------------------
    @_audited("create")
    def create(self, obj: dict, *, namespace: str | None = None, dry_run: bool = False,
               field_validation: str | None = None, warnings: list | None = None) -> dict:
        """POST: default, admit, validate and store a new object.

        A ``Binding`` is the pods/binding subresource (it assigns a Pod to a node),
        an ``Eviction`` the pods/eviction subresource (a PDB-respecting delete).
        ``field_validation`` (Strict, Warn, Ignore; None: Warn) says what a field the kind
        lacks does, ``warnings`` collects the warnings (see fieldvalidation.py)."""
        if isinstance(obj, dict) and obj.get("kind") == "Eviction" and obj.get("apiVersion") == "policy/v1":
            return evict(self, obj, namespace)
        obj, served = self._accept(obj, field_validation, warnings)
        stored = self._create(self._stored(served, obj), self.registry.storage_of(served), namespace, dry_run)
        return self._served(served, stored)

    def _create(self, obj: dict, rtype: ResourceType, namespace: str | None, dry_run: bool) -> dict:
        """create() for an accepted object in its storage version."""
        if rtype.kind == "Binding":
            return self._bind(obj, namespace)
        meta_ = obj.setdefault("metadata", {})
        if rtype.namespaced:
            ns = meta_.get("namespace") or namespace or "default"
            if namespace and meta_.get("namespace") and meta_["namespace"] != namespace:
                raise errors.BadRequest("the namespace of the provided object does not match "
                                        "the namespace sent on the request")
            meta_["namespace"] = ns
        else:
            meta_.pop("namespace", None)
        if not meta_.get("name") and meta_.get("generateName"):
            meta_["name"] = meta.generate_name(meta_["generateName"], self.rng)
        for field in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                      "deletionGracePeriodSeconds", "generation"):
            meta_.pop(field, None)
        apply_defaults(obj, rtype)
        strategy.drop_empty_metadata(obj)
        strategy.initial_status(obj, "status" in rtype.subresources)
        self._admit("CREATE", obj, None, rtype)
        strategy.begin_write(self, obj, None, rtype, dry_run=dry_run)   # Service IPs and node ports
        meta_["uid"] = meta.new_uid(self.rng)
        meta_["creationTimestamp"] = meta.format_time(self.clock.now())
        if rtype.kind == "Job":
            generate_job_selector(obj)       # the Job strategy does this as it validates
        causes = validate(obj, rtype)
        if causes:
            raise invalid_error(rtype, meta_.get("name", ""), causes)
        if rtype.kind in strategy.GENERATION_KINDS:
            meta_["generation"] = 1
        self._validate_admission("CREATE", obj, None, rtype, dry_run)
        if dry_run:
            return obj
        key = rtype.key(meta_["name"], meta_.get("namespace"))
        try:
            kv = self.store.create(key, obj, size=self._size(obj))
        except KeyExists:
            raise errors.AlreadyExists(f'{rtype.group_resource} "{meta_["name"]}" already exists',
                                       kind=rtype.plural, name=meta_["name"], group=rtype.group) from None
        except ValueTooLarge as e:
            raise errors.ApiError(f"etcdserver: request is too large ({e.size} bytes)") from None
        return clone(self._decode_kv(kv))

    @_audited("update")
    def update(self, obj: dict, *, subresource: str | None = None, field_validation: str | None = None,
               warnings: list | None = None) -> dict:
        """PUT: replace an object; a stale ``resourceVersion`` is a 409 Conflict."""
        obj, served = self._accept(obj, field_validation, warnings, "UpdateOptions")
        rtype = self.registry.storage_of(served)
        obj = self._stored(served, obj)
        name = obj.get("metadata", {}).get("name")
        if not name:
            raise errors.Invalid(f"{rtype.kind} \"\" is invalid: metadata.name: Required value",
                                 causes=[errors.Cause("metadata.name", "Required value", "FieldValueRequired")])
        key, kv, old = self._current(rtype, name, obj["metadata"].get("namespace") or "default")
        self._check_version(rtype, name, obj["metadata"].get("resourceVersion"), old)
        new = self._merge_for_update(obj, old, rtype, subresource)
        return self._served(served, self._write(rtype, key, kv, old, new, subresource))

    @_audited("patch")
    def patch(self, resource, name: str, patch, *, namespace: str | None = "default",
              patch_type: str = "strategic", subresource: str | None = None,
              field_validation: str | None = None, warnings: list | None = None) -> dict:
        """PATCH with a JSON merge (``merge``), JSON (``json``) or strategic merge patch,
        applied to the object in the version the resource names."""
        served = self.resolve(resource)
        rtype = self.registry.storage_of(served)
        key, kv, old = self._current(rtype, name, namespace)
        if isinstance(patch, (str, bytes)):
            try:
                patch = json.loads(patch)
            except ValueError as e:
                raise errors.BadRequest(f"error decoding patch: {e}") from None
        if patch_type not in _PATCHERS:
            raise errors.BadRequest(f"unsupported patch type {patch_type!r}: use merge, json or strategic")
        if patch_type == "json" and not isinstance(patch, list):
            raise errors.BadRequest("json patch must be a list of operations")
        if patch_type == "strategic" and rtype.custom:
            raise errors.UnsupportedMediaType(
                "strategic merge patch is not supported for custom resources: use merge or json")
        try:
            patched = _PATCHERS[patch_type](self._served(served, old), patch)
        except PatchError as e:
            raise errors.Invalid(f'{rtype.kind} "{name}" is invalid: {e}') from None
        if not isinstance(patched, dict):
            raise errors.BadRequest("the patch does not produce an object")
        fieldvalidation.decode_patched(patched, patch, patch_type, field_validation, warnings)
        if served.storage_version:
            patched = self._stored(served, dict(patched, apiVersion=served.api_version, kind=served.kind))
        self._check_version(rtype, name, (patched.get("metadata") or {}).get("resourceVersion"), old)
        patched.setdefault("metadata", {})["resourceVersion"] = old["metadata"]["resourceVersion"]
        for field in ("apiVersion", "kind"):
            patched[field] = old[field]
        patched["metadata"]["name"] = name
        if rtype.namespaced:
            patched["metadata"]["namespace"] = old["metadata"]["namespace"]
        new = self._merge_for_update(patched, old, rtype, subresource)
        return self._served(served, self._write(rtype, key, kv, old, new, subresource))

    @_audited("delete")
    def delete(self, resource, name: str, *, namespace: str | None = "default",
               propagation_policy: str | None = None, grace_period_seconds: int | None = None,
               preconditions: dict | None = None) -> dict:
        """DELETE: graceful for Pods, deferred while finalizers remain; returns the object."""
        rtype = self.resolve(resource)
        if rtype.storage_version:
            return self._served(rtype, self.delete(self.registry.storage_of(rtype), name, namespace=namespace,
                                                   propagation_policy=propagation_policy,
                                                   grace_period_seconds=grace_period_seconds,
                                                   preconditions=preconditions))
        key, kv, old = self._current(rtype, name, namespace)
        for field in ("uid", "resourceVersion"):
            want = (preconditions or {}).get(field)
            if want and want != old["metadata"].get(field):
                raise errors.Conflict(
                    f'Precondition failed: {field.upper() if field == "uid" else "ResourceVersion"} '
                    f'in precondition: {want}, {field.upper() if field == "uid" else "ResourceVersion"} '
                    f'in object meta: {old["metadata"].get(field)}', kind=rtype.plural, name=name)
        if propagation_policy not in (None, "Background", "Foreground", "Orphan"):
            raise errors.Invalid(f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported '
                                 f'value: "{propagation_policy}": supported values: "Foreground", '
                                 f'"Background", "Orphan", "nil"')
        new = clone(old)
        m = new["metadata"]
        finalizers = list(m.get("finalizers") or [])
        if propagation_policy == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        if propagation_policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        grace = strategy.graceful_delete_seconds(old, grace_period_seconds)
        if rtype.kind == "Namespace":
            new.setdefault("status", {})["phase"] = "Terminating"
        pending = finalizers or grace > 0 or (rtype.kind == "Namespace" and new.get("spec", {}).get("finalizers"))
        if not pending:
            return self._remove(rtype, key, kv, old)
        now = self.clock.now()
        if m.get("deletionTimestamp") is None:
            m["deletionTimestamp"] = meta.format_time(now if not grace else now + timedelta(seconds=grace))
            m["deletionGracePeriodSeconds"] = grace
        elif grace < (m.get("deletionGracePeriodSeconds") or 0):
            # a shorter grace period on a second delete moves the deadline closer
            m["deletionTimestamp"] = meta.format_time(now + timedelta(seconds=grace))
            m["deletionGracePeriodSeconds"] = grace
        m["finalizers"] = finalizers
        if not finalizers:
            del m["finalizers"]
        if new == old:
            return clone(old)
        return self._store_update(rtype, key, kv, new)

    def _bind(self, binding: dict, namespace: str | None) -> dict:
        """pods/binding: set spec.nodeName once, and the PodScheduled condition."""
        m = binding.get("metadata") or {}
        name, ns = m.get("name", ""), m.get("namespace") or namespace or "default"
        target = binding.get("target") or {}
        if not target.get("name"):
            raise errors.Invalid(f'Binding "{name}" is invalid: target.name: Required value',
                                 causes=[errors.Cause("target.name", "Required value", "FieldValueRequired")])
        rtype = self.registry.resolve("pods")
        key = rtype.key(name, ns)
        kv = self.store.get(key)
        if kv is None:
            raise self._not_found(rtype, name)
        pod = self._decode_kv(kv)
        if pod["metadata"].get("deletionTimestamp"):
            raise errors.Conflict(f'Operation cannot be fulfilled on pods/binding "{name}": '
                                  'pod is being deleted, cannot be assigned to a host')
        if pod["spec"].get("nodeName"):
            raise errors.Conflict(f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} '
                                  f'is already assigned to node "{pod["spec"]["nodeName"]}"')
        new = clone(pod)
        new["spec"]["nodeName"] = target["name"]
        conditions = [c for c in new["status"].get("conditions", []) if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": meta.format_time(self.clock.now())})
        new["status"]["conditions"] = conditions
        self._commit_update(rtype, key, kv, new)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

    # -- internals -------------------------------------------------------
    def _served(self, rtype: ResourceType, obj: dict) -> dict:
        """A stored object as the version ``rtype`` serves (conversion.py)."""
        return convert(obj, rtype.api_version)

    def _stored(self, rtype: ResourceType, obj: dict) -> dict:
        """An object of ``rtype``'s version as its storage version."""
        return convert(obj, self.registry.storage_of(rtype).api_version)

    def _current(self, rtype: ResourceType, name: str, namespace: str | None):
        """(key, kv, decoded object) of what is stored now, or 404."""
        key = rtype.key(name, self._ns(rtype, namespace))
        kv = self.store.get(key)
        if kv is None:
            raise self._not_found(rtype, name)
        return key, kv, self._decode_kv(kv)

    def _check_version(self, rtype: ResourceType, name: str, rv: str | None, old: dict) -> None:
        """Optimistic concurrency: a write naming a resourceVersion must name the current one."""
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise self._conflict(rtype, name)

    def _accept(self, obj, field_validation: str | None = None, warnings: list | None = None,
                options: str = "CreateOptions") -> tuple[dict, ResourceType]:
        """The request's object decoded: a private copy of a known kind, without the fields
        the kind lacks (fieldvalidation.py)."""
        if not isinstance(obj, dict):
            raise errors.BadRequest(f"the object must be a mapping, not {type(obj).__name__}")
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not kind:
            raise errors.BadRequest("Object 'Kind' is missing in the object")
        if not api_version:
            raise errors.BadRequest(f"Object 'apiVersion' is missing in the object of kind {kind!r}")
        try:
            rtype = self.registry.for_kind(api_version, kind)
        except UnknownResource:
            raise errors.NotFound(f'the server could not find the requested resource: no matches for kind '
                                  f'"{kind}" in version "{api_version}"') from None
        obj = clone(obj)
        fieldvalidation.decode(obj, rtype, field_validation, warnings, options=options)
        return obj, rtype

    def _merge_for_update(self, obj: dict, old: dict, rtype: ResourceType, subresource: str | None) -> dict:
        """What an update may change: status writes touch only status, spec writes never status."""
        has_status = "status" in rtype.subresources
        if subresource == "status":
            new = clone(old)
            new["status"] = obj.get("status", {})
            return new
        if subresource == "finalize":
            new = clone(old)
            new.setdefault("spec", {})["finalizers"] = (obj.get("spec") or {}).get("finalizers", [])
            return new
        if subresource is not None:
            raise errors.NotFound(f"the server could not find the requested resource ({subresource})")
        new = obj
        if has_status and rtype.kind != "Node":
            if "status" in old:
                new["status"] = clone(old["status"])
            else:
                new.pop("status", None)
        m, om = new.setdefault("metadata", {}), old["metadata"]
        for field in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                      "generation", "name", "namespace"):
            if field in om:
                m[field] = om[field]
            else:
                m.pop(field, None)
        return new

    def _write(self, rtype, key, kv, old, new, subresource) -> dict:
        if subresource is None:
            apply_defaults(new, rtype)
            self._admit("UPDATE", new, old, rtype)
            strategy.begin_write(self, new, old, rtype)
        strategy.drop_empty_metadata(new)
        causes = validate(new, rtype, old=old)
        if causes:
            raise invalid_error(rtype, new["metadata"]["name"], causes)
        if subresource is None:
            self._validate_admission("UPDATE", new, old, rtype, False)
        if rtype.kind in strategy.GENERATION_KINDS and new.get("spec") != old.get("spec"):
            new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
        m = new["metadata"]
        if m.get("deletionTimestamp") and not m.get("finalizers") and not (
                rtype.kind == "Namespace" and (new.get("spec") or {}).get("finalizers")) and \
                not m.get("deletionGracePeriodSeconds"):
            return self._remove(rtype, key, kv, old)
        if new == old:
            return clone(old)     # a no-op write changes nothing, not even resourceVersion
        return self._store_update(rtype, key, kv, new)

    def _store_update(self, rtype, key, kv, new) -> dict:
        return clone(self._decode_kv(self._commit_update(rtype, key, kv, new)))

    def _commit_update(self, rtype, key, kv, new):
        """Write ``new`` over ``kv`` (compare-and-swap on its revision); the stored KeyValue."""
        try:
            return self.store.update(key, new, kv.mod_revision, size=self._size(new))
        except CompareFailed:
            raise self._conflict(rtype, new["metadata"]["name"]) from None
        except ValueTooLarge as e:
            raise errors.ApiError(f"etcdserver: request is too large ({e.size} bytes)") from None

    def _remove(self, rtype, key, kv, old) -> dict:
        try:
            gone = self.store.delete(key, kv.mod_revision)
        except CompareFailed:
            raise self._conflict(rtype, old["metadata"]["name"]) from None
        del gone
        return clone(old)

    def _admit(self, operation: str, obj: dict, old: dict | None, rtype: ResourceType) -> None:
        """Mutating admission (every callable plugin), before validation."""
        for plugin in self.admission:
            if callable(plugin):
                plugin(self, operation, obj, old, rtype)

    def _validate_admission(self, operation: str, obj: dict, old: dict | None, rtype: ResourceType,
                            dry_run: bool) -> None:
        """Validating admission, after validation: plugins with a ``validate`` method
        (LimitRanger's checks; ResourceQuota, which charges quota unless ``dry_run``)."""
        for plugin in self.admission:
            check = getattr(plugin, "validate", None)
            if check is not None:
                check(self, operation, obj, old, rtype, dry_run=dry_run)

    def _cacher(self, rtype: ResourceType) -> Cacher:
        cacher = self._cachers.get(rtype.plural + "." + rtype.group)
        if cacher is None:
            cacher = Cacher(self.store, rtype.prefix(), self._decode_event)
            self._cachers[rtype.plural + "." + rtype.group] = cacher
        return cacher

    @staticmethod
    def _decode_kv(kv) -> dict:
        obj = kv.value if isinstance(kv.value, dict) else json.loads(kv.value)
        obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
        return obj

    def _decode_event(self, event):
        prev = self._decode_kv(event.prev_kv) if event.prev_kv is not None else None
        if event.type == "DELETE":
            # the deleted object carries the deletion's revision, as Kubernetes sends it
            obj = dict(prev)
            obj["metadata"] = dict(prev["metadata"], resourceVersion=str(event.kv.mod_revision))
            return "DELETED", obj, prev
        obj = self._decode_kv(event.kv)
        return ("ADDED" if event.kv.version == 1 else "MODIFIED"), obj, prev

    def _read(self, key: str, resource_version: str | None):
        try:
            return self.store.get(key, self._revision(resource_version))
        except Compacted as e:
            raise self._gone(e) from None

    @staticmethod
    def _revision(resource_version: str | None) -> int | None:
        if resource_version in (None, "", "0"):
            return None
        try:
            return int(resource_version)
        except (TypeError, ValueError):
            raise errors.BadRequest(f"resourceVersion: Invalid value: {resource_version!r}: "
                                    "must be a decimal number") from None

    def _selectors(self, rtype, label_selector, field_selector):
        try:
            labels = parse_selector(label_selector) if isinstance(label_selector, str) else label_selector
            fields = parse_field_selector(field_selector) if isinstance(field_selector, str) else field_selector
        except SelectorError as e:
            raise errors.BadRequest(str(e)) from None
        if labels is not None and labels.empty():
            labels = None
        if fields is not None:
            for req in fields.requirements:
                if not strategy.supports_field(rtype.kind, req.field):
                    raise errors.BadRequest(f'field label not supported: {req.field}')
            if fields.empty():
                fields = None
        return labels, fields

    @staticmethod
    def _ns(rtype: ResourceType, namespace: str | None) -> str | None:
        return namespace if rtype.namespaced else None

    @staticmethod
    def _size(obj: dict) -> int:
        return len(json.dumps(obj, separators=(",", ":")))

    @staticmethod
    def _not_found(rtype: ResourceType, name: str) -> errors.NotFound:
        return errors.NotFound(f'{rtype.group_resource} "{name}" not found',
                               kind=rtype.plural, name=name, group=rtype.group)

    @staticmethod
    def _conflict(rtype: ResourceType, name: str) -> errors.Conflict:
        return errors.Conflict(
            f'Operation cannot be fulfilled on {rtype.group_resource} "{name}": the object has been '
            'modified; please apply your changes to the latest version and try again',
            kind=rtype.plural, name=name, group=rtype.group)

    @staticmethod
    def _gone(e: Compacted, requested: int | None = None) -> errors.Gone:
        requested = e.requested if requested is None else requested
        return errors.Gone(f"too old resource version: {requested} ({e.compacted})")

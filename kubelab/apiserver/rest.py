"""Kubernetes REST paths onto the in-process API server (kube-apiserver's RequestInfoFactory
and its REST handlers).

``parse`` turns ``/apis/apps/v1/namespaces/default/deployments/web/scale`` and an HTTP
method into a :class:`Request` (verb, resource type, namespace, name, subresource), as
kube-apiserver's request-info filter does; ``handle`` runs it against ``api`` and returns
the status code and the object to send. Query parameters are Kubernetes' own
(labelSelector, fieldSelector, resourceVersion, dryRun, propagationPolicy, ...).

simplified: a dry run of an update or patch checks validation only (not admission);
``limit`` is ignored (every list fits in one page, with no ``continue``).
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass

import yaml

from .. import errors
from ..api.conversion import convert
from ..api.kinds import ResourceType
from ..api.validation import invalid_error, validate
from . import fieldvalidation, protobuf
from .patch import PatchError, json_merge, json_patch, strategic_merge

__all__ = ["Request", "parse", "handle", "decode_body", "PATCH_TYPES"]

#: PATCH content types (k8s.io/apimachinery/pkg/types PatchType) -> api.patch's patch_type
PATCH_TYPES = {"application/json-patch+json": "json", "application/merge-patch+json": "merge",
               "application/strategic-merge-patch+json": "strategic", "application/apply-patch+yaml": "apply"}
_PATCHERS = {"json": json_patch, "merge": json_merge, "strategic": strategic_merge}
_NAMESPACE_SUBRESOURCES = ("status", "finalize")
_WRITES = ("create", "update", "patch", "delete", "deletecollection")


@dataclass
class Request:
    """kube-apiserver's RequestInfo for a resource request."""

    verb: str                       # get list watch create update patch delete deletecollection
    rtype: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None

    @property
    def writes(self) -> bool:
        return self.verb in _WRITES


def not_found() -> errors.NotFound:
    return errors.NotFound("the server could not find the requested resource")


def parse(method: str, path: str, query: dict, registry) -> Request:
    """The resource request a path names; NotFound if it names none."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, version, parts = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, version, parts = parts[1], parts[2], parts[3:]
    else:
        raise not_found()
    namespace = None
    if parts[0] == "namespaces" and len(parts) > 1:
        namespace = parts[1]
        if len(parts) > 2 and parts[2] not in _NAMESPACE_SUBRESOURCES:
            parts = parts[2:]
        else:                       # the Namespace object itself, or its status/finalize
            namespace, parts = None, ["namespaces", *parts[1:]]
    if len(parts) > 3:
        raise not_found()
    rtype = next((t for t in registry.served() if (t.group, t.version, t.plural) == (group, version, parts[0])),
                 None)
    if rtype is None:
        raise not_found()
    name = parts[1] if len(parts) > 1 else None
    subresource = parts[2] if len(parts) > 2 else None
    if subresource is not None and subresource not in rtype.subresources:
        raise not_found()
    if rtype.namespaced and name is not None and namespace is None:
        raise not_found()        # a namespaced object is only addressed inside its namespace
    verb = {"GET": "get" if name else "list", "POST": "create", "PUT": "update", "PATCH": "patch",
            "DELETE": "delete" if name else "deletecollection"}.get(method)
    if verb == "list" and _true(query.get("watch")):
        verb = "watch"
    if verb is None or (verb == "create" and name and not subresource) or (verb in ("update", "patch") and not name):
        raise errors.MethodNotAllowed("the server does not allow this method on the requested resource")
    if subresource is None and verb not in rtype.verbs:
        raise errors.MethodNotAllowed("the server does not allow this method on the requested resource")
    return Request(verb, rtype, namespace, name, subresource)


def _true(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


def decode_body(data: bytes, content_type: str):
    """The request body as a Python value (JSON, YAML for apply patches, or an object a typed
    client sent as protobuf)."""
    if not data:
        return None
    if content_type == protobuf.CONTENT_TYPE:
        return protobuf.decode(data)
    try:
        if content_type.endswith("yaml"):
            return yaml.safe_load(data.decode())
        return json.loads(data)
    except (ValueError, yaml.YAMLError) as e:
        raise errors.BadRequest(f"the body of the request was in an unknown format: {e}") from None


def handle(api, req: Request, query: dict, body, content_type: str = "", warnings: list | None = None,
           problems: list[str] = ()) -> tuple[int, object]:
    """Run ``req`` (any verb but watch); (HTTP status, the object or Status to send).

    Writes honour ``?fieldValidation=`` (fieldvalidation.py): ``warnings`` collects what the
    response's Warning headers say, ``problems`` are the strict decoding errors the body's
    parser found (duplicate fields)."""
    dry_run = query.get("dryRun") == "All"
    checks = {"field_validation": query.get("fieldValidation"), "warnings": warnings}
    if req.subresource:
        return _subresource(api, req, query, body, content_type, dry_run, checks)
    ns = req.namespace
    if req.verb == "get":
        return 200, api.get(req.rtype, req.name, namespace=ns)
    if req.verb == "list":
        exact = query.get("resourceVersionMatch") == "Exact"
        return 200, api.list(req.rtype, namespace=ns, label_selector=query.get("labelSelector"),
                             field_selector=query.get("fieldSelector"),
                             resource_version=query.get("resourceVersion") if exact else None)
    if req.verb == "create":
        obj = _typed(body, req.rtype)
        if problems:            # the decoder reports them with the unknown fields
            fieldvalidation.decode(copy.deepcopy(obj), req.rtype, problems=problems, **checks)
        return 201, api.create(obj, namespace=ns, dry_run=dry_run, **checks)
    if req.verb == "update":
        obj = _named(body, req)
        if problems or dry_run:
            fieldvalidation.decode(obj if dry_run else copy.deepcopy(obj), req.rtype, problems=problems,
                                   options="UpdateOptions", **checks)
        if dry_run:
            return 200, _dry_write(api, req, lambda old: obj)
        return 200, api.update(obj, **checks)
    if req.verb == "patch":
        patch_type = PATCH_TYPES.get(content_type)
        if patch_type is None:
            raise errors.UnsupportedMediaType(f"the body of the request was in an unknown format - accepted "
                                              f"media types include: {', '.join(PATCH_TYPES)}")
        if patch_type == "apply":
            from .fieldmanager import server_side_apply
            return server_side_apply(api, req, body, query, dry_run)
        def change(old):
            new = _patched(req, old, body, patch_type)
            fieldvalidation.decode_patched(new, body, patch_type, problems=problems, **checks)
            return new
        if dry_run:
            return 200, _dry_write(api, req, change)
        if problems:
            change(api.get(req.rtype, req.name, namespace=ns))
        return 200, api.patch(req.rtype, req.name, body, namespace=ns, patch_type=patch_type, **checks)
    if req.verb == "delete":
        return _delete(api, req, req.name, _delete_options(body, query), dry_run)
    # deletecollection: every object the selectors pick, one DELETE each
    listed = api.list(req.rtype, namespace=ns, label_selector=query.get("labelSelector"),
                      field_selector=query.get("fieldSelector"))
    options = _delete_options(body, query)
    for obj in listed["items"]:
        _delete(api, req, obj["metadata"]["name"], options, dry_run, obj["metadata"].get("namespace"))
    return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 200}


def _object(body) -> dict:
    if not isinstance(body, dict):
        raise errors.BadRequest("the body of the request must be an object")
    return body


def _typed(body, rtype: ResourceType) -> dict:
    """The body with the endpoint's apiVersion and kind when it leaves them out (the
    official clients do), as kube-apiserver's decoder defaults them."""
    obj = _object(body)
    obj.setdefault("apiVersion", rtype.api_version)
    obj.setdefault("kind", rtype.kind)
    return obj


def _named(body, req: Request) -> dict:
    """An update's body must name the object its URL names (kube-apiserver checks the same)."""
    obj = _typed(body, req.rtype)
    meta = obj.setdefault("metadata", {})
    if meta.get("name") != req.name:
        raise errors.BadRequest(f"the name of the object ({meta.get('name')}) does not match the name on "
                                f"the URL ({req.name})")
    if req.namespace and meta.setdefault("namespace", req.namespace) != req.namespace:
        raise errors.BadRequest("the namespace of the provided object does not match the namespace sent "
                                "on the request")
    return obj


def _patched(req: Request, old: dict, patch, patch_type: str) -> dict:
    try:
        new = _PATCHERS[patch_type](old, patch)
    except PatchError as e:
        raise errors.Invalid(f'{req.rtype.kind} "{req.name}" is invalid: {e}') from None
    new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
    return new


def _dry_write(api, req: Request, change) -> dict:
    """What a write would store, validated (in the storage version) but not stored (dryRun=All)."""
    old = api.get(req.rtype, req.name, namespace=req.namespace)
    new = change(old)
    stored = api.registry.storage_of(req.rtype)
    causes = validate(convert(new, stored.api_version), stored, old=convert(old, stored.api_version))
    if causes:
        raise invalid_error(stored, req.name, causes)
    return new


def _delete_options(body, query: dict) -> dict:
    """DeleteOptions from the body (kubectl sends one) and the query (the official client may)."""
    options = dict(body) if isinstance(body, dict) else {}
    for key in ("propagationPolicy", "gracePeriodSeconds"):
        if key in query:
            options[key] = query[key]
    if "gracePeriodSeconds" in options and options["gracePeriodSeconds"] is not None:
        try:
            options["gracePeriodSeconds"] = int(options["gracePeriodSeconds"])
        except (TypeError, ValueError):
            raise errors.BadRequest(f"gracePeriodSeconds: invalid value {options['gracePeriodSeconds']!r}") from None
    return options


def _delete(api, req: Request, name: str, options: dict, dry_run: bool, namespace=None) -> tuple[int, object]:
    """DELETE: the object while its deletion is pending (and always for Pods, whose registry
    returns the deleted object), else a Status naming what was deleted."""
    rtype, ns = req.rtype, namespace or req.namespace
    if dry_run:
        return 200, api.get(rtype, name, namespace=ns)
    obj = api.delete(rtype, name, namespace=ns, propagation_policy=options.get("propagationPolicy"),
                     grace_period_seconds=options.get("gracePeriodSeconds"),
                     preconditions=options.get("preconditions"))
    try:
        return 200, api.get(rtype, name, namespace=ns)
    except errors.NotFound:
        pass
    if rtype.kind == "Pod":
        return 200, obj
    return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                 "details": {"name": name, "group": rtype.group, "kind": rtype.plural,
                             "uid": obj["metadata"].get("uid", "")}}


def _subresource(api, req: Request, query: dict, body, content_type: str, dry_run: bool,
                 checks: dict) -> tuple[int, object]:
    sub, rtype, ns, name = req.subresource, req.rtype, req.namespace, req.name
    if sub == "log" and req.verb == "get":
        return 200, _log(api, req, query)
    if sub in ("eviction", "binding") and req.verb == "create":
        obj = _object(body)
        obj.setdefault("metadata", {}).setdefault("name", name)
        return 201, api.create(obj, namespace=ns)
    if sub == "scale":
        return _scale(api, req, body, content_type, dry_run)
    if sub in ("status", "finalize"):
        if req.verb == "get":
            return 200, api.get(rtype, name, namespace=ns)
        if req.verb == "update":
            obj = _named(body, req)
            return 200, (obj if dry_run else api.update(obj, subresource=sub, **checks))
        if req.verb == "patch" and PATCH_TYPES.get(content_type, "apply") != "apply":
            return 200, api.patch(rtype, name, body, namespace=ns, patch_type=PATCH_TYPES[content_type],
                                  subresource=sub, **checks)
    raise errors.MethodNotAllowed("the server does not allow this method on the requested resource")


def _scale(api, req: Request, body, content_type: str, dry_run: bool) -> tuple[int, object]:
    """deployments/scale & co: GET, PUT and PATCH (kubectl scale patches ``spec.replicas``)."""
    current = api.scale.get(req.rtype, req.name, namespace=req.namespace)
    if req.verb == "get":
        return 200, current
    if req.verb == "update":
        scale = _named(body, req)
    elif req.verb == "patch" and PATCH_TYPES.get(content_type, "apply") != "apply":
        scale = _PATCHERS[PATCH_TYPES[content_type]](current, body)
    else:
        raise errors.MethodNotAllowed("the server does not allow this method on the requested resource")
    if dry_run:
        return 200, scale
    return 200, api.scale.update(req.rtype, scale, namespace=req.namespace)


def _log(api, req: Request, query: dict) -> str:
    """pods/log as text (``container``, ``previous``, ``timestamps``, ``tailLines``).

    simplified: ``follow`` returns what was logged so far and ends the stream."""
    tail = query.get("tailLines")
    try:
        tail = int(tail) if tail is not None else None
    except ValueError:
        raise errors.BadRequest(f"tailLines: invalid value {tail!r}") from None
    return api.logs(req.name, req.namespace, query.get("container"), _true(query.get("previous")),
                    timestamps=_true(query.get("timestamps")), tail=tail)

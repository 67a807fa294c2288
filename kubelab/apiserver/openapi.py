"""OpenAPI v3 documents (``/openapi/v3`` and ``/openapi/v3/apis/<group>/<version>``).

kubectl reads them for two things: ``kubectl explain`` walks a kind's schema (found by
its ``x-kubernetes-group-version-kind``), and ``kubectl apply``/``create`` look for a
``fieldValidation`` parameter on the kind's PATCH operation to know the server
validates fields itself (otherwise kubectl wants the OpenAPI v2 document to validate
client-side); the server does (fieldvalidation.py, against the complete field table
of kubelab/api/field_table.py). Each group version's document has the resource paths
with their operations and the component schemas built from openapi_schema.py.

simplified: no ``/openapi/v2``, so kubectl always uses v3; the schemas describe the main
fields only (``kubectl explain``), not every field the server accepts.
"""
from __future__ import annotations

import hashlib
import json

from .openapi_schema import TYPES

__all__ = ["document"]

_SCALARS = ("string", "integer", "boolean", "number")
_WRITE_PARAMS = [{"name": n, "in": "query", "schema": {"type": "string"}}
                 for n in ("dryRun", "fieldManager", "fieldValidation")]


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def document(path: str, registry) -> dict | None:
    """The OpenAPI document at ``path`` (None: there is none)."""
    parts = path.strip("/").split("/")
    if parts[:2] != ["openapi", "v3"]:
        return None
    gvs = {}
    for t in registry.served():
        gvs.setdefault(_gv_path(t.group, t.version), []).append(t)
    if len(parts) == 2:
        return {"paths": {gv: {"serverRelativeURL": f"/openapi/v3/{gv}?hash={_hash(_gv_doc(types))}"}
                          for gv, types in gvs.items()}}
    types = gvs.get("/".join(parts[2:]))
    return _gv_doc(types) if types else None


def _hash(doc: dict) -> str:
    return hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:128].upper()


def _schema_name(t) -> str:
    described = TYPES.get(t.kind)
    if described is not None and described["gvk"] == (t.group, t.version, t.kind):
        return f"{described['package']}.{t.kind}"
    return f"io.k8s.kubelab.{t.group or 'core'}.{t.version}.{t.kind}"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _gv_doc(types) -> dict:
    schemas: dict[str, dict] = {}
    paths: dict[str, dict] = {}
    for t in types:
        name = _schema_name(t)
        schemas[name] = _kind_schema(t, schemas)
        gvk = {"group": t.group, "version": t.version, "kind": t.kind}
        base = f"/{_gv_path(t.group, t.version)}/" + ("namespaces/{namespace}/" if t.namespaced else "") + t.plural

        def op(action: str, params=()) -> dict:
            return {"x-kubernetes-group-version-kind": gvk, "x-kubernetes-action": action,
                    "parameters": list(params), "responses": {"200": {"description": "OK", "content": {
                        "application/json": {"schema": _ref(name)}}}}}
        collection = {"get": op("list")}
        item = {"get": op("get")}
        if "create" in t.verbs:
            collection["post"] = op("post", _WRITE_PARAMS)
        if "update" in t.verbs:
            item["put"] = op("put", _WRITE_PARAMS)
        if "patch" in t.verbs:
            item["patch"] = op("patch", _WRITE_PARAMS + [{"name": "force", "in": "query",
                                                          "schema": {"type": "boolean"}}])
        if "delete" in t.verbs:
            item["delete"] = op("delete", _WRITE_PARAMS[:1])
        paths[base] = collection
        paths[base + "/{name}"] = item
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0-kubelab"},
            "paths": paths, "components": {"schemas": schemas}}


def _kind_schema(t, schemas: dict) -> dict:
    described = TYPES.get(t.kind)
    if described is None or described["gvk"] != (t.group, t.version, t.kind):
        described = {"description": f"{t.kind} ({t.api_version}); kubelab serves no detailed schema for this kind.",
                     "fields": [("metadata", "ObjectMeta", False, "Standard object metadata."),
                                ("spec", "object", False, "The desired state."),
                                ("status", "object", False, "The observed state. Read-only.")]}
    schema = _object_schema(described, schemas)
    schema["properties"] = {
        "apiVersion": {"type": "string", "description": "The versioned schema of this representation of an object."},
        "kind": {"type": "string", "description": "The REST resource this object represents, in CamelCase."},
        **schema["properties"]}
    schema["x-kubernetes-group-version-kind"] = [{"group": t.group, "kind": t.kind, "version": t.version}]
    return schema


def _object_schema(described: dict, schemas: dict) -> dict:
    props = {name: _field_schema(type_, description, schemas)
             for name, type_, _, description in described["fields"]}
    schema = {"description": described["description"], "type": "object", "properties": props}
    required = [name for name, _, req, _ in described["fields"] if req]
    if required:
        schema["required"] = required
    return schema


def _type_schema(type_: str, schemas: dict) -> dict:
    if type_.startswith("[]"):
        return {"type": "array", "items": _type_schema(type_[2:], schemas)}
    if type_.startswith("map[string]"):
        return {"type": "object", "additionalProperties": _type_schema(type_[len("map[string]"):], schemas)}
    if type_ in _SCALARS:
        return {"type": type_}
    if type_ == "object":
        return {"type": "object"}
    described = TYPES[type_]
    name = f"{described['package']}.{type_}"
    if name not in schemas:
        schemas[name] = {}                      # reserve the name first: types may refer to themselves
        schemas[name] = _object_schema(described, schemas)
    return _ref(name)


def _field_schema(type_: str, description: str, schemas: dict) -> dict:
    schema = _type_schema(type_, schemas)
    if "$ref" in schema:                        # as kube-openapi writes a described reference
        return {"description": description, "allOf": [schema]}
    return {**schema, "description": description}

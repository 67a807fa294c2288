"""Server-side apply (``PATCH`` with ``application/apply-patch+yaml``): field ownership.

Each applier (``?fieldManager=``) owns the fields its last applied configuration set,
recorded in ``metadata.managedFields`` (operation ``Apply``, ``fieldsV1`` in Kubernetes'
``f:<field>`` / ``k:{"name":"web"}`` notation). Applying again:

1. a field another applier owns, with a different value in the live object, is a
   conflict (409, ``Apply failed with 1 conflict: conflict with "other" using
   apps/v1: .spec.replicas``) unless ``force=true``, which takes the field over;
2. fields this manager set last time but no longer sets are removed, unless another
   applier also owns them;
3. the configuration is merged into the live object (maps field by field, lists with a
   merge key item by item, other lists whole), or creates the object if there is none.

simplified: only appliers own fields (writes by update or patch, and by the engine's
controllers, record no ownership, so they never conflict); ownership is tracked per
leaf field and per keyed list item, not for items of sets.
"""
from __future__ import annotations

import json

from .. import errors
from ..api.fields import root_type, unknown_fields
from ..api.meta import format_time
from .patch import merge_key_for, strategic_merge

__all__ = ["server_side_apply", "field_paths"]

_IGNORED = {("f:apiVersion",), ("f:kind",), ("f:metadata", "f:name"), ("f:metadata", "f:namespace"),
            ("f:metadata", "f:resourceVersion"), ("f:metadata", "f:managedFields")}


def field_paths(obj: dict, path=(), names=()) -> set[tuple]:
    """The fields ``obj`` sets, as paths of ``f:<field>`` and ``k:<key>`` elements."""
    out: set[tuple] = set()
    for key, value in obj.items():
        p, n = path + (f"f:{key}",), names + (key,)
        if p in _IGNORED:
            continue
        merge_key = merge_key_for(n) if isinstance(value, list) else None
        if isinstance(value, dict) and value:
            out |= field_paths(value, p, n)
        elif merge_key and value and all(isinstance(v, dict) and merge_key in v for v in value):
            for item in value:
                kp = p + ("k:" + json.dumps({merge_key: item[merge_key]}, separators=(",", ":")),)
                out.add(kp)
                out |= field_paths(item, kp, n)
        else:
            out.add(p)
    return out


def _to_fields_v1(paths: set[tuple]) -> dict:
    tree: dict = {}
    for path in sorted(paths):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    return tree


def _from_fields_v1(tree: dict, path=()) -> set[tuple]:
    out: set[tuple] = set()
    for element, sub in tree.items():
        if element == ".":
            continue
        p = path + (element,)
        if element.startswith("k:") or not sub:
            out.add(p)
        out |= _from_fields_v1(sub, p)
    return out


def _step(node, element: str):
    """The child of ``node`` at one path element (None when absent)."""
    if element.startswith("f:"):
        return node.get(element[2:]) if isinstance(node, dict) else None
    key = json.loads(element[2:])
    return next((item for item in node or [] if all(item.get(k) == v for k, v in key.items())), None)


def _value(obj, path: tuple):
    for element in path:
        obj = _step(obj, element)
        if obj is None:
            return None
    return obj


def _remove(obj, path: tuple) -> None:
    parent = _value(obj, path[:-1]) if len(path) > 1 else obj
    last = path[-1]
    if isinstance(parent, dict) and last.startswith("f:"):
        parent.pop(last[2:], None)
    elif isinstance(parent, list):
        item = _step(parent, last)
        if item is not None:
            parent.remove(item)


def _dotted(path: tuple) -> str:
    """``.spec.template.spec.containers[name="web"].image``, as conflicts name fields."""
    return "".join(f".{e[2:]}" if e.startswith("f:") else
                   "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in json.loads(e[2:]).items()) + "]" for e in path)


def _conflict(rtype, conflicts: list[tuple[str, str]]) -> errors.Conflict:
    """The 409 kube-apiserver's field manager answers (merge.Conflicts' wording)."""
    by_manager: dict[str, list[str]] = {}
    for manager, field in conflicts:
        by_manager.setdefault(manager, []).append(field)
    if len(conflicts) == 1:
        manager, field = conflicts[0]
        message = f'Apply failed with 1 conflict: conflict with "{manager}" using {rtype.api_version}: {field}'
    else:
        lines = [f'conflicts with "{m}" using {rtype.api_version}:\n' + "\n".join(f"- {f}" for f in fields)
                 for m, fields in by_manager.items()]
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    causes = [errors.Cause(field, f'conflict with "{manager}" using {rtype.api_version}', "FieldManagerConflict")
              for manager, field in conflicts]
    return errors.Conflict(message, causes=causes)


def _require_declared(config: dict, rtype, namespace: str) -> None:
    """Apply converts the configuration to a typed object first: a field its kind lacks fails
    the request whatever ``fieldValidation`` says (structured-merge-diff's ``field not declared
    in schema``, a 500 with no reason). simplified: a keyed list item is named by its merge key
    alone (``containers[name="web"]``), and several errors are listed in sorted order."""
    paths = unknown_fields(config, None if rtype.custom else root_type(rtype.api_version, rtype.kind))
    if not paths:
        return
    problems = sorted(f"{_smd_path(config, p)}: field not declared in schema" for p in paths)
    text = problems[0] if len(problems) == 1 else "errors:\n" + "\n".join(f"  {p}" for p in problems)
    gvk = f"{rtype.group}/{rtype.version}, Kind={rtype.kind}"
    error = errors.ApiError(f"failed to create typed patch object ({namespace}/{config['metadata']['name']}; "
                            f"{gvk}): {text}")
    error.reason = ""
    raise error


def _smd_path(obj, path: tuple) -> str:
    """``.spec.template.spec.containers[name="web"].readinesProbe``: fieldpath.Path's text."""
    out, names = "", ()
    for step in path:
        if isinstance(step, int):
            key = merge_key_for(names)
            item = obj[step]
            if key and isinstance(item, dict) and key in item:
                out += f"[{key}={json.dumps(item[key])}]"
            else:
                out += f"[{step}]"
        else:
            out += f".{step}"
            names += (step,)
        obj = obj[step] if isinstance(obj, (dict, list)) and (isinstance(step, int) or step in obj) else None
    return out


def server_side_apply(api, req, config, query: dict, dry_run: bool) -> tuple[int, dict]:
    """Apply ``config`` as ``query["fieldManager"]``; (201 if created else 200, the object)."""
    manager, force = query.get("fieldManager"), (query.get("force") or "").lower() == "true"
    if not manager:
        raise errors.Invalid('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required '
                             'for apply patch', causes=[errors.Cause("fieldManager", "Required value: is required "
                                                                     "for apply patch", "FieldValueRequired")])
    if not isinstance(config, dict):
        raise errors.BadRequest("the apply patch must be an object")
    rtype = req.rtype
    if (config.get("apiVersion"), config.get("kind")) != (rtype.api_version, rtype.kind):
        raise errors.BadRequest(f"the apply configuration's apiVersion and kind must be {rtype.api_version} "
                                f"and {rtype.kind}")
    meta = config.setdefault("metadata", {})
    if meta.get("name", req.name) != req.name:
        raise errors.BadRequest(f"the name of the object ({meta.get('name')}) does not match the name on the URL "
                                f"({req.name})")
    meta["name"] = req.name
    _require_declared(config, rtype, meta.get("namespace") or req.namespace or "")
    mine = field_paths(config)
    entry = {"manager": manager, "operation": "Apply", "apiVersion": rtype.api_version,
             "time": format_time(api.clock.now()), "fieldsType": "FieldsV1", "fieldsV1": _to_fields_v1(mine)}
    try:
        live = api.get(rtype, req.name, namespace=req.namespace)
    except errors.NotFound:
        meta["managedFields"] = [entry]
        return 201, api.create(config, namespace=req.namespace, dry_run=dry_run)
    managed = [m for m in live["metadata"].get("managedFields") or [] if m.get("operation") == "Apply"]
    owned = {m["manager"]: _from_fields_v1(m.get("fieldsV1") or {}) for m in managed}
    previous = owned.pop(manager, set())
    conflicts = sorted((other, _dotted(p)) for other, theirs in owned.items() for p in mine & theirs
                       if not p[-1].startswith("k:") and _value(live, p) != _value(config, p))
    if conflicts and not force:
        raise _conflict(rtype, conflicts)
    if force:
        owned = {other: theirs - mine for other, theirs in owned.items()}
    new = live
    for path in sorted(previous - mine, key=len, reverse=True):
        if not any(path in theirs for theirs in owned.values()):
            _remove(new, path)
    new = strategic_merge(new, {k: v for k, v in config.items() if k != "metadata"} |
                          {"metadata": {k: v for k, v in meta.items() if k in ("labels", "annotations")}})
    new["metadata"]["managedFields"] = [entry] + [
        dict(m, fieldsV1=_to_fields_v1(owned[m["manager"]])) for m in managed
        if m["manager"] != manager and owned.get(m["manager"])]
    if dry_run:
        return 200, new
    return 200, api.update(new)

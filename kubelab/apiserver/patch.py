"""The three PATCH content types kube-apiserver accepts.

* JSON merge patch (RFC 7386, ``application/merge-patch+json``): maps merge,
  ``null`` deletes, lists are replaced whole.
* JSON patch (RFC 6902, ``application/json-patch+json``): a list of operations.
* Strategic merge patch (``application/strategic-merge-patch+json``): like merge
  patch, but lists that Kubernetes marks with a ``patchMergeKey`` (containers by
  ``name``, ports by ``containerPort``, ...) are merged element by element, and
  ``$patch: delete`` / ``$patch: replace`` / ``$retainKeys`` directives apply.
  simplified: ``$setElementOrder`` is accepted and ignored (order follows the patch).
"""
from __future__ import annotations

import copy

__all__ = ["MERGE_KEYS", "PatchError", "json_merge", "json_patch", "strategic_merge", "merge_key_for"]

#: patchMergeKey of the list fields that strategic merge merges rather than replaces,
#: from the ``patchStrategy:"merge"`` tags in k8s.io/api. Keyed by the field's name.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "tolerations": None,          # atomic in k8s.io/api: replaced whole
    "ports": "containerPort",     # containers[].ports; ServiceSpec.ports merges by "port" (below)
    "conditions": "type",
    "ownerReferences": "uid",
    "finalizers": "",             # a merge list of scalars (patchStrategy merge, no key)
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
}

class PatchError(ValueError):
    """A patch that cannot be applied (the API server answers 422 or 400)."""


def merge_key_for(path: tuple[str, ...]) -> str | None:
    """The strategic-merge key for the list at ``path`` ("" = scalar set, None = replace)."""
    if path == ("spec", "ports"):
        return "port"                 # ServiceSpec.ports merges by port, not containerPort
    if path[-2:] == ("subsets", "ports"):
        return None                   # EndpointSubset.ports is atomic
    return MERGE_KEYS.get(path[-1]) if path else None


def json_merge(original, patch):
    """RFC 7386: return ``original`` with ``patch`` merged in (inputs untouched)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge(result.get(key), value)
    return result


def json_patch(original, operations):
    """RFC 6902: apply add/remove/replace/move/copy/test operations in order."""
    if not isinstance(operations, list):
        raise PatchError("json patch must be a list of operations")
    doc = copy.deepcopy(original)
    for i, op in enumerate(operations):
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"operation {i}: missing \"op\" or \"path\"")
        kind, path = op["op"], _pointer(op["path"])
        if kind == "add":
            doc = _put(doc, path, copy.deepcopy(_need(op, "value")), insert=True)
        elif kind == "remove":
            doc, _ = _take(doc, path)
        elif kind == "replace":
            _get(doc, path)
            doc = _put(doc, path, copy.deepcopy(_need(op, "value")), insert=False)
        elif kind == "move":
            doc, value = _take(doc, _pointer(_need(op, "from")))
            doc = _put(doc, path, value, insert=True)
        elif kind == "copy":
            doc = _put(doc, path, copy.deepcopy(_get(doc, _pointer(_need(op, "from")))), insert=True)
        elif kind == "test":
            if _get(doc, path) != _need(op, "value"):
                raise PatchError(f"testing value {op['path']} failed")
        else:
            raise PatchError(f"Unexpected kind: {kind}")
    return doc


def _need(op, field):
    if field not in op:
        raise PatchError(f"operation {op['op']} at {op['path']}: missing \"{field}\"")
    return op[field]


def _pointer(text: str) -> list[str]:
    if text == "":
        return []
    if not text.startswith("/"):
        raise PatchError(f"invalid JSON pointer {text!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in text[1:].split("/")]


def _index(container: list, token: str, *, insert: bool) -> int:
    if token == "-" and insert:
        return len(container)
    if not token.isdigit():
        raise PatchError(f"invalid array index {token!r}")
    i = int(token)
    if i > len(container) or (not insert and i == len(container)):
        raise PatchError(f"array index {i} out of bounds")
    return i


def _get(doc, path):
    node = doc
    for token in path:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, insert=False)]
        else:
            raise PatchError(f"doc is missing path: /{'/'.join(path)}")
    return node


def _put(doc, path, value, *, insert):
    if not path:
        return value
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        if not insert and last not in parent:
            raise PatchError(f"doc is missing key: /{'/'.join(path)}")
        parent[last] = value
    elif isinstance(parent, list):
        i = _index(parent, last, insert=insert)
        if insert:
            parent.insert(i, value)
        else:
            parent[i] = value
    else:
        raise PatchError(f"doc is missing path: /{'/'.join(path)}")
    return doc


def _take(doc, path):
    if not path:
        raise PatchError("cannot remove the whole document")
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"doc is missing key: /{'/'.join(path)}")
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(parent, last, insert=False))
    raise PatchError(f"doc is missing path: /{'/'.join(path)}")


def strategic_merge(original, patch, path: tuple[str, ...] = ()):
    """Apply a strategic merge patch; lists with a merge key merge by that key."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [v for v in result.get(field, []) if v not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, path + (key,))
        else:
            merged = strategic_merge(result.get(key), value, path + (key,))
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
    if retain is not None:
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(original, patch: list, path: tuple[str, ...]):
    key = merge_key_for(path)
    if key is None or not isinstance(original, list):
        if key is None or not any(isinstance(p, dict) and "$patch" in p for p in patch):
            return [copy.deepcopy(p) for p in patch if not (isinstance(p, dict) and "$patch" in p)]
        original = []
    if key == "":
        merged = list(original)
        for item in patch:
            if item not in merged:
                merged.append(item)
        return merged
    if any(isinstance(p, dict) and p.get("$patch") == "replace" for p in patch):
        return [copy.deepcopy(p) for p in patch if not (isinstance(p, dict) and "$patch" in p)]
    merged = [copy.deepcopy(o) for o in original]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise PatchError(f"map: {item!r} does not contain declared merge key: {key}")
        at = next((i for i, o in enumerate(merged) if isinstance(o, dict) and o.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if at is not None:
                merged.pop(at)
        elif at is None:
            merged.append(strategic_merge({}, item, path))
        else:
            merged[at] = strategic_merge(merged[at], item, path)
    return merged

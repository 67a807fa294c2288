"""Which fields an object's kind does not have: the API server's strict decoding.

kube-apiserver decodes a request body into the kind's Go struct; a JSON field the
struct lacks (``readinesProbe``, a misspelt ``readinessProbe``) is dropped, and the
strict decoder (sigs.k8s.io/json's UnmarshalStrict) names it by its path::

    >>> prune_unknown({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
    ...                "spec": {"containers": [{"name": "web", "image": "nginx", "readinesProbe": {}}]}})
    ['spec.containers[0].readinesProbe']

The fields come from the table generated for Kubernetes v1.32 (kubelab/api/field_table.py,
read on first use so ``import kubelab`` stays light). Maps (labels, data, resources'
limits) take any key; opaque fields (an IntOrString port, a ControllerRevision's data)
are not looked into. Custom resources are checked for ``metadata`` only.

simplified: a custom resource has no structural schema in kubelab, so apart from its
metadata every field is kept, as with ``x-kubernetes-preserve-unknown-fields: true``;
fields are met in sorted order (the order of the JSON kubectl and client-go send).
"""
from __future__ import annotations

__all__ = ["root_type", "prune_unknown", "unknown_fields", "dotted", "known"]

_SCALAR_CODES = ("", "int", "bool", "float", "time", "any")
_TABLE: dict | None = None       # type name -> {field: shape}; shape None, ("o", T), ("l", s) or ("m", s)


def _shape(code: str):
    """A field's shape: None when nothing inside it can be unknown (a scalar, an opaque value,
    a list or map of those), else ("o", type) for an object, ("l", shape) / ("m", shape)."""
    if code.startswith("[]"):
        inner = _shape(code[2:])
        return None if inner is None else ("l", inner)
    if code.startswith("{}"):
        inner = _shape(code[2:])
        return None if inner is None else ("m", inner)
    if code in _SCALAR_CODES or code == "str":
        return None
    return ("o", code)


def _table() -> dict:
    global _TABLE
    if _TABLE is None:
        from .field_table import TYPES

        table = {}
        for line in TYPES.replace("\n    ", " ").strip().splitlines():
            name, _, fields = line.partition(": ")
            table[name] = {f.partition("=")[0]: _shape(f.partition("=")[2]) for f in fields.split()}
        _TABLE = table
    return _TABLE


def root_type(api_version: str, kind: str) -> str | None:
    """The table's type for a built-in kind (``V1Deployment``), or None (a custom resource)."""
    from .field_table import ROOTS

    return ROOTS.get((api_version, kind))


def known(type_name: str) -> dict:
    """{field: shape} of one type of the table (``known("V1Probe")``)."""
    return _table()[type_name]


def prune_unknown(obj: dict, root: str | None = None) -> list[str]:
    """Remove from ``obj`` (in place) every field its kind does not have; return their
    paths as the strict decoder names them, in the order it meets them.

    ``root`` is the table's type of the whole object (default: looked up from the
    object's apiVersion and kind). A kind the table does not know is a custom resource:
    only its ``metadata`` is checked."""
    return [dotted(p) for p in unknown_fields(obj, root, prune=True)]


def unknown_fields(obj: dict, root: str | None = None, *, prune: bool = False) -> list[tuple]:
    """The paths (tuples of keys and list indices) of the fields of ``obj`` its kind does not
    have, in sorted-key order; with ``prune`` they are removed from ``obj``."""
    if not isinstance(obj, dict):
        return []
    table = _table()
    if root is None:
        root = root_type(obj.get("apiVersion"), obj.get("kind"))
    found: list[tuple] = []
    if root is None:
        meta = obj.get("metadata")
        if isinstance(meta, dict):
            _walk(meta, table["V1ObjectMeta"], ["metadata"], found, table, prune)
    else:
        _walk(obj, table[root], [], found, table, prune)
    # sorted-key order is the tuples' order: siblings are all keys or all list indices
    return sorted(found)


def dotted(path: tuple) -> str:
    """``spec.template.spec.containers[0].readinesProbe``: a path as the strict decoder writes it."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _walk(value: dict, fields: dict, stack: list, found: list, table: dict, prune: bool) -> None:
    unknown = value.keys() - fields.keys()
    for key in unknown:
        found.append((*stack, key))
        if prune:
            del value[key]
    for key, item in value.items():
        shape = fields.get(key)          # None: a scalar, or a field reported above
        if shape is not None:
            stack.append(key)
            _descend(item, shape, stack, found, table, prune)
            stack.pop()


def _descend(value, shape, stack: list, found: list, table: dict, prune: bool) -> None:
    kind, inner = shape
    if kind == "o":
        if isinstance(value, dict):
            _walk(value, table[inner], stack, found, table, prune)
    elif kind == "l":
        if isinstance(value, list):
            for i, item in enumerate(value):
                stack.append(i)
                _descend(item, inner, stack, found, table, prune)
                stack.pop()
    elif isinstance(value, dict):            # a map: its keys are free, its values are checked
        for key, item in value.items():
            stack.append(key)
            _descend(item, inner, stack, found, table, prune)
            stack.pop()

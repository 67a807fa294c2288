"""``-o`` output formats other than tables (cli-runtime's printers): yaml, json,
name, jsonpath and custom-columns. Several objects print as a ``kind: List``."""
from __future__ import annotations

import json

from . import goyaml, jsonpath
from .errors import KubectlError
from .tables import render

__all__ = ["as_list", "to_json", "to_yaml", "resource_name", "custom_columns", "print_format", "is_table_format"]


def as_list(objs) -> dict:
    """The v1 List kubectl prints for a list request or several objects."""
    return {"apiVersion": "v1", "items": list(objs), "kind": "List", "metadata": {"resourceVersion": ""}}


def to_json(obj) -> str:
    """JSONPrinter: json.MarshalIndent with four spaces, sorted keys, Go's HTML escaping."""
    text = json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def to_yaml(obj) -> str:
    return goyaml.dump(obj)


def resource_name(rtype, name: str) -> str:
    """NamePrinter: ``pod/web``, ``deployment.apps/web``."""
    return f"{rtype.kind.lower()}{'.' + rtype.group if rtype.group else ''}/{name}"


def custom_columns(spec: str, objs, headers: bool = True) -> str:
    """``-o custom-columns=NAME:.metadata.name,...``: one jsonpath per column, ``<none>`` when empty."""
    columns = []
    for part in spec.split(","):
        header, sep, path = part.partition(":")
        if not sep:
            raise KubectlError("error: custom-columns format specified but no custom columns given")
        path = path.strip()
        columns.append((header, path if path.startswith("{") else "{" + path + "}"))
    lines = ["\t".join(h for h, _ in columns)] if headers else []
    for obj in objs:
        cells = []
        for _, template in columns:
            expr = template[1:-1].strip()
            values = jsonpath.evaluate(expr, obj)
            cells.append(",".join(jsonpath.to_text(v) for v in values) if values else "<none>")
        lines.append("\t".join(cells))
    return render(lines)


def is_table_format(output: str | None) -> bool:
    return output in (None, "", "wide")


def print_format(output: str, data, objs, name_of) -> str:
    """Format ``data`` (one object or a List of ``objs``) as ``-o output`` asks."""
    kind, _, arg = output.partition("=")
    if kind == "yaml":
        return to_yaml(data)
    if kind == "json":
        return to_json(data)
    if kind == "name":
        return "".join(name_of(o) + "\n" for o in objs)
    if kind == "jsonpath":
        if not arg:
            raise KubectlError("error: template format specified but no template given")
        try:
            return jsonpath.render(arg, data)
        except (jsonpath.JSONPathError, ValueError) as e:
            raise KubectlError(f"error: error parsing jsonpath {arg}, {e}") from None
    if kind == "custom-columns":
        return custom_columns(arg, objs)
    raise KubectlError(
        f'error: unable to match a printer suitable for the output format "{output}", allowed formats are: '
        "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
        "jsonpath-file,name,template,templatefile,wide,yaml")

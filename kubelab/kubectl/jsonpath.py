"""kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath), the subset the
book uses: ``{.a.b}``, ``[0]``, ``[*]``, ``[-1]``, ``[?(@.type=="Ready")]``,
``{range ...}...{end}``, ``..name`` and quoted text like ``{"\\n"}``.
Several results of one expression are joined by a space."""
from __future__ import annotations

import json
import re

__all__ = ["JSONPathError", "render", "evaluate", "to_text"]


class JSONPathError(ValueError):
    pass


_TOKEN = re.compile(r"\{((?:[^{}\"]|\"(?:[^\"\\]|\\.)*\")*)\}")


def render(template: str, data) -> str:
    """Fill a template: text outside braces is copied, each ``{expr}`` is evaluated."""
    pieces, pos = [], 0
    for m in _TOKEN.finditer(template):
        pieces.append(("text", template[pos:m.start()]))
        pieces.append(("expr", m.group(1).strip()))
        pos = m.end()
    pieces.append(("text", template[pos:]))
    out, _ = _run(pieces, 0, data, until_end=False)
    return out


def _run(pieces, i, data, until_end):
    out = []
    while i < len(pieces):
        kind, value = pieces[i]
        if kind == "text":
            out.append(value)
        elif value == "end":
            if not until_end:
                raise JSONPathError("not in range, nothing to end")
            return "".join(out), i
        elif value.startswith("range "):
            items = evaluate(value[len("range "):], data)
            end = _matching_end(pieces, i + 1)
            for item in items:
                text, _ = _run(pieces[i + 1:end + 1], 0, item, until_end=True)
                out.append(text)
            i = end
        elif value.startswith('"'):
            out.append(json.loads(value, strict=False))
        else:
            out.append(" ".join(to_text(v) for v in evaluate(value, data)))
        i += 1
    if until_end:
        raise JSONPathError("unclosed range")
    return "".join(out), i


def _matching_end(pieces, i):
    depth = 0
    for j in range(i, len(pieces)):
        kind, value = pieces[j]
        if kind == "expr" and value.startswith("range "):
            depth += 1
        elif kind == "expr" and value == "end":
            if depth == 0:
                return j
            depth -= 1
    raise JSONPathError("unclosed range")


def to_text(value) -> str:
    """How a selected value prints: strings bare, maps and lists as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


_STEP = re.compile(r"\.\.([\w-]+)|\.([\w\-/]+|\*)?|\[([^\]]*)\]")


def evaluate(expr: str, data) -> list:
    """Every value the path selects (``.`` alone selects the data itself)."""
    expr = expr.strip()
    if expr in ("", "."):
        return [data]
    if expr.startswith("@"):
        expr = expr[1:]
    if not expr.startswith((".", "[")):
        expr = "." + expr
    current = [data]
    pos = 0
    while pos < len(expr):
        m = _STEP.match(expr, pos)
        if not m:
            raise JSONPathError(f"unrecognized character in action: {expr[pos:]!r}")
        pos = m.end()
        if m.group(1):
            current = [v for c in current for v in _descend(c, m.group(1))]
        elif m.group(0).startswith(".") and m.group(2) == "*":
            current = [v for c in current for v in (c.values() if isinstance(c, dict) else c if isinstance(c, list) else [])]
        elif m.group(0).startswith("."):
            key = m.group(2)
            if key is None:
                continue
            current = [c[key] for c in current if isinstance(c, dict) and key in c]
        else:
            current = [v for c in current for v in _index(c, m.group(3).strip())]
    return current


def _descend(node, key):
    found = []
    if isinstance(node, dict):
        if key in node:
            found.append(node[key])
        for v in node.values():
            found += _descend(v, key)
    elif isinstance(node, list):
        for v in node:
            found += _descend(v, key)
    return found


_FILTER = re.compile(r"^\?\((@[\w.\-\[\]]*)\s*(==|!=|<=|>=|<|>)?\s*(.*)\)$")


def _index(node, spec: str):
    if spec.startswith("?"):
        m = _FILTER.match(spec)
        if not m or not isinstance(node, list):
            return []
        path, op, literal = m.groups()
        want = _literal(literal) if op else None
        out = []
        for item in node:
            got = evaluate(path, item)
            if not op:
                ok = bool(got)
            elif not got:
                ok = False
            else:
                ok = _compare(got[0], op, want)
            if ok:
                out.append(item)
        return out
    if spec in ("*", ""):
        return list(node.values()) if isinstance(node, dict) else list(node) if isinstance(node, list) else []
    if spec.startswith(("'", '"')):
        key = spec[1:-1]
        return [node[key]] if isinstance(node, dict) and key in node else []
    if not isinstance(node, list):
        return []
    if ":" in spec:
        start, _, stop = spec.partition(":")
        return node[int(start) if start else None:int(stop) if stop else None]
    i = int(spec)
    if -len(node) <= i < len(node):
        return [node[i]]
    raise JSONPathError(f"array index out of bounds: index {i}, length {len(node)}")


def _literal(text: str):
    text = text.strip()
    if text[:1] in ("'", '"'):
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        return text


def _compare(a, op, b) -> bool:
    try:
        return {"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    except TypeError:
        return False

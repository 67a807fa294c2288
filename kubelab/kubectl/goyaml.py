"""YAML exactly as ``kubectl -o yaml`` writes it.

kubectl marshals objects to JSON and converts that with sigs.k8s.io/yaml, whose
emitter is go-yaml v2: map keys in go-yaml's "natural" order, lists not indented
under their key, strings quoted only when they would read back as another type
(``"80"``, ``"true"``, ``""``, timestamps) or cannot be plain, multi-line strings
as literal blocks, and long scalars folded at spaces past column 80.
simplified: long double-quoted strings are not folded.
"""
from __future__ import annotations

import re

__all__ = ["dump", "sort_keys"]

_BEST_WIDTH = 80
_BOOL_NULL = {
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
    "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "",
    ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", "<<",
}
_INT = re.compile(r"^[-+]?(0b[01_]+|0[0-7_]+|(0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(:[0-5]?[0-9])+)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_BASE60_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?"
    r"([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?$")
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


def sort_keys(keys):
    """go-yaml v2's keyList.Less: letters after non-letters, digit runs compared as numbers."""
    import functools
    return sorted(keys, key=functools.cmp_to_key(lambda a, b: -1 if _less(a, b) else (1 if _less(b, a) else 0)))


def _less(a: str, b: str) -> bool:
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            continue
        al, bl = a[i].isalpha(), b[i].isalpha()
        if al and bl:
            return a[i] < b[i]
        if al or bl:
            return bl
        an = bn = 0
        if a[i] == "0" or b[i] == "0":
            j = i - 1
            while j >= 0 and a[j].isdigit():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and a[ai].isdigit():
            an = an * 10 + int(a[ai])
            ai += 1
        bi = i
        while bi < len(b) and b[bi].isdigit():
            bn = bn * 10 + int(b[bi])
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return a[i] < b[i]
    return len(a) < len(b)


def dump(value) -> str:
    """The YAML document for a JSON-like value, ending in a newline."""
    lines: list[str] = []
    _node(value, 0, lines, prefix="")
    return "\n".join(lines) + "\n"


def _node(value, indent: int, lines: list[str], prefix: str) -> None:
    """Emit ``value`` whose first line starts with ``prefix`` (a key or ``- ``)."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        first = True
        for key in sort_keys(value):
            head = (prefix if first else pad) + _scalar(str(key), 0, 0) + ":"
            first = False
            _child(value[key], indent, head, lines, in_list=False)
    elif isinstance(value, list) and value:
        first = True
        for item in value:
            head = (prefix if first else pad) + "- "
            first = False
            if isinstance(item, (dict, list)) and item:
                _node(item, indent + 2, lines, head)
            else:
                lines.append(head + _scalar(item, indent + 2, len(head)))
    else:
        lines.append(prefix + _scalar(value, indent, len(prefix)))


def _child(value, indent: int, head: str, lines: list[str], in_list: bool) -> None:
    if isinstance(value, dict) and value:
        lines.append(head)
        _node(value, indent + 2, lines, " " * (indent + 2))
    elif isinstance(value, list) and value:
        lines.append(head)
        _node(value, indent, lines, " " * indent)
    else:
        text = _scalar(value, indent + 2, len(head) + 1)
        lines.append(head + ("" if text.startswith("\n") else " ") + text)


def _scalar(value, indent: int, column: int) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    return _string(str(value), indent, column)


def _float(f: float) -> str:
    if f != f:
        return ".nan"
    if f in (float("inf"), float("-inf")):
        return ".inf" if f > 0 else "-.inf"
    if f == int(f) and abs(f) < 1e21:
        return str(int(f))            # JSON numbers like 1.0 come back from Go as 1
    text = repr(f)
    return text.replace("e+", "e+").replace("e-0", "e-")


def _resolves_to_other_type(s: str) -> bool:
    return (s in _BOOL_NULL or bool(_INT.match(s)) or bool(_FLOAT.match(s)) and s not in (".", "+", "-")
            or bool(_TIMESTAMP.match(s)) or bool(_BASE60_FLOAT.match(s)))


def _plain_allowed(s: str) -> bool:
    """yaml_emitter_analyze_scalar's verdict for block plain style."""
    if not s or s[0] in " \t" or s[-1] in " \t":
        return False
    if s[0] in _INDICATORS and not (s[0] in "-?:" and len(s) > 1 and s[1] not in " \t"):
        return False
    if s.startswith(("---", "...")):
        return False
    if ": " in s or " #" in s or s.endswith(":") or "\t" in s:
        return False
    return all(ch.isprintable() or ch == "\n" for ch in s)


def _string(s: str, indent: int, column: int) -> str:
    if "\n" in s and all(ch.isprintable() or ch == "\n" for ch in s) and not _literal_blocked(s):
        return _literal(s, indent)
    if _resolves_to_other_type(s) or "\n" in s or not all(ch.isprintable() for ch in s):
        return _double_quoted(s)
    if _plain_allowed(s):
        return _fold(s, indent, column)
    return "'" + _fold(s.replace("'", "''"), indent, column + 1) + "'"


def _literal_blocked(s: str) -> bool:
    # go-yaml refuses block styles for text with leading spaces on the first line
    # or trailing spaces before a line break (it falls back to double quotes).
    return s.startswith(" ") or any(line.endswith((" ", "\t")) for line in s.split("\n")[:-1])


def _literal(s: str, indent: int) -> str:
    chomp = "-" if not s.endswith("\n") else ("+" if s.endswith("\n\n") else "")
    body = s[:-1] if s.endswith("\n") and not chomp else s
    if chomp == "+":
        body = s[:-1]
    pad = " " * indent
    return "|" + chomp + "".join("\n" + (pad + line if line else "") for line in body.split("\n"))


def _fold(s: str, indent: int, column: int) -> str:
    """Break at a single space once past column 80, as go-yaml's write_plain_scalar."""
    out = []
    col = column
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == " " and col > _BEST_WIDTH and i + 1 < len(s) and s[i + 1] != " " and (i == 0 or s[i - 1] != " "):
            out.append("\n" + " " * indent)
            col = indent
        else:
            out.append(ch)
            col += 1
        i += 1
    return "".join(out)


def _double_quoted(s: str) -> str:
    out = []
    for ch in s:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F or not ch.isprintable():
            out.append(f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'

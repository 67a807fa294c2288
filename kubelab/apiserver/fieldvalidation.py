"""Field validation (``?fieldValidation=Strict|Warn|Ignore``): what the API server does
with the fields of a request body that the object's kind does not have.

Every create, update and patch decodes its object as kube-apiserver's decoder does:
unknown fields (kubelab.api.fields: a misspelt ``readinesProbe``, a field one level
too deep) are dropped before defaulting, admission and validation, so they are never
stored. The request's directive says what else happens:

``Strict``  the write fails. A create or update (POST, PUT) answers 400 BadRequest::

                Deployment in version "v1" cannot be handled as a Deployment: strict decoding
                error: unknown field "spec.template.spec.containers[0].readinesProbe"

            a patch answers 422 Invalid on the field ``patch`` (its value, then the same
            ``strict decoding error: ...``).
``Warn``    the default when the request names none (client-go, the official Python
            client): the write succeeds and each unknown field comes back as a warning
            (the HTTP header ``Warning: 299 - "unknown field \\"spec.foo\\""``, which
            kubectl prints as ``Warning: unknown field "spec.foo"``).
``Ignore``  the write succeeds, silently.

kubectl create, apply and replace send ``Strict`` (their ``--validate`` flag defaults to
strict); kubectl patch, scale, label and the rest send nothing, so the server warns.
Unknown fields are named in the order the decoder meets them in the key-sorted JSON kubectl
and client-go send (kubelab.api.fields walks keys sorted), and sorted for a strategic merge
patch (the unstructured converter sorts its errors).

simplified: a merge or JSON patch's error shows the patched object as compact JSON with
sorted keys (kube-apiserver shows its JSON encoding in the Go struct's field order); the
bodies of the scale and eviction subresources are not checked; duplicate fields are found
in JSON bodies sent over HTTP only (YAML manifests reach the server through kubectl, whose
YAML-to-JSON conversion keeps the last of two equal keys, as real kubectl's does).
"""
from __future__ import annotations

import json
from decimal import Decimal

from .. import errors
from ..api.fields import dotted, prune_unknown, unknown_fields
from ..api.meta import go_quote

__all__ = ["DIRECTIVES", "directive", "decode", "decode_patched", "duplicate_fields", "strict_decoding_error",
           "go_sprint"]

DIRECTIVES = ("Ignore", "Strict", "Warn")
_SUPPORTED = ", ".join(go_quote(v) for v in ("", *DIRECTIVES))


def directive(value: str | None, options: str = "CreateOptions") -> str:
    """The request's directive (``None`` or ``""``: the server default, Warn); an unknown one
    is refused as ValidateCreateOptions/UpdateOptions/PatchOptions refuse it."""
    if value in (None, ""):
        return "Warn"
    if value not in DIRECTIVES:
        detail = f"Unsupported value: {go_quote(str(value))}: supported values: {_SUPPORTED}"
        raise errors.Invalid(f'{options}.meta.k8s.io "" is invalid: fieldValidation: {detail}',
                             causes=[errors.Cause("fieldValidation", detail, "FieldValueNotSupported")],
                             kind=options, group="meta.k8s.io")
    return value


def strict_decoding_error(problems: list[str]) -> str:
    """runtime.StrictDecodingError's text: ``strict decoding error: unknown field "a", ...``."""
    return "strict decoding error: " + ", ".join(problems)


def _unknown(paths: list[str]) -> list[str]:
    return [f"unknown field {_quoted(p)}" for p in paths]


def _quoted(path: str) -> str:
    return '"' + path + '"'          # fmt's `unknown field "%s"`: the path as it is


def _report(problems: list[str], mode: str, warnings: list | None, error) -> None:
    if not problems or mode == "Ignore":
        return
    if mode == "Strict":
        raise error(strict_decoding_error(problems))
    if warnings is not None:
        for text in problems:
            if text not in warnings:           # the warning recorder keeps one of each
                warnings.append(text)


def decode(obj: dict, rtype, field_validation: str | None = None, warnings: list | None = None,
           problems: list[str] = (), *, options: str = "CreateOptions") -> None:
    """A create or update body: drop the fields ``rtype`` lacks, then act on ``field_validation``
    (``problems``: strict errors the body's parser found, such as duplicate fields)."""
    mode = directive(field_validation, options)
    found = [*problems, *_unknown(prune_unknown(obj))]
    version = rtype.version

    def bad_request(text: str) -> errors.BadRequest:      # handlers.transformDecodeError
        return errors.BadRequest(f'{rtype.kind} in version "{version}" cannot be handled as a {rtype.kind}: '
                                 f"{text}")
    _report(found, mode, warnings, bad_request)


def decode_patched(patched: dict, patch, patch_type: str, field_validation: str | None = None,
                   warnings: list | None = None, problems: list[str] = ()) -> None:
    """A patched object: drop the fields its kind lacks, then act on ``field_validation``. A
    strict error is the patch handler's: 422 on the field ``patch``, whose value is the patch
    (strategic merge, as Go prints a map) or the patched object (merge, JSON patch)."""
    mode = directive(field_validation, "PatchOptions")
    paths = unknown_fields(patched)
    unknown = _unknown([dotted(p) for p in paths])
    if patch_type == "strategic":
        unknown.sort()              # FromUnstructuredWithValidation sorts its unknown-field errors
    found = [*problems, *unknown]
    if not found or mode != "Strict":
        if paths:
            prune_unknown(patched)
        _report(found, mode, warnings, None)
        return
    if patch_type == "strategic":
        shown = go_sprint(patch)
    else:       # the patched object, without the managedFields the patch handler sets aside
        meta = patched.get("metadata")
        if isinstance(meta, dict) and "managedFields" in meta and "managedFields" not in json.dumps(patch):
            patched = dict(patched, metadata={k: v for k, v in meta.items() if k != "managedFields"})
        shown = _go_json(patched)
    body = f"Invalid value: {go_quote(shown)}: {strict_decoding_error(found)}"
    raise errors.Invalid(f' "" is invalid: patch: {body}', causes=[errors.Cause("patch", body)])


def duplicate_fields(data: bytes) -> list[str]:
    """A JSON body's keys given twice in one object, as the strict decoder names them
    (``duplicate field "spec.replicas"``); the decoders keep the last value. A body that
    is not a JSON object has none."""
    marks: dict[int, list[str]] = {}
    made: list[dict] = []                   # every object stays alive, so ids stay unique

    def pairs(items):
        obj: dict = {}
        for key, value in items:
            if key in obj:
                marks.setdefault(id(obj), []).append(key)
            obj[key] = value
        made.append(obj)
        return obj
    try:
        value = json.loads(data, object_pairs_hook=pairs)
    except ValueError:
        return []
    found: list[str] = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key in dict.fromkeys(marks.get(id(node), ())):
                found.append(f"duplicate field {_quoted(path + key)}")
            for key, item in node.items():
                walk(item, f"{path}{key}.")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path[:-1]}[{i}]." if path else f"[{i}].")
    if marks and isinstance(value, dict):
        walk(value, "")
    return found


def _go_json(value) -> str:
    """encoding/json's compact output of a map: sorted keys, ``<>&`` escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def go_sprint(value) -> str:
    """fmt's ``%+v`` of a decoded JSON value: ``map[a:1 b:[x y]]`` (keys sorted), ``<nil>``."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_sprint(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_sprint(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def _go_float(v: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 64), as ``%v`` prints a float64: 0.5, 1e+06, 1.5e-05."""
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "+Inf" if v > 0 else "-Inf"
    sign = "-" if str(v).startswith("-") else ""
    if v == 0:
        return sign + "0"
    _, digits, exp = Decimal(repr(abs(v))).as_tuple()     # repr: the shortest digits that read back
    ds = "".join(map(str, digits)).lstrip("0")
    exp += len(ds) - len(ds.rstrip("0"))                   # fold trailing zeros into the exponent
    ds = ds.rstrip("0")
    point = len(ds) + exp                                  # where the decimal point falls in ds
    if not -4 <= point - 1 < 6:                            # shortest: %e below 1e-4 and from 1e+06
        head = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{sign}{head}e{'-' if point - 1 < 0 else '+'}{abs(point - 1):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{ds}"
    if len(ds) <= point:
        return sign + ds + "0" * (point - len(ds))
    return f"{sign}{ds[:point]}.{ds[point:]}"

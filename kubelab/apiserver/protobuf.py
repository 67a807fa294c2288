"""Request bodies in Kubernetes' protobuf encoding (``application/vnd.kubernetes.protobuf``,
k8s.io/apimachinery/pkg/runtime/serializer/protobuf).

client-go's typed clients send built-in kinds this way: ``kubectl autoscale`` POSTs its
autoscaling/v1 HorizontalPodAutoscaler as protobuf. A body is the magic ``k8s\\0`` then a
runtime.Unknown message: the TypeMeta (apiVersion, kind) and the object's own message in
``raw``. :func:`decode` turns it into the JSON-shaped object the rest of the API server
handles. Go writes every non-pointer field, so a zero one is left out as JSON's omitempty
would; a pointer field is on the wire only when set, so it is kept even when zero.

simplified: only the kinds in :data:`ROOTS` decode (the others answer 415, as before);
answers are always JSON, which client-go accepts.
"""
from __future__ import annotations

from datetime import datetime, timezone

from .. import errors

__all__ = ["CONTENT_TYPE", "UNSUPPORTED", "decode", "ROOTS"]

CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
UNSUPPORTED = ("the body of the request was in an unknown format - accepted media types include: "
               "application/json, application/yaml")
_MAGIC = b"k8s\x00"

# A message: {field number: (JSON name, type)}. A type is a scalar ("string", "int", "bool",
# "bytes", "time"), another message's name, "[]T" (repeated) or "{}" (map<string, string>);
# a trailing "!" keeps the field when it is zero (a pointer, or a JSON field without omitempty).
_MESSAGES: dict[str, dict[int, tuple[str, str]]] = {
    "Unknown": {1: ("typeMeta", "TypeMeta"), 2: ("raw", "bytes")},
    "TypeMeta": {1: ("apiVersion", "string"), 2: ("kind", "string")},
    "ObjectMeta": {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
                   5: ("uid", "string"), 6: ("resourceVersion", "string"), 7: ("generation", "int"),
                   8: ("creationTimestamp", "time"), 9: ("deletionTimestamp", "time"),
                   10: ("deletionGracePeriodSeconds", "int!"), 11: ("labels", "{}"), 12: ("annotations", "{}"),
                   13: ("ownerReferences", "[]OwnerReference"), 14: ("finalizers", "[]string")},
    "OwnerReference": {1: ("kind", "string!"), 3: ("name", "string!"), 4: ("uid", "string!"),
                       5: ("apiVersion", "string!"), 6: ("controller", "bool!"), 7: ("blockOwnerDeletion", "bool!")},
    # k8s.io/api/autoscaling/v1/generated.proto
    "autoscaling.v1.HorizontalPodAutoscaler": {1: ("metadata", "ObjectMeta"),
                                               2: ("spec", "autoscaling.v1.HorizontalPodAutoscalerSpec"),
                                               3: ("status", "autoscaling.v1.HorizontalPodAutoscalerStatus")},
    "autoscaling.v1.HorizontalPodAutoscalerSpec": {
        1: ("scaleTargetRef", "autoscaling.v1.CrossVersionObjectReference"), 2: ("minReplicas", "int!"),
        3: ("maxReplicas", "int!"), 4: ("targetCPUUtilizationPercentage", "int!")},
    "autoscaling.v1.CrossVersionObjectReference": {1: ("kind", "string!"), 2: ("name", "string!"),
                                                   3: ("apiVersion", "string")},
    "autoscaling.v1.HorizontalPodAutoscalerStatus": {
        1: ("observedGeneration", "int!"), 2: ("lastScaleTime", "time"), 3: ("currentReplicas", "int!"),
        4: ("desiredReplicas", "int!"), 5: ("currentCPUUtilizationPercentage", "int!")},
}
#: (apiVersion, kind) -> the message of the object in ``raw``
ROOTS = {("autoscaling/v1", "HorizontalPodAutoscaler"): "autoscaling.v1.HorizontalPodAutoscaler"}


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(data):
            raise ValueError("truncated varint")
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i += 1
        if not byte & 0x80:
            return value, i
        shift += 7


def _fields(data: bytes):
    """(field number, wire type, value) of each field: an int, or bytes for length-delimited ones."""
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            length, i = _varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, i = int.from_bytes(data[i:i + size], "little"), i + size
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def _signed(value: int) -> int:
    """int32/int64 fields travel as two's complement varints."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _time(data: bytes) -> str | None:
    """metav1.Time: {seconds, nanos}; an empty message is the zero time (JSON null)."""
    if not data:
        return None
    seconds = next((_signed(v) for n, _, v in _fields(data) if n == 1), 0)
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(kind: str, raw):
    if kind == "string":
        return raw.decode()
    if kind == "int":
        return _signed(raw)
    if kind == "bool":
        return bool(raw)
    if kind == "bytes":
        return raw
    if kind == "time":
        return _time(raw)
    return _message(kind, raw)


def _message(name: str, data: bytes) -> dict:
    schema, out = _MESSAGES[name], {}
    for number, _, raw in _fields(data):
        if number not in schema:
            continue                                # a field kubelab does not model
        field, kind = schema[number]
        keep = kind.endswith("!")
        kind = kind.rstrip("!")
        if kind == "{}":
            entry = {n: v.decode() for n, _, v in _fields(raw)}
            out.setdefault(field, {})[entry.get(1, "")] = entry.get(2, "")
        elif kind.startswith("[]"):
            out.setdefault(field, []).append(_value(kind[2:], raw))
        else:
            value = _value(kind, raw)
            if keep or value not in ("", 0, False, None):
                out[field] = value
            else:
                out.pop(field, None)
    return out


def decode(data: bytes) -> dict:
    """The object a protobuf request body carries, with its apiVersion and kind."""
    if not data.startswith(_MAGIC):
        raise errors.BadRequest("the body of the request was in an unknown format: no protobuf prefix")
    try:
        unknown = _message("Unknown", data[len(_MAGIC):])
        type_meta = unknown.get("typeMeta") or {}
        root = ROOTS.get((type_meta.get("apiVersion"), type_meta.get("kind")))
        if root is None:
            raise errors.UnsupportedMediaType(UNSUPPORTED)
        obj = _message(root, unknown.get("raw", b""))
    except (ValueError, UnicodeDecodeError, IndexError) as e:
        raise errors.BadRequest(f"the body of the request was in an unknown format: {e}") from None
    return {"apiVersion": type_meta["apiVersion"], "kind": type_meta["kind"], **obj}

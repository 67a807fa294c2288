"""Object metadata, as k8s.io/apimachinery has it.

Four things live here, all small and all used by every other layer:

* name rules (util/validation: ``IsDNS1123Label``, ``IsQualifiedName``, ...)
  with Kubernetes' exact wording, and which rule each kind's names follow;
* the field-error vocabulary (util/validation/field): ``required``,
  ``invalid``, ``not_supported``... each returns a :class:`~kubelab.errors.Cause`
  whose message is what ``field.Error.ErrorBody()`` prints;
* ObjectMeta validation (names, namespace, labels, annotations, owners,
  finalizers) with field paths such as ``metadata.labels``;
* generated names, UIDs and timestamps drawn from the caller's seeded
  ``random.Random`` and simulated clock, plus plain accessors for object dicts.

Messages follow Kubernetes v1.33, where complex bad values print in Go's
``%#v`` form (``map[string]string{"app":"web"}``); v1.34 switched to JSON.
"""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone

from ..errors import Cause
from .labels import is_qualified_name, is_valid_label_value

__all__ = [
    # name rules
    "is_dns1123_label", "is_dns1123_subdomain", "is_dns1035_label", "is_qualified_name",
    "is_valid_label_value", "is_config_map_key", "is_env_var_name", "is_relaxed_env_var_name",
    "is_valid_port_name", "is_valid_port_num", "is_valid_percent", "is_http_header_name",
    "is_valid_path_segment_name", "name_is_dns_subdomain", "name_is_dns_label",
    "name_is_dns1035_label", "name_validator", "inclusive_range_error", "max_len_error",
    # field errors
    "GoLiteral", "go_value", "go_quote", "go_label_selector", "go_int_or_string",
    "required", "invalid", "not_supported", "duplicate", "not_found", "forbidden",
    "too_long", "type_invalid", "field_immutable",
    # ObjectMeta validation
    "TOTAL_ANNOTATION_SIZE_LIMIT_B", "validate_labels", "validate_label_name",
    "validate_annotations", "validate_object_meta", "validate_object_meta_update",
    "validate_nonnegative",
    # names, uids, times
    "NAME_ALPHABET", "random_string", "generate_name", "new_uid", "format_time",
    "format_micro_time", "parse_time",
    # accessors
    "meta_of", "name_of", "namespace_of", "uid_of", "labels_of", "annotations_of",
    "owner_references", "controller_ref", "key_of",
]

# --- name rules (k8s.io/apimachinery/pkg/util/validation) -----------------------

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
_ENV_VAR_NAME_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_PERCENT_FMT = "[0-9]+%"
_HTTP_HEADER_NAME_FMT = "[-A-Za-z0-9]+"


def _full(fmt: str) -> re.Pattern:
    return re.compile("^" + fmt + "$")


_DNS1123_LABEL_RE = _full(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = _full(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE = _full(_DNS1035_LABEL_FMT)
_CONFIG_MAP_KEY_RE = _full(_CONFIG_MAP_KEY_FMT)
_ENV_VAR_NAME_RE = _full(_ENV_VAR_NAME_FMT)
_PERCENT_RE = _full(_PERCENT_FMT)
_HTTP_HEADER_NAME_RE = _full(_HTTP_HEADER_NAME_FMT)


def _match(pattern: re.Pattern, value: str) -> bool:
    # Go's regexp `$` does not match before a trailing newline; fullmatch agrees.
    return pattern.fullmatch(value) is not None


def max_len_error(length: int) -> str:
    """validation.MaxLenError."""
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """validation.RegexError, including its quirky ``',  or '`` separator."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    text = msg + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


def inclusive_range_error(lo: int, hi: int) -> str:
    """validation.InclusiveRangeError."""
    return f"must be between {lo} and {hi}, inclusive"


EMPTY_ERROR = "must be non-empty"

_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
              "and must start and end with an alphanumeric character")
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                  "'-' or '.', and must start and end with an alphanumeric character")
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character")


def is_dns1123_label(value: str) -> list[str]:
    """IsDNS1123Label: at most 63 chars of [a-z0-9-], alphanumeric at both ends."""
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _match(_DNS1123_LABEL_RE, value):
        if _match(_DNS1123_SUBDOMAIN_RE, value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """IsDNS1123Subdomain: at most 253 chars, dot-separated RFC 1123 labels."""
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _match(_DNS1123_SUBDOMAIN_RE, value):
        errs.append(regex_error(_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """IsDNS1035Label: like an RFC 1123 label but starting with a letter (Service names)."""
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _match(_DNS1035_LABEL_RE, value):
        errs.append(regex_error(_DNS1035_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def _chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_config_map_key(value: str) -> list[str]:
    """IsConfigMapKey: keys of ConfigMap and Secret data."""
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _match(_CONFIG_MAP_KEY_RE, value):
        errs.append(regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                                _CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    return errs + _chdir_prefix(value)


def is_env_var_name(value: str) -> list[str]:
    """IsEnvVarName: the strict C-like rule (before RelaxedEnvironmentVariableValidation)."""
    errs = []
    if not _match(_ENV_VAR_NAME_RE, value):
        errs.append(regex_error("a valid environment variable name must consist of alphabetic characters, "
                                "digits, '_', '-', or '.', and must not start with a digit",
                                _ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
    return errs + _chdir_prefix(value)


def is_relaxed_env_var_name(value: str) -> list[str]:
    """IsRelaxedEnvVarName: printable ASCII but '=' (the v1.32+ default rule for env names)."""
    errs = []
    if not value:
        errs.append("environment variable name " + EMPTY_ERROR)
    if any(not (32 <= ord(ch) < 127) or ch == "=" for ch in value):
        errs.append("a valid environment variable name must consist only of printable ASCII characters other than '='")
    return errs


def is_valid_port_name(port: str) -> list[str]:
    """IsValidPortName: an IANA_SVC_NAME, at most 15 chars of [-a-z0-9] with a letter."""
    errs = []
    if len(port) > 15:
        errs.append(max_len_error(15))
    if not re.fullmatch("[-a-z0-9]+", port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_port_num(port: int) -> list[str]:
    """IsValidPortNum: 1-65535."""
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def is_valid_percent(percent: str) -> list[str]:
    """IsValidPercent: digits followed by '%'."""
    if _match(_PERCENT_RE, percent):
        return []
    return [regex_error("a valid percent string must be a numeric string followed by an ending '%'",
                        _PERCENT_FMT, "1%", "93%")]


def is_http_header_name(value: str) -> list[str]:
    """IsHTTPHeaderName."""
    if _match(_HTTP_HEADER_NAME_RE, value):
        return []
    return [regex_error("a valid HTTP header must consist of alphanumeric characters or '-'",
                        _HTTP_HEADER_NAME_FMT, "X-Header-Name")]


def is_valid_path_segment_name(name: str) -> list[str]:
    """path.IsValidPathSegmentName: what may appear as one URL segment (HPA scaleTargetRef)."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


# ValidateNameFunc: (name, prefix) -> messages. With prefix=True the name is a
# generateName, so a trailing dash is masked first (apimachinery's maskTrailingDash,
# which really does drop two characters before appending "a").

def _mask_trailing_dash(name: str) -> str:
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool = False) -> list[str]:
    """NameIsDNSSubdomain: most kinds (Pod, Deployment, ConfigMap, Node, ...)."""
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool = False) -> list[str]:
    """NameIsDNSLabel: Namespace and StatefulSet names."""
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool = False) -> list[str]:
    """NameIsDNS1035Label: Service names (they become DNS names and env var prefixes)."""
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


_NAME_RULES = {
    "Namespace": name_is_dns_label,          # ValidateNamespaceName
    "StatefulSet": name_is_dns_label,        # ValidateStatefulSetName (label since it names pods' hostnames)
    "Service": name_is_dns1035_label,        # ValidateServiceName
}


def name_validator(kind: str):
    """The ValidateNameFunc Kubernetes uses for ``kind`` (DNS subdomain unless listed)."""
    return _NAME_RULES.get(kind, name_is_dns_subdomain)


# --- bad values, rendered as field.Error prints them ----------------------------

class GoLiteral(str):
    """A bad value already rendered the way Go's ``%#v`` prints it."""


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "\v": "\\v", '"': '\\"', "\\": "\\\\"}


def go_quote(s: str) -> str:
    """strconv.Quote: a double-quoted Go string literal."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif o < 0x80 or ch.isprintable():
            out.append(ch)
        elif o <= 0xFFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def _go_float(v: float) -> str:
    if v != v or v in (float("inf"), float("-inf")):
        return "NaN" if v != v else ("+Inf" if v > 0 else "-Inf")     # Go's %v
    if v == int(v) and abs(v) < 1e21:
        return str(int(v))
    text = repr(v)
    return re.sub(r"e([+-]?)0*(\d)", lambda m: "e" + (m.group(1) or "+") + m.group(2), text)


def go_string_map(m) -> str:
    """``map[string]string{"a":"b"}`` (``(nil)`` when absent), keys sorted as fmt does."""
    if m is None:
        return "map[string]string(nil)"
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(m.items()))
    return "map[string]string{" + items + "}"


def go_string_slice(values) -> str:
    if values is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(str(v)) for v in values) + "}"


def go_label_selector(selector) -> GoLiteral:
    """A metav1.LabelSelector as ``%#v`` prints it."""
    selector = selector if isinstance(selector, dict) else {}
    exprs = selector.get("matchExpressions")
    if exprs is None:
        rendered = "[]v1.LabelSelectorRequirement(nil)"
    else:
        rendered = "[]v1.LabelSelectorRequirement{" + ", ".join(
            "v1.LabelSelectorRequirement{Key:%s, Operator:%s, Values:%s}" % (
                go_quote(str(e.get("key", ""))), go_quote(str(e.get("operator", ""))),
                go_string_slice(e.get("values")))
            for e in exprs if isinstance(e, dict)) + "}"
    labels = selector.get("matchLabels")
    return GoLiteral(f"v1.LabelSelector{{MatchLabels:{go_string_map(labels if isinstance(labels, dict) else None)}, "
                     f"MatchExpressions:{rendered}}}")


def go_int_or_string(value) -> GoLiteral:
    """An intstr.IntOrString as ``%#v`` prints it (Type 0 = Int, 1 = String)."""
    if isinstance(value, str):
        return GoLiteral(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{go_quote(value)}}}")
    number = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return GoLiteral(f"intstr.IntOrString{{Type:0, IntVal:{number}, StrVal:\"\"}}")


def go_value(value) -> str:
    """A bad value as field.Error prints it: numbers plain, strings quoted, nil as "null"."""
    if isinstance(value, GoLiteral):
        return str(value)
    if value is None:
        return '"null"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return go_string_map(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return go_string_slice(value)
    # simplified: other composite values print as compact JSON, not a Go struct dump
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


# --- field errors (k8s.io/apimachinery/pkg/util/validation/field) ---------------

def _cause(path: str, body: str, detail: str, type_: str) -> Cause:
    return Cause(path, f"{body}: {detail}" if detail else body, type_)


def required(path: str, detail: str = "") -> Cause:
    """field.Required: ``Required value``."""
    return _cause(path, "Required value", detail, "FieldValueRequired")


def invalid(path: str, value, detail: str = "") -> Cause:
    """field.Invalid: ``Invalid value: "Foo": <why>``."""
    return _cause(path, f"Invalid value: {go_value(value)}", detail, "FieldValueInvalid")


def type_invalid(path: str, value, detail: str) -> Cause:
    """field.TypeInvalid: the value has the wrong JSON type."""
    return _cause(path, f"Invalid value: {go_value(value)}", detail, "FieldValueTypeInvalid")


def not_supported(path: str, value, valid) -> Cause:
    """field.NotSupported: ``Unsupported value: "X": supported values: "A", "B"``."""
    detail = ("supported values: " + ", ".join(go_quote(str(v)) for v in valid)) if valid else ""
    return _cause(path, f"Unsupported value: {go_value(value)}", detail, "FieldValueNotSupported")


def duplicate(path: str, value) -> Cause:
    """field.Duplicate: ``Duplicate value: "web"``."""
    return Cause(path, f"Duplicate value: {go_value(value)}", "FieldValueDuplicate")


def not_found(path: str, value) -> Cause:
    """field.NotFound: ``Not found: "data"``."""
    return Cause(path, f"Not found: {go_value(value)}", "FieldValueNotFound")


def forbidden(path: str, detail: str = "") -> Cause:
    """field.Forbidden: ``Forbidden: <why>``."""
    return _cause(path, "Forbidden", detail, "FieldValueForbidden")


def too_long(path: str, max_length: int) -> Cause:
    """field.TooLong: ``Too long: may not be more than 262144 bytes``."""
    unit = "byte" if max_length == 1 else "bytes"
    return _cause(path, "Too long", f"may not be more than {max_length} {unit}", "FieldValueTooLong")


def field_immutable(path: str, value) -> Cause:
    """ValidateImmutableField's ``field is immutable``."""
    return invalid(path, value, "field is immutable")


def validate_nonnegative(value, path: str) -> list[Cause]:
    """ValidateNonnegativeField."""
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, "must be greater than or equal to 0")]
    return []


# --- ObjectMeta validation (apimachinery/pkg/api/validation/objectmeta.go) ------

TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024
"""Annotations' keys and values together may not exceed 256 KiB."""

_STANDARD_FINALIZERS = {"kubernetes", "orphan", "foregroundDeletion"}


def _string_map(m, path: str, causes: list[Cause]) -> dict:
    """A map[string]string: non-string values are reported (kube-apiserver refuses them while
    decoding; simplified: here as a field error) and a null value reads as ""."""
    result = {}
    for key, value in (m.items() if isinstance(m, dict) else ()):
        if value is not None and not isinstance(value, str):
            causes.append(type_invalid(path, value if isinstance(value, (int, float, bool)) else GoLiteral(
                json.dumps(value, default=str)), "must be of type string"))
            continue
        result[str(key)] = value or ""
    return result


def validate_label_name(key: str, path: str) -> list[Cause]:
    """ValidateLabelName: a label key (also used for taint and toleration keys)."""
    return [invalid(path, key, msg) for msg in is_qualified_name(key)]


def validate_labels(labels, path: str = "metadata.labels") -> list[Cause]:
    """ValidateLabels: every key a qualified name, every value a label value; path is the map's."""
    causes: list[Cause] = []
    for key, value in _string_map(labels, path, causes).items():
        causes += validate_label_name(key, path)
        causes += [invalid(path, value, msg) for msg in is_valid_label_value(value)]
    return causes


def validate_annotations(annotations, path: str = "metadata.annotations") -> list[Cause]:
    """ValidateAnnotations: keys are qualified names (case-insensitive), total size <= 256 KiB."""
    causes: list[Cause] = []
    annotations = _string_map(annotations, path, causes)
    causes += [invalid(path, key, msg) for key in annotations for msg in is_qualified_name(key.lower())]
    if sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items()) > TOTAL_ANNOTATION_SIZE_LIMIT_B:
        causes.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT_B))
    return causes


def _validate_owner_references(refs, path: str) -> list[Cause]:
    """ValidateOwnerReferences (simplified: an OwnerReference bad value prints as ``{...}``)."""
    causes: list[Cause] = []
    first_controller = ""
    for ref in refs if isinstance(refs, list) else []:
        ref = ref if isinstance(ref, dict) else {}
        api_version = str(ref.get("apiVersion") or "")
        if not api_version or api_version.endswith("/"):
            causes.append(invalid(path + ".apiVersion", api_version, "version must not be empty"))
        for field in ("kind", "name", "uid"):
            if not ref.get(field):
                causes.append(invalid(f"{path}.{field}", str(ref.get(field) or ""), "must not be empty"))
        if api_version == "v1" and ref.get("kind") == "Event":
            causes.append(invalid(path, GoLiteral("v1.OwnerReference{...}"),
                                  "/v1, Kind=Event is disallowed from being an owner"))
        if ref.get("controller") is True:
            current = f"{ref.get('kind', '')}/{ref.get('name', '')}"
            if first_controller:
                causes.append(invalid(path, GoLiteral("[]v1.OwnerReference{...}"),
                                      "Only one reference can have Controller set to true. "
                                      f'Found "true" in references for {first_controller} and {current}'))
            else:
                first_controller = current
    return causes


def _validate_finalizers(finalizers, path: str) -> list[Cause]:
    finalizers = [str(f) for f in finalizers] if isinstance(finalizers, list) else []
    causes = [invalid(path, f, msg) for f in finalizers for msg in is_qualified_name(f)]
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        causes.append(invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"))
    # core's validateKubeFinalizerName adds a per-index check of unqualified names
    for i, f in enumerate(finalizers):
        index_path = f"{path}[{i}]"
        causes += [invalid(index_path, f, msg) for msg in is_qualified_name(f)]
        if "/" not in f and f not in _STANDARD_FINALIZERS:
            causes.append(invalid(index_path, f, "name is neither a standard finalizer name nor is it fully qualified"))
    return causes


def validate_object_meta(meta, namespaced: bool, name_fn=name_is_dns_subdomain,
                         path: str = "metadata") -> list[Cause]:
    """ValidateObjectMeta on create: generateName, name, namespace, labels, annotations, owners, finalizers."""
    meta = meta if isinstance(meta, dict) else {}
    causes: list[Cause] = []
    generate = meta.get("generateName")
    if generate:
        causes += [invalid(path + ".generateName", generate, m) for m in name_fn(str(generate), True)]
    name = meta.get("name")
    if not name:
        causes.append(required(path + ".name", "name or generateName is required"))
    else:
        causes += [invalid(path + ".name", name, m) for m in name_fn(str(name), False)]
    namespace = meta.get("namespace")
    if namespaced:
        if not namespace:
            causes.append(required(path + ".namespace"))
        else:
            causes += [invalid(path + ".namespace", namespace, m) for m in name_is_dns_label(str(namespace))]
    elif namespace:
        causes.append(forbidden(path + ".namespace", "not allowed on this type"))
    causes += validate_nonnegative(meta.get("generation"), path + ".generation")
    causes += validate_labels(meta.get("labels"), path + ".labels")
    causes += validate_annotations(meta.get("annotations"), path + ".annotations")
    causes += _validate_owner_references(meta.get("ownerReferences"), path + ".ownerReferences")
    causes += _validate_finalizers(meta.get("finalizers"), path + ".finalizers")
    return causes


def validate_object_meta_update(new, old, path: str = "metadata") -> list[Cause]:
    """ValidateObjectMetaUpdate: identity fields are immutable; labels etc. revalidated.

    simplified: an empty resourceVersion is not reported (the API server fills it
    for unconditional updates before validating).
    """
    new = new if isinstance(new, dict) else {}
    old = old if isinstance(old, dict) else {}
    causes: list[Cause] = []
    if old.get("deletionTimestamp"):
        extra = sorted(set(new.get("finalizers") or []) - set(old.get("finalizers") or []))
        if extra:
            causes.append(forbidden(path + ".finalizers", "no new finalizers can be added if the object is being "
                                    f"deleted, found new finalizers {go_string_slice(extra)}"))
    if (new.get("generation") or 0) < (old.get("generation") or 0):
        causes.append(invalid(path + ".generation", new.get("generation") or 0, "must not be decremented"))
    for field in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                  "deletionGracePeriodSeconds"):
        if new.get(field) != old.get(field) and (new.get(field) or old.get(field)):
            causes.append(field_immutable(f"{path}.{field}", new.get(field) if new.get(field) is not None
                                          else ("" if field in ("name", "namespace", "uid") else None)))
    causes += validate_labels(new.get("labels"), path + ".labels")
    causes += validate_annotations(new.get("annotations"), path + ".annotations")
    causes += _validate_owner_references(new.get("ownerReferences"), path + ".ownerReferences")
    causes += _validate_finalizers(new.get("finalizers"), path + ".finalizers")
    return causes


# --- generated names, UIDs, timestamps -----------------------------------------

NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
"""utilrand's alphabet: no vowels (no accidental words) and no 0/1/3 (look like o/l/e)."""

_MAX_GENERATED_BASE = 63 - 5  # names.MaxGeneratedNameLength


def random_string(n: int, rng) -> str:
    """utilrand.String: ``n`` characters of :data:`NAME_ALPHABET` from ``rng``."""
    return "".join(NAME_ALPHABET[rng.randrange(len(NAME_ALPHABET))] for _ in range(n))


def generate_name(prefix: str, rng) -> str:
    """names.SimpleNameGenerator: base truncated to 58 chars plus 5 random characters."""
    return prefix[:_MAX_GENERATED_BASE] + random_string(5, rng)


def new_uid(rng) -> str:
    """A version-4 UUID string drawn from the seeded ``rng`` (not the uuid module's entropy)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def format_time(dt: datetime) -> str:
    """metav1.Time on the wire: RFC 3339 in UTC, whole seconds (``2024-01-01T00:00:00Z``)."""
    return _utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_micro_time(dt: datetime) -> str:
    """metav1.MicroTime on the wire (Events, Leases): microseconds, ``...00.000000Z``."""
    return _utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (``Z`` or an offset, optional fraction) to an aware UTC datetime."""
    m = _TIME_RE.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f'parsing time "{text}" as "2006-01-02T15:04:05Z07:00": cannot parse')
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or ".0")[1:7].ljust(6, "0"))
    zone = m.group(8)
    if zone in ("Z", "z"):
        tz = timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz).astimezone(timezone.utc)


# --- accessors for object dicts (meta.Accessor) --------------------------------

def meta_of(obj) -> dict:
    """``obj["metadata"]`` or an empty dict."""
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    return meta if isinstance(meta, dict) else {}


def name_of(obj) -> str:
    return meta_of(obj).get("name") or ""


def namespace_of(obj) -> str:
    """The namespace, or "" for cluster-scoped objects (as ``GetNamespace()``)."""
    return meta_of(obj).get("namespace") or ""


def uid_of(obj) -> str:
    return meta_of(obj).get("uid") or ""


def labels_of(obj) -> dict:
    return dict(meta_of(obj).get("labels") or {})


def annotations_of(obj) -> dict:
    return dict(meta_of(obj).get("annotations") or {})


def owner_references(obj) -> list[dict]:
    return list(meta_of(obj).get("ownerReferences") or [])


def controller_ref(obj) -> dict | None:
    """metav1.GetControllerOf: the owner reference with ``controller: true``, if any."""
    for ref in owner_references(obj):
        if isinstance(ref, dict) and ref.get("controller") is True:
            return ref
    return None


def key_of(obj) -> str:
    """cache.MetaNamespaceKeyFunc: ``namespace/name``, or ``name`` when cluster-scoped."""
    ns = namespace_of(obj)
    return f"{ns}/{name_of(obj)}" if ns else name_of(obj)

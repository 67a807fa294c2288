"""describe's building blocks (k8s.io/kubectl/pkg/describe): the prefix writer
whose lines go through tabwriter (minwidth 0, padding 2), label/annotation
lists, the Events table and the generic describer for kinds without their own."""
from __future__ import annotations

import re

from .age import parse_time, since
from .tabwriter import tabwrite

__all__ = ["Writer", "describe_generic", "events_for", "smart_label"]

_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_MAX_ANNOTATION_LEN = 140


class Writer:
    """describe.PrefixWriter: ``write(level, text)`` indents by two spaces per level.

    ``flush()`` ends the current tabwriter section, as w.Flush() does before Events."""

    def __init__(self):
        self._sections: list[list[str]] = [[]]

    def write(self, level: int, text: str) -> None:
        self._sections[-1].append("  " * level + text)

    def flush(self) -> None:
        self._sections.append([])

    def text(self) -> str:
        return "".join(tabwrite("".join(section), minwidth=0, padding=2) for section in self._sections)

    # -- shared printers ----------------------------------------------------
    def labels(self, title: str, labels: dict | None, indent: str = "") -> None:
        """printLabelsMultiline: ``key=value`` one per line, ``<none>`` when empty."""
        self.write(0, f"{indent}{title}:\t")
        if not labels:
            self.write(0, "<none>\n")
            return
        for i, key in enumerate(sorted(labels)):
            if i:
                self.write(0, f"{indent}\t")
            self.write(0, f"{key}={labels[key]}\n")

    def annotations(self, title: str, annotations: dict | None, indent: str = "") -> None:
        """printAnnotationsMultiline: ``key: value``; long or multi-line values on their own lines."""
        self.write(0, f"{indent}{title}:\t")
        keys = sorted(k for k in (annotations or {}) if k != _LAST_APPLIED)
        if not keys:
            self.write(0, "<none>\n")
            return
        for i, key in enumerate(keys):
            if i:
                self.write(0, f"{indent}\t")
            value = annotations[key][:-1] if annotations[key].endswith("\n") else annotations[key]
            if len(value) + len(key) + 2 > _MAX_ANNOTATION_LEN or "\n" in value:
                self.write(0, f"{key}:\n")
                for line in value.split("\n"):
                    short = line if len(line) <= _MAX_ANNOTATION_LEN - 2 else line[:_MAX_ANNOTATION_LEN - 2] + "..."
                    self.write(0, f"{indent}\t  {short}\n")
            else:
                self.write(0, f"{key}: {value}\n")

    def events(self, events: list[dict] | None, now) -> None:
        """DescribeEvents: Type, Reason, Age (``60s (x12 over 10m)``), From, Message."""
        if events is None:
            return
        if not events:
            self.write(0, "Events:\t<none>\n")
            return
        self.flush()
        self.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
        self.write(1, "----\t------\t----\t----\t-------\n")
        for e in sorted(events, key=lambda e: parse_time(e.get("lastTimestamp")) or _ZERO):
            first = since(e.get("eventTime") or e.get("firstTimestamp"), now)
            series = e.get("series")
            if series:
                age = f"{since(series.get('lastObservedTime'), now)} (x{series.get('count')} over {first})"
            elif (e.get("count") or 0) > 1:
                age = f"{since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
            else:
                age = first
            source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or \
                e.get("reportingController", "")
            self.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{age}\t{source}\t"
                          f"{(e.get('message') or '').strip()}\n")


_ZERO = parse_time("0001-01-01T00:00:00Z")


def events_for(s, obj: dict) -> list[dict] | None:
    """The events whose involvedObject is ``obj`` (by uid when both have one)."""
    if s.inv.flag("show-events", "true") in ("false", False):
        return None
    meta = obj.get("metadata") or {}
    found = []
    for e in s.cluster.events(meta.get("namespace") or None):
        ref = e.get("involvedObject") or {}
        if ref.get("name") != meta.get("name") or (ref.get("namespace") or "") != (meta.get("namespace") or ""):
            continue
        if ref.get("uid") and meta.get("uid") and ref["uid"] != meta["uid"]:
            continue
        if ref.get("kind") and ref["kind"] != obj.get("kind"):
            continue
        found.append(e)
    return found


_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+|[^A-Za-z0-9]+")


def smart_label(field: str) -> str:
    """smartLabelFor: ``holderIdentity`` -> ``Holder Identity``, ``apiVersion`` -> ``API Version``."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    words = []
    for part in _CAMEL.findall(field):
        if part == "_":
            continue
        words.append(part.upper() if part.upper() in ("API", "URL", "UID", "OSB", "GUID") else
                     part[:1].upper() + part[1:])
    return " ".join(words)


def _unstructured(w: Writer, level: int, content: dict, prefix: str, skip: set[str]) -> None:
    """printUnstructuredContent: fields sorted, maps and lists nested one level deeper."""
    for field in sorted(content):
        value = content[field]
        path = f"{prefix}.{field}"
        if path in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            _unstructured(w, level + 1, value, path, skip)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for item in value:
                if isinstance(item, dict):
                    _unstructured(w, level + 1, item, path, skip)
                else:
                    w.write(level + 1, f"{_go_value(item)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{_go_value(value)}\n")


def _go_value(value) -> str:
    """fmt's %v for a JSON value."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def describe_generic(s, rtype, obj: dict) -> str:
    """GenericDescriber: name, namespace, labels, annotations, then every other field."""
    meta = obj.get("metadata") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    _unstructured(w, 0, obj, "", {".metadata.managedFields", ".metadata.name", ".metadata.namespace",
                                  ".metadata.labels", ".metadata.annotations"})
    w.events(events_for(s, obj), s.now)
    return w.text()

"""``kubectl get``'s human-readable table: the server's columns for the kind, then
kubectl's decorations (cli-runtime tableprinter): a NAMESPACE column with
``--all-namespaces``, ``kind/name`` when several types are printed, ``-L``
label columns, ``--show-labels``, and the wide columns only with ``-o wide``. The
columns read each object in its kind's hub version (conversion.to_hub)."""
from __future__ import annotations

from datetime import datetime

from kubelab.api.conversion import to_hub
from kubelab.metrics.server import usage_cells

from .age import parse_time, since
from .cells import format_labels
from .columns_apps import APPS_COLUMNS
from .columns_core import CORE_COLUMNS
from .tabwriter import tabwrite

__all__ = ["COLUMNS", "columns_for", "table_lines", "render"]

COLUMNS = {
    **CORE_COLUMNS, **APPS_COLUMNS,
    # Kinds without a printer get kube-apiserver's default table (rest.DefaultTableConvertor).
    "LimitRange": (["NAME", "CREATED AT"], lambda o, now: [
        (o.get("metadata") or {}).get("name", ""),
        (parse_time((o.get("metadata") or {}).get("creationTimestamp")) or datetime.min).strftime("%Y-%m-%dT%H:%M:%SZ")]),
    # metrics-server's own table (pkg/api/table.go): usage summed over containers, and the window
    "PodMetrics": (["NAME", "CPU", "MEMORY", "WINDOW"], lambda o, now: [
        o["metadata"]["name"], *usage_cells([c["usage"] for c in o.get("containers") or []]), o.get("window", "")]),
    "NodeMetrics": (["NAME", "CPU", "MEMORY", "WINDOW"], lambda o, now: [
        o["metadata"]["name"], *usage_cells([o.get("usage") or {}]), o.get("window", "")]),
}


def _name_age(obj, now):
    meta = obj.get("metadata") or {}
    return [meta.get("name", ""), since(meta.get("creationTimestamp"), now)]


def columns_for(kind: str):
    """(headers, row function) for a kind; custom resources get NAME and AGE (as CRDs do)."""
    return COLUMNS.get(kind, (["NAME", "AGE"], _name_age))


def table_lines(objs, kind: str, now: datetime, *, wide=False, namespace_column=False, kind_prefix="",
                show_labels=False, label_columns=(), headers=True) -> list[str]:
    """Tab-separated lines (header first) for objects of one kind."""
    names, row = columns_for(kind)
    keep = [i for i, n in enumerate(names) if wide or not n.startswith("*")]
    lines = []
    if headers:
        head = [names[i].lstrip("*") for i in keep]
        if namespace_column:
            head.insert(0, "NAMESPACE")
        head += [key.split("/")[-1].upper() for key in label_columns]
        if show_labels:
            head.append("LABELS")
        lines.append("\t".join(head))
    name_at = names.index("NAME") if "NAME" in names else None
    for obj in objs:
        meta = obj.get("metadata") or {}
        cells = [str(c) for c in row(to_hub(obj), now)]
        if kind_prefix and name_at is not None:
            cells[name_at] = f"{kind_prefix}/{cells[name_at]}"
        cells = [_one_line(cells[i]) for i in keep]
        if namespace_column:
            cells.insert(0, meta.get("namespace", ""))
        labels = meta.get("labels") or {}
        cells += [labels.get(key, "") for key in label_columns]
        if show_labels:
            cells.append(format_labels(labels))
        lines.append("\t".join(cells))
    return lines


def _one_line(text: str) -> str:
    """tableprinter: a cell is cut at its first line break and marked with ``...``."""
    for i, ch in enumerate(text):
        if ch in "\n\r\f":
            return text[:i] + "..."
    return text


def render(lines: list[str]) -> str:
    """Align lines with kubectl get's tabwriter (minwidth 6, padding 3)."""
    return tabwrite("\n".join(lines) + "\n") if lines else ""

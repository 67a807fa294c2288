"""Small formatters shared by the table printers: apimachinery's FormatLabels and
FormatLabelSelector, Quantity.String(), the container and image lists of wide output."""
from __future__ import annotations

__all__ = ["format_labels", "format_selector", "selector_string", "quantity", "container_cells"]


def format_labels(labels: dict | None) -> str:
    """labels.FormatLabels: ``app=web,tier=fe`` sorted by key, ``<none>`` when empty."""
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "<none>"


def selector_string(selector: dict | None) -> str:
    """metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key."""
    if not selector:
        return ""
    reqs = [(k, f"{k}={v}") for k, v in (selector.get("matchLabels") or {}).items()]
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key", ""), e.get("operator", ""), sorted(e.get("values") or [])
        text = {"In": f"{key} in ({','.join(values)})", "NotIn": f"{key} notin ({','.join(values)})",
                "Exists": key, "DoesNotExist": f"!{key}"}.get(op, "<error>")
        reqs.append((key, text))
    return ",".join(text for _, text in sorted(reqs, key=lambda r: r[0]))


def format_selector(selector: dict | None) -> str:
    """metav1.FormatLabelSelector: the selector string, ``<none>`` when it selects nothing or everything."""
    return selector_string(selector) or "<none>"


def quantity(value) -> str:
    """A resource.Quantity in its canonical form (``1Gi``, ``500m``)."""
    if value is None or value == "":
        return "0"
    from kubelab.api.quantity import parse_quantity
    try:
        return str(parse_quantity(value))
    except (ValueError, TypeError):
        return str(value)


def container_cells(containers) -> tuple[str, str]:
    """printers.go layoutContainerCells: comma-joined names and images."""
    containers = containers or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)

"""Server-side printing: the meta.k8s.io/v1 Table that ``kubectl get`` asks for.

kubectl sends ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` and prints
the rows it gets back, adding only its own decorations (NAMESPACE with ``-A``,
``--show-labels``, ``-L``). The columns and cells come from the same printers the
in-process ``c.kubectl`` uses (kubelab/kubectl/columns_*.py), so both print the same
text. Each row carries the object's metadata (``includeObject=Metadata``, the
default: a PartialObjectMetadata), or the whole object (``includeObject=Object``,
which kubectl asks for with ``--sort-by``). Cells are computed from the object in its
kind's hub version (an autoscaling/v1 HPA prints as the v2 one does), as kube-apiserver's
TableConvertor reads the internal object.
"""
from __future__ import annotations

from ..api.conversion import to_hub
from ..kubectl.tables import columns_for

__all__ = ["wants_table", "to_table", "partial_metadata"]

_TABLE = "as=Table"


def wants_table(accept: str) -> bool:
    """Whether the Accept header asks for a meta.k8s.io Table first."""
    first = (accept or "").split(",")[0].replace(" ", "")
    return _TABLE in first and "g=meta.k8s.io" in first


def partial_metadata(obj: dict) -> dict:
    """The object as a meta.k8s.io/v1 PartialObjectMetadata (its metadata only)."""
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def to_table(objs: list[dict], kind: str, now, *, resource_version: str = "", include: str = "Metadata",
             headers: bool = True) -> dict:
    """A Table of ``objs`` (one kind) with cells computed at simulated time ``now``.

    ``headers=False`` leaves out the column definitions (a watch sends them once).
    """
    names, row = columns_for(kind)
    columns = [{"name": n.lstrip("*"), "type": "string", "format": "name" if n == "NAME" else "",
                "description": "", "priority": 1 if n.startswith("*") else 0} for n in names]
    rows = []
    for obj in objs:
        rows.append({"cells": [str(c) for c in row(to_hub(obj), now)],
                     "object": obj if include == "Object" else partial_metadata(obj) if include == "Metadata"
                     else None})
    table = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {}, "columnDefinitions": columns if
             headers else None, "rows": rows}
    if resource_version:
        table["metadata"]["resourceVersion"] = resource_version
    return table

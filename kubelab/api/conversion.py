"""Conversion between the served versions of one kind (the conversion functions of
kube-apiserver's scheme).

A resource served in several versions is stored in one of them, its hub (the lab has no
internal version: the storage version plays that part). Each other version registers a
pair of functions, to the hub and from it; :func:`convert` goes spoke -> hub -> spoke.
The API server converts what a client sends to the hub before defaulting and validating
it, and what it returns back to the version the client asked for; printers and
describers read the hub (:func:`to_hub`), as kubectl's server-side columns read the
internal object.

Kinds served in one version have no entry here and pass through unchanged.
"""
from __future__ import annotations

from typing import Callable

from . import conversion_autoscaling as autoscaling

__all__ = ["convert", "to_hub", "HUBS"]

Converter = Callable[[dict], dict]

#: (group, kind) -> (hub version, {other version: (to the hub, from the hub)})
HUBS: dict[tuple[str, str], tuple[str, dict[str, tuple[Converter, Converter]]]] = {
    ("autoscaling", "HorizontalPodAutoscaler"): ("v2", {"v1": (autoscaling.hpa_v1_to_v2, autoscaling.hpa_v2_to_v1)}),
}


def _split(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def convert(obj: dict, api_version: str) -> dict:
    """``obj`` as ``api_version`` of its kind: a new object, or ``obj`` itself when it is
    already in that version or its kind has a single version."""
    have, want = obj.get("apiVersion") or "", api_version
    if have == want:
        return obj
    group, version = _split(have)
    entry = HUBS.get((group, obj.get("kind")))
    if entry is None or _split(want)[0] != group:
        return obj
    hub, spokes = entry
    if version != hub:
        obj = spokes[version][0](obj)
    target = _split(want)[1]
    return obj if target == hub else spokes[target][1](obj)


def to_hub(obj: dict) -> dict:
    """``obj`` in its kind's hub version (what the lab stores, prints and describes)."""
    group = _split(obj.get("apiVersion") or "")[0]
    entry = HUBS.get((group, obj.get("kind")))
    if entry is None:
        return obj
    return convert(obj, f"{group}/{entry[0]}" if group else entry[0])

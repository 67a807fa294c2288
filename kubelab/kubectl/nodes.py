"""``kubectl cordon``, ``uncordon`` and ``taint``: node scheduling controls
(k8s.io/kubectl/pkg/cmd/drain cordon helper, cmd/taint)."""
from __future__ import annotations

from .errors import KubectlError, UsageError
from .session import Session

__all__ = ["cordon", "uncordon", "taint"]

_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _nodes(s: Session, names: list[str]) -> list[dict]:
    if s.inv.bool("all") or s.inv.flag("selector"):
        return s.api.list("nodes", label_selector=s.inv.flag("selector"))["items"]
    return [s.api.get("nodes", name, namespace=None) for name in names]


def _set_unschedulable(s: Session, unschedulable: bool) -> None:
    verb = "cordon" if unschedulable else "uncordon"
    if not s.inv.args and not s.inv.flag("selector"):
        raise UsageError("USAGE: " + verb + " NODE [flags]", verb)
    for node in _nodes(s, s.inv.args):
        name = node["metadata"]["name"]
        if bool((node.get("spec") or {}).get("unschedulable")) == unschedulable:
            s.out(f"node/{name} already {verb}ed\n")
            continue
        if s.inv.flag("dry-run") is None:
            s.api.patch("nodes", name, {"spec": {"unschedulable": True if unschedulable else None}},
                        namespace=None, patch_type="strategic")
        suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(s.inv.flag("dry-run"), "")
        s.out(f"node/{name} {verb}ed{suffix}\n")


def cordon(s: Session) -> None:
    """Mark nodes unschedulable: ``node/node-1 cordoned``."""
    _set_unschedulable(s, True)


def uncordon(s: Session) -> None:
    """Mark nodes schedulable again: ``node/node-1 uncordoned``."""
    _set_unschedulable(s, False)


def _parse_taint(spec: str, removing: bool) -> dict:
    """``key[=value]:Effect`` (the effect optional when removing)."""
    key_value, sep, effect = spec.partition(":")
    key, _, value = key_value.partition("=")
    if (not sep and not removing) or not key:
        raise UsageError(f"invalid taint spec: {spec}", "taint")
    if sep and effect not in _EFFECTS:
        raise UsageError(f"invalid taint effect: {effect}, unsupported taint effect", "taint")
    taint = {"effect": effect, "key": key} if sep else {"key": key}
    if value:
        taint["value"] = value
    return taint


def taint(s: Session) -> None:
    """``kubectl taint nodes NODE key=value:Effect`` (``...-`` removes): tainted, untainted or modified."""
    args = list(s.inv.args)
    if not args:
        raise KubectlError("error: one or more resources must be specified as <resource> <name>")
    if args[0] not in ("node", "nodes", "no"):
        raise KubectlError(f'error: invalid resource type {args[0]}, only node types are supported')
    names = [a for a in args[1:] if ":" not in a and "=" not in a and not a.endswith("-")]
    specs = [a for a in args[1:] if a not in names]
    if not specs:
        raise KubectlError("error: at least one taint update is required")
    add = [_parse_taint(a, False) for a in specs if not a.endswith("-")]
    remove = [_parse_taint(a[:-1], True) for a in specs if a.endswith("-")]
    overwrite = s.inv.bool("overwrite")
    for node in _nodes(s, names):
        name, old = node["metadata"]["name"], (node.get("spec") or {}).get("taints") or []
        clash = [t["key"] for t in add if any(o["key"] == t["key"] and o.get("effect") == t["effect"] for o in old)]
        if clash and not overwrite:
            raise KubectlError(f"error: node {name} already has {','.join(clash)} taint(s) with same effect(s) "
                               "and --overwrite is false")
        new = list(add) + [o for o in old if not any(o["key"] == t["key"] and o.get("effect") == t["effect"]
                                                     for t in add)]
        added = len(new) != len(old)
        deleted = False
        for r in remove:
            kept = [t for t in new if not (t["key"] == r["key"] and ("effect" not in r or
                                                                     t.get("effect") == r["effect"]))]
            if len(kept) == len(new):
                shown = r["key"] + (f":{r['effect']}" if "effect" in r else "")
                raise KubectlError(f'error: taint "{shown}" not found')
            new, deleted = kept, True
        operation = "modified" if (added and deleted) or overwrite else "tainted" if added else "untainted"
        if s.inv.flag("dry-run") is None:
            s.api.patch("nodes", name, {"spec": {"taints": new or None}}, namespace=None, patch_type="strategic")
        s.out(f"node/{name} {operation}\n")

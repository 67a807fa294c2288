"""Client-side ``kubectl apply``: the last-applied-configuration annotation and the
three-way strategic merge patch (k8s.io/apimachinery strategicpatch
CreateThreeWayMergePatch).

The patch is the difference from the live object to the new manifest *without
deletions* (so fields the server or a controller set survive), plus the
deletions from the last-applied manifest to the new one (so a field removed from
the file is removed from the object). Lists with a merge key (containers by
``name``, ...) are diffed element by element; ``$setElementOrder``,
``$retainKeys`` and ``$deleteFromPrimitiveList`` directives are produced as
kubectl produces them.
"""
from __future__ import annotations

import copy
import json

from kubelab import errors
from kubelab.apiserver.fieldvalidation import decode_patched
from kubelab.apiserver.patch import json_merge, merge_key_for, strategic_merge

__all__ = ["LAST_APPLIED", "apply_object", "last_applied", "three_way_patch", "three_way_json_merge_patch"]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

#: Fields whose patchStrategy includes retainKeys in k8s.io/api (DeploymentSpec.strategy,
#: the VolumeSource union of each volume).
_RETAIN_KEYS = {("spec", "strategy"), ("volumes",)}


def go_json(obj) -> str:
    """encoding/json's compact form: sorted keys, ``<>&`` escaped as Go escapes them."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def last_applied(obj: dict) -> str:
    """GetModifiedConfiguration: the object without the annotation, as JSON plus a newline."""
    clean = copy.deepcopy(obj)
    meta = clean.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    meta["annotations"] = annotations
    return go_json(clean) + "\n"


def with_last_applied(obj: dict) -> dict:
    """The manifest carrying its own last-applied-configuration annotation."""
    modified = copy.deepcopy(obj)
    text = last_applied(obj)
    modified.setdefault("metadata", {})["annotations"] = {
        **((modified["metadata"].get("annotations")) or {}), LAST_APPLIED: text}
    return modified


def three_way_patch(original: dict | None, modified: dict, current: dict) -> dict:
    """CreateThreeWayMergePatch(original, modified, current) with overwrite."""
    delta = _diff_maps(current, modified, (), ignore_deletions=True, ignore_changes=False, retain=False)
    deletions = _diff_maps(original or {}, modified, (), ignore_deletions=False, ignore_changes=True, retain=False)
    return _merge_patches(deletions, delta, ())


def _retains(path) -> bool:
    return path[-2:] in _RETAIN_KEYS or path[-1:] in _RETAIN_KEYS


def _diff_maps(original, modified, path, *, ignore_deletions, ignore_changes, retain) -> dict:
    patch: dict = {}
    for key, new in modified.items():
        if key not in original:
            if not ignore_changes:
                patch[key] = copy.deepcopy(new)
            continue
        old = original[key]
        if type(old) is not type(new) and not (_is_number(old) and _is_number(new)):
            if not ignore_changes:
                patch[key] = copy.deepcopy(new)
        elif isinstance(new, dict):
            sub = path + (key,)
            value = _diff_maps(old, new, sub, ignore_deletions=ignore_deletions, ignore_changes=ignore_changes,
                               retain=sub in _RETAIN_KEYS)
            if value:
                patch[key] = value
        elif isinstance(new, list):
            _diff_slice(key, old, new, path + (key,), patch, ignore_deletions, ignore_changes)
        elif old != new and not ignore_changes:
            patch[key] = copy.deepcopy(new)
    if not ignore_deletions:
        for key in original:
            if key not in modified:
                patch[key] = None
    if retain and (patch or any(v is not None and k not in modified for k, v in original.items())):
        patch["$retainKeys"] = sorted(k for k, v in modified.items() if v is not None)
    return patch


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _diff_slice(key, old, new, path, patch, ignore_deletions, ignore_changes) -> None:
    merge_key = merge_key_for(path)
    if merge_key is None:
        if old != new and not ignore_changes:
            patch[key] = copy.deepcopy(new)
        return
    if merge_key == "" or not any(isinstance(v, dict) for v in old + new):
        added = [v for v in new if v not in old] if not ignore_changes else []
        removed = [v for v in old if v not in new] if not ignore_deletions else []
        if added:
            patch[key] = added
        if removed:
            patch[f"$deleteFromPrimitiveList/{key}"] = removed
        # diffListsOfScalars sorts the old list in place before diffLists compares it with
        # the new one, so an unsorted list always gets a $setElementOrder (as kubectl sends).
        if (not ignore_deletions and removed) or (not ignore_changes and sorted(old, key=str) != new):
            patch[f"$setElementOrder/{key}"] = list(new)
        return
    changes, deletions = _diff_list_of_maps(old, new, path, merge_key, ignore_deletions, ignore_changes)
    order = [item.get(merge_key) for item in new]
    changes.sort(key=lambda item: order.index(item[merge_key]) if item[merge_key] in order else len(order))
    same_order = [o.get(merge_key) for o in old if o.get(merge_key) in order] == \
        [k for k in order if k in [o.get(merge_key) for o in old]]
    items = changes + deletions
    if items:
        patch[key] = items
    if (not ignore_changes and (items or not same_order)) or (not ignore_deletions and items):
        patch[f"$setElementOrder/{key}"] = [{merge_key: v} for v in order]


def _diff_list_of_maps(old, new, path, merge_key, ignore_deletions, ignore_changes):
    by_key_old = {_key_text(o.get(merge_key)): o for o in old}
    by_key_new = {_key_text(n.get(merge_key)): n for n in new}
    changes, deletions = [], []
    for k in sorted(set(by_key_old) | set(by_key_new)):
        if k in by_key_old and k in by_key_new:
            value = _diff_maps(by_key_old[k], by_key_new[k], path, ignore_deletions=ignore_deletions,
                               ignore_changes=ignore_changes, retain=_retains(path))
            if value:
                value[merge_key] = by_key_new[k][merge_key]
                changes.append(value)
        elif k in by_key_new:
            if not ignore_changes:
                changes.append(copy.deepcopy(by_key_new[k]))
        elif not ignore_deletions:
            deletions.append({merge_key: by_key_old[k][merge_key], "$patch": "delete"})
    return changes, deletions


def _key_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _merge_patches(base: dict, patch: dict, path) -> dict:
    """mergeMap(deletions, delta): the delta merged onto the deletions."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_patches(out[key], value, path + (key,))
        elif isinstance(value, list) and isinstance(out.get(key), list) and not key.startswith("$"):
            merge_key = merge_key_for(path + (key,))
            if merge_key:
                # normalizeElementOrder: the delta's items first, then those only in the deletions.
                base_items = {_key_text(o.get(merge_key)): o for o in out[key] if isinstance(o, dict)}
                keys = [_key_text(item.get(merge_key)) for item in value if isinstance(item, dict)]
                out[key] = [_merge_patches(base_items[k], item, path + (key,)) if k in base_items
                            else copy.deepcopy(item) for k, item in zip(keys, value)] + \
                    [o for o in out[key] if not (isinstance(o, dict) and _key_text(o.get(merge_key)) in keys)]
            else:
                out[key] = copy.deepcopy(value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def apply_object(api, obj: dict, namespace: str | None = None, *, dry_run: str | None = None,
                 field_validation: str | None = "Strict", warnings: list | None = None):
    """Create ``obj`` or three-way patch it; returns (the stored object, "created"|"configured"|"unchanged").

    ``dry_run`` is kubectl's ``--dry-run``: "client" sends nothing, "server" asks the
    server to check without storing. ``field_validation`` is what kubectl's ``--validate``
    asks the server for (Strict by default), ``warnings`` collects the server's warnings.
    simplified: a server dry run of a patch is computed here rather than by the server
    (with the server's field validation).
    """
    rtype = api.registry.for_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
    obj = copy.deepcopy(obj)
    meta = obj.setdefault("metadata", {})
    if rtype.namespaced:
        meta["namespace"] = meta.get("namespace") or namespace or "default"
    ns = meta.get("namespace")
    modified = with_last_applied(obj)
    try:
        current = api.get(rtype, meta.get("name", ""), namespace=ns)
    except errors.NotFound:
        if dry_run == "client":
            return modified, "created"
        return api.create(modified, namespace=ns, dry_run=dry_run == "server", field_validation=field_validation,
                          warnings=warnings), "created"
    annotations = (current.get("metadata") or {}).get("annotations") or {}
    original = json.loads(annotations[LAST_APPLIED]) if annotations.get(LAST_APPLIED) else None
    # custom resources have no patch strategies: kubectl sends a JSON merge patch for them
    kind, merge = ("merge", json_merge) if rtype.custom else ("strategic", strategic_merge)
    patch = (three_way_json_merge_patch if rtype.custom else three_way_patch)(original, modified, current)
    if not patch:
        return current, "unchanged"
    if dry_run:
        merged = merge(current, patch)
        if dry_run == "server":
            decode_patched(merged, patch, kind, field_validation, warnings)
        return merged, "configured"
    return api.patch(rtype, meta["name"], patch, namespace=ns, patch_type=kind, field_validation=field_validation,
                     warnings=warnings), "configured"


def three_way_json_merge_patch(original: dict | None, modified: dict, current: dict) -> dict:
    """jsonmergepatch.CreateThreeWayJSONMergePatch: what changed from ``current`` to
    ``modified`` (lists compared whole), plus nulls for fields ``original`` had and
    ``modified`` dropped."""
    def delta(cur, mod):
        out = {}
        for key, value in mod.items():
            if isinstance(value, dict) and isinstance(cur.get(key), dict):
                sub = delta(cur[key], value)
                if sub:
                    out[key] = sub
            elif cur.get(key) != value or key not in cur:
                out[key] = copy.deepcopy(value)
        return out

    def deletions(orig, mod):
        out = {}
        for key, value in orig.items():
            if key not in mod:
                out[key] = None
            elif isinstance(value, dict) and isinstance(mod[key], dict):
                sub = deletions(value, mod[key])
                if sub:
                    out[key] = sub
        return out

    return json_merge(deletions(original or {}, modified), delta(current, modified))

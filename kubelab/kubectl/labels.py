"""``kubectl label`` and ``kubectl annotate``: KEY=VALUE to set, KEY- to remove,
``--overwrite`` to change an existing value; sent as a JSON merge patch."""
from __future__ import annotations

from kubelab import errors

from .errors import KubectlError, api_error_text
from .formats import resource_name
from .session import Session

__all__ = ["label", "annotate"]


def label(s: Session) -> None:
    _update(s, "labels", "label", "labeled")


def annotate(s: Session) -> None:
    _update(s, "annotations", "annotate", "annotated")


def _split(s: Session, verb: str):
    """GetResourcesAndPairs: resource arguments first, then KEY=VALUE / KEY- arguments."""
    kind = "label" if verb == "label" else "annotation"
    resources, changes = [], []
    for arg in s.inv.args:
        pair = ("=" in arg and not arg.startswith("=")) or (arg.endswith("-") and arg != "-")
        if pair:
            changes.append(arg)
        elif changes:
            raise KubectlError(f"error: all resources must be specified before {kind} changes: {arg}")
        else:
            resources.append(arg)
    if not changes:
        raise KubectlError(f"error: at least one {kind} update is required")
    sets, removes = {}, []
    for c in changes:
        if c.endswith("-") and "=" not in c:
            removes.append(c[:-1])
        else:
            key, _, value = c.partition("=")
            sets[key] = value
    return resources, sets, removes


def _update(s: Session, field: str, verb: str, done: str) -> None:
    resources, sets, removes = _split(s, verb)
    overwrite = s.inv.bool("overwrite")
    if s.inv.flag("filename"):
        targets = [(f.rtype, f.obj["metadata"]["name"], s.object_namespace(f.rtype, f.obj)) for f in s.files()]
    elif not resources:
        raise KubectlError("error: one or more resources must be specified as <resource> <name> or <resource>/<name>")
    else:
        targets = []
        for req in s.requests(resources):
            ns = s.list_namespace(req.rtype) if not req.names else (s.namespace if req.rtype.namespaced else None)
            if req.names:
                targets += [(req.rtype, n, ns) for n in req.names]
            elif s.inv.flag("selector") or s.inv.bool("all"):
                for o in s.api.list(req.rtype, namespace=ns, label_selector=s.inv.flag("selector"))["items"]:
                    targets.append((req.rtype, o["metadata"]["name"], o["metadata"].get("namespace")))
            else:
                raise KubectlError("error: resource(s) were provided, but no name was specified")
    for rtype, name, ns in targets:
        try:
            obj = s.api.get(rtype, name, namespace=ns)
        except errors.ApiError as e:
            s.err(api_error_text(e))
            continue
        current = dict((obj.get("metadata") or {}).get(field) or {})
        taken = [key for key in sets if key in current]
        if taken and not overwrite:
            if verb == "label":
                raise KubectlError(f"error: '{taken[0]}' already has a value ({current[taken[0]]}), "
                                   "and --overwrite is false")
            raise KubectlError("error: --overwrite is false but found the following declared annotation(s): " +
                               ", ".join(f"'{k}' already has a value ({current[k]})" for k in taken))
        new = {**current, **sets}
        for key in removes:
            if key not in new:
                s.out(f'{"label" if verb == "label" else "annotation"} "{key}" not found.\n')
            new.pop(key, None)
        changed = new != current
        if changed and s.inv.flag("dry-run") is None:
            patch = {"metadata": {field: {**{k: v for k, v in new.items() if current.get(k) != v},
                                          **{k: None for k in current if k not in new}}}}
            obj = s.api.patch(rtype, name, patch, namespace=ns, patch_type="merge")
        word = done if changed or verb == "annotate" else f"not {done}"
        s.out(f"{resource_name(rtype, name)} {word}\n")

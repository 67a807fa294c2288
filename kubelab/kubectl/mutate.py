"""``kubectl create -f``, ``apply -f``, ``replace -f``, ``patch`` and ``delete``."""
from __future__ import annotations

from kubelab import errors

from .apply import LAST_APPLIED, apply_object
from .errors import KubectlError, api_error_text, with_source
from .formats import resource_name
from .session import Session

__all__ = ["create", "apply", "replace", "patch", "delete"]


def _dry_run(s: Session) -> str | None:
    value = s.inv.flag("dry-run")
    if value in (None, "none"):
        return None
    if value not in ("client", "server"):
        raise KubectlError(f'error: Invalid dry-run value ({value}). Must be "none", "server", or "client".')
    return value


def _suffix(dry_run: str | None) -> str:
    return {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")


def _print(s: Session, rtype, obj: dict, operation: str, dry_run) -> None:
    if s.inv.flag("output"):
        from .formats import print_format
        s.out(print_format(s.inv.flag("output"), obj, [obj], lambda o: resource_name(rtype, o["metadata"]["name"])))
    else:
        s.out(f"{resource_name(rtype, obj['metadata']['name'])} {operation}{_suffix(dry_run)}\n")


def create(s: Session) -> None:
    """create -f: POST every object; each failure says which file it came from.
    ``create KIND NAME ...`` builds the object with kubectl's generators."""
    if s.inv.args and not s.inv.flag("filename"):
        from .generators import create_from_generator
        return create_from_generator(s)
    if not s.inv.flag("filename"):
        raise KubectlError("error: must specify one of -f and -k")
    dry_run, validation, warnings = _dry_run(s), s.field_validation(), []
    for f in s.files():
        ns = s.object_namespace(f.rtype, f.obj)
        try:
            stored = f.obj if dry_run == "client" else s.api.create(
                f.obj, namespace=ns, dry_run=dry_run == "server", field_validation=validation, warnings=warnings)
        except errors.ApiError as e:
            s.err(api_error_text(with_source("creating", f.source, e)))
            continue
        finally:
            s.server_warnings(warnings)
        _print(s, f.rtype, stored, "created", dry_run)


def apply(s: Session) -> None:
    """apply -f: create, or three-way merge into the live object (see :mod:`.apply`)."""
    if not s.inv.flag("filename"):
        raise KubectlError("error: must specify one of -f and -k")
    dry_run, validation, warnings = _dry_run(s), s.field_validation(), []
    for f in s.files():
        ns = s.object_namespace(f.rtype, f.obj)
        name = (f.obj.get("metadata") or {}).get("name", "")
        try:
            current = s.api.get(f.rtype, name, namespace=ns)
        except errors.NotFound:
            current = None
        if current is not None and LAST_APPLIED not in ((current.get("metadata") or {}).get("annotations") or {}):
            s.warn(f"Warning: resource {f.rtype.plural}/{name} is missing the {LAST_APPLIED} annotation which is "
                   "required by kubectl apply. kubectl apply should only be used on resources created declaratively "
                   "by either kubectl create --save-config or kubectl apply. The missing annotation will be patched "
                   "automatically.")
        try:
            stored, action = apply_object(s.api, f.obj, namespace=ns, dry_run=dry_run, field_validation=validation,
                                          warnings=warnings)
        except errors.ApiError as e:
            # simplified: a failed patch is reported without kubectl's dump of the patch and the object.
            s.err(api_error_text(with_source("creating", f.source, e) if current is None else e))
            continue
        finally:
            s.server_warnings(warnings)
        _print(s, f.rtype, stored, action, dry_run)


def replace(s: Session) -> None:
    """replace -f: PUT each object whole (simplified: the live resourceVersion is filled in)."""
    if not s.inv.flag("filename"):
        raise KubectlError("error: must specify --filename to replace")
    validation, warnings = s.field_validation(), []
    for f in s.files():
        ns = s.object_namespace(f.rtype, f.obj)
        obj = {**f.obj, "metadata": dict(f.obj.get("metadata") or {})}
        if f.rtype.namespaced:
            obj["metadata"]["namespace"] = ns
        try:
            if not obj["metadata"].get("resourceVersion"):
                live = s.api.get(f.rtype, obj["metadata"].get("name", ""), namespace=ns)
                obj["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
            stored = obj if _dry_run(s) == "client" else s.api.update(obj, field_validation=validation,
                                                                      warnings=warnings)
        except errors.ApiError as e:
            s.err(api_error_text(with_source("replacing", f.source, e)))
            continue
        finally:
            s.server_warnings(warnings)
        _print(s, f.rtype, stored, "replaced", _dry_run(s))


def patch(s: Session) -> None:
    """``kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json]``: "patched", or "(no change)"."""
    import json

    import yaml
    text = s.inv.flag("patch")
    if s.inv.flag("patch-file"):
        with open(s.inv.flag("patch-file")) as fh:
            text = fh.read()
    if not text:
        raise KubectlError("error: must specify --patch or --patch-file containing the contents of the patch")
    kind = s.inv.flag("type", "strategic")
    if kind not in ("strategic", "merge", "json"):
        raise KubectlError(f'error: --type must be one of [json merge strategic], not "{kind}"')
    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise KubectlError(f'error: unable to parse "{text}": {e}') from None
    targets = [(f.rtype, f.obj["metadata"]["name"], s.object_namespace(f.rtype, f.obj)) for f in s.files()] \
        if s.inv.flag("filename") else [(r.rtype, n, s.namespace if r.rtype.namespaced else None)
                                        for r in s.requests(s.inv.args) for n in r.names]
    if not targets:
        raise KubectlError("error: resource(s) were provided, but no name was specified")
    for rtype, name, ns in targets:
        before = s.api.get(rtype, name, namespace=ns)
        body_copy = json.loads(json.dumps(body))
        if _dry_run(s):
            # kubectl patches its copy of the object and prints "patched", without a dry-run suffix.
            from kubelab.apiserver.patch import json_merge, json_patch, strategic_merge
            after = {"strategic": strategic_merge, "merge": json_merge, "json": json_patch}[kind](before, body_copy)
            _print(s, rtype, after, "patched", None)
            continue
        warnings = []         # kubectl patch sends no fieldValidation: the server warns
        try:
            after = s.api.patch(rtype, name, body_copy, namespace=ns, patch_type=kind, warnings=warnings)
        finally:
            s.server_warnings(warnings)
        changed = _without_version(after) != _without_version(before)
        _print(s, rtype, after, "patched" if changed else "patched (no change)", None)


def _without_version(obj: dict) -> dict:
    """An object minus its resourceVersion: what changes on every write, not with the content."""
    return {**obj, "metadata": {k: v for k, v in (obj.get("metadata") or {}).items() if k != "resourceVersion"}}


def _targets(s: Session):
    """(rtype, name, namespace) of every object the delete arguments select."""
    if s.inv.flag("filename"):
        return [(f.rtype, f.obj["metadata"]["name"], s.object_namespace(f.rtype, f.obj), f.source)
                for f in s.files()]
    if not s.inv.args:
        raise KubectlError("error: You must provide one or more resources by argument or filename.\n"
                           "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
                           "   '<resource> <name>'\n   '<resource>'")
    targets = []
    selector, everything = s.inv.flag("selector"), s.inv.bool("all")
    for req in s.requests(s.inv.args):
        ns = s.namespace if req.rtype.namespaced else None
        if req.names:
            targets += [(req.rtype, n, ns, "") for n in req.names]
        elif selector or everything or s.inv.flag("field-selector"):
            listed = s.api.list(req.rtype, namespace=s.list_namespace(req.rtype), label_selector=selector,
                                field_selector=s.inv.flag("field-selector"))["items"]
            targets += [(req.rtype, o["metadata"]["name"], o["metadata"].get("namespace"), "") for o in listed]
        else:
            raise KubectlError("error: resource(s) were provided, but no name was specified")
    return targets


def delete(s: Session) -> None:
    """DELETE each target: ``pod "web" deleted``; then wait, as kubectl does, until it is gone."""
    dry_run = _dry_run(s)
    grace = s.inv.flag("grace-period")
    grace = int(grace) if grace is not None else (0 if s.inv.bool("now") else None)
    if s.inv.bool("force"):
        grace = 0 if grace in (None, -1) else grace
        s.warn("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
               "terminated. The resource may continue to run on the cluster indefinitely.")
    targets = _targets(s)
    cascade = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan",
               "true": "Background", "false": "Orphan"}.get(str(s.inv.flag("cascade", "background")).lower())
    if cascade is None:
        raise KubectlError('error: invalid cascade value (%s). Must be "background", "foreground", or "orphan".'
                           % s.inv.flag("cascade"))
    if not targets:
        s.warn("No resources found")
        return
    pending = []
    for rtype, name, ns, source in targets:
        try:
            if dry_run == "client":
                s.api.get(rtype, name, namespace=ns)
            elif dry_run is None:
                gone = s.api.delete(rtype, name, namespace=ns, propagation_policy=cascade, grace_period_seconds=grace)
                pending.append((rtype, name, ns, (gone.get("metadata") or {}).get("deletionGracePeriodSeconds") or 0))
        except errors.NotFound as e:
            if not s.inv.bool("ignore-not-found"):
                s.err(api_error_text(with_source("deleting", source, e)))
            continue
        kind = f"{rtype.kind.lower()}{'.' + rtype.group if rtype.group else ''}"
        if s.inv.flag("output") == "name":
            s.out(f"{kind}/{name}\n")
        else:
            operation = "force deleted" if grace == 0 else "deleted"
            s.out(f'{kind} "{name}" {operation}{_suffix(dry_run)}\n')
    if s.inv.flag("wait", True) is not False and pending:
        _wait_until_gone(s, pending)


def _wait_until_gone(s: Session, pending) -> None:
    """kubectl delete --wait: let simulated time pass until the objects are really gone.

    simplified: gives up once the longest grace period (plus five seconds) has passed."""
    run = getattr(s.cluster, "run", None)
    budget = max(grace for *_, grace in pending) + 5
    for _ in range(budget):
        pending = [p for p in pending if _exists(s, *p[:3])]
        if not pending or run is None:
            return
        run(1)


def _exists(s: Session, rtype, name, ns) -> bool:
    try:
        s.api.get(rtype, name, namespace=ns)
        return True
    except errors.NotFound:
        return False

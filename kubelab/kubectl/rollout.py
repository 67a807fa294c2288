"""``kubectl rollout``, ``kubectl scale`` and ``kubectl set image`` for Deployments
(k8s.io/kubectl/pkg/cmd/rollout, polymorphichelpers, cmd/scale, cmd/set).

``rollout status`` watches the Deployment and prints kubectl's status line at
every change; in the lab it drives the simulation forward until the rollout
is done, its progress deadline passes, or ``--timeout`` of simulated time has
gone by (default: a minute past the Deployment's progressDeadlineSeconds, so
the controller's deadline check comes first; kubectl's own default waits forever).
"""
from __future__ import annotations

import copy

from .describe_core import Writer
from .describe_pod import describe_pod_template
from .errors import KubectlError
from .formats import resource_name
from .session import Session

__all__ = ["rollout", "scale", "set_"]

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
HASH_LABEL = "pod-template-hash"
#: annotations rollout undo keeps from the Deployment rather than the ReplicaSet
_SKIP = {"kubectl.kubernetes.io/last-applied-configuration", REVISION, "deployment.kubernetes.io/revision-history",
         "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas",
         "deprecated.deployment.rollback.to"}


def _target(s: Session, args: list[str]):
    """The one ``deployment/web`` (or ``deployment web``) a subcommand acts on."""
    if not args:
        raise KubectlError("error: required resource not specified")
    (req,) = s.requests(args)[:1]
    if req.rtype.kind != "Deployment":
        raise KubectlError(f'error: kubelab implements this command for deployments, not {req.rtype.plural}')
    if not req.names:
        raise KubectlError("error: resource(s) were provided, but no name was specified")
    name = req.names[0]
    return req.rtype, name, s.api.get(req.rtype, name, namespace=s.namespace)


def _int_flag(s: Session, name: str, default: int) -> int:
    value = s.inv.flag(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise KubectlError(f'error: invalid argument "{value}" for "--{name}" flag: strconv.ParseInt: parsing '
                           f'"{value}": invalid syntax') from None


def rollout(s: Session) -> None:
    args = list(s.inv.args)
    sub = args.pop(0) if args else ""
    handlers = {"status": _status, "history": _history, "undo": _undo, "pause": _pause, "resume": _resume,
                "restart": _restart}
    if sub not in handlers:
        raise KubectlError(f'error: unknown command "{sub}" for "kubectl rollout"' if sub else
                           "error: You must specify the type of resource to rollout (see 'kubectl rollout -h')")
    handlers[sub](s, args)


# -- rollout status ----------------------------------------------------------------

def deployment_status(d: dict) -> tuple[str, bool]:
    """DeploymentStatusViewer.Status: kubectl's line for the Deployment, and whether it is done.
    A rollout past its progress deadline raises KubectlError."""
    name, spec, status = d["metadata"]["name"], d.get("spec") or {}, d.get("status") or {}
    if d["metadata"].get("generation", 0) <= status.get("observedGeneration", 0):
        cond = next((c for c in status.get("conditions") or () if c["type"] == "Progressing"), None)
        if cond is not None and cond.get("reason") == "ProgressDeadlineExceeded":
            raise KubectlError(f'error: deployment "{name}" exceeded its progress deadline')
        want, updated = spec.get("replicas", 1), status.get("updatedReplicas", 0)
        if updated < want:
            return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {want} new replicas '
                    "have been updated...\n"), False
        if status.get("replicas", 0) > updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {status["replicas"] - updated} old '
                    "replicas are pending termination...\n"), False
        if status.get("availableReplicas", 0) < updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {status.get("availableReplicas", 0)} of '
                    f"{updated} updated replicas are available...\n"), False
        return f'deployment "{name}" successfully rolled out\n', True
    return "Waiting for deployment spec update to be observed...\n", False


def _status(s: Session, args: list[str]) -> None:
    rtype, name, d = _target(s, args)
    timeout = s.inv.duration("timeout", ((d.get("spec") or {}).get("progressDeadlineSeconds") or 600) + 60)
    watch = s.inv.flag("watch") is None or s.inv.bool("watch")
    revision = _int_flag(s, "revision", 0)
    cluster = s.cluster
    stream = s.api.watch(rtype, namespace=s.namespace, field_selector=f"metadata.name={name}",
                         resource_version=d["metadata"]["resourceVersion"])
    try:
        pending, waited = [d], 0.0
        while True:
            for obj in pending:
                if revision and _revision(obj) != revision:
                    raise KubectlError(f"error: desired revision ({revision}) is different from the running "
                                       f"revision ({_revision(obj)})")
                line, done = deployment_status(obj)
                s.out(line)
                if done or not watch:
                    return
            if waited >= timeout:
                raise KubectlError("error: timed out waiting for the condition")
            cluster.run(1)
            waited += 1
            pending = [e["object"] for e in stream.take() if e["type"] in ("ADDED", "MODIFIED")]
    finally:
        stream.stop()


def _revision(obj: dict) -> int:
    try:
        return int((obj["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


# -- history and undo ---------------------------------------------------------------

def _history_sets(s: Session, d: dict) -> dict[int, dict]:
    """The Deployment's ReplicaSets by revision (deploymentutil.GetAllReplicaSets)."""
    out = {}
    for rs in s.api.list("replicasets", namespace=d["metadata"]["namespace"])["items"]:
        refs = rs["metadata"].get("ownerReferences") or []
        if any(r.get("controller") and r.get("uid") == d["metadata"]["uid"] for r in refs):
            out[_revision(rs)] = rs
    return out


def _template_text(template: dict) -> str:
    """printTemplate: DescribePodTemplate through a PrefixWriter, tabs not aligned."""
    w = Writer()
    describe_pod_template(w, template)
    return "".join("".join(section) for section in w._sections)


def _history(s: Session, args: list[str]) -> None:
    rtype, name, d = _target(s, args)
    history = _history_sets(s, d)
    revision = _int_flag(s, "revision", 0)
    if revision > 0:
        if revision not in history:
            raise KubectlError("error: unable to find the specified revision")
        s.out(f"{resource_name(rtype, name)} with revision #{revision}\n"
              f"{_template_text(history[revision]['spec']['template'])}\n")
        return
    rows = [("REVISION", "CHANGE-CAUSE")] + [
        (str(r), (history[r]["metadata"].get("annotations") or {}).get(CHANGE_CAUSE) or "<none>")
        for r in sorted(history) if r > 0]
    width = max(len(r[0]) for r in rows) + 2
    table = "".join(f"{a.ljust(width)}{b}\n" for a, b in rows)
    s.out(f"{resource_name(rtype, name)} \n{table}\n")


def _without_hash(template: dict) -> dict:
    t = copy.deepcopy(template)
    (t.get("metadata") or {}).get("labels", {}).pop(HASH_LABEL, None)
    return t


def _undo(s: Session, args: list[str]) -> None:
    rtype, name, d = _target(s, args)
    to_revision = _int_flag(s, "to-revision", 0)
    if to_revision < 0:
        raise KubectlError(f"error: unable to find specified revision {to_revision} in history")
    if (d.get("spec") or {}).get("paused"):
        raise KubectlError(f"error: you cannot rollback a paused deployment; resume it first with 'kubectl "
                           f"rollout resume {resource_name(rtype, name)}' and try again")
    history = _history_sets(s, d)
    if to_revision:
        if to_revision not in history:
            raise KubectlError(f"error: unable to find specified revision {to_revision} in history")
        target = history[to_revision]
    else:
        known = sorted(r for r in history if r > 0)
        if len(known) < 2:
            raise KubectlError(f'error: no rollout history found for deployment "{name}"')
        to_revision, target = known[-2], history[known[-2]]
    template = _without_hash(target["spec"]["template"])
    if template == _without_hash(d["spec"]["template"]):
        s.out(f"{resource_name(rtype, name)} skipped rollback (current template already matches revision "
              f"{to_revision})\n")
        return
    current = d["metadata"].get("annotations") or {}
    annotations = {k: v for k, v in current.items() if k in _SKIP}
    annotations.update({k: v for k, v in (target["metadata"].get("annotations") or {}).items() if k not in _SKIP})
    s.api.patch(rtype, name, [{"op": "replace", "path": "/spec/template", "value": template},
                              {"op": "replace", "path": "/metadata/annotations", "value": annotations}],
                namespace=s.namespace, patch_type="json")
    s.out(f"{resource_name(rtype, name)} rolled back\n")


# -- pause, resume, restart ----------------------------------------------------------------

def _pause(s: Session, args: list[str]) -> None:
    _set_paused(s, args, True)


def _resume(s: Session, args: list[str]) -> None:
    _set_paused(s, args, False)


def _set_paused(s: Session, args: list[str], paused: bool) -> None:
    rtype, name, d = _target(s, args)
    if bool((d.get("spec") or {}).get("paused")) == paused:
        raise KubectlError(f'error: {rtype.plural}.{rtype.group} "{name}" is {"already" if paused else "not"} '
                           "paused")
    s.api.patch(rtype, name, {"spec": {"paused": paused if paused else None}}, namespace=s.namespace,
                patch_type="strategic")
    s.out(f"{resource_name(rtype, name)} {'paused' if paused else 'resumed'}\n")


def _restart(s: Session, args: list[str]) -> None:
    """ObjectRestarter: stamp the template with restartedAt (the simulated clock, RFC 3339)."""
    rtype, name, d = _target(s, args)
    if (d.get("spec") or {}).get("paused"):
        raise KubectlError(f'error: {rtype.plural}.{rtype.group} "{name}" can\'t restart paused deployment '
                           "(run rollout resume first)")
    stamp = s.cluster.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    s.api.patch(rtype, name, {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}},
                namespace=s.namespace, patch_type="strategic")
    s.out(f"{resource_name(rtype, name)} restarted\n")


# -- scale and set image --------------------------------------------------------------------

def scale(s: Session) -> None:
    """``kubectl scale deployment/web --replicas=5`` through the scale subresource's field."""
    replicas = _int_flag(s, "replicas", -1)
    if replicas < 0:
        raise KubectlError("error: The --replicas=COUNT flag is required, and COUNT must be greater than or "
                           "equal to 0")
    if not s.inv.args:
        raise KubectlError("error: required resource not specified")
    for req in s.requests(s.inv.args):
        if "scale" not in req.rtype.subresources:
            raise KubectlError(f'error: no scaler has been implemented for {{"{req.rtype.group}" '
                               f'"{req.rtype.kind}"}}')
        for name in req.names:
            s.api.patch(req.rtype, name, {"spec": {"replicas": replicas}}, namespace=s.namespace,
                        patch_type="merge")
            s.out(f"{resource_name(req.rtype, name)} scaled\n")


def set_(s: Session) -> None:
    """``kubectl set image deployment/web app=nginx:1.28`` (``*=image``: every container);
    ``kubectl set env`` is in set_env.py."""
    args = list(s.inv.args)
    if args[:1] == ["env"]:
        from .set_env import set_env
        return set_env(s, args[1:])
    if not args or args[0] != "image":
        raise KubectlError('error: kubelab implements "kubectl set image" and "kubectl set env" only')
    pairs = [a for a in args[1:] if "=" in a]
    targets = [a for a in args[1:] if "=" not in a]
    if not pairs:
        raise KubectlError("error: at least one image update is required")
    images = dict(p.split("=", 1) for p in pairs)
    rtype, name, d = _target(s, targets)
    spec = d["spec"]["template"]["spec"]
    changed = False
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or ():
            image = images.get(container["name"], images.get("*"))
            if image is not None and container["image"] != image:
                container["image"], changed = image, True
    known = {c["name"] for f in ("initContainers", "containers") for c in spec.get(f) or ()}
    for wanted in images:
        if wanted != "*" and wanted not in known:
            raise KubectlError(f'error: unable to find container named "{wanted}"')
    if not changed:
        return
    s.api.update(d)
    s.out(f"{resource_name(rtype, name)} image updated\n")

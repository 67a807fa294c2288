"""``kubectl set env``: add, change or remove the environment variables of the containers
in pod templates (k8s.io/kubectl/pkg/cmd/set/set_env.go and set/env, v1.32).

``kubectl set env deployment/web KEY=value OTHER-`` sets KEY and removes OTHER in every
container (init containers too) of the template, or only those ``-c/--containers`` names
(``*`` wildcards allowed); ``--from=configmap/NAME`` or ``secret/NAME`` adds one
``valueFrom`` reference per key (``--keys`` picks some, ``--prefix`` prefixes every name);
``--list`` prints the environment instead of changing it. A changed object is patched and
reported as ``deployment.apps/web env updated``; an unchanged one prints nothing.

simplified: the keys of ``--from`` are taken in sorted order (kubectl ranges over a Go map,
in random order); no ``--resolve``; the new template is written with an update, not
kubectl's strategic merge patch (the stored result is the same); ``--dry-run=server``
prints the changed object without sending it.
"""
from __future__ import annotations

import copy
import re

from kubelab import errors
from kubelab.api.meta import go_quote, is_env_var_name

from .errors import KubectlError
from .formats import print_format, resource_name
from .session import Session

__all__ = ["set_env"]

_ENV_ARGUMENT = re.compile(r"^(.+)=(.*)$", re.S)
_NOT_ENV_NAME = re.compile(r"[^a-zA-Z0-9_]")
#: UpdatePodSpecForObjectFn: where each kind keeps the pod spec it runs
_POD_SPEC = {"Pod": ("spec",), "ReplicationController": ("spec", "template", "spec"),
             "Deployment": ("spec", "template", "spec"), "DaemonSet": ("spec", "template", "spec"),
             "ReplicaSet": ("spec", "template", "spec"), "StatefulSet": ("spec", "template", "spec"),
             "Job": ("spec", "template", "spec"), "CronJob": ("spec", "jobTemplate", "spec", "template", "spec")}


def _split(args: list[str]) -> tuple[list[str], list[str]]:
    """SplitEnvironmentFromResources: resources first, then KEY=VALUE and KEY- arguments."""
    resources, env = [], []
    for arg in args:
        if _ENV_ARGUMENT.match(arg) or arg.endswith("-"):
            env.append(arg)
        elif env:
            raise KubectlError("error: all resources must be specified before environment changes: " + " ".join(args))
        else:
            resources.append(arg)
    return resources, env


def _variable(name: str, value: str) -> dict:
    """An EnvVar as the typed struct serializes it (an empty value is left out)."""
    return {"name": name, "value": value} if value else {"name": name}


def _parse(specs: list[str], stdin: str | None) -> tuple[list[dict], list[str]]:
    """ParseEnv: (variables to set, names to remove); ``-`` reads KEY=VALUE lines from stdin."""
    env, remove, names = [], [], set()
    for spec in specs:
        if spec == "-":
            if stdin is None:
                raise KubectlError("error: when '-' is used, STDIN must be open")
            for line in stdin.splitlines():
                line = line.split("#", 1)[0]
                if "=" in line:
                    env.append(_variable(*line.split("=", 1)))
        elif "=" in spec:
            name, value = spec.split("=", 1)
            problems = is_env_var_name(name)
            if problems:
                raise KubectlError(f"error: {go_quote(name)} is not a valid key name: {';'.join(problems)}")
            names.add(name)
            env.append(_variable(name, value))
        elif spec.endswith("-"):
            remove.append(spec[:-1])
        else:
            raise KubectlError(f"error: unknown environment variable: {spec}")
    if any(name in names for name in remove):
        raise KubectlError("error: can not both modify and remove the same environment variable in the same command")
    return env, remove


def _select(name: str, spec: str) -> bool:
    """selectString: ``spec`` with non-greedy ``*`` wildcards matches the whole ``name``."""
    if spec == "*":
        return True
    if "*" not in spec:
        return name == spec
    return re.fullmatch(".*?".join(re.escape(part) for part in spec.split("*")), name) is not None


def _update(existing: list[dict], env: list[dict], remove: list[str]) -> list[dict]:
    """updateEnv: replace in place, drop the removed, append the new ones in order."""
    new = {e["name"]: e for e in env}
    covered, out = set(remove), []
    for e in existing:
        if e.get("name") in covered:
            continue
        if e.get("name") in new:
            covered.add(e["name"])
            out.append(new[e["name"]])
        else:
            out.append(e)
    for e in env:
        if e["name"] not in covered:
            covered.add(e["name"])
            out.append(e)
    return out


def _reference(source: dict) -> str:
    """GetEnvVarRefString: where a ``valueFrom`` variable comes from."""
    if source.get("configMapKeyRef"):
        ref = source["configMapKeyRef"]
        return f"configmap {ref.get('name', '')}, key {ref.get('key', '')}"
    if source.get("secretKeyRef"):
        ref = source["secretKeyRef"]
        return f"secret {ref.get('name', '')}, key {ref.get('key', '')}"
    if source.get("fieldRef"):
        return f"field path {source['fieldRef'].get('fieldPath', '')}"
    if source.get("resourceFieldRef"):
        ref = source["resourceFieldRef"]
        container = f"{ref['containerName']}/" if ref.get("containerName") else ""
        return f"resource field {container}{ref.get('resource', '')}"
    return "invalid valueFrom"


def _from(s: Session) -> list[dict]:
    """--from=configmap/NAME or secret/NAME: one valueFrom variable per (selected) data key."""
    env = []
    keys = s.inv.flag("keys", [])
    for req in s.requests([s.inv.flag("from")]):
        for name in req.names:
            obj = s.api.get(req.rtype, name, namespace=s.namespace)
            if req.rtype.kind not in ("ConfigMap", "Secret"):
                raise KubectlError("error: unsupported resource specified in --from")
            ref = "configMapKeyRef" if req.rtype.kind == "ConfigMap" else "secretKeyRef"
            for key in sorted(obj.get("data") or {}):
                if keys and key not in keys:
                    continue
                env_name = _NOT_ENV_NAME.sub("_", key).upper()
                if env_name != key:
                    s.warn(f"Warning: key {key} transferred to {env_name}")
                env.append({"name": env_name, "valueFrom": {ref: {"key": key, "name": name}}})
    return env


def _targets(s: Session, resources: list[str]) -> list[tuple]:
    """The objects to change: (resource type, live object), from arguments or ``-f``."""
    if s.inv.flag("filename"):
        return [(f.rtype, s.api.get(f.rtype, f.obj["metadata"]["name"], namespace=s.object_namespace(f.rtype, f.obj)))
                for f in s.files()]
    found = []
    for req in s.requests(resources):
        ns = s.namespace if req.rtype.namespaced else None
        if req.names:
            found += [(req.rtype, s.api.get(req.rtype, name, namespace=ns)) for name in req.names]
        elif s.inv.bool("all") or s.inv.flag("selector"):
            listed = s.api.list(req.rtype, namespace=ns, label_selector=s.inv.flag("selector"))["items"]
            found += [(req.rtype, obj) for obj in listed]
        else:
            raise KubectlError("error: resource(s) were provided, but no name was specified")
    return found


def _change(s: Session, rtype, obj: dict, env: list[dict], remove: list[str]) -> bool:
    """Change the object's containers in place (printing them with --list); whether any
    container was selected. A kind without a pod template raises ValueError."""
    path = _POD_SPEC.get(rtype.kind)
    if path is None:
        raise ValueError(f"the object is not a pod or does not have a pod template: *{rtype.version}.{rtype.kind}")
    spec = obj
    for key in path:
        spec = spec.setdefault(key, {})
    selector = s.inv.flag("containers", "*")
    containers = [c for field in ("containers", "initContainers") for c in spec.get(field) or ()
                  if _select(c.get("name", ""), selector)]
    name = obj["metadata"]["name"]
    if not containers:
        s.warn(f'Warning: {rtype.kind}/{name} does not have any containers matching {go_quote(selector)}')
        return False
    for c in containers:
        if s.inv.flag("overwrite") is False:
            for e in env:
                current = next((x for x in c.get("env") or () if x.get("name") == e["name"]), None)
                if current is not None and current.get("value", "") != e.get("value", ""):
                    raise ValueError(f"'{current['name']}' already has a value ({current.get('value', '')}), "
                                     "and --overwrite is false")
        updated = _update(c.get("env") or [], env, remove)
        if updated:
            c["env"] = updated
        else:
            c.pop("env", None)
        if s.inv.bool("list"):
            s.out(f"# {rtype.kind} {name}, container {c.get('name', '')}\n" + "".join(
                f"# {e['name']} from {_reference(e['valueFrom'])}\n" if e.get("valueFrom")
                else f"{e['name']}={e.get('value', '')}\n" for e in updated))
    return True


def set_env(s: Session, args: list[str]) -> None:
    """``kubectl set env RESOURCE/NAME KEY_1=VAL_1 ... KEY_N-``."""
    if s.inv.bool("all") and s.inv.flag("selector"):
        raise KubectlError("error: cannot set --all and --selector at the same time")
    resources, env_args = _split(args)
    dry_run = s.inv.flag("dry-run")
    if dry_run not in (None, "none", "client", "server"):
        raise KubectlError(f'error: Invalid dry-run value ({dry_run}). Must be "none", "server", or "client".')
    if not s.inv.flag("filename") and not resources:
        raise KubectlError("error: one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if s.inv.bool("list") and s.inv.flag("output"):
        raise KubectlError("error: --list and --output may not be specified together")
    if s.inv.flag("keys") and not s.inv.flag("from"):
        raise KubectlError("error: when specifying --keys, a configmap or secret must be provided with --from")
    env, remove = _parse(s.inv.flag("env", []) + env_args, s.stdin)
    if s.inv.flag("from"):
        env += _from(s)
    prefix = s.inv.flag("prefix") or ""
    env = [dict(e, name=prefix + e["name"]) for e in env]
    changed, failures = [], []
    for rtype, obj in _targets(s, resources):
        before = copy.deepcopy(obj)
        try:
            if _change(s, rtype, obj, env, remove) and obj != before:
                changed.append((rtype, obj))
        except ValueError as e:
            failures.append(f"error: {rtype.plural}/{obj['metadata']['name']} {e}\n")
    if s.inv.bool("list"):
        return
    for rtype, obj in changed:
        if dry_run == "client":
            stored = obj
        else:
            try:
                stored = obj if dry_run == "server" else s.api.update(obj)
            except errors.ApiError as e:
                failures.append(f"failed to patch env update to pod template: {e.message}")
                continue
            if not env and not env_args:
                raise KubectlError("error: at least one environment variable must be provided")
        if s.inv.flag("output"):
            s.out(print_format(s.inv.flag("output"), stored, [stored],
                               lambda o: resource_name(rtype, o["metadata"]["name"])))
        else:
            suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
            s.out(f"{resource_name(rtype, stored['metadata']['name'])} env updated{suffix}\n")
    if len(failures) == 1:         # cmdutil.CheckErr: one error, "error: "-prefixed once
        text = failures[0]
        s.err(text if text.startswith("error: ") else "error: " + text)
    elif failures:                 # several: MultipleErrors, each as it is
        s.err("".join(f"{text}\n" for text in failures))

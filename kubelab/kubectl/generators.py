"""``kubectl create deployment|namespace|configmap|secret generic|service|job|cronjob``
and ``kubectl run``: the objects kubectl's generators build (k8s.io/kubectl/pkg/cmd/create),
created on the server or, with ``--dry-run=client -o yaml``, printed as kubectl prints them."""
from __future__ import annotations

import base64
import os

from kubelab import errors

from .errors import KubectlError, api_error_text
from .formats import print_format, resource_name
from .session import Session

__all__ = ["create_from_generator", "run_pod", "expose"]


def _one_name(s: Session, what: str, args: list[str]) -> str:
    if len(args) != 1:
        raise KubectlError(f"error: exactly one NAME is required, got {len(args)}\n"
                           f"See 'kubectl create {what} -h' for help and examples")
    return args[0]


def _container_name(image: str) -> str:
    """buildPodSpec: the image's last path segment without tag or digest, "_" and "." as "-"."""
    name = image.split("/")[-1].split(":")[0].split("@")[0]
    return name.replace("_", "-").replace(".", "-")


def _deployment(s: Session, name: str) -> dict:
    images = s.inv.flag("image", [])
    containers = [{"image": image, "name": _container_name(image), "resources": {},
                   **({"command": list(s.inv.command)} if s.inv.command else {})} for image in images]
    if s.inv.flag("port") is not None:
        containers[0]["ports"] = [{"containerPort": int(s.inv.flag("port"))}]
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"creationTimestamp": None, "labels": labels, "name": name},
            "spec": {"replicas": int(s.inv.flag("replicas", 1)), "selector": {"matchLabels": labels},
                     "strategy": {}, "template": {"metadata": {"creationTimestamp": None, "labels": labels},
                                                  "spec": {"containers": containers}}},
            "status": {}}


def _sources(s: Session) -> dict:
    """--from-literal=key=value and --from-file=[key=]path, as ConfigMap/Secret data."""
    data = {}
    for literal in s.inv.flag("from-literal", []):
        key, sep, value = literal.partition("=")
        if not sep or not key:
            raise KubectlError(f"error: invalid literal source {literal}, expected key=value")
        data[key] = value
    for source in s.inv.flag("from-file", []):
        key, sep, path = source.partition("=")
        if not sep:
            key, path = os.path.basename(source), source
        if not os.path.isfile(path):
            raise KubectlError(f"error: error reading {path}: no such file or directory")
        with open(path) as fh:
            data[key] = fh.read()
    return data


def _service(s: Session, kind: str, name: str) -> dict:
    ports = []
    for spec in s.inv.flag("tcp", []):
        port, _, target = spec.partition(":")
        port_name = f"{port}-{target}" if target else port
        entry = {"name": port_name, "port": int(port), "protocol": "TCP", "targetPort": int(target or port)}
        if kind == "NodePort" and s.inv.flag("node-port"):
            entry["nodePort"] = int(s.inv.flag("node-port"))
        ports.append(dict(sorted(entry.items())))
    spec = {"ports": ports, "selector": {"app": name}, "type": kind}
    if s.inv.flag("clusterip"):
        spec["clusterIP"] = s.inv.flag("clusterip")
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"creationTimestamp": None, "labels": {"app": name}, "name": name},
            "spec": spec, "status": {"loadBalancer": {}}}


def _pod_template(s: Session, name: str, restart: str) -> dict:
    container = {"image": s.inv.flag("image", [""])[0], "name": name, "resources": {}}
    if s.inv.command:
        container["command"] = list(s.inv.command)
    return {"metadata": {"creationTimestamp": None},
            "spec": {"containers": [container], "restartPolicy": restart}}


def _build(s: Session, what: str, args: list[str]) -> dict:
    if what in ("deployment", "deploy"):
        if not s.inv.flag("image"):          # cobra checks required flags before the arguments
            raise KubectlError('error: required flag(s) "image" not set')
        return _deployment(s, _one_name(s, "deployment", args))
    if what in ("namespace", "ns"):
        return {"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"creationTimestamp": None, "name": _one_name(s, "namespace", args)},
                "spec": {}, "status": {}}
    if what in ("configmap", "cm"):
        name = _one_name(s, "configmap", args)
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"creationTimestamp": None, "name": name}}
        data = _sources(s)
        return {**cm, "data": data} if data else cm
    if what == "secret":
        if not args or args[0] != "generic":
            raise KubectlError('error: kubelab implements "kubectl create secret generic" only')
        name = _one_name(s, "secret generic", args[1:])
        data = {k: base64.b64encode(v.encode()).decode() for k, v in _sources(s).items()}
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"creationTimestamp": None, "name": name}}
        return {**secret, "data": data} if data else secret
    if what in ("service", "svc"):
        kinds = {"clusterip": "ClusterIP", "nodeport": "NodePort", "loadbalancer": "LoadBalancer"}
        if not args or args[0] not in kinds:
            raise KubectlError('error: kubelab implements "kubectl create service clusterip|nodeport|loadbalancer"')
        return _service(s, kinds[args[0]], _one_name(s, f"service {args[0]}", args[1:]))
    if what == "job":
        name = _one_name(s, "job", args)
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"creationTimestamp": None, "name": name},
                "spec": {"template": _pod_template(s, name, "Never")}, "status": {}}
    if what in ("cronjob", "cj"):
        name = _one_name(s, "cronjob", args)
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"creationTimestamp": None, "name": name},
                "spec": {"jobTemplate": {"metadata": {"creationTimestamp": None, "name": name},
                                         "spec": {"template": _pod_template(s, name, s.inv.flag("restart",
                                                                                               "OnFailure"))}},
                         "schedule": s.inv.flag("schedule", "")},
                "status": {}}
    raise KubectlError(f'error: kubelab does not implement "kubectl create {what}"')


def _service_ports(s: Session, target: dict) -> list[dict]:
    """--port (and --target-port), else the container ports of the target's pods."""
    protocol = s.inv.flag("protocol", "TCP")
    if s.inv.flag("port") is not None:
        port = int(s.inv.flag("port"))
        target_port = s.inv.flag("target-port", port)
        target_port = int(target_port) if str(target_port).isdigit() else target_port
        return [{"port": port, "protocol": protocol, "targetPort": target_port}]
    spec = target.get("spec") or {}
    if target.get("kind") == "Service":
        ports = [{"containerPort": p.get("port"), "protocol": p.get("protocol", "TCP")} for p in spec.get("ports") or []]
    else:
        pod_spec = spec if target.get("kind") == "Pod" else ((spec.get("template") or {}).get("spec") or {})
        ports = [p for c in pod_spec.get("containers") or [] for p in c.get("ports") or []]
    if not ports:
        raise KubectlError("error: couldn't find port via --port flag or introspection")
    named = len(ports) > 1
    return [{**({"name": f"port-{i}"} if named else {}), "port": p["containerPort"],
             "protocol": p.get("protocol", protocol), "targetPort": p["containerPort"]}
            for i, p in enumerate(ports, 1)]


def expose(s: Session) -> None:
    """``kubectl expose deployment web --port=80``: a Service selecting the target's pods."""
    if not s.inv.args:
        raise KubectlError("error: You must provide one or more resources by argument or filename.\n"
                           "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
                           "   '<resource> <name>'\n   '<resource>'")
    (req,) = s.requests(s.inv.args)[:1]
    if len(req.names) != 1:
        raise KubectlError("error: exactly one NAME is required")
    target = s.api.get(req.rtype, req.names[0], namespace=s.namespace if req.rtype.namespaced else None)
    meta, spec = target.get("metadata") or {}, target.get("spec") or {}
    if target.get("kind") == "Pod":
        selector = meta.get("labels") or {}
    elif target.get("kind") == "Service":
        selector = spec.get("selector") or {}
    else:
        selector = (spec.get("selector") or {}).get("matchLabels") or {}
    if not selector:
        raise KubectlError(f"error: couldn't retrieve selectors via --selector flag or introspection: the "
                           f"{target.get('kind', '').lower()} has no labels")
    service_spec = {"ports": _service_ports(s, target), "selector": dict(selector)}
    if s.inv.flag("type"):
        service_spec["type"] = s.inv.flag("type")
    labels = meta.get("labels")
    service = {"apiVersion": "v1", "kind": "Service",
               "metadata": {"creationTimestamp": None, **({"labels": dict(labels)} if labels else {}),
                            "name": s.inv.flag("name") or meta.get("name", "")},
               "spec": service_spec, "status": {"loadBalancer": {}}}
    _submit(s, service, "exposed")


def _submit(s: Session, obj: dict, operation: str = "created") -> None:
    """Create ``obj`` (or only print it with --dry-run=client) and say so as kubectl does."""
    rtype = s.api.registry.for_kind(obj["apiVersion"], obj["kind"])
    if rtype.namespaced and s.explicit_namespace:
        obj["metadata"]["namespace"] = s.explicit_namespace
    dry_run = s.inv.flag("dry-run")
    stored = obj
    if dry_run != "client":
        try:
            stored = s.api.create(obj, namespace=s.namespace if rtype.namespaced else None,
                                  dry_run=dry_run == "server")
        except errors.ApiError as e:
            s.err(api_error_text(e))
            return
    if s.inv.flag("output"):
        s.out(print_format(s.inv.flag("output"), stored, [stored], lambda o: resource_name(rtype, o["metadata"]["name"])))
        return
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
    s.out(f"{resource_name(rtype, obj['metadata']['name'])} {operation}{suffix}\n")


def create_from_generator(s: Session) -> None:
    """``kubectl create KIND NAME [flags] [-- COMMAND]``."""
    _submit(s, _build(s, s.inv.args[0], s.inv.args[1:]))


def run_pod(s: Session) -> None:
    """``kubectl run NAME --image=IMAGE``: one Pod labelled ``run=NAME`` (or ``--labels``)."""
    if len(s.inv.args) != 1:
        raise KubectlError("error: NAME is required for run\nSee 'kubectl run -h' for help and examples")
    name = s.inv.args[0]
    if not s.inv.flag("image"):
        raise KubectlError('error: required flag(s) "image" not set')
    labels = dict(pair.split("=", 1) for pair in s.inv.flag("labels").split(",")) if s.inv.flag("labels") \
        else {"run": name}
    container = {"image": s.inv.flag("image")[0], "name": name, "resources": {}}
    if s.inv.command:
        container["command" if s.inv.bool("command") else "args"] = list(s.inv.command)
    if s.inv.flag("env"):
        container["env"] = [dict(zip(("name", "value"), e.split("=", 1))) for e in s.inv.flag("env")]
    if s.inv.flag("port") is not None:
        container["ports"] = [{"containerPort": int(s.inv.flag("port"))}]
    if s.inv.flag("image-pull-policy"):
        container["imagePullPolicy"] = s.inv.flag("image-pull-policy")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"creationTimestamp": None, "labels": labels, "name": name},
           "spec": {"containers": [dict(sorted(container.items()))], "dnsPolicy": "ClusterFirst",
                    "restartPolicy": s.inv.flag("restart", "Always")},
           "status": {}}
    _submit(s, pod)

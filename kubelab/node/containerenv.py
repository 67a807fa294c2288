"""A container's environment and command line, as the kubelet builds them.

* Environment (makeEnvironmentVariables): ``envFrom`` ConfigMaps and Secrets,
  then ``env`` (values may use ``$(OTHER_VAR)``; ``valueFrom`` reads the
  downward API — ``metadata.name``, ``status.podIP``, ``spec.nodeName``,
  resource limits — or a ConfigMap/Secret key), then the Service variables of
  the Pod's namespace (``WEB_SERVICE_HOST``, ``WEB_PORT_80_TCP``...) when
  ``enableServiceLinks`` is on. A missing ConfigMap, Secret or key fails the
  container with CreateContainerConfigError: ``configmap "app-config" not found``.
* Command line: ``command`` replaces the image's ENTRYPOINT (and drops its
  CMD), ``args`` replaces its CMD; ``$(VAR)`` in either is expanded from the
  container's environment, ``$$`` is a literal ``$``.
"""
from __future__ import annotations

import base64
import re

from .. import errors
from ..api.quantity import QuantityError, parse_quantity

__all__ = ["ConfigError", "environment", "command_line", "expand", "read_source", "downward_field", "resource_field"]

_REF = re.compile(r"\$\$|\$\(([A-Za-z_][-._A-Za-z0-9]*)\)")


class ConfigError(Exception):
    """CreateContainerConfigError: the container's configuration cannot be built."""


def expand(text: str, env: dict) -> str:
    """Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion)."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return _REF.sub(sub, text)


def command_line(container: dict, image, env: dict) -> list[str]:
    command, args = container.get("command") or [], container.get("args") or []
    if command:
        return [expand(a, env) for a in command] + [expand(a, env) for a in args]
    if args:
        return list(image.spec.entrypoint) + [expand(a, env) for a in args]
    return list(image.spec.entrypoint) + list(image.spec.cmd)


def read_source(api, kind: str, name: str, namespace: str, optional: bool) -> dict | None:
    try:
        obj = api.get(kind + "s", name, namespace=namespace)
    except errors.NotFound:
        if optional:
            return None
        raise ConfigError(f'{kind.lower()} "{name}" not found') from None
    data = dict(obj.get("data") or {})
    if kind == "secret":
        data = {k: base64.b64decode(v).decode(errors="replace") for k, v in data.items()}
        data.update(obj.get("stringData") or {})
    else:
        data.update(obj.get("binaryData") or {})
    return data


def downward_field(pod: dict, path: str, pod_ip: str, host_ip: str) -> str:
    meta, spec = pod["metadata"], pod.get("spec") or {}
    m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']*)'\]", path)
    if m:
        return (meta.get(m.group(1)) or {}).get(m.group(2), "")
    return {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
            "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
            "spec.serviceAccountName": spec.get("serviceAccountName", "default"),
            "status.podIP": pod_ip, "status.podIPs": pod_ip, "status.hostIP": host_ip,
            "status.hostIPs": host_ip}.get(path) or ""


def resource_field(container: dict, ref: dict, allocatable: dict) -> str:
    """A resourceFieldRef's value: the container's request or limit (a limit defaults to the
    node's allocatable), divided by ``divisor`` and rounded up."""
    kind, _, name = (ref.get("resource") or "").partition(".")
    value = ((container.get("resources") or {}).get(kind) or {}).get(name) or allocatable.get(name, "0")
    try:
        q, divisor = parse_quantity(value), parse_quantity(ref.get("divisor") or "1")
    except QuantityError:
        return "0"
    if name == "cpu":
        return str(-(-q.milli_value() // max(divisor.milli_value(), 1)))
    return str(-(-q.value() // max(divisor.value(), 1)))


def _service_vars(api, namespace: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    try:
        services = api.list("services", namespace=namespace)["items"]
    except errors.ApiError:
        return out
    for svc in services:
        spec = svc.get("spec") or {}
        ip, ports = spec.get("clusterIP"), spec.get("ports") or []
        if not ip or ip == "None" or not ports:
            continue
        prefix = svc["metadata"]["name"].upper().replace("-", "_")
        first = ports[0]
        out += [(f"{prefix}_SERVICE_HOST", ip), (f"{prefix}_SERVICE_PORT", str(first.get("port")))]
        out += [(f"{prefix}_SERVICE_PORT_{p['name'].upper().replace('-', '_')}", str(p.get("port")))
                for p in ports if p.get("name")]
        proto = (first.get("protocol") or "TCP").lower()
        out.append((f"{prefix}_PORT", f"{proto}://{ip}:{first.get('port')}"))
        for p in ports:
            proto = (p.get("protocol") or "TCP")
            base = f"{prefix}_PORT_{p.get('port')}_{proto}"
            out += [(base, f"{proto.lower()}://{ip}:{p.get('port')}"), (base + "_PROTO", proto.lower()),
                    (base + "_PORT", str(p.get("port"))), (base + "_ADDR", ip)]
    return out


def environment(api, pod: dict, container: dict, *, pod_ip: str, host_ip: str,
                allocatable: dict) -> list[tuple[str, str]]:
    """The container's environment as (name, value) pairs; raises ConfigError."""
    ns = pod["metadata"].get("namespace", "default")
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        for kind in ("configMap", "secret"):
            ref = source.get(kind + "Ref")
            if ref:
                data = read_source(api, "configmap" if kind == "configMap" else "secret", ref.get("name", ""), ns,
                               bool(ref.get("optional"))) or {}
                env.update({source.get("prefix", "") + k: v for k, v in data.items()})
    services = dict(_service_vars(api, ns)) if (pod.get("spec") or {}).get("enableServiceLinks", True) else {}
    for var in container.get("env") or []:
        name, src = var.get("name", ""), var.get("valueFrom")
        if src is None:
            env[name] = expand(var.get("value") or "", {**services, **env})
        elif src.get("fieldRef"):
            env[name] = downward_field(pod, src["fieldRef"].get("fieldPath", ""), pod_ip, host_ip)
        elif src.get("resourceFieldRef"):
            env[name] = resource_field(container, src["resourceFieldRef"], allocatable)
        else:
            kind = "configMap" if src.get("configMapKeyRef") else "secret"
            ref = src.get(kind + "KeyRef") or {}
            data = read_source(api, "configmap" if kind == "configMap" else "secret", ref.get("name", ""), ns,
                           bool(ref.get("optional")))
            if data is None:
                continue
            if ref.get("key") not in data:
                if ref.get("optional"):
                    continue
                raise ConfigError(f"couldn't find key {ref.get('key')} in {'ConfigMap' if kind == 'configMap' else 'Secret'}"
                                  f" {ns}/{ref.get('name')}")
            env[name] = data[ref["key"]]
    return list(env.items()) + [(k, v) for k, v in sorted(services.items()) if k not in env]

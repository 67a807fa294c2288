"""Validation, as kube-apiserver runs it after defaulting and admission.

``validate(obj, rtype, old=None)`` returns the list of field errors
(:class:`~kubelab.errors.Cause`) that pkg/apis/*/validation would report, in the
same order and with the same wording; ``invalid_error`` turns them into the
422 ``Invalid`` error kubectl prints::

    Pod "web" is invalid: spec.containers[0].image: Required value

Core kinds are here; Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs
and CronJobs are in :mod:`kubelab.api.validation_workloads`. Kinds without a
validator get ObjectMeta validation only.

simplified: validation expects a defaulted object, as the API server hands it
over; an enum field that defaulting always fills (``restartPolicy``,
``protocol``, ``imagePullPolicy``...) is checked only when present, never
reported as missing. A field of the wrong JSON type is reported as
``Invalid value`` rather than as a decoding error.
"""
from __future__ import annotations

import base64
import binascii
import copy
import ipaddress
import json

from ..errors import Cause, Invalid
from .meta import (
    GoLiteral, duplicate, field_immutable, forbidden, go_quote, go_string_slice,
    inclusive_range_error, invalid, is_config_map_key, is_dns1123_label, is_http_header_name,
    is_qualified_name, is_relaxed_env_var_name, is_valid_label_value, is_valid_path_segment_name,
    is_valid_port_name, is_valid_port_num, name_is_dns_label, name_is_dns_subdomain, name_validator,
    not_found, not_supported, required, too_long, type_invalid, validate_annotations,
    validate_label_name, validate_labels, validate_nonnegative, validate_object_meta,
    validate_object_meta_update,
)
from .quantity import QuantityError, parse_quantity

__all__ = [
    "validate", "invalid_error", "validate_metadata", "validate_pod_spec", "validate_pod_template_spec",
    "validate_label_selector", "label_selector_matches", "validate_tolerations", "validate_affinity",
    "NODE_PORT_RANGE",
]

_MAX_INT32 = 2**31 - 1


def invalid_error(rtype, name: str, causes: list[Cause]) -> Invalid:
    """errors.NewInvalid: ``Kind.group "name" is invalid: <one error>`` or ``[<e1>, <e2>]``.

    Like field.ErrorList.ToAggregate, identical messages are printed once; the
    causes are all kept in ``.causes``.
    """
    qualified = f"{rtype.kind}.{rtype.group}" if rtype.group else rtype.kind
    messages: list[str] = []
    for cause in causes:
        text = f"{cause.field}: {cause.message}"
        if text not in messages:
            messages.append(text)
    head = f"{qualified} {go_quote(name)} is invalid"
    if not messages:
        message = head
    elif len(messages) == 1:
        message = f"{head}: {messages[0]}"
    else:
        message = f"{head}: [{', '.join(messages)}]"
    return Invalid(message, causes=causes, kind=rtype.kind, name=name, group=rtype.group)


def validate(obj, rtype, old=None) -> list[Cause]:
    """The field errors for creating ``obj`` (or updating ``old`` to it) as ``rtype``."""
    if not isinstance(obj, dict):
        return [invalid("", GoLiteral(type(obj).__name__), "must be an object")]
    validator = _validators().get(rtype.kind)
    if validator is None:
        return validate_metadata(obj, rtype, old)
    return validator(obj, rtype, old if isinstance(old, dict) else None)


def validate_metadata(obj: dict, rtype, old=None) -> list[Cause]:
    """ValidateObjectMeta on create (with the kind's name rule) or ValidateObjectMetaUpdate."""
    if old is not None:
        return validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    return validate_object_meta(obj.get("metadata"), rtype.namespaced, name_validator(rtype.kind))


# --- small accessors that never raise on odd input ------------------------------

def _d(value) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value) -> list:
    return value if isinstance(value, list) else []


def _s(value) -> str:
    """A string field's value: "" when absent; other JSON types shown as JSON (never a traceback)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_field(obj: dict, key: str, path: str, causes: list[Cause]):
    """obj[key] when it is an integer; a type error is recorded otherwise (None if absent)."""
    value = obj.get(key)
    if value is None or _is_int(value):
        return value
    causes.append(type_invalid(path, value if isinstance(value, (str, float, bool)) else GoLiteral(repr(value)),
                               "must be of type integer"))
    return None


def _quantity(value, path: str, causes: list[Cause]):
    """A parsed Quantity, or None with the parse error recorded (simplified: kube-apiserver
    rejects a malformed quantity while decoding, with a 400)."""
    try:
        return parse_quantity(value)
    except QuantityError as err:
        causes.append(invalid(path, value if isinstance(value, str) else str(value), err.reason))
        return None


_ZERO = parse_quantity("0")


# --- label selectors (metav1 validation and LabelSelectorAsSelector) ------------

def validate_label_selector(selector, path: str) -> list[Cause]:
    """ValidateLabelSelector: matchLabels as labels, matchExpressions' operators, keys and values."""
    if selector is None:
        return []
    selector = _d(selector)
    causes = validate_labels(selector.get("matchLabels"), path + ".matchLabels")
    for i, expr in enumerate(_l(selector.get("matchExpressions"))):
        expr, epath = _d(expr), f"{path}.matchExpressions[{i}]"
        operator, values = expr.get("operator", ""), _l(expr.get("values"))
        if operator in ("In", "NotIn"):
            if not values:
                causes.append(required(epath + ".values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                causes.append(forbidden(epath + ".values",
                                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            causes.append(invalid(epath + ".operator", str(operator), "not a valid selector operator"))
        causes += validate_label_name(str(expr.get("key", "")), epath + ".key")
        for j, value in enumerate(values):
            causes += [invalid(f"{epath}.values[{j}]", str(value), m) for m in is_valid_label_value(str(value))]
    return causes


def label_selector_matches(selector, labels) -> bool:
    """Whether a (valid) metav1.LabelSelector selects ``labels``; None selects nothing."""
    if selector is None:
        return False
    selector, labels = _d(selector), _d(labels)
    for key, value in _d(selector.get("matchLabels")).items():
        if labels.get(key) != value:
            return False
    for expr in _l(selector.get("matchExpressions")):
        expr = _d(expr)
        key, op, values = expr.get("key"), expr.get("operator"), _l(expr.get("values"))
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


# --- resources (validateResourceRequirements) -----------------------------------

_STANDARD_CONTAINER_RESOURCES = {"cpu", "memory", "ephemeral-storage"}
_STANDARD_RESOURCES = _STANDARD_CONTAINER_RESOURCES | {
    "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
    "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports", "services.loadbalancers",
    "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
    "limits.ephemeral-storage",
}


def _is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def _overcommit_allowed(name: str) -> bool:
    """helper.IsOvercommitAllowed: native resources but hugepages (extended ones must request == limit)."""
    native = "/" not in name or "kubernetes.io/" in name
    return native and not _is_hugepages(name)


def _validate_container_resource_name(name: str, path: str) -> list[Cause]:
    causes = [invalid(path, name, m) for m in is_qualified_name(name)]
    if causes:
        return causes
    if "/" not in name:
        if name not in _STANDARD_RESOURCES and not _is_hugepages(name):
            causes.append(invalid(path, name, "must be a standard resource type or fully qualified"))
        if name not in _STANDARD_CONTAINER_RESOURCES and not _is_hugepages(name):
            causes.append(invalid(path, name, "must be a standard resource for containers"))
    elif "kubernetes.io/" not in name and name.startswith("requests."):
        causes.append(invalid(path, name, "doesn't follow extended resource name standard"))
    return causes


def _validate_resources(resources, path: str) -> list[Cause]:
    resources = _d(resources)
    causes: list[Cause] = []
    limits, requests = _d(resources.get("limits")), _d(resources.get("requests"))
    parsed_limits = {}
    for name, value in limits.items():
        qpath = f"{path}.limits[{name}]"
        causes += _validate_container_resource_name(str(name), qpath)
        qty = _quantity(value, qpath, causes)
        if qty is not None:
            parsed_limits[name] = qty
            if qty < _ZERO:
                causes.append(invalid(qpath, str(qty), "must be greater than or equal to 0"))
    for name, value in requests.items():
        qpath = f"{path}.requests[{name}]"
        causes += _validate_container_resource_name(str(name), qpath)
        qty = _quantity(value, qpath, causes)
        if qty is None:
            continue
        if qty < _ZERO:
            causes.append(invalid(qpath, str(qty), "must be greater than or equal to 0"))
        if name in limits:
            limit = parsed_limits.get(name)
            if limit is None:
                continue
            if qty != limit and not _overcommit_allowed(str(name)):
                causes.append(invalid(path + ".requests", str(qty), f"must be equal to {name} limit of {limit}"))
            elif qty > limit:
                causes.append(invalid(path + ".requests", str(qty),
                                      f"must be less than or equal to {name} limit of {limit}"))
        elif not _overcommit_allowed(str(name)):
            causes.append(required(path + ".limits", "Limit must be set for non overcommitable resources"))
    return causes


# --- containers ---------------------------------------------------------------

_PROTOCOLS = ("SCTP", "TCP", "UDP")  # sets.List order


def _validate_ports(ports, path: str) -> list[Cause]:
    """validateContainerPorts."""
    causes: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(_l(ports)):
        port, ppath = _d(port), f"{path}[{i}]"
        name = _s(port.get("name"))
        if name:
            msgs = is_valid_port_name(name)
            if msgs:
                causes += [invalid(ppath + ".name", name, m) for m in msgs]
            elif name in names:
                causes.append(duplicate(ppath + ".name", name))
            else:
                names.add(name)
        container_port = _int_field(port, "containerPort", ppath + ".containerPort", causes)
        if port.get("containerPort") in (None, 0):
            causes.append(required(ppath + ".containerPort"))
        elif container_port is not None:
            causes += [invalid(ppath + ".containerPort", container_port, m) for m in is_valid_port_num(container_port)]
        host_port = _int_field(port, "hostPort", ppath + ".hostPort", causes)
        if host_port:
            causes += [invalid(ppath + ".hostPort", host_port, m) for m in is_valid_port_num(host_port)]
        protocol = port.get("protocol")
        if protocol is not None and protocol not in _PROTOCOLS:
            causes.append(not_supported(ppath + ".protocol", protocol, _PROTOCOLS)
                          if protocol != "" else required(ppath + ".protocol"))
    return causes


def _validate_key_selector(selector, path: str) -> list[Cause]:
    selector = _d(selector)
    name, key = str(selector.get("name") or ""), selector.get("key")
    causes = [invalid(path + ".name", name, m) for m in name_is_dns_subdomain(name)]
    if not key:
        causes.append(required(path + ".key"))
    else:
        causes += [invalid(path + ".key", key, m) for m in is_config_map_key(str(key))]
    return causes


def _validate_env(env, path: str) -> list[Cause]:
    """ValidateEnv with RelaxedEnvironmentVariableValidation (on by default since v1.32)."""
    causes: list[Cause] = []
    for i, var in enumerate(_l(env)):
        var, vpath = _d(var), f"{path}[{i}]"
        name = _s(var.get("name"))
        if not name:
            causes.append(required(vpath + ".name"))
        else:
            causes += [invalid(vpath + ".name", name, m) for m in is_relaxed_env_var_name(name)]
        if "valueFrom" not in var or var["valueFrom"] is None:
            continue
        source, spath = _d(var["valueFrom"]), vpath + ".valueFrom"
        kinds = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef") if source.get(k)]
        for kind in ("configMapKeyRef", "secretKeyRef"):
            if source.get(kind):
                causes += _validate_key_selector(source[kind], f"{spath}.{kind}")
        if source.get("fieldRef") and not _d(source["fieldRef"]).get("fieldPath"):
            causes.append(required(spath + ".fieldRef.fieldPath"))
        if not kinds:
            causes.append(invalid(spath, "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                             "`configMapKeyRef` or `secretKeyRef`"))
        elif var.get("value"):
            causes.append(invalid(spath, "", "may not be specified when `value` is not empty"))
        elif len(kinds) > 1:
            causes.append(invalid(spath, "", "may not have more than one field specified at a time"))
    return causes


def _validate_env_from(env_from, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, source in enumerate(_l(env_from)):
        source, spath = _d(source), f"{path}[{i}]"
        if source.get("prefix"):
            causes += [invalid(spath + ".prefix", source["prefix"], m)
                       for m in is_relaxed_env_var_name(str(source["prefix"]))]
        refs = [k for k in ("configMapRef", "secretRef") if source.get(k) is not None]
        for ref in refs:
            name = _s(_d(source[ref]).get("name"))
            if not name:
                causes.append(required(f"{spath}.{ref}.name"))
            else:
                causes += [invalid(f"{spath}.{ref}.name", name, m) for m in name_is_dns_subdomain(name, True)]
        if not refs:
            causes.append(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif len(refs) > 1:
            causes.append(invalid(path, "", "may not have more than one field specified at a time"))
    return causes


def _validate_volume_mounts(mounts, volumes: dict, path: str) -> list[Cause]:
    """ValidateVolumeMounts: each mount names a declared volume and a unique mountPath."""
    causes: list[Cause] = []
    mount_points: set[str] = set()
    for i, mount in enumerate(_l(mounts)):
        mount, mpath = _d(mount), f"{path}[{i}]"
        name, mount_path = _s(mount.get("name")), _s(mount.get("mountPath"))
        if not name:
            causes.append(required(mpath + ".name"))
        if name not in volumes:
            causes.append(not_found(mpath + ".name", name))
        if not mount_path:
            causes.append(required(mpath + ".mountPath"))
        if mount_path in mount_points:
            causes.append(invalid(mpath + ".mountPath", mount_path, "must be unique"))
        mount_points.add(mount_path)
        if mount.get("subPath") and mount.get("subPathExpr"):
            causes.append(invalid(mpath + ".subPathExpr", mount["subPathExpr"],
                                  "subPathExpr and subPath are mutually exclusive"))
    return causes


def _port_num_or_name(port, path: str) -> list[Cause]:
    """ValidatePortNumOrName for an IntOrString port."""
    if isinstance(port, str):
        return [invalid(path, port, m) for m in is_valid_port_name(port)]
    number = port if _is_int(port) else 0
    return [invalid(path, number, m) for m in is_valid_port_num(number)]


def _validate_handler(handler, path: str, kinds=("exec", "httpGet", "tcpSocket", "grpc")) -> list[Cause]:
    """validateHandler: exactly one of exec / httpGet / tcpSocket / grpc (or sleep for lifecycle)."""
    handler, causes, found = _d(handler), [], 0
    for kind in kinds:
        if handler.get(kind) is None:
            continue
        if found:
            causes.append(forbidden(f"{path}.{kind}", "may not specify more than 1 handler type"))
            continue
        found += 1
        action, apath = _d(handler[kind]), f"{path}.{kind}"
        if kind == "exec" and not _l(action.get("command")):
            causes.append(required(apath + ".command"))
        elif kind == "httpGet":
            if "path" in action and not action["path"]:
                causes.append(required(apath + ".path"))
            causes += _port_num_or_name(action.get("port"), apath + ".port")
            scheme = action.get("scheme")
            if scheme is not None and scheme not in ("HTTP", "HTTPS"):
                causes.append(not_supported(apath + ".scheme", scheme, ("HTTP", "HTTPS")))
            for header in _l(action.get("httpHeaders")):
                hname = str(_d(header).get("name", ""))
                causes += [invalid(apath + ".httpHeaders", hname, m) for m in is_http_header_name(hname)]
        elif kind in ("tcpSocket", "grpc"):
            causes += _port_num_or_name(action.get("port"), apath + ".port")
    if not found:
        causes.append(required(path, "must specify a handler type"))
    return causes


def _validate_probe(probe, path: str, kind: str) -> list[Cause]:
    """validateProbe plus the liveness/startup (successThreshold 1) and readiness rules."""
    if probe is None:
        return []
    probe, causes = _d(probe), []
    causes += _validate_handler(probe, path)
    for field in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        causes += validate_nonnegative(_int_field(probe, field, f"{path}.{field}", causes), f"{path}.{field}")
    grace = probe.get("terminationGracePeriodSeconds")
    if _is_int(grace) and grace <= 0:
        causes.append(invalid(path + ".terminationGracePeriodSeconds", grace, "must be greater than 0"))
    if kind in ("liveness", "startup") and "successThreshold" in probe and probe["successThreshold"] != 1:
        causes.append(invalid(path + ".successThreshold", probe["successThreshold"], "must be 1"))
    if kind == "readiness" and grace is not None:
        causes.append(invalid(path + ".terminationGracePeriodSeconds", grace, "must not be set for readinessProbes"))
    return causes


def _validate_container_common(ctr: dict, volumes: dict, path: str) -> list[Cause]:
    """validateContainerCommon: what every container (app, init, ephemeral) must satisfy."""
    causes: list[Cause] = []
    name = _s(ctr.get("name"))
    if not name:
        causes.append(required(path + ".name"))
    else:
        causes += [invalid(path + ".name", name, m) for m in is_dns1123_label(name)]
    if not ctr.get("image"):
        causes.append(required(path + ".image"))
    policy = ctr.get("terminationMessagePolicy")
    if policy is not None and policy not in ("File", "FallbackToLogsOnError"):
        causes.append(not_supported(path + ".terminationMessagePolicy", policy, ("File", "FallbackToLogsOnError")))
    causes += _validate_ports(ctr.get("ports"), path + ".ports")
    causes += _validate_env(ctr.get("env"), path + ".env")
    causes += _validate_env_from(ctr.get("envFrom"), path + ".envFrom")
    causes += _validate_volume_mounts(ctr.get("volumeMounts"), volumes, path + ".volumeMounts")
    pull = ctr.get("imagePullPolicy")
    if pull is not None and pull not in ("Always", "IfNotPresent", "Never"):
        causes.append(not_supported(path + ".imagePullPolicy", pull, ("Always", "IfNotPresent", "Never")))
    causes += _validate_resources(ctr.get("resources"), path + ".resources")
    return causes


def _validate_probes_and_lifecycle(ctr: dict, path: str) -> list[Cause]:
    causes: list[Cause] = []
    lifecycle = ctr.get("lifecycle")
    if lifecycle is not None:
        for hook in ("postStart", "preStop"):
            if _d(lifecycle).get(hook) is not None:
                causes += _validate_handler(lifecycle[hook], f"{path}.lifecycle.{hook}",
                                            ("exec", "httpGet", "tcpSocket", "sleep"))
    causes += _validate_probe(ctr.get("livenessProbe"), path + ".livenessProbe", "liveness")
    causes += _validate_probe(ctr.get("readinessProbe"), path + ".readinessProbe", "readiness")
    causes += _validate_probe(ctr.get("startupProbe"), path + ".startupProbe", "startup")
    return causes


def _host_port_conflicts(containers: list, path: str) -> list[Cause]:
    """AccumulateUniqueHostPorts: one protocol/hostIP/hostPort per pod."""
    seen, causes = set(), []
    for i, ctr in enumerate(containers):
        for j, port in enumerate(_l(_d(ctr).get("ports"))):
            port = _d(port)
            if not port.get("hostPort"):
                continue
            key = f"{port.get('protocol', 'TCP')}/{port.get('hostIP', '')}/{port['hostPort']}"
            if key in seen:
                causes.append(duplicate(f"{path}[{i}].ports[{j}].hostPort", key))
            seen.add(key)
    return causes


def _validate_containers(containers, volumes: dict, path: str) -> list[Cause]:
    """validateContainers: at least one, unique names, probes allowed, no restartPolicy."""
    containers = _l(containers)
    if not containers:
        return [required(path)]
    causes: list[Cause] = []
    names: set = set()
    for i, ctr in enumerate(containers):
        ctr, cpath = _d(ctr), f"{path}[{i}]"
        causes += _validate_container_common(ctr, volumes, cpath)
        if _s(ctr.get("name")) in names:
            causes.append(duplicate(cpath + ".name", _s(ctr.get("name"))))
        names.add(_s(ctr.get("name")))
        causes += _validate_probes_and_lifecycle(ctr, cpath)
        if ctr.get("restartPolicy") is not None:
            causes.append(forbidden(cpath + ".restartPolicy", "may not be set for non-init containers"))
    return causes + _host_port_conflicts(containers, path)


def _validate_init_containers(init_containers, containers, volumes: dict, path: str) -> list[Cause]:
    """validateInitContainers: names unique across init and app containers; probes only for sidecars."""
    causes: list[Cause] = []
    names = {_s(_d(c).get("name")) for c in _l(containers)}
    for i, ctr in enumerate(_l(init_containers)):
        ctr, cpath = _d(ctr), f"{path}[{i}]"
        causes += _validate_container_common(ctr, volumes, cpath)
        policy = ctr.get("restartPolicy")
        if policy is not None and policy != "Always":
            causes.append(not_supported(cpath + ".restartPolicy", policy, ("Always",)))
        name = _s(ctr.get("name"))
        if name in names:
            causes.append(duplicate(cpath + ".name", name))
        elif name:
            names.add(name)
        causes += _host_port_conflicts([ctr], path)
        if policy == "Always":
            causes += _validate_probes_and_lifecycle(ctr, cpath)
        else:
            for field in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if ctr.get(field) is not None:
                    causes.append(forbidden(f"{cpath}.{field}",
                                            "may not be set for init containers without restartPolicy=Always"))
    return causes


# --- volumes ------------------------------------------------------------------

_VOLUME_SOURCES = (
    "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi",
    "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI", "fc",
    "flexVolume", "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume",
    "azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image",
)
_SOURCE_REQUIRED = {"hostPath": "path", "secret": "secretName", "configMap": "name",
                    "persistentVolumeClaim": "claimName", "nfs": "server"}


def _validate_volumes(volumes, path: str) -> tuple[dict, list[Cause]]:
    """ValidateVolumes: names are unique DNS labels, each with exactly one source."""
    declared: dict = {}
    causes: list[Cause] = []
    for i, vol in enumerate(_l(volumes)):
        vol, vpath = _d(vol), f"{path}[{i}]"
        errs: list[Cause] = []
        found = 0
        for source in _VOLUME_SOURCES:
            if vol.get(source) is None:
                continue
            if found:
                errs.append(forbidden(f"{vpath}.{source}", "may not specify more than 1 volume type"))
                continue
            found += 1
            field = _SOURCE_REQUIRED.get(source)
            if field and not _d(vol[source]).get(field):
                errs.append(required(f"{vpath}.{source}.{field}"))
        if not found:
            errs.append(required(vpath, "must specify a volume type"))
        name = _s(vol.get("name"))
        if not name:
            errs.append(required(vpath + ".name"))
        else:
            errs += [invalid(vpath + ".name", name, m) for m in is_dns1123_label(name)]
        if name in declared:
            errs.append(duplicate(vpath + ".name", name))
        if errs:
            causes += errs
        else:
            declared[name] = vol
    return declared, causes


# --- scheduling constraints -----------------------------------------------------

_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def validate_tolerations(tolerations, path: str) -> list[Cause]:
    """ValidateTolerations."""
    causes: list[Cause] = []
    for i, tol in enumerate(_l(tolerations)):
        tol, tpath = _d(tol), f"{path}[{i}]"
        key, operator = str(tol.get("key") or ""), tol.get("operator") or ""
        value, effect = str(tol.get("value") or ""), tol.get("effect") or ""
        if key:
            causes += validate_label_name(key, tpath + ".key")
        if not key and operator != "Exists":
            causes.append(invalid(tpath + ".operator", operator,
                                  'operator must be Exists when `key` is empty, which means "match all values and all keys"'))
        if tol.get("tolerationSeconds") is not None and effect != "NoExecute":
            causes.append(invalid(tpath + ".effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if operator in ("Equal", ""):
            msgs = is_valid_label_value(value)
            if msgs:
                causes.append(invalid(tpath + ".operator", value, ";".join(msgs)))
        elif operator == "Exists":
            if value:
                causes.append(invalid(tpath + ".operator", value, "value must be empty when `operator` is 'Exists'"))
        else:
            causes.append(not_supported(tpath + ".operator", operator, ("Equal", "Exists")))
        if effect and effect not in _EFFECTS:
            causes.append(not_supported(tpath + ".effect", effect, _EFFECTS))
    return causes


def _validate_node_selector_term(term, path: str, check_values: bool) -> list[Cause]:
    causes: list[Cause] = []
    for j, req in enumerate(_l(_d(term).get("matchExpressions"))):
        req, rpath = _d(req), f"{path}.matchExpressions[{j}]"
        operator, values = req.get("operator", ""), _l(req.get("values"))
        if operator in ("In", "NotIn"):
            if not values:
                causes.append(required(rpath + ".values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                causes.append(forbidden(rpath + ".values",
                                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        elif operator in ("Gt", "Lt"):
            if len(values) != 1:
                causes.append(required(rpath + ".values",
                                       "must be specified single value when `operator` is 'Lt' or 'Gt'"))
        else:
            causes.append(invalid(rpath + ".operator", str(operator), "not a valid selector operator"))
        causes += validate_label_name(str(req.get("key", "")), rpath + ".key")
        if check_values:
            for k, value in enumerate(values):
                causes += [invalid(f"{rpath}.values[{k}]", str(value), m) for m in is_valid_label_value(str(value))]
    return causes


def _validate_pod_affinity_terms(terms, path: str, weighted: bool) -> list[Cause]:
    causes: list[Cause] = []
    for i, term in enumerate(_l(terms)):
        term, tpath = _d(term), f"{path}[{i}]"
        if weighted:
            weight = term.get("weight")
            if not _is_int(weight) or not 1 <= weight <= 100:
                causes.append(invalid(tpath + ".weight", weight if _is_int(weight) else 0, "must be in the range 1-100"))
            term, tpath = _d(term.get("podAffinityTerm")), tpath + ".podAffinityTerm"
        causes += validate_label_selector(term.get("labelSelector"), tpath + ".labelSelector")
        for ns in _l(term.get("namespaces")):
            causes += [invalid(tpath + ".namespace", ns, m) for m in name_is_dns_label(str(ns))]
        topology_key = str(term.get("topologyKey") or "")
        if not topology_key:
            causes.append(required(tpath + ".topologyKey", "can not be empty"))
        causes += validate_label_name(topology_key, tpath + ".topologyKey")
    return causes


def validate_affinity(affinity, path: str) -> list[Cause]:
    """validateAffinity: node affinity terms and weights, pod (anti-)affinity terms."""
    if affinity is None:
        return []
    affinity, causes = _d(affinity), []
    node = affinity.get("nodeAffinity")
    if node is not None:
        node, npath = _d(node), path + ".nodeAffinity"
        req = node.get("requiredDuringSchedulingIgnoredDuringExecution")
        if req is not None:
            rpath = npath + ".requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
            terms = _l(_d(req).get("nodeSelectorTerms"))
            if not terms:
                causes.append(required(rpath, "must have at least one node selector term"))
            for i, term in enumerate(terms):
                causes += _validate_node_selector_term(term, f"{rpath}[{i}]", True)
        for i, pref in enumerate(_l(node.get("preferredDuringSchedulingIgnoredDuringExecution"))):
            pref, ppath = _d(pref), f"{npath}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            weight = pref.get("weight")
            if not _is_int(weight) or not 1 <= weight <= 100:
                causes.append(invalid(ppath + ".weight", weight if _is_int(weight) else 0, "must be in the range 1-100"))
            causes += _validate_node_selector_term(pref.get("preference"), ppath + ".preference", False)
    for kind in ("podAffinity", "podAntiAffinity"):
        section = affinity.get(kind)
        if section is None:
            continue
        section, spath = _d(section), f"{path}.{kind}"
        causes += _validate_pod_affinity_terms(section.get("requiredDuringSchedulingIgnoredDuringExecution"),
                                               spath + ".requiredDuringSchedulingIgnoredDuringExecution", False)
        causes += _validate_pod_affinity_terms(section.get("preferredDuringSchedulingIgnoredDuringExecution"),
                                               spath + ".preferredDuringSchedulingIgnoredDuringExecution", True)
    return causes


# --- PodSpec ------------------------------------------------------------------

_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")


def validate_pod_spec(spec, path: str = "spec") -> list[Cause]:
    """ValidatePodSpec: volumes, containers, init containers, policies, scheduling fields."""
    spec, causes = _d(spec), []
    volumes, vol_causes = _validate_volumes(spec.get("volumes"), path + ".volumes")
    causes += vol_causes
    causes += _validate_containers(spec.get("containers"), volumes, path + ".containers")
    causes += _validate_init_containers(spec.get("initContainers"), spec.get("containers"), volumes,
                                        path + ".initContainers")
    restart = spec.get("restartPolicy")
    if restart is not None and restart not in _RESTART_POLICIES:
        causes.append(not_supported(path + ".restartPolicy", restart, _RESTART_POLICIES)
                      if restart != "" else required(path + ".restartPolicy"))
    dns = spec.get("dnsPolicy")
    if dns is not None and dns not in _DNS_POLICIES:
        causes.append(not_supported(path + ".dnsPolicy", dns, _DNS_POLICIES)
                      if dns != "" else required(path + ".dnsPolicy"))
    causes += validate_labels(spec.get("nodeSelector"), path + ".nodeSelector")
    causes += validate_affinity(spec.get("affinity"), path + ".affinity")
    for field in ("serviceAccountName", "nodeName"):
        if spec.get(field):
            causes += [invalid(f"{path}.{field}", spec[field], m) for m in name_is_dns_subdomain(str(spec[field]))]
    deadline = _int_field(spec, "activeDeadlineSeconds", path + ".activeDeadlineSeconds", causes)
    if deadline is not None and not 1 <= deadline <= _MAX_INT32:
        causes.append(invalid(path + ".activeDeadlineSeconds", deadline, inclusive_range_error(1, _MAX_INT32)))
    for field in ("hostname", "subdomain"):
        if spec.get(field):
            causes += [invalid(f"{path}.{field}", spec[field], m) for m in is_dns1123_label(str(spec[field]))]
    causes += validate_tolerations(spec.get("tolerations"), path + ".tolerations")
    if spec.get("priorityClassName"):
        causes += [invalid(path + ".priorityClassName", spec["priorityClassName"], m)
                   for m in name_is_dns_subdomain(str(spec["priorityClassName"]))]
    preemption = spec.get("preemptionPolicy")
    if preemption is not None and preemption not in ("PreemptLowerPriority", "Never"):
        causes.append(not_supported(path + ".preemptionPolicy", preemption, ("PreemptLowerPriority", "Never")))
    return causes


def validate_pod_template_spec(template, path: str) -> list[Cause]:
    """ValidatePodTemplateSpec (note Kubernetes' paths: ``<path>.labels``, not ``.metadata.labels``)."""
    template = _d(template)
    meta = _d(template.get("metadata"))
    causes = validate_labels(meta.get("labels"), path + ".labels")
    causes += validate_annotations(meta.get("annotations"), path + ".annotations")
    causes += validate_pod_spec(template.get("spec"), path + ".spec")
    if _l(_d(template.get("spec")).get("ephemeralContainers")):
        causes.append(forbidden(path + ".spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
    return causes


# --- Pod ----------------------------------------------------------------------

_UPDATABLE_POD_FIELDS = ",".join([
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
])


def _validate_pod_create(pod: dict, rtype) -> list[Cause]:
    """validatePodMetadataAndSpec."""
    causes = validate_metadata(pod, rtype)
    spec = _d(pod.get("spec"))
    causes += validate_pod_spec(spec, "spec")
    for field in ("containers", "initContainers"):
        for i, ctr in enumerate(_l(spec.get(field))):
            image = _d(ctr).get("image")
            if isinstance(image, str) and image != image.strip():
                causes.append(invalid(f"spec.{field}[{i}].image", image, "must not have leading or trailing whitespace"))
    return causes


def _leaf_diff(old, new, path: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            _leaf_diff(old.get(key), new.get(key), f"{path}.{key}" if path else str(key), out)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new)):
            _leaf_diff(a, b, f"{path}[{i}]", out)
    elif old != new:
        if old is not None:
            out.append(f"- \t{path}: {json.dumps(old, sort_keys=True)},")
        if new is not None:
            out.append(f"+ \t{path}: {json.dumps(new, sort_keys=True)},")


def _spec_diff(old: dict, new: dict, type_name: str) -> str:
    """simplified: the changed fields, one line each, instead of cmp.Diff's Go struct dump."""
    lines: list[str] = []
    _leaf_diff(old, new, "", lines)
    return "\n".join([f"  {type_name}{{", *lines, "  }"]) + "\n"


def _validate_pod_update(new: dict, old: dict, rtype) -> list[Cause]:
    """ValidatePodUpdate: only images, activeDeadlineSeconds and added tolerations may change."""
    causes = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    spec, old_spec = _d(new.get("spec")), _d(old.get("spec"))
    if spec == old_spec:        # a status or metadata write: the spec passed these checks when written
        return causes + validate_metadata(new, rtype)
    causes += _validate_pod_create(new, rtype)
    for field in ("containers", "initContainers"):
        containers, old_containers = _l(spec.get(field)), _l(old_spec.get(field))
        if len(containers) != len(old_containers):
            return causes + [forbidden(f"spec.{field}", "pod updates may not add or remove containers")]
        for i, ctr in enumerate(containers):
            image = _d(ctr).get("image")
            if not image:
                causes.append(required(f"spec.{field}[{i}].image"))
            elif isinstance(image, str) and image != image.strip():
                causes.append(invalid(f"spec.{field}[{i}].image", image, "must not have leading or trailing whitespace"))
    deadline, old_deadline = spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    if _is_int(deadline):
        if not 0 <= deadline <= _MAX_INT32:
            return causes + [invalid("spec.activeDeadlineSeconds", deadline, inclusive_range_error(0, _MAX_INT32))]
        if _is_int(old_deadline) and old_deadline < deadline:
            return causes + [invalid("spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value")]
    elif old_deadline is not None:
        causes.append(invalid("spec.activeDeadlineSeconds", None, "must not update from a positive integer to nil value"))
    # validateOnlyAddedTolerations: every old toleration still there (tolerationSeconds may change)
    new_tols = [_d(t) for t in _l(spec.get("tolerations"))]
    for old_tol in _l(old_spec.get("tolerations")):
        old_tol = _d(old_tol)
        if not any({**old_tol, "tolerationSeconds": t.get("tolerationSeconds")} == {**t, "tolerationSeconds":
                   t.get("tolerationSeconds")} for t in new_tols):
            causes.append(forbidden("spec.tolerations", "existing toleration can not be modified except its "
                                                       "tolerationSeconds"))
            break
    else:
        causes += validate_tolerations(new_tols, "spec.tolerations")
    if spec == old_spec:
        return causes
    munged = copy.deepcopy(spec)
    for field in ("containers", "initContainers"):
        for ctr, old_ctr in zip(_l(munged.get(field)), _l(old_spec.get(field))):
            if isinstance(ctr, dict):
                ctr.pop("image", None)
                if _d(old_ctr).get("image") is not None:
                    ctr["image"] = old_ctr["image"]
    for field in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        munged.pop(field, None)
        if field in old_spec:
            munged[field] = old_spec[field]
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if _is_int(old_grace) and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if munged != old_spec:
        causes.append(forbidden("spec", f"pod updates may not change fields other than {_UPDATABLE_POD_FIELDS}\n"
                                        + _spec_diff(old_spec, munged, "core.PodSpec")))
    return causes


def _validate_pod(obj: dict, rtype, old) -> list[Cause]:
    return _validate_pod_create(obj, rtype) if old is None else _validate_pod_update(obj, old, rtype)


# --- Service ------------------------------------------------------------------

_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
NODE_PORT_RANGE = (30000, 32767)
"""kube-apiserver's default --service-node-port-range."""


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def _go_service_port(protocol: str, port: int) -> GoLiteral:
    return GoLiteral(f'core.ServicePort{{Name:"", Protocol:{go_quote(protocol)}, AppProtocol:(*string)(nil), '
                     f'Port:{port}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:""}}, NodePort:0}}')


def _cluster_ips(spec: dict) -> list[str]:
    ips = [str(ip) for ip in _l(spec.get("clusterIPs"))]
    if not ips and spec.get("clusterIP"):
        ips = [str(spec["clusterIP"])]
    return ips


def _node_port_range_errors(spec: dict) -> list[Cause]:
    """The node-port allocator's range check (it runs before validation, in BeginCreate/BeginUpdate)."""
    if spec.get("type") not in ("NodePort", "LoadBalancer"):
        return []
    lo, hi = NODE_PORT_RANGE
    return [invalid(f"spec.ports[{i}].nodePort", _d(p)["nodePort"],
                    f"provided port is not in the valid range. The range of valid ports is {lo}-{hi}")
            for i, p in enumerate(_l(spec.get("ports")))
            if _is_int(_d(p).get("nodePort")) and _d(p)["nodePort"] and not lo <= _d(p)["nodePort"] <= hi]


def _validate_service_spec(svc: dict) -> list[Cause]:
    spec, causes = _d(svc.get("spec")), []
    stype = spec.get("type", "ClusterIP")
    ips = _cluster_ips(spec)
    headless = bool(ips) and ips[0] == "None"
    ports = _l(spec.get("ports"))
    if not ports and not headless and stype != "ExternalName":
        causes.append(required("spec.ports"))
    if stype in ("LoadBalancer", "NodePort") and headless:
        causes.append(invalid("spec.clusterIPs[0]", ips[0], f"may not be set to 'None' for {stype} services"))
    if stype == "ExternalName":
        if ips:
            causes.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
        for field in ("ipFamilies", "ipFamilyPolicy"):
            if spec.get(field):
                causes.append(forbidden(f"spec.{field}", "may not be set for ExternalName services"))
        cname = str(spec.get("externalName") or "").removesuffix(".")
        if cname:
            causes += [invalid("spec.externalName", cname, m) for m in name_is_dns_subdomain(cname)]
        else:
            causes.append(required("spec.externalName"))
    names: set = set()
    for i, port in enumerate(ports):
        port, ppath = _d(port), f"spec.ports[{i}]"
        name = _s(port.get("name"))
        if len(ports) > 1 and not name:
            causes.append(required(ppath + ".name"))
        elif name:
            causes += [invalid(ppath + ".name", name, m) for m in is_dns1123_label(name)]
            if name in names:
                causes.append(duplicate(ppath + ".name", name))
            names.add(name)
        number = _int_field(port, "port", ppath + ".port", causes) or 0
        causes += [invalid(ppath + ".port", number, m) for m in is_valid_port_num(number)]
        protocol = port.get("protocol")
        if protocol is not None and protocol not in _PROTOCOLS:
            causes.append(not_supported(ppath + ".protocol", protocol, _PROTOCOLS))
        if "targetPort" in port:
            causes += _port_num_or_name(port["targetPort"], ppath + ".targetPort")
    if spec.get("selector") is not None:
        causes += validate_labels(spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity")
    if affinity is not None and affinity not in ("ClientIP", "None"):
        causes.append(not_supported("spec.sessionAffinity", affinity, ("ClientIP", "None")))
    if affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        causes.append(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
    for i, ip in enumerate(ips):
        if not (ip == "None" and i == 0) and not _is_ip(ip):
            causes.append(invalid(f"spec.clusterIPs[{i}]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
    for i, ip in enumerate(_l(spec.get("externalIPs"))):
        if not _is_ip(str(ip)):
            causes.append(invalid(f"spec.externalIPs[{i}]", str(ip),
                                  "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
    if stype not in _SERVICE_TYPES:
        causes.append(not_supported("spec.type", stype, _SERVICE_TYPES) if stype != "" else required("spec.type"))
    if stype == "ClusterIP":
        for i, port in enumerate(ports):
            if _d(port).get("nodePort"):
                causes.append(forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"))
    seen_node_ports, seen_ports = set(), set()
    for i, port in enumerate(ports):
        port = _d(port)
        protocol = _s(port.get("protocol", "TCP"))
        if _is_int(port.get("nodePort")) and port["nodePort"]:
            if (protocol, port["nodePort"]) in seen_node_ports:
                causes.append(duplicate(f"spec.ports[{i}].nodePort", port["nodePort"]))
            seen_node_ports.add((protocol, port["nodePort"]))
    for i, port in enumerate(ports):
        port = _d(port)
        key = (_s(port.get("protocol", "TCP")), port.get("port") if _is_int(port.get("port")) else None)
        if key in seen_ports and key[1] is not None:
            causes.append(duplicate(f"spec.ports[{i}]", _go_service_port(*key)))
        seen_ports.add(key)
    if spec.get("allocateLoadBalancerNodePorts") is not None and stype != "LoadBalancer":
        causes.append(forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
    external = spec.get("externalTrafficPolicy")
    if external:
        if stype not in ("NodePort", "LoadBalancer") and not spec.get("externalIPs"):
            causes.append(invalid("spec.externalTrafficPolicy", external, "may only be set for externally-accessible services"))
        elif external not in ("Cluster", "Local"):
            causes.append(not_supported("spec.externalTrafficPolicy", external, ("Cluster", "Local")))
    internal = spec.get("internalTrafficPolicy")
    if internal is not None and internal not in ("Cluster", "Local"):
        causes.append(not_supported("spec.internalTrafficPolicy", internal, ("Cluster", "Local")))
    return causes


def _validate_service(obj: dict, rtype, old) -> list[Cause]:
    """ValidateService / ValidateServiceUpdate (clusterIPs may not change once set)."""
    range_errors = _node_port_range_errors(_d(obj.get("spec")))
    if range_errors:
        return range_errors
    causes = validate_metadata(obj, rtype, old)
    if old is not None:
        spec, old_spec = _d(obj.get("spec")), _d(old.get("spec"))
        if "ExternalName" not in (spec.get("type"), old_spec.get("type")):
            new_ips, old_ips = _cluster_ips(spec), _cluster_ips(old_spec)
            both_headless = new_ips[:1] == ["None"] and old_ips[:1] == ["None"]
            shown = GoLiteral(go_string_slice(new_ips or None))
            if both_headless:
                pass
            elif len(new_ips) == len(old_ips):
                causes += [invalid(f"spec.clusterIPs[{i}]", shown, "may not change once set")
                           for i, ip in enumerate(old_ips) if ip != new_ips[i]]
            elif len(new_ips) < len(old_ips):
                if not new_ips:
                    causes.append(invalid("spec.clusterIPs[0]", shown, "primary clusterIP can not be unset"))
                elif new_ips[0] != old_ips[0]:
                    causes.append(invalid("spec.clusterIPs[0]", shown, "may not change once set"))
            elif old_ips and new_ips[0] != old_ips[0]:
                causes.append(invalid("spec.clusterIPs[0]", shown, "may not change once set"))
    return causes + _validate_service_spec(obj)


# --- Namespace, Node, ConfigMap, Secret -------------------------------------------

def _finalizer_errors(finalizers, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for f in _l(finalizers):
        f = str(f)
        causes += [invalid(path, f, m) for m in is_qualified_name(f)]
        if "/" not in f and f not in ("kubernetes", "orphan", "foregroundDeletion"):
            causes.append(invalid(path, f, "name is neither a standard finalizer name nor is it fully qualified"))
    return causes


def _validate_namespace(obj: dict, rtype, old) -> list[Cause]:
    causes = validate_metadata(obj, rtype, old)
    if old is None:
        causes += _finalizer_errors(_d(obj.get("spec")).get("finalizers"), "spec.finalizers")
    return causes


def _validate_taints(taints, path: str) -> list[Cause]:
    """validateNodeTaints (Kubernetes reports them under ``metadata.taints``)."""
    causes: list[Cause] = []
    seen: set = set()
    for i, taint in enumerate(_l(taints)):
        taint, tpath = _d(taint), f"{path}[{i}]"
        key, value, effect = _s(taint.get("key")), _s(taint.get("value")), _s(taint.get("effect"))
        causes += validate_label_name(key, tpath + ".key")
        msgs = is_valid_label_value(value)
        if msgs:
            causes.append(invalid(tpath + ".value", value, ";".join(msgs)))
        if not effect:
            causes.append(required(tpath + ".effect"))
        elif effect not in _EFFECTS:
            causes.append(not_supported(tpath + ".effect", effect, _EFFECTS))
        if (key, effect) in seen:
            shown = (f"core.Taint{{Key:{go_quote(key)}, Value:{go_quote(value)}, Effect:{go_quote(effect)}, "
                     "TimeAdded:(*v1.Time)(nil)}")
            causes.append(Cause(tpath, f"Duplicate value: {shown}: taints must be unique by key and effect pair",
                                "FieldValueDuplicate"))
            continue
        seen.add((key, effect))
    return causes


def _validate_node(obj: dict, rtype, old) -> list[Cause]:
    causes = validate_metadata(obj, rtype, old)
    causes += _validate_taints(_d(obj.get("spec")).get("taints"), "metadata.taints")
    for section in ("capacity", "allocatable"):
        for name, value in _d(_d(obj.get("status")).get(section)).items():
            qpath = f"status.{section}.{name}"
            qty = _quantity(value, qpath, causes)
            if qty is not None and qty < _ZERO:
                causes.append(invalid(qpath, str(qty), "must be greater than or equal to 0"))
    return causes


_MAX_SECRET_SIZE = 1024 * 1024


def _validate_config_map(obj: dict, rtype, old) -> list[Cause]:
    causes = validate_metadata(obj, rtype, old)
    if old is not None and old.get("immutable") is True:
        if obj.get("immutable") is not True:
            causes.append(forbidden("immutable", "field is immutable when `immutable` is set"))
        for field in ("data", "binaryData"):
            if (obj.get(field) or {}) != (old.get(field) or {}):
                causes.append(forbidden(field, "field is immutable when `immutable` is set"))
    data, binary = _d(obj.get("data")), _d(obj.get("binaryData"))
    size = 0
    for key, value in data.items():
        causes += [invalid(f"data[{key}]", key, m) for m in is_config_map_key(str(key))]
        if key in binary:
            causes.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
        size += len(str(value).encode())
    for key, value in binary.items():
        causes += [invalid(f"binaryData[{key}]", key, m) for m in is_config_map_key(str(key))]
        size += len(str(value)) * 3 // 4
    if size > _MAX_SECRET_SIZE:
        causes.append(too_long("", _MAX_SECRET_SIZE))
    return causes


_SECRET_REQUIRED_KEYS = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def _validate_secret(obj: dict, rtype, old) -> list[Cause]:
    causes = validate_metadata(obj, rtype, old)
    if old is not None:
        if obj.get("type") != old.get("type"):
            causes.append(field_immutable("type", obj.get("type") or ""))
        if old.get("immutable") is True:
            if obj.get("immutable") is not True:
                causes.append(forbidden("immutable", "field is immutable when `immutable` is set"))
            if (obj.get("data") or {}) != (old.get("data") or {}):
                causes.append(forbidden("data", "field is immutable when `immutable` is set"))
    # stringData is merged into data while decoding, so its keys are checked as data's
    data = {**_d(obj.get("data")), **{k: None for k in _d(obj.get("stringData"))}}
    size = 0
    for key, value in data.items():
        causes += [invalid(f"data[{key}]", key, m) for m in is_config_map_key(str(key))]
        if isinstance(value, str):
            try:
                size += len(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                size += len(value)
    size += sum(len(str(v).encode()) for v in _d(obj.get("stringData")).values())
    if size > _MAX_SECRET_SIZE:
        causes.append(too_long("data", _MAX_SECRET_SIZE))
    stype = _s(obj.get("type")) or "Opaque"
    if stype == "kubernetes.io/service-account-token":
        if not _d(_d(obj.get("metadata")).get("annotations")).get("kubernetes.io/service-account.name"):
            causes.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    elif stype == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            causes += [required("data[username]"), required("data[password]")]
    for key in _SECRET_REQUIRED_KEYS.get(stype, ()):
        if key not in data:
            causes.append(required(f"data[{key}]"))
            if stype != "kubernetes.io/tls":
                break
    return causes


# --- PersistentVolumeClaim ------------------------------------------------------

_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")


def _validate_pvc_spec(spec: dict, path: str) -> list[Cause]:
    causes: list[Cause] = []
    modes = _l(spec.get("accessModes"))
    if not modes:
        causes.append(required(path + ".accessModes", "at least 1 access mode is required"))
    for mode in modes:
        if mode not in _ACCESS_MODES:
            causes.append(not_supported(path + ".accessModes", mode, _ACCESS_MODES))
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        causes.append(forbidden(path + ".accessModes", "may not use ReadWriteOncePod with other access modes"))
    if spec.get("selector") is not None:
        causes += validate_label_selector(spec.get("selector"), path + ".selector")
    storage_path = path + ".resources[storage]"
    requests = _d(_d(spec.get("resources")).get("requests"))
    if "storage" not in requests:
        causes.append(required(storage_path))
    else:
        qty = _quantity(requests["storage"], storage_path, causes)
        if qty is not None and qty <= _ZERO:
            causes.append(invalid(storage_path, str(qty), "must be greater than zero"))
    class_name = spec.get("storageClassName")
    if class_name:
        causes += [invalid(path + ".storageClassName", class_name, m) for m in name_is_dns_subdomain(str(class_name))]
    mode = spec.get("volumeMode")
    if mode is not None and mode not in ("Block", "Filesystem"):
        causes.append(not_supported(path + ".volumeMode", mode, ("Block", "Filesystem")))
    return causes


def _validate_pvc(obj: dict, rtype, old) -> list[Cause]:
    causes = validate_metadata(obj, rtype, old)
    spec = _d(obj.get("spec"))
    causes += _validate_pvc_spec(spec, "spec")
    if old is not None:
        old_spec = _d(old.get("spec"))
        comparable_new, comparable_old = copy.deepcopy(spec), copy.deepcopy(old_spec)
        if not old_spec.get("volumeName"):
            comparable_new.pop("volumeName", None)
            comparable_old.pop("volumeName", None)
        if old_spec.get("storageClassName") is None and comparable_new.get("storageClassName"):
            comparable_new.pop("storageClassName")     # validateStorageClassUpgradeFromNil (retroactive default)
        if _d(old.get("status")).get("phase") == "Bound":
            for s in (comparable_new, comparable_old):
                _d(_d(s.get("resources")).get("requests")).pop("storage", None)
        if comparable_new != comparable_old:
            causes.append(forbidden("spec", "spec is immutable after creation except resources.requests and "
                                            "volumeAttributesClassName for bound claims\n"
                                            + _spec_diff(comparable_old, comparable_new, "core.PersistentVolumeClaimSpec")))
    return causes


# --- HorizontalPodAutoscaler, PriorityClass ------------------------------------------

def _validate_hpa(obj: dict, rtype, old) -> list[Cause]:
    """validateHorizontalPodAutoscalerSpec (autoscaling/v2)."""
    causes = validate_metadata(obj, rtype, old)
    spec = _d(obj.get("spec"))
    min_replicas = _int_field(spec, "minReplicas", "spec.minReplicas", causes)
    max_replicas = _int_field(spec, "maxReplicas", "spec.maxReplicas", causes) or 0
    lower = 0 if old is not None and _d(old.get("spec")).get("minReplicas") == 0 else 1
    if min_replicas is not None and min_replicas < lower:
        causes.append(invalid("spec.minReplicas", min_replicas, f"must be greater than or equal to {lower}"))
    if max_replicas < 1:
        causes.append(invalid("spec.maxReplicas", max_replicas, "must be greater than 0"))
    if min_replicas is not None and max_replicas < min_replicas:
        causes.append(invalid("spec.maxReplicas", max_replicas, "must be greater than or equal to `minReplicas`"))
    ref = _d(spec.get("scaleTargetRef"))
    for field in ("kind", "name"):
        if not ref.get(field):
            causes.append(required(f"spec.scaleTargetRef.{field}"))
        else:
            causes += [invalid(f"spec.scaleTargetRef.{field}", ref[field], m)
                       for m in is_valid_path_segment_name(str(ref[field]))]
    types = ("ContainerResource", "External", "Object", "Pods", "Resource")
    for i, metric in enumerate(_l(spec.get("metrics"))):
        metric, mpath = _d(metric), f"spec.metrics[{i}]"
        mtype = metric.get("type") or ""
        if not mtype:
            causes.append(required(mpath + ".type", "must specify a metric source type"))
        if mtype not in types:
            causes.append(not_supported(mpath + ".type", mtype, types))
            continue
        source_field = mtype[0].lower() + mtype[1:]
        source = metric.get(source_field)
        if source is None:
            causes.append(required(f"{mpath}.{source_field}", "must populate information for the given metric source"))
            continue
        target, tpath = _d(_d(source).get("target")), f"{mpath}.{source_field}.target"
        by_resource = mtype in ("Resource", "ContainerResource")
        if by_resource and not _d(source).get("name"):
            causes.append(required(f"{mpath}.{source_field}.name", "must specify a resource name"))
        causes += _validate_metric_target(target, tpath)
        utilization, average = target.get("averageUtilization"), target.get("averageValue")
        if by_resource and utilization is None and average is None:
            causes.append(required(tpath + ".averageUtilization",
                                   "must set either a target raw value or a target utilization"))
        if by_resource and utilization is not None and average is not None:
            causes.append(forbidden(tpath + ".averageValue", "may not set both a target raw value and a target "
                                                             "utilization"))
    return causes


def _validate_metric_target(target: dict, path: str) -> list[Cause]:
    """validateMetricTarget (autoscaling/v2)."""
    ttype = target.get("type")
    if not ttype:
        return [required(path + ".type", "must specify a metric target type")]
    causes: list[Cause] = []
    if ttype not in ("Utilization", "Value", "AverageValue"):
        causes.append(invalid(path + ".type", ttype, "must be either Utilization, Value, or AverageValue"))
    for field in ("value", "averageValue"):
        if target.get(field) is not None:
            qty = _quantity(target[field], f"{path}.{field}", causes)
            if qty is not None and qty <= _ZERO:
                causes.append(invalid(f"{path}.{field}", str(qty), "must be positive"))
    utilization = target.get("averageUtilization")
    if _is_int(utilization) and utilization < 1:
        causes.append(invalid(path + ".averageUtilization", utilization, "must be greater than 0"))
    return causes


# --- NetworkPolicy (pkg/apis/networking/validation) ------------------------------------

_POLICY_TYPES = ("Ingress", "Egress")
_CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"


def _network(value):
    try:
        return ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return None


def _validate_policy_port(port: dict, path: str) -> list[Cause]:
    """ValidateNetworkPolicyPort: protocol, a port number or name, endPort only after a number."""
    causes: list[Cause] = []
    protocol = port.get("protocol")
    if protocol is not None and protocol not in _PROTOCOLS:
        causes.append(not_supported(path + ".protocol", protocol, ("TCP", "UDP", "SCTP")))
    number, end = port.get("port"), port.get("endPort")
    if number is None:
        if end is not None:
            causes.append(invalid(path + ".endPort", end, "may not be specified when `port` is not specified"))
    elif isinstance(number, str):
        if end is not None:
            causes.append(invalid(path + ".endPort", end, "may not be specified when `port` is non-numeric"))
        causes += [invalid(path + ".port", number, m) for m in is_valid_port_name(number)]
    else:
        causes += _port_num_or_name(number, path + ".port")
        if end is not None:
            if _is_int(end) and _is_int(number) and end < number:
                causes.append(invalid(path + ".endPort", number, "must be greater than or equal to `port`"))
            causes += _port_num_or_name(end if _is_int(end) else 0, path + ".endPort")
    return causes


def _validate_policy_peer(peer: dict, path: str) -> list[Cause]:
    """ValidateNetworkPolicyPeer: one peer, or both selectors together (ANDed); ipBlock alone."""
    causes: list[Cause] = []
    for field in ("podSelector", "namespaceSelector"):
        if peer.get(field) is not None:
            causes += validate_label_selector(peer[field], f"{path}.{field}")
    block = peer.get("ipBlock")
    if block is not None:
        block, bpath = _d(block), path + ".ipBlock"
        cidr = _network(block.get("cidr")) if block.get("cidr") else None
        if not block.get("cidr"):
            causes.append(required(bpath + ".cidr"))
        elif cidr is None:
            causes.append(invalid(bpath + ".cidr", block["cidr"], _CIDR_MSG))
        for i, text in enumerate(_l(block.get("except"))):
            inner = _network(text)
            if inner is None:
                causes.append(invalid(f"{bpath}.except[{i}]", text, _CIDR_MSG))
            elif cidr is not None and (inner.version != cidr.version or not inner.subnet_of(cidr)
                                       or inner.prefixlen <= cidr.prefixlen):
                causes.append(invalid(f"{bpath}.except[{i}]", text, "must be a strict subset of `cidr`"))
    count = sum(peer.get(f) is not None for f in ("podSelector", "namespaceSelector", "ipBlock"))
    if count == 0:
        causes.append(required(path, "must specify a peer"))
    elif count > 1 and block is not None:
        causes.append(forbidden(path, "may not specify both ipBlock and another peer"))
    return causes


def _validate_network_policy(obj: dict, rtype, old) -> list[Cause]:
    """ValidateNetworkPolicySpec: selectors, each rule's ports and peers, policyTypes."""
    causes = validate_metadata(obj, rtype, old)
    spec = _d(obj.get("spec"))
    causes += validate_label_selector(spec.get("podSelector"), "spec.podSelector")
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(_l(spec.get(direction))):
            rule, rpath = _d(rule), f"spec.{direction}[{i}]"
            for j, port in enumerate(_l(rule.get("ports"))):
                causes += _validate_policy_port(_d(port), f"{rpath}.ports[{j}]")
            for j, peer in enumerate(_l(rule.get(peers))):
                causes += _validate_policy_peer(_d(peer), f"{rpath}.{peers}[{j}]")
    types = _l(spec.get("policyTypes"))
    if len(types) > len(_POLICY_TYPES):
        causes.append(invalid("spec.policyTypes", types, "may not specify more than two policyTypes"))
        return causes
    for i, kind in enumerate(types):
        if kind not in _POLICY_TYPES:
            causes.append(not_supported(f"spec.policyTypes[{i}]", kind, _POLICY_TYPES))
    return causes


HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
_SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000}


def _validate_priority_class(obj: dict, rtype, old) -> list[Cause]:
    causes = validate_metadata(obj, rtype, old)
    name, value = str(_d(obj.get("metadata")).get("name") or ""), obj.get("value", 0)
    if old is not None:
        if value != old.get("value", 0):
            causes.append(forbidden("value", "may not be changed in an update."))
        if obj.get("preemptionPolicy") != old.get("preemptionPolicy"):
            causes.append(field_immutable("preemptionPolicy", obj.get("preemptionPolicy")))
        return causes
    if name.startswith("system-"):
        if name not in _SYSTEM_PRIORITY_CLASSES:
            error = f"{name} is not a known system priority class"
        elif value != _SYSTEM_PRIORITY_CLASSES[name]:
            error = f"value of {name} PriorityClass must be {_SYSTEM_PRIORITY_CLASSES[name]}"
        elif obj.get("globalDefault"):
            error = f"globalDefault of {name} PriorityClass must be false"
        else:
            error = ""
        if error:
            causes.append(forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for "
                                                     f"system use only. error: {error}"))
    elif _is_int(value) and value > HIGHEST_USER_DEFINABLE_PRIORITY:
        causes.append(forbidden("value", "maximum allowed value of a user defined priority is "
                                         f"{HIGHEST_USER_DEFINABLE_PRIORITY}"))
    policy = obj.get("preemptionPolicy")
    if policy is not None and policy not in ("PreemptLowerPriority", "Never"):
        causes.append(not_supported("preemptionPolicy", policy, ("PreemptLowerPriority", "Never")))
    return causes


# --- the dispatcher -------------------------------------------------------------

_TABLE: dict | None = None


def _validators() -> dict:
    """kind -> validator(obj, rtype, old). Built on first use (workloads import this module)."""
    global _TABLE
    if _TABLE is None:
        from . import validation_workloads as wl
        _TABLE = {
            "Pod": _validate_pod, "Service": _validate_service, "Namespace": _validate_namespace,
            "Node": _validate_node, "ConfigMap": _validate_config_map, "Secret": _validate_secret,
            "PersistentVolumeClaim": _validate_pvc, "HorizontalPodAutoscaler": _validate_hpa,
            "PriorityClass": _validate_priority_class, "NetworkPolicy": _validate_network_policy,
            **wl.VALIDATORS,
        }
    return _TABLE


"""Request bodies in Kubernetes' protobuf encoding (``application/vnd.kubernetes.protobuf``,
k8s.io/apimachinery/pkg/runtime/serializer/protobuf).

client-go's typed clients send built-in kinds this way: kubectl v1.32's ``create`` generators
(configmap, secret, namespace, serviceaccount, deployment, job, cronjob, service, quota,
priorityclass, poddisruptionbudget) and ``autoscale`` POST their objects as protobuf. A body is
the magic ``k8s\\0`` then a runtime.Unknown message: the TypeMeta (apiVersion, kind) and the
object's own message in ``raw``. :func:`decode` turns it into the JSON-shaped object the rest of
the API server handles. Go writes every non-pointer field, so a zero one is left out as JSON's
omitempty would; a pointer field is on the wire only when set, so it is kept even when zero.

simplified: only the kinds in :data:`ROOTS` decode, and only the fields in :data:`_MESSAGES`
(those kubectl's generators can set, and their neighbours: no volumes, probes or security
contexts); a body with another kind, or another field set, answers 415 as before, rather than
losing the field. Answers are always JSON, which client-go accepts.
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone

from .. import errors

__all__ = ["CONTENT_TYPE", "UNSUPPORTED", "decode", "ROOTS"]

CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
UNSUPPORTED = ("the body of the request was in an unknown format - accepted media types include: "
               "application/json, application/yaml")
_MAGIC = b"k8s\x00"

# A message: {field number: (JSON name, type)}. A type is a scalar ("string", "int", "bool", "bytes",
# "base64" (bytes, base64 in JSON), "time", "quantity" (resource.Quantity), "intstr" (IntOrString)),
# another message's name, "[]T" (repeated), "{}" (map<string, string>) or "{T}" (map<string, T>);
# a trailing "!" keeps the field when it is zero (a pointer, or a JSON field without omitempty).
# An empty JSON name inlines the message into its parent (Go's embedded structs). Field numbers are
# k8s.io/api's and k8s.io/apimachinery's generated.proto; statuses carry only their scalar fields.
_MESSAGES: dict[str, dict[int, tuple[str, str]]] = {
    "Unknown": {1: ("typeMeta", "TypeMeta"), 2: ("raw", "bytes")},
    "TypeMeta": {1: ("apiVersion", "string"), 2: ("kind", "string")},
    # k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
    "ObjectMeta": {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
                   5: ("uid", "string"), 6: ("resourceVersion", "string"), 7: ("generation", "int"),
                   8: ("creationTimestamp", "time"), 9: ("deletionTimestamp", "time"),
                   10: ("deletionGracePeriodSeconds", "int!"), 11: ("labels", "{}"), 12: ("annotations", "{}"),
                   13: ("ownerReferences", "[]OwnerReference"), 14: ("finalizers", "[]string")},
    "OwnerReference": {1: ("kind", "string!"), 3: ("name", "string!"), 4: ("uid", "string!"),
                       5: ("apiVersion", "string!"), 6: ("controller", "bool!"), 7: ("blockOwnerDeletion", "bool!")},
    "LabelSelector": {1: ("matchLabels", "{}"), 2: ("matchExpressions", "[]LabelSelectorRequirement")},
    "LabelSelectorRequirement": {1: ("key", "string!"), 2: ("operator", "string!"), 3: ("values", "[]string")},
    # k8s.io/api/core/v1/generated.proto
    "core.v1.ConfigMap": {1: ("metadata", "ObjectMeta"), 4: ("immutable", "bool!"), 2: ("data", "{}"),
                          3: ("binaryData", "{base64}")},
    "core.v1.Secret": {1: ("metadata", "ObjectMeta"), 5: ("immutable", "bool!"), 2: ("data", "{base64}"),
                       4: ("stringData", "{}"), 3: ("type", "string")},
    "core.v1.Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "core.v1.NamespaceSpec"),
                          3: ("status", "core.v1.NamespaceStatus")},
    "core.v1.NamespaceSpec": {1: ("finalizers", "[]string")},
    "core.v1.NamespaceStatus": {1: ("phase", "string")},
    "core.v1.ServiceAccount": {1: ("metadata", "ObjectMeta"), 2: ("secrets", "[]core.v1.ObjectReference"),
                               3: ("imagePullSecrets", "[]core.v1.LocalObjectReference"),
                               4: ("automountServiceAccountToken", "bool!")},
    "core.v1.ObjectReference": {1: ("kind", "string"), 2: ("namespace", "string"), 3: ("name", "string"),
                                4: ("uid", "string"), 5: ("apiVersion", "string"), 6: ("resourceVersion", "string"),
                                7: ("fieldPath", "string")},
    "core.v1.LocalObjectReference": {1: ("name", "string")},
    "core.v1.PodTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "core.v1.PodSpec")},
    "core.v1.PodSpec": {
        20: ("initContainers", "[]core.v1.Container"), 2: ("containers", "[]core.v1.Container"),
        3: ("restartPolicy", "string"), 4: ("terminationGracePeriodSeconds", "int!"),
        5: ("activeDeadlineSeconds", "int!"), 6: ("dnsPolicy", "string"), 7: ("nodeSelector", "{}"),
        8: ("serviceAccountName", "string"), 9: ("serviceAccount", "string"),
        21: ("automountServiceAccountToken", "bool!"), 10: ("nodeName", "string"), 11: ("hostNetwork", "bool"),
        12: ("hostPID", "bool"), 13: ("hostIPC", "bool"), 27: ("shareProcessNamespace", "bool!"),
        15: ("imagePullSecrets", "[]core.v1.LocalObjectReference"), 16: ("hostname", "string"),
        17: ("subdomain", "string"), 19: ("schedulerName", "string"), 22: ("tolerations", "[]core.v1.Toleration"),
        24: ("priorityClassName", "string"), 25: ("priority", "int!"), 29: ("runtimeClassName", "string!"),
        30: ("enableServiceLinks", "bool!"), 31: ("preemptionPolicy", "string!"), 35: ("setHostnameAsFQDN", "bool!"),
        37: ("hostUsers", "bool!")},
    "core.v1.Container": {
        1: ("name", "string!"), 2: ("image", "string"), 3: ("command", "[]string"), 4: ("args", "[]string"),
        5: ("workingDir", "string"), 6: ("ports", "[]core.v1.ContainerPort"), 7: ("env", "[]core.v1.EnvVar"),
        8: ("resources", "core.v1.ResourceRequirements"), 24: ("restartPolicy", "string!"),
        9: ("volumeMounts", "[]core.v1.VolumeMount"), 13: ("terminationMessagePath", "string"),
        20: ("terminationMessagePolicy", "string"), 14: ("imagePullPolicy", "string"), 16: ("stdin", "bool"),
        17: ("stdinOnce", "bool"), 18: ("tty", "bool")},
    "core.v1.ContainerPort": {1: ("name", "string"), 2: ("hostPort", "int"), 3: ("containerPort", "int!"),
                              4: ("protocol", "string"), 5: ("hostIP", "string")},
    "core.v1.EnvVar": {1: ("name", "string!"), 2: ("value", "string"), 3: ("valueFrom", "core.v1.EnvVarSource")},
    "core.v1.EnvVarSource": {1: ("fieldRef", "core.v1.ObjectFieldSelector"),
                             2: ("resourceFieldRef", "core.v1.ResourceFieldSelector"),
                             3: ("configMapKeyRef", "core.v1.KeySelector"), 4: ("secretKeyRef", "core.v1.KeySelector")},
    "core.v1.ObjectFieldSelector": {1: ("apiVersion", "string"), 2: ("fieldPath", "string!")},
    "core.v1.ResourceFieldSelector": {1: ("containerName", "string"), 2: ("resource", "string!"),
                                      3: ("divisor", "quantity")},
    # ConfigMapKeySelector and SecretKeySelector: the same fields, the reference inlined
    "core.v1.KeySelector": {1: ("", "core.v1.LocalObjectReference"), 2: ("key", "string!"), 3: ("optional", "bool!")},
    "core.v1.ResourceRequirements": {1: ("limits", "{quantity}"), 2: ("requests", "{quantity}")},
    "core.v1.VolumeMount": {1: ("name", "string!"), 2: ("readOnly", "bool"), 7: ("recursiveReadOnly", "string!"),
                            3: ("mountPath", "string!"), 4: ("subPath", "string"),
                            5: ("mountPropagation", "string!"), 6: ("subPathExpr", "string")},
    "core.v1.Toleration": {1: ("key", "string"), 2: ("operator", "string"), 3: ("value", "string"),
                           4: ("effect", "string"), 5: ("tolerationSeconds", "int!")},
    "core.v1.Service": {1: ("metadata", "ObjectMeta"), 2: ("spec", "core.v1.ServiceSpec"),
                        3: ("status", "core.v1.ServiceStatus")},
    "core.v1.ServiceSpec": {
        1: ("ports", "[]core.v1.ServicePort"), 2: ("selector", "{}"), 3: ("clusterIP", "string"),
        18: ("clusterIPs", "[]string"), 4: ("type", "string"), 5: ("externalIPs", "[]string"),
        7: ("sessionAffinity", "string"), 8: ("loadBalancerIP", "string"), 9: ("loadBalancerSourceRanges", "[]string"),
        10: ("externalName", "string"), 11: ("externalTrafficPolicy", "string"), 12: ("healthCheckNodePort", "int"),
        13: ("publishNotReadyAddresses", "bool"), 19: ("ipFamilies", "[]string"), 17: ("ipFamilyPolicy", "string!"),
        20: ("allocateLoadBalancerNodePorts", "bool!"), 21: ("loadBalancerClass", "string!"),
        22: ("internalTrafficPolicy", "string!"), 23: ("trafficDistribution", "string!")},
    "core.v1.ServicePort": {1: ("name", "string"), 2: ("protocol", "string"), 6: ("appProtocol", "string!"),
                            3: ("port", "int!"), 4: ("targetPort", "intstr"), 5: ("nodePort", "int")},
    "core.v1.ServiceStatus": {1: ("loadBalancer", "core.v1.LoadBalancerStatus")},
    "core.v1.LoadBalancerStatus": {},
    "core.v1.ResourceQuota": {1: ("metadata", "ObjectMeta"), 2: ("spec", "core.v1.ResourceQuotaSpec"),
                              3: ("status", "core.v1.ResourceQuotaStatus")},
    "core.v1.ResourceQuotaSpec": {1: ("hard", "{quantity}"), 2: ("scopes", "[]string"),
                                  3: ("scopeSelector", "core.v1.ScopeSelector")},
    "core.v1.ScopeSelector": {1: ("matchExpressions", "[]core.v1.ScopedResourceSelectorRequirement")},
    "core.v1.ScopedResourceSelectorRequirement": {1: ("scopeName", "string!"), 2: ("operator", "string!"),
                                                  3: ("values", "[]string")},
    "core.v1.ResourceQuotaStatus": {1: ("hard", "{quantity}"), 2: ("used", "{quantity}")},
    # k8s.io/api/apps/v1/generated.proto
    "apps.v1.Deployment": {1: ("metadata", "ObjectMeta"), 2: ("spec", "apps.v1.DeploymentSpec"),
                           3: ("status", "apps.v1.DeploymentStatus")},
    "apps.v1.DeploymentSpec": {
        1: ("replicas", "int!"), 2: ("selector", "LabelSelector"), 3: ("template", "core.v1.PodTemplateSpec"),
        4: ("strategy", "apps.v1.DeploymentStrategy"), 5: ("minReadySeconds", "int"),
        6: ("revisionHistoryLimit", "int!"), 7: ("paused", "bool"), 9: ("progressDeadlineSeconds", "int!")},
    "apps.v1.DeploymentStrategy": {1: ("type", "string"), 2: ("rollingUpdate", "apps.v1.RollingUpdateDeployment")},
    "apps.v1.RollingUpdateDeployment": {1: ("maxUnavailable", "intstr!"), 2: ("maxSurge", "intstr!")},
    "apps.v1.DeploymentStatus": {1: ("observedGeneration", "int"), 2: ("replicas", "int"),
                                 3: ("updatedReplicas", "int"), 7: ("readyReplicas", "int"),
                                 4: ("availableReplicas", "int"), 5: ("unavailableReplicas", "int"),
                                 8: ("collisionCount", "int!")},
    # k8s.io/api/batch/v1/generated.proto
    "batch.v1.Job": {1: ("metadata", "ObjectMeta"), 2: ("spec", "batch.v1.JobSpec"),
                     3: ("status", "batch.v1.JobStatus")},
    "batch.v1.JobSpec": {
        1: ("parallelism", "int!"), 2: ("completions", "int!"), 3: ("activeDeadlineSeconds", "int!"),
        7: ("backoffLimit", "int!"), 12: ("backoffLimitPerIndex", "int!"), 13: ("maxFailedIndexes", "int!"),
        4: ("selector", "LabelSelector"), 5: ("manualSelector", "bool!"), 6: ("template", "core.v1.PodTemplateSpec"),
        8: ("ttlSecondsAfterFinished", "int!"), 9: ("completionMode", "string!"), 10: ("suspend", "bool!"),
        14: ("podReplacementPolicy", "string!"), 15: ("managedBy", "string!")},
    "batch.v1.JobStatus": {4: ("active", "int"), 5: ("succeeded", "int"), 6: ("failed", "int"),
                           11: ("terminating", "int!"), 9: ("ready", "int!")},
    "batch.v1.CronJob": {1: ("metadata", "ObjectMeta"), 2: ("spec", "batch.v1.CronJobSpec"),
                         3: ("status", "batch.v1.CronJobStatus")},
    "batch.v1.CronJobSpec": {
        1: ("schedule", "string!"), 8: ("timeZone", "string!"), 2: ("startingDeadlineSeconds", "int!"),
        3: ("concurrencyPolicy", "string"), 4: ("suspend", "bool!"), 5: ("jobTemplate", "batch.v1.JobTemplateSpec"),
        6: ("successfulJobsHistoryLimit", "int!"), 7: ("failedJobsHistoryLimit", "int!")},
    "batch.v1.JobTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "batch.v1.JobSpec")},
    "batch.v1.CronJobStatus": {1: ("active", "[]core.v1.ObjectReference"), 4: ("lastScheduleTime", "time"),
                               5: ("lastSuccessfulTime", "time")},
    # k8s.io/api/policy/v1/generated.proto
    "policy.v1.PodDisruptionBudget": {1: ("metadata", "ObjectMeta"), 2: ("spec", "policy.v1.PodDisruptionBudgetSpec"),
                                      3: ("status", "policy.v1.PodDisruptionBudgetStatus")},
    "policy.v1.PodDisruptionBudgetSpec": {1: ("minAvailable", "intstr!"), 2: ("selector", "LabelSelector"),
                                          3: ("maxUnavailable", "intstr!")},
    "policy.v1.PodDisruptionBudgetStatus": {1: ("observedGeneration", "int"), 3: ("disruptionsAllowed", "int!"),
                                            4: ("currentHealthy", "int!"), 5: ("desiredHealthy", "int!"),
                                            6: ("expectedPods", "int!")},
    # k8s.io/api/scheduling/v1/generated.proto
    "scheduling.v1.PriorityClass": {1: ("metadata", "ObjectMeta"), 2: ("value", "int!"), 3: ("globalDefault", "bool"),
                                    4: ("description", "string"), 5: ("preemptionPolicy", "string!")},
    # k8s.io/api/autoscaling/v1/generated.proto
    "autoscaling.v1.HorizontalPodAutoscaler": {1: ("metadata", "ObjectMeta"),
                                               2: ("spec", "autoscaling.v1.HorizontalPodAutoscalerSpec"),
                                               3: ("status", "autoscaling.v1.HorizontalPodAutoscalerStatus")},
    "autoscaling.v1.HorizontalPodAutoscalerSpec": {
        1: ("scaleTargetRef", "autoscaling.v1.CrossVersionObjectReference"), 2: ("minReplicas", "int!"),
        3: ("maxReplicas", "int!"), 4: ("targetCPUUtilizationPercentage", "int!")},
    "autoscaling.v1.CrossVersionObjectReference": {1: ("kind", "string!"), 2: ("name", "string!"),
                                                   3: ("apiVersion", "string")},
    "autoscaling.v1.HorizontalPodAutoscalerStatus": {
        1: ("observedGeneration", "int!"), 2: ("lastScaleTime", "time"), 3: ("currentReplicas", "int!"),
        4: ("desiredReplicas", "int!"), 5: ("currentCPUUtilizationPercentage", "int!")},
}
#: (apiVersion, kind) -> the message of the object in ``raw``
ROOTS = {
    **{("v1", kind): f"core.v1.{kind}"
       for kind in ("ConfigMap", "Secret", "Namespace", "ServiceAccount", "Service", "ResourceQuota")},
    ("apps/v1", "Deployment"): "apps.v1.Deployment",
    ("batch/v1", "Job"): "batch.v1.Job",
    ("batch/v1", "CronJob"): "batch.v1.CronJob",
    ("policy/v1", "PodDisruptionBudget"): "policy.v1.PodDisruptionBudget",
    ("scheduling.k8s.io/v1", "PriorityClass"): "scheduling.v1.PriorityClass",
    ("autoscaling/v1", "HorizontalPodAutoscaler"): "autoscaling.v1.HorizontalPodAutoscaler",
}


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(data):
            raise ValueError("truncated varint")
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i += 1
        if not byte & 0x80:
            return value, i
        shift += 7


def _fields(data: bytes):
    """(field number, wire type, value) of each field: an int, or bytes for length-delimited ones."""
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            length, i = _varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, i = int.from_bytes(data[i:i + size], "little"), i + size
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def _signed(value: int) -> int:
    """int32/int64 fields travel as two's complement varints."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _time(data: bytes) -> str | None:
    """metav1.Time: {seconds, nanos}; an empty message is the zero time (JSON null)."""
    if not data:
        return None
    seconds = next((_signed(v) for n, _, v in _fields(data) if n == 1), 0)
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _first(data: bytes, number: int, default):
    return next((v for n, _, v in _fields(data) if n == number), default)


def _value(kind: str, raw):
    if kind == "string":
        return raw.decode()
    if kind == "int":
        return _signed(raw)
    if kind == "bool":
        return bool(raw)
    if kind == "bytes":
        return raw
    if kind == "base64":
        return base64.b64encode(raw).decode()
    if kind == "time":
        return _time(raw)
    if kind == "quantity":                          # resource.Quantity: {string string = 1}
        return _first(raw, 1, b"0").decode()
    if kind == "intstr":                            # IntOrString: {type = 1, intVal = 2, strVal = 3}
        return _first(raw, 3, b"").decode() if _first(raw, 1, 0) == 1 else _signed(_first(raw, 2, 0))
    return _message(kind, raw)


def _message(name: str, data: bytes) -> dict:
    schema, out = _MESSAGES[name], {}
    for number, _, raw in _fields(data):
        if number not in schema:
            if raw in (b"", 0):
                continue                            # a zero field kubelab does not model
            # refused rather than lost (say, a Deployment's volumes from a Go program)
            raise errors.UnsupportedMediaType(f"{UNSUPPORTED} (kubelab does not decode field {number} "
                                              f"of {name.split('.')[-1]} in protobuf)")
        field, kind = schema[number]
        keep = kind.endswith("!")
        kind = kind.rstrip("!")
        if kind.startswith("{"):                    # a map entry: {key = 1, value = 2}
            entry = {n: v for n, _, v in _fields(raw)}
            value = entry.get(2, b"")
            out.setdefault(field, {})[entry.get(1, b"").decode()] = \
                value.decode() if kind == "{}" else _value(kind[1:-1], value)
        elif kind.startswith("[]"):
            out.setdefault(field, []).append(_value(kind[2:], raw))
        elif not field:                             # an embedded struct, inlined in JSON
            out.update(_value(kind, raw))
        else:
            value = _value(kind, raw)
            if keep or value not in ("", 0, False, None):
                out[field] = value
            else:
                out.pop(field, None)
    return out


def decode(data: bytes) -> dict:
    """The object a protobuf request body carries, with its apiVersion and kind."""
    if not data.startswith(_MAGIC):
        raise errors.BadRequest("the body of the request was in an unknown format: no protobuf prefix")
    try:
        unknown = _message("Unknown", data[len(_MAGIC):])
        type_meta = unknown.get("typeMeta") or {}
        root = ROOTS.get((type_meta.get("apiVersion"), type_meta.get("kind")))
        if root is None:
            raise errors.UnsupportedMediaType(UNSUPPORTED)
        obj = _message(root, unknown.get("raw", b""))
    except (ValueError, UnicodeDecodeError, IndexError) as e:
        raise errors.BadRequest(f"the body of the request was in an unknown format: {e}") from None
    return {"apiVersion": type_meta["apiVersion"], "kind": type_meta["kind"], **obj}

"""Validation: the field errors kube-apiserver reports, in its order and wording.

Every row names the Kubernetes function whose behaviour it states (package
pkg/apis/<group>/validation unless said otherwise). Objects are defaulted
first, as the API server does, so rows only spell out what a learner wrote.
"""
import copy
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kubelab.api.defaults import apply_defaults
from kubelab.api.kinds import REGISTRY
from kubelab.api.validation import invalid_error, validate
from kubelab.api.validation_workloads import CronError, parse_schedule
from kubelab.errors import Cause, Invalid

LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
               "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
               "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
KEY_NAME_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
             "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
             "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


# --- building manifests ----------------------------------------------------------

def _set(obj, path, value):
    """A copy of ``obj`` with ``path`` ("spec.containers[0].image") set; value DELETE removes it."""
    obj = copy.deepcopy(obj)
    parts = [p for chunk in path.replace("]", "").split(".") for p in chunk.split("[")]
    target = obj
    for part in parts[:-1]:
        key = int(part) if part.isdigit() else part
        if isinstance(target, dict) and key not in target:
            target[key] = {}
        target = target[key]
    last = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return obj


DELETE = object()


def edit(obj, **paths):
    """``edit(POD, spec__restartPolicy="Never")``: set each double-underscore path."""
    for path, value in paths.items():
        obj = _set(obj, path.replace("__", "."), value)
    return obj


CONTAINER = {"name": "web", "image": "nginx:1.27"}
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
       "spec": {"containers": [CONTAINER]}}
TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [CONTAINER]}}
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
              "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE}}
REPLICASET = {**DEPLOYMENT, "kind": "ReplicaSet"}
DAEMONSET = {**DEPLOYMENT, "kind": "DaemonSet"}
STATEFULSET = {**DEPLOYMENT, "kind": "StatefulSet",
               "spec": {**DEPLOYMENT["spec"], "serviceName": "web"}}
JOB_TEMPLATE = {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}
JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "namespace": "default"},
       "spec": {"template": JOB_TEMPLATE}}
CRONJOB = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "pi", "namespace": "default"},
           "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": JOB_TEMPLATE}}}}
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}
NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}}
CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"},
             "data": {"app.properties": "x=1"}}
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"},
          "stringData": {"password": "hunter2"}}
PVC = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "default"},
       "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
HPA = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
       "metadata": {"name": "web", "namespace": "default"},
       "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1, "maxReplicas": 5}}
PRIORITY = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
            "value": 1000}
LEASE = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l", "namespace": "d"}}


def rtype_of(obj):
    return REGISTRY.for_kind(obj["apiVersion"], obj["kind"])


def errors(obj, old=None):
    """The defaulted object's validation errors, as "field: message" lines."""
    obj = copy.deepcopy(obj)
    apply_defaults(obj, rtype_of(obj))
    if old is not None:
        old = copy.deepcopy(old)
        apply_defaults(old, rtype_of(old))
    return [f"{c.field}: {c.message}" for c in validate(obj, rtype_of(obj), old)]


# --- create: what a learner hits --------------------------------------------------

VALID = [POD, DEPLOYMENT, REPLICASET, DAEMONSET, STATEFULSET, JOB, CRONJOB, SERVICE, NAMESPACE, NODE, CONFIGMAP,
         SECRET, PVC, HPA, PRIORITY, LEASE]


@pytest.mark.parametrize("obj", VALID, ids=lambda o: o["kind"])
def test_well_formed_objects_have_no_errors(obj):
    assert errors(obj) == []


C0 = "spec.containers[0]"

CREATE_CASES = [
    # validateContainers: at least one container
    (edit(POD, spec__containers=[]), ["spec.containers: Required value"]),
    # validateContainerCommon: image is required
    (edit(POD, spec__containers__0__image=DELETE), [f"{C0}.image: Required value"]),
    # validateContainerCommon: names are DNS-1123 labels
    (edit(POD, spec__containers__0__name="Web_1"), [f'{C0}.name: Invalid value: "Web_1": {LABEL_MSG}']),
    # validateContainers: names unique among app containers
    (edit(POD, spec__containers=[CONTAINER, CONTAINER]), ['spec.containers[1].name: Duplicate value: "web"']),
    # validateInitContainers: and unique across init and app containers (reported on the init container)
    (edit(POD, spec__initContainers=[{"name": "web", "image": "busybox"}]),
     ['spec.initContainers[0].name: Duplicate value: "web"']),
    # validateContainerPorts: containerPort required, 1-65535; protocol TCP/UDP/SCTP (sets.List order)
    (edit(POD, spec__containers__0__ports=[{"containerPort": 0}]), [f"{C0}.ports[0].containerPort: Required value"]),
    (edit(POD, spec__containers__0__ports=[{"containerPort": 70000}]),
     [f"{C0}.ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
    (edit(POD, spec__containers__0__ports=[{"containerPort": 80, "protocol": "HTTP"}]),
     [f'{C0}.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']),
    # validateContainerPorts: names are IANA_SVC_NAMEs (15 characters) and unique
    (edit(POD, spec__containers__0__ports=[{"name": "http-metrics-port", "containerPort": 80}]),
     [f'{C0}.ports[0].name: Invalid value: "http-metrics-port": must be no more than 15 characters']),
    (edit(POD, spec__containers__0__ports=[{"name": "http", "containerPort": 80},
                                           {"name": "http", "containerPort": 81}]),
     [f'{C0}.ports[1].name: Duplicate value: "http"']),
    # validateResourceRequirements: requests <= limits, reported on the requests map
    (edit(POD, spec__containers__0__resources={"limits": {"cpu": "500m"}, "requests": {"cpu": "1"}}),
     [f'{C0}.resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m']),
    (edit(POD, spec__containers__0__resources={"limits": {"memory": "1Gi"}, "requests": {"memory": "2048Mi"}}),
     [f'{C0}.resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi']),
    # resource.ParseQuantity (kube-apiserver rejects this while decoding)
    (edit(POD, spec__containers__0__resources={"requests": {"cpu": "1.5.5"}}),
     [f'{C0}.resources.requests[cpu]: Invalid value: "1.5.5": {QUANTITY_MSG}']),
    # ValidateResourceQuantityValue: not negative
    (edit(POD, spec__containers__0__resources={"requests": {"memory": "-1Mi"}}),
     [f'{C0}.resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0']),
    # validateContainerResourceName: standard names or fully qualified
    (edit(POD, spec__containers__0__resources={"requests": {"cpus": "1"}}),
     [f'{C0}.resources.requests[cpus]: Invalid value: "cpus": must be a standard resource type or fully qualified',
      f'{C0}.resources.requests[cpus]: Invalid value: "cpus": must be a standard resource for containers']),
    # extended resources cannot be overcommitted: a limit is required
    (edit(POD, spec__containers__0__resources={"requests": {"example.com/gpu": "1"}}),
     [f"{C0}.resources.limits: Required value: Limit must be set for non overcommitable resources"]),
    # validateRestartPolicy
    (edit(POD, spec__restartPolicy="Sometimes"),
     ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']),
    # ValidateEnv: names required; relaxed rule (v1.32+) forbids only '=' and non-printable characters
    (edit(POD, spec__containers__0__env=[{"value": "x"}, {"name": "1_OK", "value": "y"}, {"name": "A=B"}]),
     [f"{C0}.env[0].name: Required value",
      f'{C0}.env[2].name: Invalid value: "A=B": a valid environment variable name must consist only of '
      "printable ASCII characters other than '='"]),
    # validateEnvVarValueFrom
    (edit(POD, spec__containers__0__env=[{"name": "A", "valueFrom": {}}]),
     [f'{C0}.env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, '
      "`configMapKeyRef` or `secretKeyRef`"]),
    # ValidateVolumeMounts: the volume must be declared
    (edit(POD, spec__containers__0__volumeMounts=[{"name": "data", "mountPath": "/data"}]),
     [f'{C0}.volumeMounts[0].name: Not found: "data"']),
    # ValidateVolumes: names unique DNS labels
    (edit(POD, spec__volumes=[{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {}}]),
     ['spec.volumes[1].name: Duplicate value: "data"']),
    # validateVolumeSource: one source per volume
    (edit(POD, spec__volumes=[{"name": "v", "emptyDir": {}, "configMap": {"name": "c"}}]),
     ["spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type"]),
    # validateHandler / validateProbe / validateLivenessProbe
    (edit(POD, spec__containers__0__livenessProbe={"periodSeconds": 5}),
     [f"{C0}.livenessProbe: Required value: must specify a handler type"]),
    (edit(POD, spec__containers__0__livenessProbe={"httpGet": {"port": 8080}, "successThreshold": 2}),
     [f"{C0}.livenessProbe.successThreshold: Invalid value: 2: must be 1"]),
    (edit(POD, spec__containers__0__readinessProbe={"tcpSocket": {"port": 0}, "initialDelaySeconds": -1}),
     [f"{C0}.readinessProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive",
      f"{C0}.readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0"]),
    # validateInitContainers: probes only for restartable (sidecar) init containers
    (edit(POD, spec__initContainers=[{"name": "init", "image": "busybox", "readinessProbe": {"exec": {
        "command": ["true"]}}}]),
     ["spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without "
      "restartPolicy=Always"]),
    # ValidateTolerations: Exists takes no value; effects; tolerationSeconds needs NoExecute
    (edit(POD, spec__tolerations=[{"key": "gpu", "operator": "Exists", "value": "true"}]),
     ['spec.tolerations[0].operator: Invalid value: "true": value must be empty when `operator` is \'Exists\'']),
    (edit(POD, spec__tolerations=[{"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoRun"}]),
     ['spec.tolerations[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", '
      '"PreferNoSchedule", "NoExecute"']),
    (edit(POD, spec__tolerations=[{"key": "gpu", "operator": "Exists", "effect": "NoSchedule",
                                   "tolerationSeconds": 10}]),
     ['spec.tolerations[0].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when '
      "`tolerationSeconds` is set"]),
    (edit(POD, spec__tolerations=[{"operator": "Equal", "value": "x"}]),
     ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, '
      'which means "match all values and all keys"']),
    # ValidatePodSpec: nodeSelector is a label map
    (edit(POD, spec__nodeSelector={"disk": "fast ssd"}), [f'spec.nodeSelector: Invalid value: "fast ssd": {VALUE_MSG}']),
    # ValidateNodeSelector: at least one term
    (edit(POD, spec__affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": []}}}),
     ["spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required "
      "value: must have at least one node selector term"]),
    # ValidateNodeSelectorRequirement: In needs values
    (edit(POD, spec__affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In"}]}]}}}),
     ["spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
      ".matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]),
    # validatePodAffinityTerm: topologyKey required (and then also an invalid qualified name)
    (edit(POD, spec__affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "web"}}}]}}),
     ["spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required "
      "value: can not be empty",
      'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid '
      'value: "": name part must be non-empty',
      'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid '
      f'value: "": {KEY_NAME_MSG}']),
    # ValidatePreferredSchedulingTerms: weight 1-100
    (edit(POD, spec__affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 0, "preference": {"matchExpressions": [{"key": "zone", "operator": "Exists"}]}}]}}),
     ["spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: "
      "must be in the range 1-100"]),
    # ValidatePodSpec: activeDeadlineSeconds 1..MaxInt32
    (edit(POD, spec__activeDeadlineSeconds=0),
     ["spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"]),
    # validateContainerOnlyForPod: no surrounding whitespace in images
    (edit(POD, spec__containers__0__image="nginx "),
     [f'{C0}.image: Invalid value: "nginx ": must not have leading or trailing whitespace']),
    # ValidateObjectMeta with ValidatePodName (a DNS subdomain)
    (edit(POD, metadata__name="Web"),
     ['metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of lower case '
      "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
      "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
      "[a-z0-9])?)*')"]),
    # ValidateLabels on metadata
    (edit(POD, metadata__labels={"app": "-web"}), [f'metadata.labels: Invalid value: "-web": {VALUE_MSG}']),
    # a YAML number as a label value (kube-apiserver: "cannot unmarshal number ... of type string")
    (edit(POD, metadata__labels={"version": 2}), ["metadata.labels: Invalid value: 2: must be of type string"]),
]


@pytest.mark.parametrize("obj, expected", CREATE_CASES)
def test_pods_are_rejected_with_kubernetes_field_errors(obj, expected):
    assert errors(obj) == expected


SEL_WEB = 'v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}'
MISMATCH = "`selector` does not match template `labels`"

WORKLOAD_CASES = [
    # ValidateDeploymentSpec: a missing selector is Nothing, so the template can't match it either
    (edit(DEPLOYMENT, spec__selector=DELETE),
     ["spec.selector: Required value",
      f'spec.template.metadata.labels: Invalid value: map[string]string{{"app":"web"}}: {MISMATCH}']),
    (edit(DEPLOYMENT, spec__selector={"matchLabels": {"app": "db"}}),
     [f'spec.template.metadata.labels: Invalid value: map[string]string{{"app":"web"}}: {MISMATCH}']),
    # a template without labels prints a nil map
    (edit(DEPLOYMENT, spec__template__metadata=DELETE),
     [f"spec.template.metadata.labels: Invalid value: map[string]string(nil): {MISMATCH}"]),
    # ValidateDeploymentSpec: empty selectors select everything and are refused
    (edit(DEPLOYMENT, spec__selector={}),
     ["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
      "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"]),
    # ValidateLabelSelectorRequirement, then LabelSelectorAsSelector fails: template not checked
    (edit(DEPLOYMENT, spec__selector={"matchExpressions": [{"key": "app", "operator": "Has"}]}),
     ['spec.selector.matchExpressions[0].operator: Invalid value: "Has": not a valid selector operator',
      "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:"
      '[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Has", Values:'
      "[]string(nil)}}}: invalid label selector"]),
    # ValidateNonnegativeField(replicas)
    (edit(DEPLOYMENT, spec__replicas=-1), ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]),
    # ValidatePodTemplateSpecForReplicaSet: only restartPolicy Always
    (edit(DEPLOYMENT, spec__template__spec__restartPolicy="Never"),
     ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']),
    # ValidateDeploymentStrategy: Recreate or RollingUpdate (the whole strategy is the bad value)
    (edit(DEPLOYMENT, spec__strategy={"type": "Blue"}),
     ['spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"Blue", RollingUpdate:'
      '(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"']),
    (edit(DEPLOYMENT, spec__strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}),
     ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]),
    # ValidateRollingUpdateDeployment: maxSurge and maxUnavailable may not both be 0
    (edit(DEPLOYMENT, spec__strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, '
      'StrVal:""}: may not be 0 when `maxSurge` is 0']),
    (edit(DEPLOYMENT, spec__strategy={"rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "0%"}}),
     ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, '
      'StrVal:"0%"}: may not be 0 when `maxSurge` is 0']),
    # IsNotMoreThan100Percent; IsValidPercent
    (edit(DEPLOYMENT, spec__strategy={"rollingUpdate": {"maxUnavailable": "150%"}}),
     ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, '
      'StrVal:"150%"}: must not be greater than 100%']),
    (edit(DEPLOYMENT, spec__strategy={"rollingUpdate": {"maxSurge": "two"}}),
     ['spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"two"}: '
      "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex "
      "used for validation is '[0-9]+%')"]),
    # ValidateDeploymentSpec: progressDeadlineSeconds > minReadySeconds
    (edit(DEPLOYMENT, spec__minReadySeconds=600),
     ["spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"]),
    # ValidateReplicaSetSpec reuses the Deployment's empty-selector message
    (edit(REPLICASET, spec__selector={}),
     ["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
      "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"]),
    # ValidatePodTemplateSpec validates the template's pod spec with template paths
    (edit(REPLICASET, spec__template__spec__containers=[]), ["spec.template.spec.containers: Required value"]),
    # ValidateStatefulSetName = NameIsDNSLabel
    (edit(STATEFULSET, metadata__name="db.v1"), ['metadata.name: Invalid value: "db.v1": must not contain dots']),
    # ValidateStatefulSetSpec does not validate the template's pod spec (a TODO in Kubernetes)
    (edit(STATEFULSET, spec__template__spec__containers=[{"name": "db"}]), []),
    (edit(STATEFULSET, spec__podManagementPolicy="Random"),
     ['spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\'']),
    (edit(STATEFULSET, spec__updateStrategy={"type": "Canary"}),
     ['spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:"Canary", RollingUpdate:'
      "(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'"]),
    # ValidateDaemonSetSpec has no "selector required": a nil selector matches nothing
    (edit(DAEMONSET, spec__selector=DELETE),
     [f'spec.template.metadata.labels: Invalid value: map[string]string{{"app":"web"}}: {MISMATCH}']),
    # ValidateRollingUpdateDaemonSet: exactly one of maxSurge / maxUnavailable non-zero
    (edit(DAEMONSET, spec__updateStrategy={"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}),
     ["spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, "
      'StrVal:""}: may not be set when maxUnavailable is non-zero']),
    (edit(DAEMONSET, spec__updateStrategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     ["spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"]),
    # validateJobSpec: the defaulted restartPolicy Always is not allowed for Jobs
    (edit(JOB, spec__template__spec__restartPolicy=DELETE),
     ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']),
    (edit(JOB, spec__completions=-1, spec__backoffLimit=-1),
     ["spec.completions: Invalid value: -1: must be greater than or equal to 0",
      "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"]),
    (edit(JOB, spec__completionMode="Ordered"),
     ['spec.completionMode: Unsupported value: "Ordered": supported values: "NonIndexed", "Indexed"']),
    # ValidateJobSpec: with manualSelector the selector is required (and nil matches nothing)
    (edit(JOB, spec__manualSelector=True),
     ["spec.selector: Required value", f"spec.template.metadata.labels: Invalid value: map[string]string(nil): "
                                       f"{MISMATCH}"]),
    # validateScheduleFormat: cron.ParseStandard's message
    (edit(CRONJOB, spec__schedule="* * *"),
     ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]']),
    (edit(CRONJOB, spec__schedule="TZ=UTC 0 * * * *"),
     ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone '
      "field instead"]),
    (edit(CRONJOB, spec__concurrencyPolicy="Sometimes"),
     ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']),
    (edit(CRONJOB, spec__jobTemplate__spec__template__spec__restartPolicy="Always"),
     ['spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: '
      '"OnFailure", "Never"']),
    # ValidateCronJobCreate: Job names get an 11-character suffix, so 52 characters at most
    (edit(CRONJOB, metadata__name="c" * 53),
     [f'metadata.name: Invalid value: "{"c" * 53}": must be no more than 52 characters']),
]


@pytest.mark.parametrize("obj, expected", WORKLOAD_CASES)
def test_workloads_are_rejected_with_kubernetes_field_errors(obj, expected):
    assert errors(obj) == expected


OTHER_CASES = [
    # ValidateService: ports required (unless headless or ExternalName)
    (edit(SERVICE, spec__ports=[]), ["spec.ports: Required value"]),
    # ValidateServiceName = NameIsDNS1035Label
    (edit(SERVICE, metadata__name="1web"), [f'metadata.name: Invalid value: "1web": {DNS1035_MSG}']),
    (edit(SERVICE, spec__type="Public"),
     ['spec.type: Unsupported value: "Public": supported values: "ClusterIP", "ExternalName", "LoadBalancer", '
      '"NodePort"']),
    # validateServicePort: names required when there are several ports
    (edit(SERVICE, spec__ports=[{"port": 80}, {"port": 443}]),
     ["spec.ports[0].name: Required value", "spec.ports[1].name: Required value"]),
    (edit(SERVICE, spec__ports=[{"port": 80, "targetPort": "Http"}]),
     ['spec.ports[0].targetPort: Invalid value: "Http": must contain only alpha-numeric characters (a-z, 0-9), '
      "and hyphens (-)"]),
    (edit(SERVICE, spec__ports=[{"name": "a", "port": 80}, {"name": "b", "port": 80}]),
     ['spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), '
      'Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}']),
    (edit(SERVICE, spec__ports=[{"port": 80, "nodePort": 30080}]),
     ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]),
    # the node-port allocator: --service-node-port-range 30000-32767 (checked before validation)
    (edit(SERVICE, spec__type="NodePort", spec__ports=[{"port": 80, "nodePort": 80}]),
     ["spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid "
      "ports is 30000-32767"]),
    (edit(SERVICE, spec__type="NodePort", spec__ports=[{"port": 80, "nodePort": 30080}]), []),
    # ValidateNamespaceName = NameIsDNSLabel
    (edit(NAMESPACE, metadata__name="Prod"), [f'metadata.name: Invalid value: "Prod": {LABEL_MSG}']),
    # validateNodeTaints: Kubernetes reports them under metadata.taints
    (edit(NODE, spec__taints=[{"key": "gpu", "effect": "NoRun"}]),
     ['metadata.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", '
      '"PreferNoSchedule", "NoExecute"']),
    # ValidateConfigMap / ValidateSecret: keys are IsConfigMapKey
    (edit(CONFIGMAP, data={"conf/app": "x"}),
     ['data[conf/app]: Invalid value: "conf/app": a valid config key must consist of alphanumeric characters, '
      "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
      "'[-._a-zA-Z0-9]+')"]),
    (edit(SECRET, type="kubernetes.io/tls"), ["data[tls.crt]: Required value", "data[tls.key]: Required value"]),
    # ValidatePersistentVolumeClaimSpec
    (edit(PVC, spec={}), ["spec.accessModes: Required value: at least 1 access mode is required",
                          "spec.resources[storage]: Required value"]),
    (edit(PVC, spec__accessModes=["ReadWriteSometimes"]),
     ['spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", '
      '"ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"']),
    (edit(PVC, spec__resources__requests__storage="0"),
     ['spec.resources[storage]: Invalid value: "0": must be greater than zero']),
    # validateHorizontalPodAutoscalerSpec (HPAScaleToZero off: minReplicas >= 1)
    (edit(HPA, spec__minReplicas=0), ["spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"]),
    (edit(HPA, spec__minReplicas=5, spec__maxReplicas=2),
     ["spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"]),
    (edit(HPA, spec__scaleTargetRef={}), ["spec.scaleTargetRef.kind: Required value",
                                          "spec.scaleTargetRef.name: Required value"]),
    # validateMetricTarget
    (edit(HPA, spec__metrics=[{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 0}}}]),
     ["spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"]),
    # ValidatePriorityClass: user classes up to 1e9; "system-" names are reserved
    (edit(PRIORITY, value=2000000000),
     ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"]),
    (edit(PRIORITY, metadata__name="system-high"),
     ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. "
      "error: system-high is not a known system priority class"]),
    # kinds without a validator get ValidateObjectMeta only
    (edit(LEASE, metadata__name="L"), ['metadata.name: Invalid value: "L": a lowercase RFC 1123 subdomain must '
                                       "consist of lower case alphanumeric characters, '-' or '.', and must start "
                                       "and end with an alphanumeric character (e.g. 'example.com', regex used "
                                       "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
                                       "[a-z0-9])?)*')"]),
]


@pytest.mark.parametrize("obj, expected", OTHER_CASES)
def test_other_kinds_are_rejected_with_kubernetes_field_errors(obj, expected):
    assert errors(obj) == expected


def test_odd_types_give_field_errors_instead_of_tracebacks():
    # kube-apiserver refuses these while decoding; kubelab names the field instead of crashing
    assert errors(edit(DEPLOYMENT, spec__replicas="3")) == [
        'spec.replicas: Invalid value: "3": must be of type integer']
    assert errors(edit(POD, spec__containers="web")) == ["spec.containers: Required value"]


# --- update: immutable fields ------------------------------------------------------

def stored(obj, **extra_meta):
    obj = copy.deepcopy(obj)
    obj["metadata"].update({"uid": "u-1", "resourceVersion": "1", **extra_meta})
    return obj


POD_UPDATE_ALLOWED = ("pod updates may not change fields other than `spec.containers[*].image`,"
                      "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
                      "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set "
                      "to 1 if it was previously negative)")


def test_a_pod_image_may_change_in_place():
    # ValidatePodUpdate munges containers[*].image before comparing specs
    old = stored(POD)
    assert errors(edit(old, spec__containers__0__image="nginx:1.28"), old=old) == []


def test_other_pod_spec_changes_are_forbidden_with_kubernetes_message():
    old = stored(POD)
    got = errors(edit(old, spec__containers__0__ports=[{"containerPort": 80}]), old=old)
    assert len(got) == 1 and got[0].startswith("spec: Forbidden: " + POD_UPDATE_ALLOWED + "\n")
    assert "containers[0].ports" in got[0]


def test_pod_updates_may_not_add_containers():
    old = stored(POD)
    assert errors(edit(old, spec__containers=[CONTAINER, {"name": "side", "image": "busybox"}]), old=old) == [
        "spec.containers: Forbidden: pod updates may not add or remove containers"]


def test_pod_tolerations_may_only_be_added():
    # validateOnlyAddedTolerations
    tol = {"key": "a", "operator": "Exists", "effect": "NoSchedule"}
    old = stored(edit(POD, spec__tolerations=[tol]))
    added = edit(old, spec__tolerations=[tol, {"key": "b", "operator": "Exists"}])
    assert errors(added, old=old) == []
    assert errors(edit(old, spec__tolerations=[]), old=old) == [
        "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"]


def test_a_deployment_selector_is_immutable_in_apps_v1():
    # deploymentStrategy.ValidateUpdate: ValidateImmutableField(spec.selector) for apps/v1
    old = stored(DEPLOYMENT)
    new = edit(old, spec__selector={"matchLabels": {"app": "web", "v": "2"}},
               spec__template__metadata__labels={"app": "web", "v": "2"})
    assert errors(new, old=old) == [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"]
    assert errors(edit(old, spec__replicas=5), old=old) == []


def test_a_job_template_is_immutable():
    # ValidateJobSpecUpdate: ValidateImmutableField(spec.template); simplified rendering of the struct
    old = stored(JOB)
    assert errors(edit(old, spec__template__spec__containers__0__image="perl:5"), old=old) == [
        "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"]


def test_a_statefulset_may_change_only_some_fields():
    old = stored(STATEFULSET)
    assert errors(edit(old, spec__serviceName="other"), old=old) == [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
        "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"]


def test_a_service_cluster_ip_may_not_change_once_set():
    # validateUpgradeDowngradeClusterIPs
    old = stored(edit(SERVICE, spec__clusterIP="10.96.0.10", spec__clusterIPs=["10.96.0.10"]))
    new = edit(old, spec__clusterIP="10.96.0.11", spec__clusterIPs=["10.96.0.11"])
    assert errors(new, old=old) == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']


def test_object_names_are_immutable():
    old = stored(CONFIGMAP)
    assert errors(edit(old, metadata__name="cfg2"), old=old) == [
        'metadata.name: Invalid value: "cfg2": field is immutable']


def test_an_immutable_configmap_keeps_its_data():
    old = stored(edit(CONFIGMAP, immutable=True))
    assert errors(edit(old, data={"app.properties": "x=2"}), old=old) == [
        "data: Forbidden: field is immutable when `immutable` is set"]


def test_a_priority_class_value_is_immutable():
    old = stored(PRIORITY)
    assert errors(edit(old, value=2000), old=old) == ["value: Forbidden: may not be changed in an update."]


# --- the Invalid error --------------------------------------------------------------

def test_one_error_prints_without_brackets():
    # errors.NewInvalid: "%s %q is invalid: %v" of the aggregate
    err = invalid_error(rtype_of(POD), "web", [Cause("spec.containers[0].image", "Required value",
                                                     "FieldValueRequired")])
    assert isinstance(err, Invalid) and err.code == 422 and err.reason == "Invalid"
    assert err.message == 'Pod "web" is invalid: spec.containers[0].image: Required value'


def test_several_errors_print_as_a_bracketed_list_with_the_group():
    # utilerrors.aggregate.Error: "[e1, e2]"; GroupKind.String(): "Deployment.apps"
    causes = validate(_defaulted(edit(DEPLOYMENT, spec__selector=DELETE, spec__template__metadata__labels={
        "app": "x"})), rtype_of(DEPLOYMENT))
    err = invalid_error(rtype_of(DEPLOYMENT), "web", causes)
    assert err.message == ('Deployment.apps "web" is invalid: [spec.selector: Required value, '
                           'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: '
                           "`selector` does not match template `labels`]")
    assert (err.kind, err.group, err.name) == ("Deployment", "apps", "web")


def test_identical_messages_print_once_but_all_causes_are_kept():
    # field.ErrorList.ToAggregate deduplicates by message; NewInvalid keeps every cause
    cause = Cause("spec.x", "Required value", "FieldValueRequired")
    err = invalid_error(rtype_of(JOB), "pi", [cause, cause])
    assert err.message == 'Job.batch "pi" is invalid: spec.x: Required value'
    assert len(err.causes) == 2


def test_no_causes_print_just_is_invalid():
    assert invalid_error(rtype_of(HPA), "h", []).message == 'HorizontalPodAutoscaler.autoscaling "h" is invalid'


def test_the_status_lists_each_cause():
    err = invalid_error(rtype_of(POD), "web", [Cause("spec.containers", "Required value", "FieldValueRequired")])
    assert err.to_status()["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers"}]


def _defaulted(obj):
    obj = copy.deepcopy(obj)
    apply_defaults(obj, rtype_of(obj))
    return obj


# --- cron schedules (robfig/cron/v3 ParseStandard) ----------------------------------

CRON_ERRORS = [
    ("", "empty spec string"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("@every 5", 'failed to parse duration @every 5: time: missing unit in duration "5"'),
]


@pytest.mark.parametrize("spec, message", CRON_ERRORS)
def test_bad_cron_schedules_fail_with_robfig_cron_messages(spec, message):
    with pytest.raises(CronError) as err:
        parse_schedule(spec)
    assert str(err.value) == message


NEXT = [
    ("*/15 * * * *", datetime(2024, 1, 1, 0, 7), datetime(2024, 1, 1, 0, 15)),
    ("0 9 * * mon-fri", datetime(2024, 1, 5, 9, 0), datetime(2024, 1, 8, 9, 0)),   # Fri -> Mon
    ("0 0 1 * *", datetime(2024, 1, 31, 12), datetime(2024, 2, 1)),
    ("@hourly", datetime(2024, 1, 1, 0, 59, 59), datetime(2024, 1, 1, 1, 0)),
    ("0 0 13 * 5", datetime(2024, 1, 1), datetime(2024, 1, 5)),  # day-of-month OR day-of-week when both given
    ("@every 90s", datetime(2024, 1, 1, 0, 0, 0, 500), datetime(2024, 1, 1, 0, 1, 30)),
]


@pytest.mark.parametrize("spec, after, expected", NEXT)
def test_cron_schedules_find_the_next_activation(spec, after, expected):
    tz = timezone.utc
    assert parse_schedule(spec).next(after.replace(tzinfo=tz)) == expected.replace(tzinfo=tz)


# --- robustness: bad input gets field errors, never a traceback (DESIGN.md §4) --------

JUNK = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=6)


def _paths(obj, prefix=()):
    if prefix:
        yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            if prefix or key not in ("apiVersion", "kind"):
                yield from _paths(value, prefix + (key,))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _paths(value, prefix + (i,))


@given(st.sampled_from(VALID), st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_malformed_manifests_never_raise(base, data):
    obj = _defaulted(base)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(list(_paths(obj))))
        target = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = data.draw(JUNK)
    apply_defaults(obj, rtype_of(base))
    causes = validate(obj, rtype_of(base)) + validate(obj, rtype_of(base), old=_defaulted(base))
    invalid_error(rtype_of(base), "x", causes)
    assert all(isinstance(c, Cause) for c in causes)

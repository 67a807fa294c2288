"""Defaulting, as kube-apiserver does it when it decodes an object.

``apply_defaults(obj, rtype)`` fills in, in place, what the versioned types'
``SetDefaults_*`` functions fill in (pkg/apis/core/v1/defaults.go,
apps/v1, batch/v1, autoscaling/v2, ...), so a stored object reads back the way
``kubectl get -o yaml`` shows it on a real cluster: a Deployment gets
``replicas: 1``, a 25%/25% RollingUpdate strategy and ``revisionHistoryLimit:
10``; every container in it gets ``imagePullPolicy``,
``terminationMessagePath`` and ``terminationMessagePolicy``.

Two things kube-apiserver does outside defaulting are here too, as plain
functions for the API server to call: :func:`default_toleration_seconds` (the
DefaultTolerationSeconds admission plugin) and :func:`generate_job_selector`
(the Job strategy's PrepareForCreate).
"""
from __future__ import annotations

__all__ = [
    "apply_defaults", "default_pod_spec", "default_pod_template", "default_toleration_seconds",
    "generate_job_selector", "image_pull_policy",
]

DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
DEFAULT_SCHEDULER_NAME = "default-scheduler"
DEFAULT_TOLERATION_SECONDS = 300
DEFAULT_CPU_UTILIZATION = 80          # autoscaling.DefaultCPUUtilization
DEFAULT_CLIENT_IP_TIMEOUT = 10800     # v1.DefaultClientIPServiceAffinitySeconds (3 hours)
_FILE_MODE_0644 = 420                 # volumes' defaultMode


def _dict(parent: dict, key: str) -> dict:
    """parent[key] as a dict, created when missing (a nil struct pointer being allocated)."""
    value = parent.get(key)
    if not isinstance(value, dict):
        value = parent[key] = {}
    return value


def _get(obj, *keys):
    """obj[k1][k2]... or None when any level is missing or not a dict."""
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# --- containers and pod specs (core/v1) -------------------------------------------

def image_pull_policy(image: str) -> str:
    """SetDefaults_Container: Always for ``:latest`` or an untagged, undigested image, else IfNotPresent.

    simplified: the reference is split by hand rather than by the docker reference grammar.
    """
    image = image if isinstance(image, str) else ""
    if "@" in image:
        name, _digest = image.split("@", 1)
        tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
        return "Always" if tag == "latest" else "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _default_handler(handler: dict) -> None:
    """SetDefaults_HTTPGetAction: path "/" and scheme HTTP."""
    http = handler.get("httpGet")
    if isinstance(http, dict):
        if not http.get("path"):
            http["path"] = "/"
        if not http.get("scheme"):
            http["scheme"] = "HTTP"


def _default_probe(probe: dict) -> None:
    """SetDefaults_Probe: timeout 1s, period 10s, success 1, failure 3."""
    for field, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                         ("failureThreshold", 3)):
        if not probe.get(field):
            probe[field] = value
    _default_handler(probe)


def _default_container(ctr: dict) -> None:
    if not ctr.get("imagePullPolicy"):
        ctr["imagePullPolicy"] = image_pull_policy(ctr.get("image") or "")
    if not ctr.get("terminationMessagePath"):
        ctr["terminationMessagePath"] = "/dev/termination-log"
    if not ctr.get("terminationMessagePolicy"):
        ctr["terminationMessagePolicy"] = "File"
    for port in _dicts(ctr.get("ports")):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(ctr.get(probe), dict):
            _default_probe(ctr[probe])
    lifecycle = ctr.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            if isinstance(lifecycle.get(hook), dict):
                _default_handler(lifecycle[hook])
    for var in _dicts(ctr.get("env")):
        field_ref = _get(var, "valueFrom", "fieldRef")
        if isinstance(field_ref, dict) and not field_ref.get("apiVersion"):
            field_ref["apiVersion"] = "v1"


_VOLUME_SOURCES = (
    "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi",
    "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI", "fc",
    "flexVolume", "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume",
    "azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image",
)


def _default_volume(volume: dict) -> None:
    """SetDefaults_Volume and the volume sources' defaultMode (0644) and hostPath type."""
    if not any(volume.get(source) is not None for source in _VOLUME_SOURCES):
        volume["emptyDir"] = {}
    for source in ("secret", "configMap", "downwardAPI", "projected"):
        if isinstance(volume.get(source), dict) and volume[source].get("defaultMode") is None:
            volume[source]["defaultMode"] = _FILE_MODE_0644
    if isinstance(volume.get("hostPath"), dict) and volume["hostPath"].get("type") is None:
        volume["hostPath"]["type"] = ""
    if isinstance(volume.get("image"), dict) and not volume["image"].get("pullPolicy"):
        volume["image"]["pullPolicy"] = image_pull_policy(volume["image"].get("reference") or "")
    projected = volume.get("projected")
    if isinstance(projected, dict):
        for source in _dicts(projected.get("sources")):
            token = source.get("serviceAccountToken")
            if isinstance(token, dict) and token.get("expirationSeconds") is None:
                token["expirationSeconds"] = 3600


def default_pod_spec(spec: dict) -> None:
    """SetDefaults_PodSpec and everything nested in a PodSpec (containers, probes, volumes).

    This is what every pod template gets; Pods themselves also get SetDefaults_Pod's extras.
    """
    if not spec.get("dnsPolicy"):
        spec["dnsPolicy"] = "ClusterFirst"
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Always"
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
    if not spec.get("schedulerName"):
        spec["schedulerName"] = DEFAULT_SCHEDULER_NAME
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for ctr in _dicts(spec.get(field)):
            _default_container(ctr)
    for volume in _dicts(spec.get("volumes")):
        _default_volume(volume)


def default_pod_template(template) -> None:
    """Defaults of a PodTemplateSpec (the spec part; metadata is left alone)."""
    if isinstance(template, dict):
        default_pod_spec(_dict(template, "spec"))


def _default_pod(pod: dict) -> None:
    """SetDefaults_Pod: requests default to limits, service links on, host-network ports."""
    spec = _dict(pod, "spec")
    default_pod_spec(spec)
    for field in ("containers", "initContainers"):
        for ctr in _dicts(spec.get(field)):
            resources = ctr.get("resources")
            if not isinstance(resources, dict) or not isinstance(resources.get("limits"), dict):
                continue
            requests = _dict(resources, "requests")
            for name, value in resources["limits"].items():
                requests.setdefault(name, value)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork"):
        for field in ("containers", "initContainers"):
            for ctr in _dicts(spec.get(field)):
                for port in _dicts(ctr.get("ports")):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")


# --- other core/v1 kinds ----------------------------------------------------------

def _default_service(svc: dict) -> None:
    """SetDefaults_Service, plus the IP family fields the Service REST storage fills.

    simplified: ipFamilies is always [IPv4] (a single-stack IPv4 cluster); the
    clusterIP itself is allocated by the API server, not here.
    """
    spec = _dict(svc, "spec")
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        if _get(spec, "sessionAffinityConfig", "clientIP", "timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": DEFAULT_CLIENT_IP_TIMEOUT}}
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for port in _dicts(spec.get("ports")):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    stype = spec["type"]
    if (stype in ("NodePort", "LoadBalancer") or spec.get("externalIPs")) and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and stype in ("ClusterIP", "NodePort", "LoadBalancer"):
        spec["internalTrafficPolicy"] = "Cluster"
    if stype == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if stype != "ExternalName":
        if not spec.get("ipFamilies"):
            spec["ipFamilies"] = ["IPv4"]
        if not spec.get("ipFamilyPolicy"):
            spec["ipFamilyPolicy"] = "SingleStack"


def _default_pvc_spec(spec: dict) -> None:
    if not spec.get("volumeMode"):
        spec["volumeMode"] = "Filesystem"


def _default_pvc(pvc: dict) -> None:
    """SetDefaults_PersistentVolumeClaim(Spec): volumeMode Filesystem, phase Pending."""
    _default_pvc_spec(_dict(pvc, "spec"))
    status = _dict(pvc, "status")
    if not status.get("phase"):
        status["phase"] = "Pending"


def _default_pv(pv: dict) -> None:
    """SetDefaults_PersistentVolume: reclaim policy Retain, volumeMode Filesystem, phase Pending.

    (A dynamically provisioned volume takes its StorageClass's policy, usually Delete;
    the provisioner sets that explicitly.)
    """
    spec = _dict(pv, "spec")
    if not spec.get("persistentVolumeReclaimPolicy"):
        spec["persistentVolumeReclaimPolicy"] = "Retain"
    if not spec.get("volumeMode"):
        spec["volumeMode"] = "Filesystem"
    if isinstance(spec.get("hostPath"), dict) and spec["hostPath"].get("type") is None:
        spec["hostPath"]["type"] = ""
    status = _dict(pv, "status")
    if not status.get("phase"):
        status["phase"] = "Pending"


def _default_namespace(ns: dict) -> None:
    """SetDefaults_Namespace(Status), plus the namespace strategy's ``kubernetes`` finalizer."""
    meta = _dict(ns, "metadata")
    if meta.get("name"):
        _dict(meta, "labels")["kubernetes.io/metadata.name"] = meta["name"]
    spec = _dict(ns, "spec")
    if "finalizers" not in spec:
        spec["finalizers"] = ["kubernetes"]
    status = _dict(ns, "status")
    if not status.get("phase"):
        status["phase"] = "Active"


def _default_node(node: dict) -> None:
    """SetDefaults_NodeStatus: allocatable defaults to capacity."""
    status = node.get("status")
    if isinstance(status, dict) and status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
        status["allocatable"] = dict(status["capacity"])


def _default_secret(secret: dict) -> None:
    if not secret.get("type"):
        secret["type"] = "Opaque"


def _default_endpoints(ep: dict) -> None:
    for subset in _dicts(ep.get("subsets")):
        for port in _dicts(subset.get("ports")):
            if not port.get("protocol"):
                port["protocol"] = "TCP"


def _default_limit_range(lr: dict) -> None:
    """SetDefaults_LimitRangeItem: for Container limits, default <- max, defaultRequest <- default, min."""
    for item in _dicts(_dict(lr, "spec").get("limits")):
        if item.get("type") != "Container":
            continue
        default, default_request = _dict(item, "default"), _dict(item, "defaultRequest")
        for name, value in _as_dict(item.get("max")).items():
            default.setdefault(name, value)
        for name, value in default.items():
            default_request.setdefault(name, value)
        for name, value in _as_dict(item.get("min")).items():
            default_request.setdefault(name, value)


# --- apps/v1 ------------------------------------------------------------------

def _default_deployment(d: dict) -> None:
    """SetDefaults_Deployment: replicas 1, RollingUpdate 25%/25%, history 10, deadline 600s."""
    spec = _dict(d, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = _dict(spec, "strategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = "25%"
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    default_pod_template(_dict(spec, "template"))


def _default_replica_set(rs: dict) -> None:
    spec = _dict(rs, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    default_pod_template(_dict(spec, "template"))


def _default_stateful_set(sts: dict) -> None:
    """SetDefaults_StatefulSet: OrderedReady, RollingUpdate with partition 0, Retain/Retain, 1 replica."""
    spec = _dict(sts, "spec")
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    strategy = _dict(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        if strategy.get("rollingUpdate") is None:
            strategy["rollingUpdate"] = {}
    rolling = strategy.get("rollingUpdate")
    if strategy["type"] == "RollingUpdate" and isinstance(rolling, dict) and rolling.get("partition") is None:
        rolling["partition"] = 0
    retention = _dict(spec, "persistentVolumeClaimRetentionPolicy")
    for field in ("whenDeleted", "whenScaled"):
        if not retention.get(field):
            retention[field] = "Retain"
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    default_pod_template(_dict(spec, "template"))
    for claim in _dicts(spec.get("volumeClaimTemplates")):
        _default_pvc(claim)


def _default_daemon_set(ds: dict) -> None:
    """SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, history 10."""
    spec = _dict(ds, "spec")
    strategy = _dict(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = 1
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    default_pod_template(_dict(spec, "template"))


# --- batch/v1 -----------------------------------------------------------------

def _default_job(job: dict) -> None:
    """SetDefaults_Job: completions/parallelism 1, backoffLimit 6, NonIndexed, not suspended,
    podReplacementPolicy TerminatingOrFailed (Failed with a podFailurePolicy), manualSelector false."""
    spec = _dict(job, "spec")
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = 2**31 - 1 if spec.get("backoffLimitPerIndex") is not None else 6
    template_labels = _get(spec, "template", "metadata", "labels")
    meta = _dict(job, "metadata")
    if isinstance(template_labels, dict) and template_labels and not meta.get("labels"):
        meta["labels"] = dict(template_labels)
    if not spec.get("completionMode"):
        spec["completionMode"] = "NonIndexed"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("podReplacementPolicy") is None:
        spec["podReplacementPolicy"] = "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed"
    if spec.get("manualSelector") is None:
        spec["manualSelector"] = False
    default_pod_template(_dict(spec, "template"))


def _default_cron_job(cj: dict) -> None:
    """SetDefaults_CronJob: Allow, not suspended, keep 3 successful and 1 failed Job."""
    spec = _dict(cj, "spec")
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("successfulJobsHistoryLimit") is None:
        spec["successfulJobsHistoryLimit"] = 3
    if spec.get("failedJobsHistoryLimit") is None:
        spec["failedJobsHistoryLimit"] = 1
    job_spec = _dict(_dict(spec, "jobTemplate"), "spec")
    default_pod_template(_dict(job_spec, "template"))


def generate_job_selector(job: dict, uid: str | None = None) -> None:
    """The Job strategy's generateSelector (PrepareForCreate, unless ``manualSelector: true``).

    Labels the template with the job's name and uid (new and legacy keys) and
    selects on ``batch.kubernetes.io/controller-uid``. Labels the user already
    set are kept; a conflict is then caught by validation.
    """
    spec = _dict(job, "spec")
    if spec.get("manualSelector") is True:
        return
    meta = _dict(job, "metadata")
    uid = uid if uid is not None else meta.get("uid", "")
    labels = _dict(_dict(_dict(spec, "template"), "metadata"), "labels")
    for key in ("job-name", "batch.kubernetes.io/job-name"):
        labels.setdefault(key, meta.get("name", ""))
    for key in ("controller-uid", "batch.kubernetes.io/controller-uid"):
        labels.setdefault(key, uid)
    match_labels = _dict(_dict(spec, "selector"), "matchLabels")
    match_labels.setdefault("batch.kubernetes.io/controller-uid", uid)


# --- autoscaling/v2, scheduling, storage, networking ----------------------------------

_SCALE_UP = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
             "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                          {"type": "Percent", "value": 100, "periodSeconds": 15}]}
_SCALE_DOWN = {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


def _default_hpa(hpa: dict) -> None:
    """SetDefaults_HorizontalPodAutoscaler: minReplicas 1, CPU at 80% when no metrics,
    and the default scaling rules once ``behavior`` is given at all."""
    spec = _dict(hpa, "spec")
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        for direction, defaults in (("scaleUp", _SCALE_UP), ("scaleDown", _SCALE_DOWN)):
            rules = behavior.get(direction) if isinstance(behavior.get(direction), dict) else {}
            merged = {k: (list(v) if isinstance(v, list) else v) for k, v in defaults.items()}
            merged.update({k: v for k, v in rules.items() if v is not None})
            behavior[direction] = merged


def _default_priority_class(pc: dict) -> None:
    if not pc.get("preemptionPolicy"):
        pc["preemptionPolicy"] = "PreemptLowerPriority"


def _default_storage_class(sc: dict) -> None:
    """SetDefaults_StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate."""
    if not sc.get("reclaimPolicy"):
        sc["reclaimPolicy"] = "Delete"
    if not sc.get("volumeBindingMode"):
        sc["volumeBindingMode"] = "Immediate"


def _default_network_policy(np: dict) -> None:
    """SetDefaults_NetworkPolicy: ports TCP; policyTypes Ingress (+ Egress when egress rules exist)."""
    spec = _dict(np, "spec")
    for direction in ("ingress", "egress"):
        for rule in _dicts(spec.get(direction)):
            for port in _dicts(rule.get("ports")):
                if not port.get("protocol"):
                    port["protocol"] = "TCP"
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])


_DEFAULTERS = {
    "Pod": _default_pod, "Service": _default_service, "PersistentVolumeClaim": _default_pvc,
    "PersistentVolume": _default_pv, "Namespace": _default_namespace, "Node": _default_node,
    "Secret": _default_secret, "Endpoints": _default_endpoints, "LimitRange": _default_limit_range,
    "Deployment": _default_deployment, "ReplicaSet": _default_replica_set,
    "StatefulSet": _default_stateful_set, "DaemonSet": _default_daemon_set,
    "Job": _default_job, "CronJob": _default_cron_job, "HorizontalPodAutoscaler": _default_hpa,
    "PriorityClass": _default_priority_class, "StorageClass": _default_storage_class,
    "NetworkPolicy": _default_network_policy,
}


def apply_defaults(obj: dict, rtype) -> None:
    """Fill in ``obj``'s defaults in place, as decoding it in kube-apiserver would.

    simplified: quantities are kept as written (SetDefaults_ResourceList would round
    them up to milli precision, so "0.0001" CPU reads back as "1m").
    """
    if not isinstance(obj, dict):
        return
    defaulter = _DEFAULTERS.get(getattr(rtype, "kind", None) or obj.get("kind"))
    if defaulter is not None:
        defaulter(obj)


def default_toleration_seconds(pod: dict, seconds: int = DEFAULT_TOLERATION_SECONDS) -> None:
    """The DefaultTolerationSeconds admission plugin: tolerate not-ready and unreachable
    nodes (NoExecute) for 300 s, unless the pod already tolerates them.

    A toleration with an empty key or an empty effect counts as tolerating them.
    That is why a Pod on a failed node is evicted about five minutes after the
    node controller taints it.
    """
    spec = _dict(pod, "spec")
    tolerations = spec.get("tolerations") if isinstance(spec.get("tolerations"), list) else []
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if any((not t.get("key") or t.get("key") == key) and (not t.get("effect") or t.get("effect") == "NoExecute")
               for t in _dicts(tolerations)):
            continue
        tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds})
    if tolerations:
        spec["tolerations"] = tolerations

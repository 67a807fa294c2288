"""Defaulting: what kube-apiserver fills in when it decodes an object.

Each row cites the SetDefaults_* function (pkg/apis/<group>/<version>/defaults.go)
or the documentation that states the default.
"""
import copy

import pytest
from hypothesis import given, strategies as st

from kubelab.api.defaults import (
    apply_defaults, default_toleration_seconds, generate_job_selector, image_pull_policy,
)
from kubelab.api.kinds import REGISTRY
from kubelab.api.validation import validate

CONTAINER = {"name": "web", "image": "nginx:1.27"}
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
       "spec": {"containers": [CONTAINER]}}
TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [CONTAINER]}}
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
              "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE}}
REPLICASET = {**DEPLOYMENT, "kind": "ReplicaSet"}
DAEMONSET = {**DEPLOYMENT, "kind": "DaemonSet"}
STATEFULSET = {**DEPLOYMENT, "kind": "StatefulSet", "spec": {
    **DEPLOYMENT["spec"], "serviceName": "web",
    "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}
JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "namespace": "default"},
       "spec": {"template": {"metadata": {"labels": {"app": "pi"}},
                             "spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}}
CRONJOB = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "pi", "namespace": "default"},
           "spec": {"schedule": "@hourly", "jobTemplate": {"spec": {"template": JOB["spec"]["template"]}}}}
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
PVC = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "default"},
       "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
PV = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
      "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/d"}}}
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}
NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
        "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}}
HPA = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
       "metadata": {"name": "web", "namespace": "default"},
       "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 5}}
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"}}
PRIORITY = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
            "value": 1000}
STORAGECLASS = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"},
                "provisioner": "kubelab.io/hostpath"}


def defaulted(obj):
    obj = copy.deepcopy(obj)
    apply_defaults(obj, REGISTRY.for_kind(obj["apiVersion"], obj["kind"]))
    return obj


def get(obj, path):
    for part in path.replace("]", "").replace("[", ".").split("."):
        obj = obj[int(part)] if part.isdigit() else obj[part]
    return obj


DEFAULTS = [
    # core/v1 SetDefaults_PodSpec
    (POD, "spec.restartPolicy", "Always"),
    (POD, "spec.dnsPolicy", "ClusterFirst"),
    (POD, "spec.terminationGracePeriodSeconds", 30),       # v1.DefaultTerminationGracePeriodSeconds
    (POD, "spec.schedulerName", "default-scheduler"),      # v1.DefaultSchedulerName
    (POD, "spec.securityContext", {}),
    # core/v1 SetDefaults_Pod (pods only, not templates)
    (POD, "spec.enableServiceLinks", True),               # v1.DefaultEnableServiceLinks
    # core/v1 SetDefaults_Container
    (POD, "spec.containers[0].imagePullPolicy", "IfNotPresent"),
    (POD, "spec.containers[0].terminationMessagePath", "/dev/termination-log"),
    (POD, "spec.containers[0].terminationMessagePolicy", "File"),
    # apps/v1 SetDefaults_Deployment
    (DEPLOYMENT, "spec.replicas", 1),
    (DEPLOYMENT, "spec.strategy", {"type": "RollingUpdate",
                                   "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
    (DEPLOYMENT, "spec.revisionHistoryLimit", 10),
    (DEPLOYMENT, "spec.progressDeadlineSeconds", 600),
    # generated defaulters recurse into the pod template (SetDefaults_PodSpec, SetDefaults_Container)
    (DEPLOYMENT, "spec.template.spec.restartPolicy", "Always"),
    (DEPLOYMENT, "spec.template.spec.containers[0].terminationMessagePolicy", "File"),
    # apps/v1 SetDefaults_ReplicaSet
    (REPLICASET, "spec.replicas", 1),
    # apps/v1 SetDefaults_StatefulSet
    (STATEFULSET, "spec.replicas", 1),
    (STATEFULSET, "spec.podManagementPolicy", "OrderedReady"),
    (STATEFULSET, "spec.updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
    (STATEFULSET, "spec.revisionHistoryLimit", 10),
    (STATEFULSET, "spec.persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"}),
    # volumeClaimTemplates get SetDefaults_PersistentVolumeClaim(Spec)
    (STATEFULSET, "spec.volumeClaimTemplates[0].spec.volumeMode", "Filesystem"),
    (STATEFULSET, "spec.volumeClaimTemplates[0].status.phase", "Pending"),
    # apps/v1 SetDefaults_DaemonSet
    (DAEMONSET, "spec.updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1,
                                                                                   "maxSurge": 0}}),
    (DAEMONSET, "spec.revisionHistoryLimit", 10),
    # batch/v1 SetDefaults_Job
    (JOB, "spec.completions", 1),
    (JOB, "spec.parallelism", 1),
    (JOB, "spec.backoffLimit", 6),
    (JOB, "spec.completionMode", "NonIndexed"),
    (JOB, "spec.suspend", False),
    (JOB, "spec.podReplacementPolicy", "TerminatingOrFailed"),  # JobPodReplacementPolicy, beta since v1.29
    (JOB, "spec.manualSelector", False),
    (JOB, "metadata.labels", {"app": "pi"}),                     # Job labels default to the template's
    # batch/v1 SetDefaults_CronJob
    (CRONJOB, "spec.concurrencyPolicy", "Allow"),
    (CRONJOB, "spec.suspend", False),
    (CRONJOB, "spec.successfulJobsHistoryLimit", 3),
    (CRONJOB, "spec.failedJobsHistoryLimit", 1),
    (CRONJOB, "spec.jobTemplate.spec.template.spec.dnsPolicy", "ClusterFirst"),
    # core/v1 SetDefaults_Service
    (SERVICE, "spec.type", "ClusterIP"),
    (SERVICE, "spec.sessionAffinity", "None"),
    (SERVICE, "spec.ports[0].protocol", "TCP"),
    (SERVICE, "spec.ports[0].targetPort", 80),                   # targetPort defaults to port
    (SERVICE, "spec.internalTrafficPolicy", "Cluster"),
    # the Service REST storage's IP family defaulting (single-stack IPv4 cluster)
    (SERVICE, "spec.ipFamilies", ["IPv4"]),
    (SERVICE, "spec.ipFamilyPolicy", "SingleStack"),
    # core/v1 SetDefaults_PersistentVolumeClaim(Spec)
    (PVC, "spec.volumeMode", "Filesystem"),
    (PVC, "status.phase", "Pending"),
    # core/v1 SetDefaults_PersistentVolume
    (PV, "spec.persistentVolumeReclaimPolicy", "Retain"),
    (PV, "spec.volumeMode", "Filesystem"),
    (PV, "status.phase", "Pending"),
    (PV, "spec.hostPath.type", ""),                         # SetDefaults_HostPathVolumeSource
    # core/v1 SetDefaults_Namespace(Status); the namespace strategy adds the "kubernetes" finalizer
    (NAMESPACE, "metadata.labels", {"kubernetes.io/metadata.name": "prod"}),
    (NAMESPACE, "status.phase", "Active"),
    (NAMESPACE, "spec.finalizers", ["kubernetes"]),
    # core/v1 SetDefaults_NodeStatus: allocatable defaults to capacity
    (NODE, "status.allocatable", {"cpu": "4", "memory": "8Gi", "pods": "110"}),
    # core/v1 SetDefaults_Secret
    (SECRET, "type", "Opaque"),
    # autoscaling/v2 SetDefaults_HorizontalPodAutoscaler: minReplicas 1, CPU 80% (DefaultCPUUtilization)
    (HPA, "spec.minReplicas", 1),
    (HPA, "spec.metrics", [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]),
    # scheduling/v1 SetDefaults_PriorityClass
    (PRIORITY, "preemptionPolicy", "PreemptLowerPriority"),
    # storage/v1 SetDefaults_StorageClass
    (STORAGECLASS, "reclaimPolicy", "Delete"),
    (STORAGECLASS, "volumeBindingMode", "Immediate"),
]


@pytest.mark.parametrize("obj, path, expected", DEFAULTS, ids=lambda v: v if isinstance(v, str) else None)
def test_objects_get_kubernetes_defaults(obj, path, expected):
    assert get(defaulted(obj), path) == expected


PULL_POLICIES = [
    # SetDefaults_Container: parsers.ParseImageName treats a missing tag as "latest"
    ("nginx", "Always"),
    ("nginx:latest", "Always"),
    ("nginx:1.27", "IfNotPresent"),
    ("registry.local:5000/team/app", "Always"),          # the port is not a tag
    ("registry.local:5000/team/app:v2", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"),          # a digest without a tag
]


@pytest.mark.parametrize("image, policy", PULL_POLICIES)
def test_image_pull_policy_depends_on_the_tag(image, policy):
    assert image_pull_policy(image) == policy


def test_an_explicit_pull_policy_is_kept():
    pod = defaulted({**POD, "spec": {"containers": [{**CONTAINER, "imagePullPolicy": "Never"}]}})
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Never"


def test_pod_requests_default_to_limits():
    # SetDefaults_Pod: "If limits are specified, but requests are not, default requests to limits"
    ctr = {**CONTAINER, "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "100m"}}}
    pod = defaulted({**POD, "spec": {"containers": [ctr]}})
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "100m", "memory": "128Mi"}


def test_templates_do_not_get_pod_only_defaults():
    # SetDefaults_Pod applies to v1.Pod, not to PodTemplateSpec
    ctr = {**CONTAINER, "resources": {"limits": {"cpu": "500m"}}}
    d = defaulted({**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "template": {**TEMPLATE, "spec": {
        "containers": [ctr]}}}})
    assert "requests" not in d["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert "enableServiceLinks" not in d["spec"]["template"]["spec"]


def test_probes_get_timing_defaults():
    # SetDefaults_Probe and SetDefaults_HTTPGetAction
    ctr = {**CONTAINER, "livenessProbe": {"httpGet": {"port": 80}}}
    probe = defaulted({**POD, "spec": {"containers": [ctr]}})["spec"]["containers"][0]["livenessProbe"]
    assert probe == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                     "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def test_container_ports_default_to_tcp():
    ctr = {**CONTAINER, "ports": [{"containerPort": 80}]}
    assert defaulted({**POD, "spec": {"containers": [ctr]}})["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP"}]


def test_volumes_without_a_source_become_empty_dirs_and_modes_default_to_0644():
    # SetDefaults_Volume; SetDefaults_ConfigMapVolumeSource (ConfigMapVolumeSourceDefaultMode = 0644 = 420)
    pod = defaulted({**POD, "spec": {"containers": [CONTAINER], "volumes": [
        {"name": "scratch"}, {"name": "cfg", "configMap": {"name": "app"}}]}})
    assert pod["spec"]["volumes"] == [{"name": "scratch", "emptyDir": {}},
                                      {"name": "cfg", "configMap": {"name": "app", "defaultMode": 420}}]


def test_a_recreate_deployment_gets_no_rolling_update():
    d = defaulted({**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "strategy": {"type": "Recreate"}}})
    assert d["spec"]["strategy"] == {"type": "Recreate"}


def test_a_job_with_parallelism_keeps_completions_unset():
    # "When both are unset, both are defaulted to 1" -- only then
    job = defaulted({**JOB, "spec": {**JOB["spec"], "parallelism": 3}})
    assert "completions" not in job["spec"] and job["spec"]["parallelism"] == 3


def test_a_load_balancer_service_gets_external_traffic_defaults():
    svc = defaulted({**SERVICE, "spec": {**SERVICE["spec"], "type": "LoadBalancer"}})
    assert (svc["spec"]["externalTrafficPolicy"], svc["spec"]["allocateLoadBalancerNodePorts"]) == ("Cluster", True)


def test_an_hpa_behavior_is_filled_from_the_default_rules():
    # autoscaling/v2 GenerateHPAScaleUpRules / GenerateHPAScaleDownRules
    hpa = defaulted({**HPA, "spec": {**HPA["spec"], "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}})
    assert hpa["spec"]["behavior"] == {
        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]},
        "scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max", "policies": [
            {"type": "Percent", "value": 100, "periodSeconds": 15}]}}


ALL = [POD, DEPLOYMENT, REPLICASET, DAEMONSET, STATEFULSET, JOB, CRONJOB, SERVICE, PVC, PV, NAMESPACE, NODE, HPA,
       SECRET, PRIORITY, STORAGECLASS]


@pytest.mark.parametrize("obj", ALL, ids=lambda o: o["kind"])
def test_defaulting_is_idempotent(obj):
    # kube-apiserver defaults again on every read from storage; nothing may change the second time
    once = defaulted(obj)
    assert defaulted(once) == once


@pytest.mark.parametrize("obj", ALL, ids=lambda o: o["kind"])
def test_defaulted_objects_pass_validation(obj):
    d = defaulted(obj)
    assert validate(d, REGISTRY.for_kind(d["apiVersion"], d["kind"])) == []


# --- DefaultTolerationSeconds admission ----------------------------------------------

NOT_READY = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300}
UNREACHABLE = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
               "tolerationSeconds": 300}

TOLERATIONS = [
    # plugin/pkg/admission/defaulttolerationseconds: both added, not-ready first
    ([], [NOT_READY, UNREACHABLE]),
    # a pod that already tolerates not-ready (NoExecute) keeps its own toleration
    ([{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}],
     [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5},
      UNREACHABLE]),
    # an empty key tolerates every taint, an empty effect every effect
    ([{"operator": "Exists"}], [{"operator": "Exists"}]),
    ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}],
     [{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}, NOT_READY]),
    # a NoSchedule toleration does not count
    ([{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"}],
     [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"}, NOT_READY, UNREACHABLE]),
]


@pytest.mark.parametrize("given_tolerations, expected", TOLERATIONS)
def test_pods_tolerate_unready_nodes_for_five_minutes(given_tolerations, expected):
    pod = copy.deepcopy({**POD, "spec": {**POD["spec"], "tolerations": given_tolerations}})
    default_toleration_seconds(pod)
    assert pod["spec"]["tolerations"] == expected


# --- the Job strategy's generated selector ---------------------------------------------

def test_jobs_select_their_pods_by_controller_uid():
    # registry/batch/job/strategy.go generateSelector
    job = copy.deepcopy(JOB)
    generate_job_selector(job, uid="u-1")
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}}
    assert job["spec"]["template"]["metadata"]["labels"] == {
        "app": "pi", "job-name": "pi", "batch.kubernetes.io/job-name": "pi", "controller-uid": "u-1",
        "batch.kubernetes.io/controller-uid": "u-1"}


def test_a_manual_selector_is_left_alone():
    job = copy.deepcopy({**JOB, "spec": {**JOB["spec"], "manualSelector": True, "selector": {
        "matchLabels": {"app": "pi"}}}})
    before = copy.deepcopy(job)
    generate_job_selector(job, uid="u-1")
    assert job == before


@given(st.dictionaries(st.sampled_from(["replicas", "revisionHistoryLimit", "progressDeadlineSeconds",
                                        "minReadySeconds"]), st.integers(min_value=0, max_value=1000)))
def test_explicit_values_are_never_overwritten(values):
    d = defaulted({**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], **values}})
    assert all(d["spec"][k] == v for k, v in values.items())

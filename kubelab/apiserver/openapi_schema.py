"""The compact schema behind ``/openapi/v3``: the main kinds' fields, types and one-line
descriptions, enough for ``kubectl explain deployment.spec.strategy``.

Written as text, one type per block: a header ``<package>.<Type> [<group>/<version>
<Kind>]: <description>`` then one indented line per field, ``<name> <type>[!]:
<description>`` (``!``: required). A field's type is ``string``, ``integer``,
``boolean``, ``number``, ``object`` (free-form), ``[]T``, ``map[string]T`` or another
type of this text, named by its last segment. Descriptions are kubelab's own short
wording of the Kubernetes API reference.

simplified: a subset of the API's types and fields; a kind without a block here gets
a generic schema (apiVersion, kind, metadata, spec, status).
"""
from __future__ import annotations

__all__ = ["TYPES", "parse"]

_TEXT = """
apimachinery.pkg.apis.meta.v1.ObjectMeta: Metadata every persisted object has: its name, namespace, labels and the fields the system sets.
  name string: Unique name within a namespace (or the cluster, for cluster-scoped kinds). Required when creating, unless generateName is set.
  generateName string: A prefix the server completes with a random suffix to make a unique name, when name is not given.
  namespace string: The namespace the object lives in; empty for cluster-scoped objects.
  labels map[string]string: Key/value pairs used to organize and select objects (label selectors).
  annotations map[string]string: Key/value pairs for tools and libraries; not used for selection.
  uid string: Unique identifier the server assigns at creation; never reused. Read-only.
  resourceVersion string: Opaque version of the object, changed on every write; used for optimistic concurrency and watches. Read-only.
  generation integer: A counter of changes to the desired state (spec), set by the server. Read-only.
  creationTimestamp string: When the object was created (RFC 3339, UTC). Read-only.
  deletionTimestamp string: When the object will be deleted; set by the server when a graceful deletion is requested. Read-only.
  deletionGracePeriodSeconds integer: Seconds allowed for graceful termination before the object is removed. Read-only.
  ownerReferences []OwnerReference: Objects this one depends on; when all owners are gone, the garbage collector deletes it.
  finalizers []string: Names of pending cleanup steps; the object is removed only once this list is empty.
  managedFields []object: Which field manager set which fields (server-side apply). Read-only for most clients.

apimachinery.pkg.apis.meta.v1.OwnerReference: Identifies an owning object.
  apiVersion string!: API version of the owner.
  kind string!: Kind of the owner.
  name string!: Name of the owner.
  uid string!: UID of the owner.
  controller boolean: True if the owner is the managing controller.
  blockOwnerDeletion boolean: If true, foreground deletion of the owner waits for this object to be deleted.

apimachinery.pkg.apis.meta.v1.LabelSelector: A label query over a set of objects; an empty selector matches everything.
  matchLabels map[string]string: Labels that must all be present with these values.
  matchExpressions []LabelSelectorRequirement: Requirements (In, NotIn, Exists, DoesNotExist) that must all hold.

apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement: A selector requirement: a key, an operator and values.
  key string!: The label key the requirement applies to.
  operator string!: One of In, NotIn, Exists and DoesNotExist.
  values []string: Values for In and NotIn; must be empty for Exists and DoesNotExist.

api.core.v1.Pod [v1 Pod]: The smallest deployable unit: one or more containers that share a network namespace and volumes, scheduled together onto a node.
  metadata ObjectMeta: Standard object metadata.
  spec PodSpec: The desired behavior of the pod.
  status PodStatus: The most recently observed status of the pod, written by the kubelet. Read-only.

api.core.v1.PodSpec: The containers a pod runs and how.
  containers []Container!: The containers of the pod. At least one; cannot be added or removed after creation.
  initContainers []Container: Containers run to completion, one after another, before the app containers start.
  restartPolicy string: Always, OnFailure or Never: whether the kubelet restarts exited containers. Defaults to Always.
  nodeName string: The node the pod is bound to; set by the scheduler through the binding subresource.
  nodeSelector map[string]string: Labels a node must have for the pod to be scheduled onto it.
  affinity object: Node affinity, pod affinity and pod anti-affinity scheduling constraints.
  tolerations []Toleration: Taints the pod tolerates.
  schedulerName string: The scheduler that places the pod. Defaults to default-scheduler.
  priorityClassName string: The PriorityClass giving the pod its priority (and preemption policy).
  terminationGracePeriodSeconds integer: Seconds the pod is given to stop gracefully after a delete. Defaults to 30.
  serviceAccountName string: The ServiceAccount the pod runs as.
  volumes []object: Volumes the pod's containers can mount.
  topologySpreadConstraints []object: How the pods of a group spread across topology domains (zones, nodes).

api.core.v1.Container: One container of a pod.
  name string!: Name of the container, unique within the pod (a DNS label).
  image string: Container image name.
  command []string: Entrypoint array; the image's ENTRYPOINT when not given.
  args []string: Arguments to the entrypoint; the image's CMD when not given.
  env []EnvVar: Environment variables to set in the container.
  ports []ContainerPort: Ports the container exposes (informational; a listening port is reachable either way).
  resources ResourceRequirements: Compute resources requested and limited.
  livenessProbe Probe: Periodic check of liveness; the kubelet restarts the container when it fails.
  readinessProbe Probe: Periodic check of readiness; the pod is removed from Service endpoints when it fails.
  startupProbe Probe: Check that must pass before the other probes start.
  imagePullPolicy string: Always, Never or IfNotPresent.
  volumeMounts []object: Volumes mounted into the container's filesystem.

api.core.v1.ContainerPort: A network port in a single container.
  containerPort integer!: Port number on the pod's IP address.
  name string: A name for the port, which Services can refer to.
  protocol string: TCP, UDP or SCTP. Defaults to TCP.

api.core.v1.EnvVar: An environment variable.
  name string!: Name of the variable.
  value string: The value; $(VAR) references to earlier variables are expanded.
  valueFrom object: A source for the value (a ConfigMap or Secret key, a field of the pod).

api.core.v1.ResourceRequirements: Compute resource requests and limits.
  requests map[string]string: The minimum resources the container needs; the scheduler places pods by requests.
  limits map[string]string: The maximum resources the container may use; memory over the limit is OOM-killed, CPU is throttled.

api.core.v1.Probe: A health check the kubelet performs on a container.
  httpGet object: An HTTP GET request to perform.
  tcpSocket object: A TCP port to connect to.
  exec object: A command to run in the container.
  initialDelaySeconds integer: Seconds after the container starts before probing begins.
  periodSeconds integer: How often to probe. Defaults to 10 seconds.
  failureThreshold integer: Consecutive failures before the probe counts as failed. Defaults to 3.
  successThreshold integer: Consecutive successes before a failed probe counts as passing again. Defaults to 1.
  timeoutSeconds integer: Seconds after which the probe times out. Defaults to 1.

api.core.v1.Toleration: Allows a pod onto nodes with a matching taint.
  key string: The taint key; empty with operator Exists matches every taint.
  operator string: Exists or Equal. Defaults to Equal.
  value string: The taint value to match (operator Equal).
  effect string: NoSchedule, PreferNoSchedule or NoExecute; empty matches all effects.
  tolerationSeconds integer: How long a NoExecute taint is tolerated before eviction.

api.core.v1.PodStatus: What the kubelet last observed of a pod.
  phase string: Pending, Running, Succeeded, Failed or Unknown.
  conditions []object: PodScheduled, Initialized, ContainersReady and Ready.
  podIP string: The IP address allocated to the pod.
  hostIP string: The IP address of the node the pod runs on.
  startTime string: When the kubelet acknowledged the pod.
  containerStatuses []object: One entry per container: its state, readiness and restart count.
  qosClass string: Guaranteed, Burstable or BestEffort, from the containers' requests and limits.

api.core.v1.PodTemplateSpec: The pods a workload controller creates.
  metadata ObjectMeta: Labels and annotations of the created pods.
  spec PodSpec: The specification of the created pods.

api.apps.v1.Deployment [apps/v1 Deployment]: Declarative updates for Pods and ReplicaSets: the controller rolls the pods toward the template, one ReplicaSet per template revision.
  metadata ObjectMeta: Standard object metadata.
  spec DeploymentSpec: The desired behavior of the Deployment.
  status DeploymentStatus: The most recently observed status of the Deployment. Read-only.

api.apps.v1.DeploymentSpec: The desired state of a Deployment.
  replicas integer: Number of desired pods. Defaults to 1.
  selector LabelSelector!: Label selector for the pods; must match the template's labels. Immutable.
  template PodTemplateSpec!: The pods to create.
  strategy DeploymentStrategy: How old pods are replaced by new ones.
  minReadySeconds integer: Seconds a new pod must be ready before it counts as available. Defaults to 0.
  revisionHistoryLimit integer: Old ReplicaSets kept for rollback. Defaults to 10.
  progressDeadlineSeconds integer: Seconds without progress before the rollout is reported as failed. Defaults to 600.
  paused boolean: Whether the rollout is paused.

api.apps.v1.DeploymentStrategy: How a Deployment replaces its pods.
  type string: Recreate (all old pods are killed first) or RollingUpdate. Defaults to RollingUpdate.
  rollingUpdate RollingUpdateDeployment: Parameters of a rolling update.

api.apps.v1.RollingUpdateDeployment: The pace of a rolling update.
  maxUnavailable string: Pods that may be unavailable during the update: a number or a percentage of desired pods (rounded down). Defaults to 25%.
  maxSurge string: Pods that may be created above the desired count: a number or a percentage (rounded up). Defaults to 25%.

api.apps.v1.DeploymentStatus: The observed state of a Deployment.
  observedGeneration integer: The generation the controller last acted on.
  replicas integer: Pods targeted by the Deployment (all its ReplicaSets).
  updatedReplicas integer: Pods with the current template.
  readyReplicas integer: Pods with a Ready condition.
  availableReplicas integer: Pods ready for at least minReadySeconds.
  unavailableReplicas integer: Pods still needed for 100% availability.
  conditions []object: Available, Progressing and ReplicaFailure.

api.apps.v1.ReplicaSet [apps/v1 ReplicaSet]: Keeps a number of identical pods running.
  metadata ObjectMeta: Standard object metadata.
  spec ReplicaSetSpec: The desired behavior of the ReplicaSet.
  status object: The most recently observed status of the ReplicaSet. Read-only.

api.apps.v1.ReplicaSetSpec: The desired state of a ReplicaSet.
  replicas integer: Number of desired pods. Defaults to 1.
  selector LabelSelector!: Label selector for the pods it counts and adopts.
  template PodTemplateSpec: The pods to create when too few exist.
  minReadySeconds integer: Seconds a new pod must be ready before it counts as available.

api.core.v1.Service [v1 Service]: A stable virtual IP and DNS name in front of the pods a selector picks.
  metadata ObjectMeta: Standard object metadata.
  spec ServiceSpec: The behavior of the service.
  status object: The most recently observed status of the service (load balancer ingress). Read-only.

api.core.v1.ServiceSpec: The desired state of a Service.
  selector map[string]string: Pods with these labels receive the traffic; without a selector, endpoints are managed by hand.
  ports []ServicePort: The ports the service exposes.
  type string: ClusterIP, NodePort, LoadBalancer or ExternalName. Defaults to ClusterIP.
  clusterIP string: The virtual IP, allocated by the server unless given; None makes a headless service.
  sessionAffinity string: ClientIP or None. Defaults to None.

api.core.v1.ServicePort: One port of a service.
  port integer!: The port the service listens on.
  targetPort string: The pod port (number or name) traffic is sent to. Defaults to port.
  nodePort integer: The port on every node (NodePort and LoadBalancer types).
  protocol string: TCP, UDP or SCTP. Defaults to TCP.
  name string: Name of the port; required when there are several.

api.core.v1.ConfigMap [v1 ConfigMap]: Non-confidential configuration data as key/value pairs, for pods to consume.
  metadata ObjectMeta: Standard object metadata.
  data map[string]string: Configuration data (UTF-8 values).
  binaryData map[string]string: Binary configuration data (base64-encoded values).
  immutable boolean: If true, the data cannot be changed.

api.core.v1.Namespace [v1 Namespace]: A scope for names; deleting it deletes everything in it.
  metadata ObjectMeta: Standard object metadata.
  spec object: The finalizers that must run before the namespace is removed.
  status object: Active or Terminating. Read-only.

api.core.v1.Node [v1 Node]: A worker machine; its kubelet registers it and reports its status.
  metadata ObjectMeta: Standard object metadata.
  spec NodeSpec: The desired behavior of the node.
  status object: Capacity, allocatable resources, conditions and addresses, reported by the kubelet. Read-only.

api.core.v1.NodeSpec: How the node may be used.
  unschedulable boolean: If true, no new pods are scheduled onto the node (kubectl cordon).
  taints []Taint: Taints that repel pods which do not tolerate them.
  podCIDR string: The pod IP range assigned to the node.

api.core.v1.Taint: A node property that repels pods without a matching toleration.
  key string!: The taint key.
  value string: The taint value.
  effect string!: NoSchedule, PreferNoSchedule or NoExecute.

api.batch.v1.Job [batch/v1 Job]: Runs pods until a number of them complete successfully.
  metadata ObjectMeta: Standard object metadata.
  spec JobSpec: The desired behavior of the job.
  status object: The most recently observed status of the job. Read-only.

api.batch.v1.JobSpec: What a Job runs and when it is done.
  template PodTemplateSpec!: The pods to run (restartPolicy Never or OnFailure).
  completions integer: Successful pods needed. Defaults to 1.
  parallelism integer: Pods run at once at most. Defaults to 1.
  backoffLimit integer: Retries before the job is marked failed. Defaults to 6.
  activeDeadlineSeconds integer: Seconds the job may run before it is terminated.
  completionMode string: NonIndexed or Indexed. Defaults to NonIndexed.
"""


def parse(text: str = _TEXT) -> dict[str, dict]:
    """{type: {"package", "gvk", "description", "fields": [(name, type, required, description)]}}."""
    types: dict[str, dict] = {}
    current = None
    for line in text.splitlines():
        if not line.strip():
            continue
        head, _, description = line.strip().partition(": ")
        if not line.startswith(" "):
            qualified, _, gvk = head.partition(" [")
            name = qualified.rsplit(".", 1)[1]
            group_version, _, kind = gvk.rstrip("]").partition(" ")
            group, _, version = group_version.rpartition("/")
            current = types[name] = {"package": "io.k8s." + qualified.rsplit(".", 1)[0], "description": description,
                                     "gvk": (group, version, kind) if gvk else None, "fields": []}
            continue
        field, type_ = head.split(" ")
        current["fields"].append((field, type_.rstrip("!"), type_.endswith("!"), description))
    return types


TYPES = parse()

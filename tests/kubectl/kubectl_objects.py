"""Hand-built objects for the describe and table tests, their timestamps relative to
``now`` (so the same objects can be printed by kubelab at a fixed time and by the
real kubectl at the time it runs)."""
from __future__ import annotations

from datetime import timedelta


def objects(now) -> dict:
    """Named objects: a crash-looping Deployment pod, its ReplicaSet and Deployment,
    a NodePort Service with Endpoints/EndpointSlice, a Node, a Namespace, a ConfigMap,
    a Lease and the pod's Events."""
    def ts(days=0, hours=0, minutes=0, seconds=0):
        return (now - timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    T0 = ts(days=3)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-7c5ddbdf54-x2x9k", "namespace": "default", "uid": "uid-pod-1",
      "creationTimestamp": T0, "labels": {"app": "web", "pod-template-hash": "7c5ddbdf54"},
      "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"},
      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7c5ddbdf54", "uid": "uid-rs", "controller": True, "blockOwnerDeletion": True}]},
     "spec": {"nodeName": "node-1", "serviceAccountName": "default", "priority": 0, "schedulerName": "default-scheduler",
       "containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}],
           "env": [{"name": "MODE", "value": "prod"}, {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
           "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
           "readinessProbe": {"httpGet": {"path": "/", "port": 80, "scheme": "HTTP"}, "periodSeconds": 5, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
           "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "kube-api-access-abcde", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True}]},
          {"name": "sidecar", "image": "busybox", "command": ["sh", "-c", "sleep 3600"]}],
       "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "web-config"}}, {"name": "kube-api-access-abcde", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}, {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}, {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}],
       "nodeSelector": {"disktype": "ssd"},
       "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                       {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                       {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]},
     "status": {"phase": "Running", "hostIP": "10.0.0.11", "hostIPs": [{"ip": "10.0.0.11"}], "podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}],
       "startTime": T0, "qosClass": "Burstable",
       "conditions": [{"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": T0},
                      {"type": "Initialized", "status": "True", "lastTransitionTime": T0},
                      {"type": "Ready", "status": "False", "lastTransitionTime": T0, "reason": "ContainersNotReady", "message": "containers with unready status: [sidecar]"},
                      {"type": "ContainersReady", "status": "False", "lastTransitionTime": T0},
                      {"type": "PodScheduled", "status": "True", "lastTransitionTime": T0}],
       "containerStatuses": [
         {"name": "nginx", "image": "docker.io/library/nginx:1.27", "imageID": "docker.io/library/nginx@sha256:abc", "containerID": "containerd://aaa", "ready": True, "started": True, "restartCount": 0,
          "state": {"running": {"startedAt": T0}}, "lastState": {}},
         {"name": "sidecar", "image": "docker.io/library/busybox:latest", "imageID": "", "containerID": "containerd://bbb", "ready": False, "started": False, "restartCount": 4,
          "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 1m20s restarting failed container=sidecar pod=web-7c5ddbdf54-x2x9k_default(uid-pod-1)"}},
          "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": ts(hours=3), "finishedAt": ts(hours=2), "containerID": "containerd://bbb"}}}]}}
    events = [
     {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web-7c5ddbdf54-x2x9k.1", "namespace": "default", "creationTimestamp": T0},
      "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-7c5ddbdf54-x2x9k", "uid": "uid-pod-1", "apiVersion": "v1"},
      "reason": "Scheduled", "message": "Successfully assigned default/web-7c5ddbdf54-x2x9k to node-1", "source": {"component": "default-scheduler"},
      "firstTimestamp": None, "lastTimestamp": None, "eventTime": ts(days=3).replace("Z", ".000000Z"), "reportingComponent": "default-scheduler", "reportingInstance": "", "type": "Normal", "count": 0},
     {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web-7c5ddbdf54-x2x9k.2", "namespace": "default", "creationTimestamp": T0},
      "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-7c5ddbdf54-x2x9k", "uid": "uid-pod-1", "apiVersion": "v1", "fieldPath": "spec.containers{sidecar}"},
      "reason": "BackOff", "message": "Back-off restarting failed container sidecar in pod web-7c5ddbdf54-x2x9k_default(uid-pod-1)", "source": {"component": "kubelet", "host": "node-1"},
      "firstTimestamp": ts(hours=10), "lastTimestamp": ts(hours=2), "count": 12, "type": "Warning"},
     {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web-7c5ddbdf54-x2x9k.3", "namespace": "default", "creationTimestamp": T0},
      "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-7c5ddbdf54-x2x9k", "uid": "uid-pod-1", "apiVersion": "v1", "fieldPath": "spec.containers{nginx}"},
      "reason": "Pulled", "message": "Container image \"nginx:1.27\" already present on machine", "source": {"component": "kubelet", "host": "node-1"},
      "firstTimestamp": ts(days=3), "lastTimestamp": ts(days=3), "count": 1, "type": "Normal"},
    ]
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "uid": "uid-node-1", "creationTimestamp": ts(days=10),
      "labels": {"kubernetes.io/hostname": "node-1", "kubernetes.io/os": "linux", "node-role.kubernetes.io/worker": ""},
      "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
     "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"], "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]},
     "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi"},
       "allocatable": {"cpu": "3800m", "memory": "7Gi", "pods": "110", "ephemeral-storage": "90Gi"},
       "conditions": [
         {"type": "MemoryPressure", "status": "False", "lastHeartbeatTime": ts(hours=1), "lastTransitionTime": ts(days=10), "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available"},
         {"type": "DiskPressure", "status": "False", "lastHeartbeatTime": ts(hours=1), "lastTransitionTime": ts(days=10), "reason": "KubeletHasNoDiskPressure", "message": "kubelet has no disk pressure"},
         {"type": "PIDPressure", "status": "False", "lastHeartbeatTime": ts(hours=1), "lastTransitionTime": ts(days=10), "reason": "KubeletHasSufficientPID", "message": "kubelet has sufficient PID available"},
         {"type": "Ready", "status": "True", "lastHeartbeatTime": ts(hours=1), "lastTransitionTime": ts(days=10), "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
       "addresses": [{"type": "InternalIP", "address": "10.0.0.11"}, {"type": "Hostname", "address": "node-1"}],
       "nodeInfo": {"machineID": "m1", "systemUUID": "s1", "bootID": "b1", "kernelVersion": "6.1.0", "osImage": "Debian GNU/Linux 12 (bookworm)", "containerRuntimeVersion": "containerd://1.7.0", "kubeletVersion": "v1.32.0", "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"}}}
    tmpl = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}], "resources": {}}]}}
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default", "uid": "uid-deploy", "generation": 2, "creationTimestamp": ts(days=3),
       "labels": {"app": "web"}, "annotations": {"deployment.kubernetes.io/revision": "2"}},
     "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": tmpl, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600, "minReadySeconds": 0},
     "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 1,
       "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability.", "lastUpdateTime": T0, "lastTransitionTime": T0},
                      {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": "ReplicaSet \"web-7c5ddbdf54\" has successfully progressed.", "lastUpdateTime": T0, "lastTransitionTime": T0}]}}
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-7c5ddbdf54", "namespace": "default", "uid": "uid-rs", "creationTimestamp": ts(days=3),
       "labels": {"app": "web", "pod-template-hash": "7c5ddbdf54"}, "annotations": {"deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4", "deployment.kubernetes.io/revision": "2"},
       "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "uid-deploy", "controller": True, "blockOwnerDeletion": True}]},
     "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7c5ddbdf54"}}, "template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "7c5ddbdf54"}}, "spec": tmpl["spec"]}},
     "status": {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 2, "availableReplicas": 2, "observedGeneration": 1}}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default", "uid": "uid-svc", "creationTimestamp": ts(days=3), "labels": {"app": "web"}},
     "spec": {"type": "NodePort", "selector": {"app": "web"}, "clusterIP": "10.96.12.34", "clusterIPs": ["10.96.12.34"], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
       "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"}], "sessionAffinity": "None", "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster"},
     "status": {"loadBalancer": {}}}
    ep = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default", "creationTimestamp": ts(days=3)},
     "subsets": [{"addresses": [{"ip": "10.244.1.5"}, {"ip": "10.244.2.7"}], "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]}
    eps = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "web-abcde", "namespace": "default", "creationTimestamp": ts(days=3), "labels": {"kubernetes.io/service-name": "web"}},
     "addressType": "IPv4", "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}}, {"addresses": ["10.244.2.7"], "conditions": {"ready": True}}],
     "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default", "uid": "uid-ns", "creationTimestamp": ts(days=10), "labels": {"kubernetes.io/metadata.name": "default"}}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config", "namespace": "default", "creationTimestamp": ts(days=3)}, "data": {"nginx.conf": "server {\n  listen 80;\n}\n"}}
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "node-1", "namespace": "default", "creationTimestamp": ts(days=3)}, "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40, "renewTime": "2026-01-01T00:00:00.000000Z"}}
    return {"pod": pod, "events": events, "node": node, "deployment": deploy, "replicaset": rs,
            "service": svc, "endpoints": ep, "endpointslice": eps, "namespace": ns, "configmap": cm, "lease": lease}


def all_objects(now) -> list[dict]:
    found = objects(now)
    return [o for key, value in found.items() for o in (value if key == "events" else [value])]


def more_objects(now) -> list[dict]:
    """Workload, storage, autoscaling and policy objects for the other describers."""
    def ts(days=0, hours=0):
        return (now - timedelta(days=days, hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = lambda name, **extra: {"name": name, "namespace": "default", "uid": f"uid-{name}",  # noqa: E731
                                  "creationTimestamp": ts(days=2), **extra}
    template = {"metadata": {"labels": {"app": "batch"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "work", "image": "busybox",
                                                                    "command": ["sh", "-c", "echo hi"]}]}}
    return [
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("pi", labels={"app": "batch"}),
         "spec": {"parallelism": 1, "completions": 3, "backoffLimit": 6, "completionMode": "NonIndexed",
                  "suspend": False, "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "uid-pi"}},
                  "template": template},
         "status": {"startTime": ts(days=2), "completionTime": ts(days=1, hours=23), "succeeded": 3, "ready": 0,
                    "conditions": [{"type": "Complete", "status": "True"}]}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta("nightly"),
         "spec": {"schedule": "0 3 * * *", "concurrencyPolicy": "Forbid", "suspend": False,
                  "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                  "jobTemplate": {"spec": {"template": template}}},
         "status": {"lastScheduleTime": ts(hours=5)}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta("agent"),
         "spec": {"selector": {"matchLabels": {"app": "agent"}},
                  "template": {"metadata": {"labels": {"app": "agent"}},
                               "spec": {"containers": [{"name": "agent", "image": "agent:1"}],
                                        "tolerations": [{"operator": "Exists"}]}}},
         "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 3,
                    "updatedNumberScheduled": 3, "numberAvailable": 3, "numberMisscheduled": 0}},
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta("db"),
         "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                  "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                  "template": {"metadata": {"labels": {"app": "db"}},
                               "spec": {"containers": [{"name": "pg", "image": "postgres:16",
                                                        "volumeMounts": [{"name": "data", "mountPath": "/var/lib"}]}]}},
                  "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                            "spec": {"accessModes": ["ReadWriteOnce"],
                                                     "resources": {"requests": {"storage": "1Gi"}}}}]},
         "status": {"replicas": 2, "readyReplicas": 2}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("data-db-0"),
         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                  "storageClassName": "standard", "volumeName": "pv-1", "volumeMode": "Filesystem"},
         "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}}},
        {"apiVersion": "v1", "kind": "PersistentVolume",
         "metadata": {"name": "pv-1", "uid": "uid-pv-1", "creationTimestamp": ts(days=2)},
         "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                  "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                  "volumeMode": "Filesystem", "hostPath": {"path": "/data/pv-1", "type": ""},
                  "claimRef": {"namespace": "default", "name": "data-db-0"}},
         "status": {"phase": "Bound"}},
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta("web"),
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                  "minReplicas": 1, "maxReplicas": 5,
                  "behavior": {"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
                      {"type": "Pods", "value": 4, "periodSeconds": 15},
                      {"type": "Percent", "value": 100, "periodSeconds": 15}]},
                               "scaleDown": {"stabilizationWindowSeconds": 300, "policies": [
                                   {"type": "Percent", "value": 100, "periodSeconds": 15}]}},
                  "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                      "type": "Utilization", "averageUtilization": 50}}}]},
         "status": {"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": [
             {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 42,
                                                                        "averageValue": "42m"}}}],
             "conditions": [{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                             "message": "recommended size matches current size", "lastTransitionTime": ts(days=1)}]}},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("compute"),
         "spec": {"hard": {"requests.cpu": "2", "pods": "10"}},
         "status": {"hard": {"requests.cpu": "2", "pods": "10"}, "used": {"requests.cpu": "500m", "pods": "3"}}},
        {"apiVersion": "v1", "kind": "LimitRange", "metadata": meta("defaults"),
         "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"}}]}},
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
         "metadata": {"name": "standard", "creationTimestamp": ts(days=2),
                      "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
         "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"},
        {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
         "metadata": {"name": "high", "creationTimestamp": ts(days=2)}, "value": 1000, "globalDefault": False,
         "description": "For the important pods.", "preemptionPolicy": "PreemptLowerPriority"},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("builder"),
         "imagePullSecrets": [{"name": "registry"}], "secrets": [{"name": "a"}, {"name": "b"}]},
        {"apiVersion": "v1", "kind": "Pod", "metadata": meta("db-0", labels={"app": "db"}),
         "spec": {"containers": [{"name": "pg", "image": "postgres:16"}],
                  "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]},
         "status": {"phase": "Running"}},
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": meta("busy", labels={"app": "busy"}, deletionTimestamp=ts(hours=1), deletionGracePeriodSeconds=30),
         "spec": {"nodeName": "node-1", "priorityClassName": "high", "priority": 1000,
                  "readinessGates": [{"conditionType": "example.com/lb-ready"}],
                  "initContainers": [{"name": "setup", "image": "busybox", "command": ["sh", "-c", "echo init\ndone"]},
                                     {"name": "proxy", "image": "envoy:1", "restartPolicy": "Always"}],
                  "containers": [{"name": "app", "image": "app:2", "args": ["--port", "8080"],
                                  "ports": [{"containerPort": 8080, "protocol": "TCP"},
                                            {"containerPort": 9090, "protocol": "UDP", "hostPort": 9090}],
                                  "envFrom": [{"configMapRef": {"name": "web-config"}},
                                              {"secretRef": {"name": "creds", "optional": True}, "prefix": "DB_"}],
                                  "env": [{"name": "MULTI", "value": "a\nb"},
                                          {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "pw"}}},
                                          {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "web-config",
                                                                                              "key": "mode"}}},
                                          {"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                                                      "fieldPath": "spec.nodeName"}}},
                                          {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                                                     "fieldPath": "metadata.name"}}},
                                          {"name": "APP", "valueFrom": {"fieldRef": {
                                              "apiVersion": "v1", "fieldPath": "metadata.labels['app']"}}},
                                          {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory",
                                                                                             "divisor": "1Mi"}}},
                                          {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}],
                                  "resources": {"limits": {"cpu": "500m", "memory": "256Mi"},
                                                "requests": {"cpu": "500m", "memory": "256Mi"}},
                                  "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5,
                                                    "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                                                    "failureThreshold": 3},
                                  "startupProbe": {"tcpSocket": {"port": 8080}, "timeoutSeconds": 1, "periodSeconds": 10,
                                                   "successThreshold": 1, "failureThreshold": 30},
                                  "volumeMounts": [{"name": "cfg", "mountPath": "/etc/app", "subPath": "app.conf",
                                                    "readOnly": True}]}],
                  "volumes": [{"name": "cfg", "configMap": {"name": "web-config", "optional": True}},
                              {"name": "s", "secret": {"secretName": "creds"}},
                              {"name": "d", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {
                                  "fieldPath": "metadata.labels"}}]}},
                              {"name": "hp", "hostPath": {"path": "/var/log"}}],
                  "tolerations": [{"operator": "Exists"}, {"key": "k", "operator": "Equal", "value": "v"}]},
         "status": {"phase": "Running", "hostIP": "10.0.0.11", "podIP": "10.244.1.9", "podIPs": [{"ip": "10.244.1.9"}],
                    "nominatedNodeName": "node-2", "qosClass": "Guaranteed", "startTime": ts(days=2),
                    "conditions": [{"type": "example.com/lb-ready", "status": "False"},
                                   {"type": "Ready", "status": "False"}],
                    "initContainerStatuses": [
                        {"name": "setup", "image": "busybox", "imageID": "sha", "containerID": "containerd://1",
                         "ready": True, "restartCount": 0,
                         "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": ts(days=2),
                                                  "finishedAt": ts(days=2)}}},
                        {"name": "proxy", "image": "envoy:1", "imageID": "sha", "containerID": "containerd://2",
                         "ready": True, "started": True, "restartCount": 1,
                         "state": {"running": {"startedAt": ts(days=1)}}}],
                    "containerStatuses": [
                        {"name": "app", "image": "app:2", "imageID": "sha", "containerID": "containerd://3",
                         "ready": False, "restartCount": 2,
                         "state": {"terminated": {"exitCode": 137, "signal": 9, "reason": "OOMKilled",
                                                  "message": "out of memory", "startedAt": ts(hours=3),
                                                  "finishedAt": ts(hours=2)}},
                         "lastState": {"terminated": {"exitCode": 1, "startedAt": ts(hours=5),
                                                      "finishedAt": ts(hours=4)}}}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta("web-ingress"),
         "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress", "Egress"],
                  "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "frontend"}}},
                                        {"namespaceSelector": {"matchLabels": {"team": "a"}},
                                         "podSelector": {"matchLabels": {"role": "x"}}}],
                               "ports": [{"protocol": "TCP", "port": 80}]},
                              {"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}],
                  "egress": [{"to": [{"namespaceSelector": {}}], "ports": [{"protocol": "UDP", "port": 53}]}]}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta("web"),
         "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
         "status": {"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta("deny-all"),
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
    ]

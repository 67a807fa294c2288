"""Rows of ``kubectl get`` for each kind, as kube-apiserver's printers.go builds them.

Each case names the printers.go function it follows; headers are the
TableColumnDefinition names upper-cased, wide ones only with ``-o wide``."""
from datetime import datetime, timezone

import pytest

from kubelab.kubectl.tables import columns_for, render, table_lines

NOW = datetime(2026, 1, 2, 12, 0, 0, tzinfo=timezone.utc)
CREATED = "2026-01-02T11:00:00Z"   # one hour before NOW: AGE "60m"


def obj(kind, name="x", spec=None, status=None, **extra):
    meta = {"name": name, "namespace": "default", "creationTimestamp": CREATED, **extra.pop("meta", {})}
    return {"kind": kind, "metadata": meta, "spec": spec or {}, "status": status or {}, **extra}


def row(o):
    headers, fn = columns_for(o["kind"])
    return dict(zip([h.lstrip("*") for h in headers], fn(o, NOW)))


def node(conditions=(), unschedulable=False, labels=None):
    return obj("Node", "n1", spec={"unschedulable": unschedulable},
               status={"conditions": [{"type": t, "status": s} for t, s in conditions],
                       "nodeInfo": {"kubeletVersion": "v1.32.0"}}, meta={"labels": labels or {}})


CASES = [
    # printNode: Ready / NotReady / Unknown, then SchedulingDisabled; roles from node-role labels.
    (node([("Ready", "True")]), {"STATUS": "Ready", "ROLES": "<none>", "VERSION": "v1.32.0"}),
    (node([("Ready", "False")]), {"STATUS": "NotReady"}),
    (node([("MemoryPressure", "False")]), {"STATUS": "Unknown"}),
    (node([("Ready", "True")], unschedulable=True), {"STATUS": "Ready,SchedulingDisabled"}),
    (node([("Ready", "Unknown")], unschedulable=True), {"STATUS": "NotReady,SchedulingDisabled"}),
    (node(labels={"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/worker": "",
                  "kubernetes.io/role": "edge"}), {"ROLES": "control-plane,edge,worker"}),
    # printDeployment: READY ready/desired, UP-TO-DATE, AVAILABLE; wide adds CONTAINERS IMAGES SELECTOR.
    (obj("Deployment", "web", spec={"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                                    "template": {"spec": {"containers": [{"name": "a", "image": "nginx"},
                                                                         {"name": "b", "image": "busybox"}]}}},
         status={"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}),
     {"READY": "2/3", "UP-TO-DATE": "3", "AVAILABLE": "2", "AGE": "60m", "CONTAINERS": "a,b",
      "IMAGES": "nginx,busybox", "SELECTOR": "app=web"}),
    # printReplicaSet: DESIRED CURRENT READY, selector through FormatLabelSelector.
    (obj("ReplicaSet", spec={"replicas": 2, "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["fe", "be"]}]}}, status={"replicas": 2}),
     {"DESIRED": "2", "CURRENT": "2", "READY": "0", "SELECTOR": "app=web,tier in (be,fe)"}),
    (obj("StatefulSet", spec={"replicas": 3}, status={"readyReplicas": 1}), {"READY": "1/3"}),
    (obj("DaemonSet", spec={"template": {"spec": {"nodeSelector": {"disk": "ssd"}}}},
         status={"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                 "updatedNumberScheduled": 3, "numberAvailable": 2}),
     {"DESIRED": "3", "CURRENT": "3", "READY": "2", "UP-TO-DATE": "3", "AVAILABLE": "2", "NODE SELECTOR": "disk=ssd"}),
    # printService: ports "80/TCP", "80:30080/TCP"; EXTERNAL-IP by type.
    (obj("Service", spec={"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                          "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}),
     {"TYPE": "ClusterIP", "CLUSTER-IP": "10.96.0.10", "EXTERNAL-IP": "<none>", "PORT(S)": "53/UDP,53/TCP",
      "SELECTOR": "<none>"}),
    (obj("Service", spec={"type": "NodePort", "clusterIPs": ["10.96.1.1"], "selector": {"app": "web"},
                          "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}),
     {"PORT(S)": "80:30080/TCP", "SELECTOR": "app=web"}),
    (obj("Service", spec={"type": "LoadBalancer", "clusterIPs": ["10.96.1.2"], "ports": []}),
     {"EXTERNAL-IP": "<pending>", "PORT(S)": "<none>"}),
    (obj("Service", spec={"type": "LoadBalancer", "clusterIPs": ["10.96.1.2"]},
         status={"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}}), {"EXTERNAL-IP": "203.0.113.7"}),
    (obj("Service", spec={"type": "ExternalName", "externalName": "db.example.com"}),
     {"CLUSTER-IP": "<none>", "EXTERNAL-IP": "db.example.com"}),
    (obj("Service", spec={"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"]}), {"CLUSTER-IP": "None"}),
    # printJob: STATUS from conditions, COMPLETIONS succeeded/completions, DURATION.
    (obj("Job", spec={"completions": 3}, status={"succeeded": 3, "startTime": "2026-01-02T11:00:00Z",
                                                 "completionTime": "2026-01-02T11:00:42Z",
                                                 "conditions": [{"type": "Complete", "status": "True"}]}),
     {"STATUS": "Complete", "COMPLETIONS": "3/3", "DURATION": "42s"}),
    (obj("Job", spec={"completions": 1}, status={"active": 1, "startTime": "2026-01-02T11:58:00Z"}),
     {"STATUS": "Running", "COMPLETIONS": "0/1", "DURATION": "2m"}),
    (obj("Job", spec={"parallelism": 4}, status={"conditions": [{"type": "Failed", "status": "True"}]}),
     {"STATUS": "Failed", "COMPLETIONS": "0/1 of 4", "DURATION": ""}),
    (obj("Job", spec={"suspend": True, "completions": 1}, status={"conditions": [{"type": "Suspended",
                                                                                 "status": "True"}]}),
     {"STATUS": "Suspended"}),
    # printCronJob
    (obj("CronJob", spec={"schedule": "*/5 * * * *", "suspend": False}, status={"active": [{"name": "j"}],
                                                                                "lastScheduleTime": CREATED}),
     {"SCHEDULE": "*/5 * * * *", "TIMEZONE": "<none>", "SUSPEND": "False", "ACTIVE": "1", "LAST SCHEDULE": "60m"}),
    # printPersistentVolume / printPersistentVolumeClaim
    (obj("PersistentVolume", spec={"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                                   "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "standard",
                                   "claimRef": {"namespace": "default", "name": "data"}}, status={"phase": "Bound"}),
     {"CAPACITY": "10Gi", "ACCESS MODES": "RWO,RWX", "RECLAIM POLICY": "Retain", "STATUS": "Bound",
      "CLAIM": "default/data", "STORAGECLASS": "standard", "VOLUMEATTRIBUTESCLASS": "<unset>", "REASON": "",
      "VOLUMEMODE": "<unset>"}),
    (obj("PersistentVolumeClaim", spec={"volumeName": "pv1", "storageClassName": "standard"},
         status={"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}),
     {"STATUS": "Bound", "VOLUME": "pv1", "CAPACITY": "1Gi", "ACCESS MODES": "RWO", "STORAGECLASS": "standard"}),
    (obj("PersistentVolumeClaim", status={"phase": "Pending"}), {"STATUS": "Pending", "VOLUME": "", "CAPACITY": ""}),
    # ConfigMap DATA counts data and binaryData; Secret TYPE and DATA.
    (obj("ConfigMap", data={"a": "1", "b": "2"}, binaryData={"c": "AA=="}), {"DATA": "3"}),
    (obj("Secret", type="Opaque", data={"password": "cw=="}), {"TYPE": "Opaque", "DATA": "1"}),
    (obj("Namespace", status={"phase": "Terminating"}), {"STATUS": "Terminating"}),
    (obj("ServiceAccount", secrets=[]), {"SECRETS": "0"}),
    # printEvent: LAST SEEN, TYPE, REASON, OBJECT kind/name lower-cased, MESSAGE.
    (obj("Event", type="Warning", reason="BackOff", message="Back-off restarting failed container ",
         involvedObject={"kind": "Pod", "name": "web", "fieldPath": "spec.containers{c}"},
         firstTimestamp="2026-01-02T11:50:00Z", lastTimestamp="2026-01-02T11:59:00Z", count=5,
         source={"component": "kubelet", "host": "node-1"}),
     {"LAST SEEN": "60s", "TYPE": "Warning", "REASON": "BackOff", "OBJECT": "pod/web",
      "MESSAGE": "Back-off restarting failed container", "SUBOBJECT": "spec.containers{c}",
      "SOURCE": "kubelet, node-1", "FIRST SEEN": "10m", "COUNT": "5"}),
    # printHorizontalPodAutoscaler: TARGETS from formatHPAMetrics.
    (obj("HorizontalPodAutoscaler", spec={"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1,
                                          "maxReplicas": 10, "metrics": [{"type": "Resource", "resource": {
                                              "name": "cpu", "target": {"type": "Utilization",
                                                                        "averageUtilization": 50}}}]},
         status={"currentReplicas": 2, "currentMetrics": [{"type": "Resource", "resource": {
             "name": "cpu", "current": {"averageUtilization": 70}}}]}),
     {"REFERENCE": "Deployment/web", "TARGETS": "cpu: 70%/50%", "MINPODS": "1", "MAXPODS": "10", "REPLICAS": "2"}),
    (obj("HorizontalPodAutoscaler", spec={"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
                                          "metrics": [{"type": "Resource", "resource": {
                                              "name": "memory", "target": {"averageUtilization": 80}}}]}),
     {"TARGETS": "memory: <unknown>/80%", "MINPODS": "<unset>"}),
    (obj("PodDisruptionBudget", spec={"minAvailable": 2}, status={"disruptionsAllowed": 1}),
     {"MIN AVAILABLE": "2", "MAX UNAVAILABLE": "N/A", "ALLOWED DISRUPTIONS": "1"}),
    (obj("PriorityClass", value=1000, globalDefault=False, preemptionPolicy="Never"),
     {"VALUE": "1000", "GLOBAL-DEFAULT": "false", "PREEMPTIONPOLICY": "Never"}),
    (obj("StorageClass", "standard", provisioner="rancher.io/local-path",
         meta={"annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}),
     {"NAME": "standard (default)", "PROVISIONER": "rancher.io/local-path", "RECLAIMPOLICY": "Delete",
      "VOLUMEBINDINGMODE": "Immediate", "ALLOWVOLUMEEXPANSION": "false"}),
    (obj("Lease", spec={"holderIdentity": "node-1"}), {"HOLDER": "node-1"}),
    (obj("Endpoints", subsets=[{"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 5)],
                                "ports": [{"port": 80}]}]),
     {"ENDPOINTS": "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more..."}),
    (obj("Endpoints"), {"ENDPOINTS": "<none>"}),
    # printResourceQuota: "resource: used/hard", limits.* in the LIMIT column.
    (obj("ResourceQuota", status={"hard": {"requests.cpu": "1", "limits.memory": "2Gi", "pods": "10"},
                                  "used": {"requests.cpu": "500m", "pods": "3"}}),
     {"REQUEST": "pods: 3/10, requests.cpu: 500m/1", "LIMIT": "limits.memory: 0/2Gi"}),
    # No printer for LimitRange: the server's default table has NAME and CREATED AT.
    (obj("LimitRange"), {"NAME": "x", "CREATED AT": "2026-01-02T11:00:00Z"}),
    # A custom resource gets NAME and AGE, as a CRD without printer columns.
    (obj("Widget"), {"NAME": "x", "AGE": "60m"}),
]


@pytest.mark.parametrize("o, expected", CASES, ids=[f"{c[0]['kind']}-{i}" for i, c in enumerate(CASES)])
def test_row_cells_follow_printers_go(o, expected):
    cells = row(o)
    assert {k: cells[k] for k in expected} == expected


def test_wide_columns_are_hidden_without_o_wide():
    o = obj("Deployment", spec={"replicas": 1}, status={})
    assert table_lines([o], "Deployment", NOW)[0] == "NAME\tREADY\tUP-TO-DATE\tAVAILABLE\tAGE"


def test_all_namespaces_adds_a_namespace_column_and_show_labels_a_labels_column():
    o = obj("ConfigMap", "cfg", meta={"labels": {"tier": "fe", "app": "web"}})
    text = render(table_lines([o], "ConfigMap", NOW, namespace_column=True, show_labels=True))
    assert text == ("NAMESPACE   NAME   DATA   AGE   LABELS\n"
                    "default     cfg    0      60m   app=web,tier=fe\n")


def test_several_kinds_prefix_names_with_kind_and_group():
    o = obj("Deployment", "web", spec={"replicas": 1})
    assert table_lines([o], "Deployment", NOW, kind_prefix="deployment.apps")[1].startswith("deployment.apps/web\t")


def test_label_columns_use_the_last_path_segment_as_header():
    o = obj("ConfigMap", "cfg", meta={"labels": {"app.kubernetes.io/name": "web"}})
    lines = table_lines([o], "ConfigMap", NOW, label_columns=["app.kubernetes.io/name", "tier"])
    assert lines == ["NAME\tDATA\tAGE\tNAME\tTIER", "cfg\t0\t60m\tweb\t"]


def test_a_multi_line_cell_is_cut_at_the_first_line_break():
    # tableprinter: print up to the first "\n" and mark the cut with "...".
    o = obj("Event", message="first line\nsecond", involvedObject={"kind": "Pod", "name": "p"})
    assert row(o)["MESSAGE"] == "first line\nsecond"
    assert "first line..." in table_lines([o], "Event", NOW)[1]

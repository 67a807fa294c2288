"""The field table (Kubernetes v1.32's fields of every built-in kind the lab serves) and the
strict decoder's unknown-field paths, as kube-apiserver names them."""
import subprocess
import sys

import pytest

from kubelab.api import field_table
from kubelab.api.fields import dotted, known, prune_unknown, root_type, unknown_fields
from kubelab.api.kinds import REGISTRY


def pod(**container) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx", **container}]}}


def test_every_built_in_kind_the_lab_serves_has_its_fields():
    served = getattr(REGISTRY, "served", lambda: iter(REGISTRY))()
    missing = [f"{t.api_version} {t.kind}" for t in served
               if not t.custom and t.group != "metrics.k8s.io" and root_type(t.api_version, t.kind) is None]
    assert missing == []
    assert field_table.RELEASE == "1.32"


@pytest.mark.parametrize("type_name, present, absent", [
    # k8s.io/api v1.32: Container gained resizePolicy (1.27) and restartPolicy (1.28, sidecars);
    # a Service's spec has trafficDistribution (1.30); HTTPGetAction has no "protocol"
    ("V1Container", {"readinessProbe", "resizePolicy", "restartPolicy", "volumeMounts"}, {"readinesProbe"}),
    ("V1ServiceSpec", {"trafficDistribution", "internalTrafficPolicy"}, set()),
    ("V1HTTPGetAction", {"host", "httpHeaders", "path", "port", "scheme"}, {"protocol"}),
    ("V1ObjectMeta", {"managedFields", "selfLink", "finalizers"}, {"clusterName"}),
    ("V1PodStatus", {"conditions", "containerStatuses", "qosClass", "hostIPs"}, set()),
])
def test_the_table_has_the_fields_of_kubernetes_1_32(type_name, present, absent):
    fields = set(known(type_name))
    assert present <= fields and not absent & fields


def test_a_misspelt_field_is_removed_and_named_by_its_path():
    obj = pod(readinesProbe={"httpGet": {"port": 80}})
    assert prune_unknown(obj) == ["spec.containers[0].readinesProbe"]
    assert obj["spec"]["containers"][0] == {"name": "web", "image": "nginx"}


def test_unknown_fields_are_met_in_sorted_key_order_at_every_level():
    # kubectl sends JSON with sorted keys, so the decoder meets them in this order
    obj = pod(zzz=1, imagePullPolcy="Always")
    obj["spec"]["aaa"] = 1
    obj["spek"] = {}
    assert prune_unknown(obj) == ["spec.aaa", "spec.containers[0].imagePullPolcy", "spec.containers[0].zzz", "spek"]


def test_maps_take_any_key_and_opaque_values_are_not_looked_into():
    obj = pod(resources={"limits": {"cpu": "1", "example.com/gpu": "1"}}, ports=[{"containerPort": 80}])
    obj["metadata"]["annotations"] = {"anything": "goes"}
    obj["spec"]["nodeSelector"] = {"disk": "ssd"}
    obj["spec"]["containers"][0]["readinessProbe"] = {"httpGet": {"port": "http"}}     # IntOrString
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"key": "v"},
          "binaryData": {"b": "AA=="}}
    assert prune_unknown(obj) == [] and prune_unknown(cm) == []


def test_status_and_server_set_metadata_are_known():
    obj = pod()
    obj["metadata"].update(uid="u", resourceVersion="1", generation=1, creationTimestamp="2025-01-01T00:00:00Z",
                           managedFields=[{"manager": "m", "operation": "Apply", "fieldsV1": {"f:spec": {}}}])
    obj["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                     "containerStatuses": [{"name": "web", "ready": True, "restartCount": 0,
                                            "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}]}
    assert prune_unknown(obj) == []


def test_lists_of_objects_are_checked_item_by_item():
    obj = pod()
    obj["spec"]["containers"].append({"name": "side", "image": "busybox", "comand": ["sh"]})
    obj["spec"]["tolerations"] = [{"key": "k", "operator": "Exists"}, {"key": "k", "efect": "NoSchedule"}]
    assert unknown_fields(obj) == [("spec", "containers", 1, "comand"), ("spec", "tolerations", 1, "efect")]
    assert dotted(("spec", "tolerations", 1, "efect")) == "spec.tolerations[1].efect"


def test_a_custom_resource_keeps_every_field_but_its_metadata_is_checked():
    obj = {"apiVersion": "lab.kubelab.dev/v1", "kind": "PodSet", "metadata": {"name": "a", "lables": {}},
           "spec": {"anything": {"at": "all"}}}
    assert prune_unknown(obj) == ["metadata.lables"]
    assert obj["spec"] == {"anything": {"at": "all"}}


def test_importing_kubelab_does_not_load_the_field_table():
    code = "import sys, kubelab; print('kubelab.api.field_table' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

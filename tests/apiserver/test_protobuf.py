"""Request bodies in Kubernetes' protobuf encoding, as kubectl v1.32's ``create`` generators send them.

client-go's typed clients write built-in kinds as ``application/vnd.kubernetes.protobuf``: the
magic "k8s\\0", then a runtime.Unknown with the TypeMeta and the object's message in raw. Each
body below is the one kubectl v1.32.5 sent to ``kubelab serve``; each decodes to what the same
command prints with ``--dry-run=client -o json`` (less the zero creationTimestamp, JSON null).
"""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.apiserver import protobuf
from kubelab.apiserver.http import LabServer

from .test_versions import call

BODIES = {
    # kubectl create configmap cfg --from-literal=a=b
    "configmap": (
        b'k8s\x00\n\x0f\n\x02v1\x12\tConfigMap\x12\x1d\n\x13\n\x03cfg\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00'
        b'\x12\x06\n\x01a\x12\x01b\x1a\x00"\x00',
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "b"}}),
    # kubectl create secret generic s --from-literal=x=y (map<string, bytes>: base64 in JSON)
    "secret": (
        b'k8s\x00\n\x0c\n\x02v1\x12\x06Secret\x12\x1d\n\x11\n\x01s\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00\x12'
        b'\x06\n\x01x\x12\x01y\x1a\x00\x1a\x00"\x00',
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"x": "eQ=="}}),
    # kubectl create namespace team
    "namespace": (
        b'k8s\x00\n\x0f\n\x02v1\x12\tNamespace\x12\x1c\n\x14\n\x04team\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00'
        b'\x12\x00\x1a\x02\n\x00\x1a\x00"\x00',
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}, "spec": {}, "status": {}}),
    # kubectl create serviceaccount sa
    "serviceaccount": (
        b'k8s\x00\n\x14\n\x02v1\x12\x0eServiceAccount\x12\x14\n\x12\n\x02sa\x12\x00\x1a\x00"\x00*\x002\x008\x00B'
        b'\x00\x1a\x00"\x00',
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}}),
    # kubectl create deployment web3 --image=nginx --replicas=3 --port=80
    "deployment": (
        b'k8s\x00\n\x15\n\x07apps/v1\x12\nDeployment\x12\xbc\x01\n!\n\x04web3\x12\x00\x1a\x00"\x00*\x002\x008'
        b'\x00B\x00Z\x0b\n\x03app\x12\x04web3\x12\x88\x01\x08\x03\x12\r\n\x0b\n\x03app\x12\x04web3\x1am\n\x1d\n'
        b'\x00\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00Z\x0b\n\x03app\x12\x04web3\x12L\x12.\n\x05nginx\x12\x05ng'
        b'inx*\x002\n\n\x00\x10\x00\x18P"\x00*\x00B\x00j\x00r\x00\x80\x01\x00\x88\x01\x00\x90\x01\x00\xa2\x01'
        b'\x00\x1a\x002\x00B\x00J\x00R\x00X\x00`\x00h\x00\x82\x01\x00\x8a\x01\x00\x9a\x01\x00\xc2\x01\x00"\x02\n'
        b'\x00(\x008\x00\x1a\x0c\x08\x00\x10\x00\x18\x00 \x00(\x008\x00\x1a\x00"\x00',
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web3", "labels": {"app": "web3"}},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web3"}},
                  "template": {"metadata": {"labels": {"app": "web3"}},
                               "spec": {"containers": [{"name": "nginx", "image": "nginx",
                                                        "ports": [{"containerPort": 80}], "resources": {}}]}},
                  "strategy": {}},
         "status": {}}),
    # kubectl create job j --image=busybox
    "job": (
        b'k8s\x00\n\x0f\n\x08batch/v1\x12\x03Job\x12x\n\x11\n\x01j\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00\x12Y'
        b'2W\n\x10\n\x00\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00\x12C\x12 \n\x01j\x12\x07busybox*\x00B\x00j\x00'
        b'r\x00\x80\x01\x00\x88\x01\x00\x90\x01\x00\xa2\x01\x00\x1a\x05Never2\x00B\x00J\x00R\x00X\x00`\x00h\x00'
        b'\x82\x01\x00\x8a\x01\x00\x9a\x01\x00\xc2\x01\x00\x1a\x08 \x00(\x000\x00:\x00\x1a\x00"\x00',
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
         "spec": {"template": {"metadata": {}, "spec": {
             "containers": [{"name": "j", "image": "busybox", "resources": {}}], "restartPolicy": "Never"}}},
         "status": {}}),
    # kubectl create cronjob c --image=busybox --schedule="*/1 * * * *"
    "cronjob": (
        b'k8s\x00\n\x13\n\x08batch/v1\x12\x07CronJob\x12\x9b\x01\n\x11\n\x01c\x12\x00\x1a\x00"\x00*\x002\x008'
        b'\x00B\x00\x12\x83\x01\n\x0b*/1 * * * *\x1a\x00*r\n\x11\n\x01c\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00'
        b'\x12]2[\n\x10\n\x00\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00\x12G\x12 \n\x01c\x12\x07busybox*\x00B\x00'
        b'j\x00r\x00\x80\x01\x00\x88\x01\x00\x90\x01\x00\xa2\x01\x00\x1a\tOnFailure2\x00B\x00J\x00R\x00X\x00`'
        b'\x00h\x00\x82\x01\x00\x8a\x01\x00\x9a\x01\x00\xc2\x01\x00\x1a\x00\x1a\x00"\x00',
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
         "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"metadata": {"name": "c"}, "spec": {"template": {
             "metadata": {}, "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {}}],
                                      "restartPolicy": "OnFailure"}}}}},
         "status": {}}),
    # kubectl create service clusterip my --tcp=80:8080 (targetPort: an IntOrString message)
    "service": (
        b'k8s\x00\n\r\n\x02v1\x12\x07Service\x12f\n\x1d\n\x02my\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00Z\t\n'
        b'\x03app\x12\x02my\x12A\n\x1b\n\x0780-8080\x12\x03TCP\x18P"\x07\x08\x00\x10\x90?\x1a\x00(\x00\x12\t\n'
        b'\x03app\x12\x02my\x1a\x00"\tClusterIP:\x00B\x00R\x00Z\x00`\x00h\x00\x1a\x02\n\x00\x1a\x00"\x00',
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my", "labels": {"app": "my"}},
         "spec": {"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
                  "selector": {"app": "my"}, "type": "ClusterIP"},
         "status": {"loadBalancer": {}}}),
    # kubectl create priorityclass high --value=1000 --description=hi
    "priorityclass": (
        b'k8s\x00\n%\n\x14scheduling.k8s.io/v1\x12\rPriorityClass\x125\n\x14\n\x04high\x12\x00\x1a\x00"\x00*\x00'
        b'2\x008\x00B\x00\x10\xe8\x07\x18\x00"\x02hi*\x14PreemptLowerPriority\x1a\x00"\x00',
        {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
         "value": 1000, "description": "hi", "preemptionPolicy": "PreemptLowerPriority"}),
    # kubectl create quota q --hard=cpu=1,memory=1G,pods=2 (map<string, resource.Quantity>)
    "resourcequota": (
        b'k8s\x00\n\x13\n\x02v1\x12\rResourceQuota\x12@\n\x11\n\x01q\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00'
        b'\x12)\n\n\n\x03cpu\x12\x03\n\x011\n\x0e\n\x06memory\x12\x04\n\x021G\n\x0b\n\x04pods\x12\x03\n\x012\x1a'
        b'\x00\x1a\x00"\x00',
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
         "spec": {"hard": {"cpu": "1", "memory": "1G", "pods": "2"}}, "status": {}}),
    # kubectl create poddisruptionbudget pdb --selector=app=web --min-available=1
    "poddisruptionbudget": (
        b'k8s\x00\n \n\tpolicy/v1\x12\x13PodDisruptionBudget\x129\n\x13\n\x03pdb\x12\x00\x1a\x00"\x00*\x002\x008'
        b'\x00B\x00\x12\x16\n\x06\x08\x00\x10\x01\x1a\x00\x12\x0c\n\n\n\x03app\x12\x03web\x1a\n\x08\x00\x18\x00 '
        b'\x00(\x000\x00\x1a\x00"\x00',
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb"},
         "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
         "status": {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}}),
}


@pytest.mark.parametrize("kind", BODIES)
def test_kubectl_create_bodies_decode_to_what_kubectl_prints_as_json(kind):
    body, printed = BODIES[kind]
    assert protobuf.decode(body) == printed


def test_a_string_intorstring_and_an_inlined_reference_decode():
    # an IntOrString with type 1 (String) carries strVal; ConfigMapKeySelector inlines its
    # LocalObjectReference ({"name": ...} in JSON)
    assert protobuf._value("intstr", b"\x08\x01\x1a\x0325%") == "25%"
    ref = protobuf._message("core.v1.EnvVarSource", b"\x1a\x0b\n\x05\n\x03cfg\x12\x02k1")
    assert ref == {"configMapKeyRef": {"name": "cfg", "key": "k1"}}


@pytest.fixture
def lab():
    server = LabServer(kl.Cluster(nodes=1), speed=0).start()
    yield server
    server.stop()


@pytest.mark.parametrize("kind, path", [
    ("configmap", "/api/v1/namespaces/default/configmaps"),
    ("secret", "/api/v1/namespaces/default/secrets"),
    ("deployment", "/apis/apps/v1/namespaces/default/deployments"),
    ("service", "/api/v1/namespaces/default/services"),
    ("resourcequota", "/api/v1/namespaces/default/resourcequotas"),
    ("poddisruptionbudget", "/apis/policy/v1/namespaces/default/poddisruptionbudgets"),
])
def test_the_served_lab_creates_the_objects_of_kubectls_protobuf_bodies(lab, kind, path):
    body, printed = BODIES[kind]
    status, created = call(lab, "POST", path, body, content_type=protobuf.CONTENT_TYPE)
    assert status == 201, created
    # what kubectl sent is kept; defaulting only adds (a status is the server's own)
    assert contains(created, {k: v for k, v in printed.items() if k != "status"})


def contains(value, part) -> bool:
    if isinstance(part, dict):
        return isinstance(value, dict) and all(k in value and contains(value[k], v) for k, v in part.items())
    if isinstance(part, list):
        return isinstance(value, list) and len(value) == len(part) and all(map(contains, value, part))
    return value == part


def field(number: int, payload: bytes) -> bytes:
    """A short length-delimited protobuf field."""
    return bytes([number << 3 | 2, len(payload)]) + payload


def test_a_field_kubelab_does_not_model_is_refused_not_lost():
    # a Namespace with a status condition (NamespaceStatus field 2): 415, as before, not a
    # Namespace without it
    type_meta = field(1, b"v1") + field(2, b"Namespace")
    namespace = field(1, field(1, b"team")) + field(3, field(2, field(1, b"Terminating")))
    body = b"k8s\x00" + field(1, type_meta) + field(2, namespace)
    with pytest.raises(errors.UnsupportedMediaType, match="field 2 of NamespaceStatus"):
        protobuf.decode(body)
    # the same Namespace without it decodes
    namespace = field(1, field(1, b"team")) + field(3, field(1, b"Active"))
    assert protobuf.decode(b"k8s\x00" + field(1, type_meta) + field(2, namespace)) == {
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}, "status": {"phase": "Active"}}

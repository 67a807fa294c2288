"""c.kubectl(...) against a whole kubelab.Cluster prints what kubectl prints."""
import pytest

import kubelab as kl

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
"""


@pytest.fixture
def c():
    return kl.Cluster(nodes=3, seed=0)


def test_get_nodes_lists_the_three_ready_nodes(c):
    # printNode: STATUS from the Ready condition, ROLES <none> without node-role labels.
    lines = c.kubectl("get nodes").splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [line.split()[:3] for line in lines[1:]] == [["node-1", "Ready", "<none>"],
                                                        ["node-2", "Ready", "<none>"],
                                                        ["node-3", "Ready", "<none>"]]


def test_apply_then_get_then_describe_a_pod(c):
    assert c.kubectl("apply -f -", stdin=POD) == "pod/web created\n"
    assert c.kubectl("apply -f -", stdin=POD) == "pod/web unchanged\n"
    header, row = c.kubectl("get pods").splitlines()
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert row.split()[:2] == ["web", "0/1"] and row.split()[-1] == "0s"
    described = c.kubectl("describe pod web")
    assert described.startswith("Name:         web\nNamespace:    default\n")
    assert ["Image:", "nginx:1.27"] in [line.split() for line in described.splitlines()]


def test_the_cluster_facades_apply_leaves_kubectls_annotation(c):
    stored = c.apply(POD)[0]
    assert "kubectl.kubernetes.io/last-applied-configuration" in stored["metadata"]["annotations"]
    assert c.kubectl("apply -f -", stdin=POD) == "pod/web unchanged\n"


def test_a_pod_without_an_image_is_refused_as_kubectl_shows_it(c):
    out = c.kubectl("create -f -", stdin=POD.replace("image: nginx:1.27", 'image: ""'))
    assert (out, out.returncode) == ('The Pod "web" is invalid: spec.containers[0].image: Required value\n', 1)


def test_delete_then_get_finds_nothing(c):
    c.kubectl("apply -f -", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n")
    assert c.kubectl("delete cm cfg") == 'configmap "cfg" deleted\n'
    out = c.kubectl("get cm cfg")
    assert (out, out.returncode) == ('Error from server (NotFound): configmaps "cfg" not found\n', 1)


def test_namespaces_and_api_resources_come_from_the_cluster(c):
    assert c.kubectl("get ns -o name") == ("namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\n"
                                           "namespace/kube-system\n")
    assert len(c.kubectl("api-resources").splitlines()) == len(c.api.registry) + 1

"""A resource served in two versions: HorizontalPodAutoscalers as autoscaling/v2 (stored,
preferred) and autoscaling/v1, as kube-apiserver v1.32 serves them.

Kubernetes' behaviour: every write is decoded in the request's version and converted
(pkg/apis/autoscaling/v1/conversion.go) before defaulting, validation and storage in
autoscaling/v2; every answer (get, list, watch events, the written object) is converted
to the version the request named. Discovery lists both versions, v2 preferred.
"""
import json
import urllib.error
import urllib.request

import pytest

import kubelab as kl
from kubelab import errors
from kubelab.apiserver import protobuf
from kubelab.apiserver.http import LabServer

V1 = "horizontalpodautoscalers.v1.autoscaling"
REF = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}


def hpa_v1(name="web", **spec):
    return {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
            "spec": {"scaleTargetRef": REF, "maxReplicas": 5, **spec}}


@pytest.fixture
def c():
    return kl.Cluster(nodes=1, seed=0)


def test_a_v1_create_is_stored_as_v2_and_answered_in_v1(c):
    created = c.api.create(hpa_v1(targetCPUUtilizationPercentage=60))
    assert created["apiVersion"] == "autoscaling/v1"
    # v1 defaulting (SetDefaults_HorizontalPodAutoscaler): minReplicas 1
    assert created["spec"] == {"scaleTargetRef": REF, "minReplicas": 1, "maxReplicas": 5,
                               "targetCPUUtilizationPercentage": 60}
    stored = c.api.get("hpa", "web")
    assert stored["apiVersion"] == "autoscaling/v2"
    assert stored["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]
    assert stored["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert c.api.store.get("/registry/horizontalpodautoscalers/default/web").value["apiVersion"] == "autoscaling/v2"


def test_get_list_and_watch_answer_in_the_version_asked_for(c):
    c.api.create(hpa_v1())
    assert c.api.get(V1, "web")["apiVersion"] == "autoscaling/v1"
    listed = c.api.list(V1, namespace="default")
    assert listed["apiVersion"] == "autoscaling/v1" and listed["kind"] == "HorizontalPodAutoscalerList"
    assert [o["apiVersion"] for o in listed["items"]] == ["autoscaling/v1"]
    v1_watch, v2_watch = c.api.watch(V1, namespace="default"), c.api.watch("hpa", namespace="default")
    c.api.patch("hpa", "web", {"spec": {"maxReplicas": 7}}, patch_type="merge")
    assert [(e["type"], e["object"]["apiVersion"]) for e in v1_watch.take()] == \
        [("ADDED", "autoscaling/v1"), ("MODIFIED", "autoscaling/v1")]
    assert [(e["type"], e["object"]["apiVersion"]) for e in v2_watch.take()] == \
        [("ADDED", "autoscaling/v2"), ("MODIFIED", "autoscaling/v2")]


def test_a_v1_client_writing_back_what_it_read_keeps_the_v2_only_fields(c):
    memory = {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue",
                                                                           "averageValue": "256Mi"}}}
    cpu = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}
    c.api.create({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
                  "spec": {"scaleTargetRef": REF, "maxReplicas": 5, "metrics": [memory, cpu],
                           "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}})
    read = c.api.get(V1, "web")
    assert read["spec"]["targetCPUUtilizationPercentage"] == 50
    assert "autoscaling.alpha.kubernetes.io/metrics" in read["metadata"]["annotations"]
    read["spec"]["maxReplicas"] = 9
    written = c.api.update(read)
    assert written["apiVersion"] == "autoscaling/v1" and written["spec"]["maxReplicas"] == 9
    stored = c.api.get("hpa", "web")
    assert stored["spec"]["metrics"] == [memory, cpu]
    assert stored["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 60
    assert "annotations" not in stored["metadata"]          # the round-trip annotations are not stored


def test_a_patch_applies_to_the_object_in_the_version_the_resource_names(c):
    c.api.create(hpa_v1(targetCPUUtilizationPercentage=60))
    patched = c.api.patch(V1, "web", {"spec": {"targetCPUUtilizationPercentage": 75}}, patch_type="merge")
    assert patched["apiVersion"] == "autoscaling/v1" and patched["spec"]["targetCPUUtilizationPercentage"] == 75
    assert c.api.get("hpa", "web")["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 75
    # validation runs on the converted object, with its field paths (validateMetricTarget)
    with pytest.raises(errors.Invalid) as e:
        c.api.patch(V1, "web", {"spec": {"targetCPUUtilizationPercentage": 0}}, patch_type="merge")
    assert [(x.field, x.message) for x in e.value.causes] == [
        ("spec.metrics[0].resource.target.averageUtilization", "Invalid value: 0: must be greater than 0")]


def test_status_written_in_v1_and_delete_answered_in_v1(c):
    c.api.create(hpa_v1())
    current = c.api.get(V1, "web")
    current["status"] = {"currentReplicas": 2, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 40}
    c.api.update(current, subresource="status")
    assert c.api.get("hpa", "web")["status"]["currentMetrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 40}}}]
    assert c.api.delete(V1, "web")["apiVersion"] == "autoscaling/v1"
    with pytest.raises(errors.NotFound):
        c.api.get("hpa", "web")
    # one audit entry per write, for the resource (not per version)
    assert [(a.verb, a.resource) for a in c.api.audit if a.resource.startswith("horizontal")] == [
        ("create", "horizontalpodautoscalers"), ("update", "horizontalpodautoscalers/status"),
        ("delete", "horizontalpodautoscalers")]


def test_controllers_and_kubectl_api_resources_see_one_type_per_resource(c):
    # the garbage collector, the namespace controller and `kubectl api-resources` iterate the
    # registry: they must meet HorizontalPodAutoscalers once, in the preferred version
    hpas = [t.api_version for t in c.api.registry if t.kind == "HorizontalPodAutoscaler"]
    assert hpas == ["autoscaling/v2"]
    assert "horizontalpodautoscalers   hpa          autoscaling/v2" in c.kubectl("api-resources")


# -- over HTTP ------------------------------------------------------------------------------

@pytest.fixture
def lab():
    server = LabServer(kl.Cluster(nodes=1), speed=0).start()
    yield server
    server.stop()


def call(lab, method, path, body=None, content_type="application/json", accept="application/json"):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(lab.url + path, data=data, method=method,
                                 headers={"Content-Type": content_type, "Accept": accept})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_discovery_lists_both_versions_v2_preferred(lab):
    # kube-apiserver v1.32: GET /apis/autoscaling
    _, group = call(lab, "GET", "/apis/autoscaling")
    assert [v["groupVersion"] for v in group["versions"]] == ["autoscaling/v2", "autoscaling/v1"]
    assert group["preferredVersion"]["groupVersion"] == "autoscaling/v2"
    _, resources = call(lab, "GET", "/apis/autoscaling/v1")
    assert [r["name"] for r in resources["resources"]] == ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]


def test_the_v1_endpoint_takes_and_answers_v1_and_prints_tables_from_the_stored_version(lab):
    base = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
    status, created = call(lab, "POST", base, hpa_v1(targetCPUUtilizationPercentage=60))
    assert status == 201 and created["apiVersion"] == "autoscaling/v1"
    _, got = call(lab, "GET", base + "/web")
    assert got["spec"]["targetCPUUtilizationPercentage"] == 60
    table = "application/json;as=Table;v=v1;g=meta.k8s.io"
    _, rows = call(lab, "GET", base, accept=table)
    assert rows["rows"][0]["cells"][:5] == ["web", "Deployment/web", "cpu: <unknown>/60%", "1", "5"]
    # a dry-run update is validated in the stored version
    status, refused = call(lab, "PUT", base + "/web?dryRun=All",
                           {**got, "spec": {**got["spec"], "targetCPUUtilizationPercentage": 0}})
    assert status == 422 and refused["details"]["causes"][0]["field"] == \
        "spec.metrics[0].resource.target.averageUtilization"


# the body kubectl v1.32.5 sent for `kubectl autoscale deployment web --min=2 --max=10
# --cpu-percent=80` (client-go's typed clients send protobuf: the magic "k8s\0", then a
# runtime.Unknown with the TypeMeta and the autoscaling/v1 message in raw)
KUBECTL_AUTOSCALE_BODY = (b'k8s\x00\n)\n\x0eautoscaling/v1\x12\x17HorizontalPodAutoscaler\x12?\n\x13\n\x03web\x12\x00'
                          b'\x1a\x00"\x00*\x002\x008\x00B\x00\x12"\n\x1a\n\nDeployment\x12\x03web\x1a\x07apps/v1\x10'
                          b'\x02\x18\n P\x1a\x04\x18\x00 \x00\x1a\x00"\x00')


def test_a_protobuf_body_from_a_typed_client_decodes_to_the_object():
    assert protobuf.decode(KUBECTL_AUTOSCALE_BODY) == {
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
                 "minReplicas": 2, "maxReplicas": 10, "targetCPUUtilizationPercentage": 80},
        "status": {"currentReplicas": 0, "desiredReplicas": 0}}


def test_the_v1_endpoint_accepts_kubectl_autoscales_protobuf_body(lab):
    status, created = call(lab, "POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
                           KUBECTL_AUTOSCALE_BODY, content_type=protobuf.CONTENT_TYPE)
    assert status == 201 and created["spec"]["targetCPUUtilizationPercentage"] == 80
    # a kind kubelab has no protobuf schema for is refused as before (415)
    body = b"k8s\x00\n\t\n\x02v1\x12\x03Pod\x12\x00"
    status, refused = call(lab, "POST", "/api/v1/namespaces/default/pods", body,
                           content_type=protobuf.CONTENT_TYPE)
    assert status == 415 and refused["reason"] == "UnsupportedMediaType"

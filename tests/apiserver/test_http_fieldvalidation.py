"""``?fieldValidation=`` over HTTP: Strict answers a Status, Warn (the default) answers the
object and a ``Warning: 299 - "..."`` header per unknown or duplicate field, as
kube-apiserver 1.32 does (k8s.io/apimachinery/pkg/util/net NewWarningHeader)."""
import json
import urllib.error
import urllib.request

import pytest

import kubelab as kl
from kubelab.apiserver.http import LabServer

PODS = "/api/v1/namespaces/default/pods"


def pod(**container) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27", **container}]}}


@pytest.fixture
def lab():
    server = LabServer(kl.Cluster(nodes=1), speed=0).start()
    yield server
    server.stop()


def send(lab, method, path, body, content_type="application/json"):
    """(status, Warning headers, decoded body)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(lab.url + path, data=data, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers.get_all("Warning") or [], json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get_all("Warning") or [], json.loads(e.read())


def test_without_a_directive_the_object_is_created_and_each_unknown_field_is_a_warning_header(lab):
    status, warnings, body = send(lab, "POST", PODS, pod(readinesProbe={}, imagePullPolcy="Always"))
    assert status == 201
    assert warnings == ['299 - "unknown field \\"spec.containers[0].imagePullPolcy\\""',
                        '299 - "unknown field \\"spec.containers[0].readinesProbe\\""']
    assert set(body["spec"]["containers"][0]) >= {"name", "image"} and "readinesProbe" not in body["spec"]["containers"][0]


def test_strict_answers_400_with_the_decoders_message(lab):
    status, warnings, body = send(lab, "POST", PODS + "?fieldValidation=Strict", pod(readinesProbe={}))
    assert (status, warnings, body["reason"]) == (400, [], "BadRequest")
    assert body["message"] == ('Pod in version "v1" cannot be handled as a Pod: strict decoding error: '
                               'unknown field "spec.containers[0].readinesProbe"')


def test_ignore_says_nothing_and_a_bad_directive_is_422(lab):
    status, warnings, _ = send(lab, "POST", PODS + "?fieldValidation=Ignore", pod(readinesProbe={}))
    assert (status, warnings) == (201, [])
    status, _, body = send(lab, "POST", PODS + "?fieldValidation=strict", pod())
    assert status == 422 and body["details"] == {
        "group": "meta.k8s.io", "kind": "CreateOptions",
        "causes": [{"reason": "FieldValueNotSupported", "field": "fieldValidation",
                    "message": 'Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"'}]}


def test_duplicate_fields_of_a_json_body_are_reported_with_the_unknown_ones(lab):
    raw = (b'{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","name":"web"},'
           b'"spec":{"containers":[{"name":"web","image":"nginx","imagePullPolcy":"x"}]}}')
    status, _, body = send(lab, "POST", PODS + "?fieldValidation=Strict", raw)
    assert status == 400 and body["message"].endswith(
        'strict decoding error: duplicate field "metadata.name", unknown field "spec.containers[0].imagePullPolcy"')
    status, warnings, _ = send(lab, "POST", PODS, raw)
    assert status == 201 and warnings == ['299 - "duplicate field \\"metadata.name\\""',
                                          '299 - "unknown field \\"spec.containers[0].imagePullPolcy\\""']


def test_a_strict_patch_is_422_on_the_patch_field_and_a_status_write_is_not_flagged(lab):
    send(lab, "POST", PODS, pod())
    status, _, body = send(lab, "PATCH", PODS + "/web?fieldValidation=Strict", {"spec": {"foo": 1}},
                           "application/strategic-merge-patch+json")
    assert status == 422 and body["details"]["causes"][0] == {
        "reason": "FieldValueInvalid", "field": "patch",
        "message": 'Invalid value: "map[spec:map[foo:1]]": strict decoding error: unknown field "spec.foo"'}
    status, warnings, _ = send(lab, "PATCH", PODS + "/web/status?fieldValidation=Strict",
                               {"status": {"conditions": [{"type": "Ready", "status": "False"}]}},
                               "application/merge-patch+json")
    assert (status, warnings) == (200, [])


def test_server_side_apply_refuses_an_undeclared_field_whatever_the_directive(lab):
    config = dict(pod(readinesProbe={}), metadata={"name": "web", "namespace": "default"})
    status, _, body = send(lab, "PATCH", PODS + "/web?fieldManager=me&fieldValidation=Ignore", config,
                           "application/apply-patch+yaml")
    assert status == 500 and body["message"] == (
        'failed to create typed patch object (default/web; /v1, Kind=Pod): '
        '.spec.containers[name="web"].readinesProbe: field not declared in schema')

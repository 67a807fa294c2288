"""Server-side apply over HTTP (``PATCH`` with ``application/apply-patch+yaml``): who owns
which field, conflicts between appliers, and fields an applier stops setting.
Expected behaviour from kubernetes.io/docs/reference/using-api/server-side-apply/."""
import json
import urllib.error
import urllib.request

import pytest

import kubelab as kl
from kubelab.apiserver.http import LabServer

PATH = "/api/v1/namespaces/default/configmaps/cfg"


@pytest.fixture
def lab():
    server = LabServer(kl.Cluster(nodes=1), speed=0).start()
    yield server
    server.stop()


def apply(lab, data: dict, manager="alice", force=False, labels=None):
    """(HTTP status, body) of applying a ConfigMap "cfg" with ``data`` as ``manager``."""
    meta = {"name": "cfg", **({"labels": labels} if labels else {})}
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}).encode()
    query = f"?fieldManager={manager}" + ("&force=true" if force else "") if manager else ""
    req = urllib.request.Request(lab.url + PATH + query, data=body, method="PATCH",
                                 headers={"Content-Type": "application/apply-patch+yaml"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def managers(obj) -> dict:
    return {m["manager"]: (m["operation"], m["fieldsV1"]) for m in obj["metadata"]["managedFields"]}


def test_applying_creates_the_object_and_records_who_set_which_fields(lab):
    status, obj = apply(lab, {"a": "1"}, labels={"app": "web"})
    assert status == 201 and obj["data"] == {"a": "1"}
    assert managers(obj) == {"alice": ("Apply", {"f:data": {"f:a": {}},
                                                 "f:metadata": {"f:labels": {"f:app": {}}}})}


def test_a_field_the_applier_no_longer_sets_is_removed(lab):
    apply(lab, {"a": "1", "b": "2"}, labels={"app": "web"})
    status, obj = apply(lab, {"a": "1"})
    assert status == 200 and obj["data"] == {"a": "1"} and "labels" not in obj["metadata"]


def test_another_applier_changing_an_owned_field_is_a_conflict_unless_forced(lab):
    apply(lab, {"a": "1"})
    status, error = apply(lab, {"a": "2"}, manager="bob")
    assert status == 409 and error["reason"] == "Conflict"
    assert error["message"] == 'Apply failed with 1 conflict: conflict with "alice" using v1: .data.a'
    assert error["details"]["causes"] == [{"reason": "FieldManagerConflict", "field": ".data.a",
                                           "message": 'conflict with "alice" using v1'}]
    status, obj = apply(lab, {"a": "2"}, manager="bob", force=True)
    assert status == 200 and obj["data"] == {"a": "2"}
    assert "alice" not in managers(obj)                 # bob took her only field


def test_co_owned_fields_stay_when_one_owner_lets_go(lab):
    # applying the same value is no conflict: both managers own the field
    apply(lab, {"a": "1", "b": "2"})
    assert apply(lab, {"a": "1"}, manager="bob")[0] == 200
    status, obj = apply(lab, {"b": "2"})                 # alice drops a; bob still sets it
    assert status == 200 and obj["data"] == {"a": "1", "b": "2"}


def test_an_apply_needs_a_field_manager(lab):
    status, error = apply(lab, {"a": "1"}, manager=None)
    assert (status, error["reason"]) == (422, "Invalid")
    assert error["message"].endswith("fieldManager: Required value: is required for apply patch")

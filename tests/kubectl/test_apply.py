"""Client-side apply computes the patch kubectl v1.32 sends.

Each expected patch below is the PATCH body kubectl v1.32.5 sent for the same
last-applied / manifest / live objects (recorded with kubectl_stub.py;
test_against_kubectl.py re-checks them live)."""
import json

from kubelab.kubectl.apply import LAST_APPLIED, apply_object, last_applied, three_way_patch, with_last_applied

from kubectl_fakes import FakeAPI


def deployment(image="nginx:1.26", env=(("A", "1"), ("B", "2")), sidecar=True, labels=None, strategy=None,
               volume=None):
    containers = [{"name": "nginx", "image": image, "env": [{"name": k, "value": v} for k, v in env],
                   "ports": [{"containerPort": 80}]}]
    if sidecar:
        containers.append({"name": "side", "image": "busybox"})
    spec = {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": containers, "volumes": [volume or {"name": "data", "emptyDir": {}}]}}}
    if strategy:
        spec["strategy"] = strategy
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "labels": labels or {"app": "web", "tier": "fe"}},
            "spec": spec}


def test_last_applied_is_compact_sorted_json_with_empty_annotations_and_a_newline():
    obj = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "cfg", "namespace": "default"},
           "data": {"b": "<2>", "a": "1"}}
    assert last_applied(obj) == ('{"apiVersion":"v1","data":{"a":"1","b":"\\u003c2\\u003e"},"kind":"ConfigMap",'
                                 '"metadata":{"annotations":{},"name":"cfg","namespace":"default"}}\n')


def test_an_unchanged_manifest_gives_an_empty_patch_even_with_server_set_fields():
    applied = with_last_applied(deployment())
    live = json.loads(json.dumps(applied))
    live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent"
    live["status"] = {"replicas": 2}
    assert three_way_patch(json.loads(applied["metadata"]["annotations"][LAST_APPLIED]), applied, live) == {}


def test_changes_removals_and_list_items_patch_like_kubectl():
    first = with_last_applied(deployment())
    live = json.loads(json.dumps(first))
    live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent"
    live["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    new = deployment(image="nginx:1.27", env=(("A", "1"), ("C", "3")), sidecar=False, labels={"app": "web"},
                     strategy={"type": "Recreate"}, volume={"name": "data", "hostPath": {"path": "/x"}})
    new["spec"]["replicas"] = 3
    modified = with_last_applied(new)
    patch = three_way_patch(json.loads(first["metadata"]["annotations"][LAST_APPLIED]), modified, live)
    assert patch == {
        "metadata": {"annotations": {LAST_APPLIED: modified["metadata"]["annotations"][LAST_APPLIED]},
                     "labels": {"tier": None}},
        "spec": {"replicas": 3,
                 "strategy": {"$retainKeys": ["type"], "type": "Recreate"},
                 "template": {"spec": {
                     "$setElementOrder/containers": [{"name": "nginx"}],
                     "$setElementOrder/volumes": [{"name": "data"}],
                     "containers": [{"$setElementOrder/env": [{"name": "A"}, {"name": "C"}],
                                     "env": [{"name": "C", "value": "3"}, {"$patch": "delete", "name": "B"}],
                                     "image": "nginx:1.27", "name": "nginx"},
                                    {"$patch": "delete", "name": "side"}],
                     "volumes": [{"$retainKeys": ["hostPath", "name"], "emptyDir": None, "hostPath": {"path": "/x"},
                                  "name": "data"}]}}}}


def test_a_finalizer_dropped_from_the_list_uses_delete_from_primitive_list():
    # finalizers is a merge list of scalars (patchStrategy:"merge" without a key).
    def cm(finalizers):
        return {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "default", "finalizers": finalizers}}
    before, after = with_last_applied(cm(["x/y", "a/b"])), with_last_applied(cm(["a/b"]))
    patch = three_way_patch(json.loads(before["metadata"]["annotations"][LAST_APPLIED]), after, before)
    assert patch["metadata"]["$deleteFromPrimitiveList/finalizers"] == ["x/y"]
    assert patch["metadata"]["$setElementOrder/finalizers"] == ["a/b"]


def test_a_field_dropped_from_the_manifest_is_patched_to_null():
    def cm(data):
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}, **data}
    before, after = with_last_applied(cm({"data": {"a": "1"}})), with_last_applied(cm({}))
    patch = three_way_patch(json.loads(before["metadata"]["annotations"][LAST_APPLIED]), after, before)
    assert patch["data"] is None


def test_apply_object_creates_then_reports_unchanged_then_configured():
    api = FakeAPI()
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}}
    stored, action = apply_object(api, cm)
    assert action == "created" and stored["metadata"]["namespace"] == "default"
    assert LAST_APPLIED in stored["metadata"]["annotations"]
    assert apply_object(api, cm)[1] == "unchanged"
    stored, action = apply_object(api, {**cm, "data": {"b": "2"}})
    assert action == "configured" and stored["data"] == {"b": "2"}
    assert api.calls[-1][:3] == ("patch", "cfg", "strategic")


def test_a_client_dry_run_sends_nothing():
    api = FakeAPI()
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}}
    assert apply_object(api, cm, dry_run="client")[1] == "created"
    assert api.calls == [] and api.objects == {}

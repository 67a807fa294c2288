"""``kubelab serve``'s REST layer, request by request: paths, verbs, subresources,
content negotiation (Tables, aggregated discovery), watch streams and Status errors,
as kube-apiserver answers them. Time stands still (speed 0) unless a test advances it."""
import http.client
import json
import urllib.error
import urllib.request

import pytest

import kubelab as kl
from kubelab.apiserver.http import LabServer

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
AGGREGATED = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
              "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}
DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
          "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}


@pytest.fixture
def lab():
    c = kl.Cluster(nodes=1)
    server = LabServer(c, speed=0).start()
    yield server
    server.stop()


def call(lab, method, path, body=None, content_type="application/json", accept="application/json"):
    """(status, Content-Type, decoded body) of one request."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(lab.url + path, data=data, method=method,
                                 headers={"Content-Type": content_type, "Accept": accept})
    try:
        with urllib.request.urlopen(req) as r:
            status, ctype, raw = r.status, r.headers["Content-Type"], r.read()
    except urllib.error.HTTPError as e:
        status, ctype, raw = e.code, e.headers["Content-Type"], e.read()
    return status, ctype, json.loads(raw) if ctype.startswith("application/json") else raw.decode()


def watch_lines(lab, path, count):
    """The first ``count`` events of a watch stream."""
    conn = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    assert response.status == 200
    events = [json.loads(response.readline()) for _ in range(count)]
    conn.close()
    return events


def test_version_names_kubernetes_1_32_and_the_lab(lab):
    status, _, body = call(lab, "GET", "/version")
    assert status == 200 and body["gitVersion"] == "v1.32.0-kubelab" and body["minor"] == "32"


def test_core_discovery_lists_the_eviction_subresource_as_kubectl_drain_looks_for_it(lab):
    # drain.CheckEvictionSupport: a "pods/eviction" entry of kind Eviction with a group and version
    _, _, body = call(lab, "GET", "/api/v1")
    eviction = next(r for r in body["resources"] if r["name"] == "pods/eviction")
    assert (eviction["group"], eviction["version"], eviction["kind"]) == ("policy", "v1", "Eviction")
    assert {"name": "pods", "namespaced": True, "kind": "Pod"}.items() <= \
        next(r for r in body["resources"] if r["name"] == "pods").items()


def test_aggregated_discovery_answers_with_its_own_media_type(lab):
    # client-go only treats the answer as aggregated when the Content-Type says so
    status, ctype, body = call(lab, "GET", "/apis", accept=AGGREGATED)
    assert status == 200 and ctype == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    apps = next(g for g in body["items"] if g["metadata"].get("name") == "apps")
    deployments = next(r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments")
    assert deployments["scope"] == "Namespaced" and deployments["shortNames"] == ["deploy"]
    assert {"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
            "verbs": ["get", "patch", "update"]} in deployments["subresources"]
    _, _, legacy = call(lab, "GET", "/apis")
    assert legacy["kind"] == "APIGroupList"
    assert {"groupVersion": "apps/v1", "version": "v1"} == \
        next(g for g in legacy["groups"] if g["name"] == "apps")["preferredVersion"]


def test_errors_are_status_objects_in_kubernetes_shape(lab):
    status, _, body = call(lab, "GET", "/apis/apps/v1/namespaces/default/deployments/nope")
    assert status == 404
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": 'deployments.apps "nope" not found', "reason": "NotFound", "code": 404,
                    "details": {"name": "nope", "group": "apps", "kind": "deployments"}}
    status, _, body = call(lab, "GET", "/apis/apps/v1/namespaces/default/widgets")
    assert (status, body["message"]) == (404, "the server could not find the requested resource")


@pytest.mark.parametrize("method,path,content_type,code,reason", [
    # a name in a POST's URL, or a PUT to a collection: kube-apiserver's 405
    ("POST", "/api/v1/namespaces/default/pods/web", "application/json", 405, "MethodNotAllowed"),
    ("PUT", "/api/v1/namespaces/default/pods", "application/json", 405, "MethodNotAllowed"),
    # a patch type the server does not know
    ("PATCH", "/api/v1/namespaces/default/pods/web", "text/plain", 415, "UnsupportedMediaType"),
    # metrics are read-only (NodeMetrics serves get and list)
    ("DELETE", "/apis/metrics.k8s.io/v1beta1/nodes/node-1", "application/json", 405, "MethodNotAllowed"),
])
def test_requests_the_server_does_not_serve(lab, method, path, content_type, code, reason):
    call(lab, "POST", "/api/v1/namespaces/default/pods", POD)
    status, _, body = call(lab, method, path, b"{}", content_type=content_type)
    assert (status, body["reason"], body["code"]) == (code, reason, code)


def test_create_answers_201_and_a_server_dry_run_stores_nothing(lab):
    status, _, body = call(lab, "POST", "/api/v1/namespaces/default/pods?dryRun=All", POD)
    assert status == 201 and body["metadata"]["name"] == "web"
    assert call(lab, "GET", "/api/v1/namespaces/default/pods/web")[0] == 404
    status, _, body = call(lab, "POST", "/api/v1/namespaces/default/pods", POD)
    assert status == 201 and body["metadata"]["uid"]


def test_the_official_clients_may_leave_out_apiVersion_and_kind(lab):
    bare = {k: v for k, v in DEPLOY.items() if k not in ("apiVersion", "kind")}
    status, _, body = call(lab, "POST", "/apis/apps/v1/namespaces/default/deployments", bare)
    assert status == 201 and (body["apiVersion"], body["kind"]) == ("apps/v1", "Deployment")


def test_get_as_table_has_the_printer_columns_and_object_metadata(lab):
    call(lab, "POST", "/api/v1/namespaces/default/pods", POD)
    _, _, table = call(lab, "GET", "/api/v1/namespaces/default/pods", accept=TABLE)
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    columns = [(c["name"], c["priority"]) for c in table["columnDefinitions"]]
    # printers.go: NAME READY STATUS RESTARTS AGE, then the -o wide columns at priority 1
    assert columns == [("NAME", 0), ("READY", 0), ("STATUS", 0), ("RESTARTS", 0), ("AGE", 0), ("IP", 1),
                       ("NODE", 1), ("NOMINATED NODE", 1), ("READINESS GATES", 1)]
    [row] = table["rows"]
    assert row["cells"][:3] == ["web", "0/1", "ContainerCreating"]     # scheduled; the image is pulling
    assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["metadata"]["labels"] == {"app": "web"}


def test_a_list_at_an_exact_resource_version_shows_the_past(lab):
    _, _, created = call(lab, "POST", "/api/v1/namespaces/default/configmaps",
                         {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}})
    call(lab, "PATCH", "/api/v1/namespaces/default/configmaps/cfg", {"data": {"a": "2"}},
         content_type="application/merge-patch+json")
    rv = created["metadata"]["resourceVersion"]
    _, _, then = call(lab, "GET", f"/api/v1/namespaces/default/configmaps?resourceVersion={rv}"
                                  "&resourceVersionMatch=Exact")
    _, _, now = call(lab, "GET", "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dcfg")
    assert [i["data"] for i in then["items"] if i["metadata"]["name"] == "cfg"] == [{"a": "1"}]
    assert [i["data"] for i in now["items"]] == [{"a": "2"}]


@pytest.mark.parametrize("content_type,patch", [
    ("application/merge-patch+json", {"metadata": {"labels": {"tier": "db"}}}),
    ("application/strategic-merge-patch+json", {"metadata": {"labels": {"tier": "db"}}}),
    ("application/json-patch+json", [{"op": "add", "path": "/metadata/labels/tier", "value": "db"}]),
])
def test_the_three_patch_types(lab, content_type, patch):
    call(lab, "POST", "/api/v1/namespaces/default/pods", POD)
    status, _, body = call(lab, "PATCH", "/api/v1/namespaces/default/pods/web", patch, content_type=content_type)
    assert status == 200 and body["metadata"]["labels"] == {"app": "web", "tier": "db"}


def test_the_scale_subresource_patched_as_kubectl_scale_does(lab):
    call(lab, "POST", "/apis/apps/v1/namespaces/default/deployments", DEPLOY)
    status, _, scale = call(lab, "PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale",
                            {"spec": {"replicas": 4}}, content_type="application/merge-patch+json")
    assert status == 200 and scale["kind"] == "Scale" and scale["spec"]["replicas"] == 4
    assert call(lab, "GET", "/apis/apps/v1/namespaces/default/deployments/web")[2]["spec"]["replicas"] == 4


def test_eviction_and_log_subresources(lab):
    call(lab, "POST", "/api/v1/namespaces/default/pods", POD)
    lab.engine.advance(30)
    status, ctype, log = call(lab, "GET", "/api/v1/namespaces/default/pods/web/log?tailLines=1")
    assert status == 200 and ctype == "text/plain" and log.count("\n") == 1
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web", "namespace": "default"}}
    status, _, body = call(lab, "POST", "/api/v1/namespaces/default/pods/web/eviction", eviction)
    assert (status, body["status"]) == (201, "Success")
    status, _, pod = call(lab, "GET", "/api/v1/namespaces/default/pods/web")
    assert status == 404 or pod["metadata"]["deletionTimestamp"]       # gone, or terminating


def test_deleting_answers_a_status_or_the_object_still_being_deleted(lab):
    # genericregistry.Store: a Status for an object gone at once; the object while it is
    # still terminating (and always for Pods, whose registry returns the deleted object)
    call(lab, "POST", "/apis/apps/v1/namespaces/default/deployments", DEPLOY)
    status, _, body = call(lab, "DELETE", "/apis/apps/v1/namespaces/default/deployments/web",
                           {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"})
    assert status == 200 and body["kind"] == "Deployment" and "foregroundDeletion" in body["metadata"]["finalizers"]
    call(lab, "POST", "/api/v1/namespaces/default/configmaps",
         {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}})
    _, _, body = call(lab, "DELETE", "/api/v1/namespaces/default/configmaps/cfg")
    assert body["kind"] == "Status" and body["status"] == "Success" and body["details"]["name"] == "cfg"


def test_delete_collection_by_label_selector(lab):
    for name, app in (("a", "x"), ("b", "x"), ("c", "y")):
        call(lab, "POST", "/api/v1/namespaces/default/configmaps",
             {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"app": app}}})
    assert call(lab, "DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dx")[0] == 200
    names = [i["metadata"]["name"] for i in call(lab, "GET", "/api/v1/namespaces/default/configmaps")[2]["items"]]
    assert "c" in names and "a" not in names and "b" not in names


def test_a_watch_sends_the_initial_state_then_marks_its_end_with_a_bookmark(lab):
    # the watch-list protocol: sendInitialEvents=true ends the initial ADDED events with a
    # BOOKMARK annotated k8s.io/initial-events-end
    call(lab, "POST", "/api/v1/namespaces/default/pods", POD)
    added, bookmark = watch_lines(lab, "/api/v1/namespaces/default/pods?watch=1&allowWatchBookmarks=true"
                                       "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", 2)
    assert (added["type"], added["object"]["metadata"]["name"]) == ("ADDED", "web")
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_a_watch_from_a_resource_version_streams_later_changes(lab):
    _, _, cfg = call(lab, "POST", "/api/v1/namespaces/default/configmaps",
                     {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}})
    rv = cfg["metadata"]["resourceVersion"]
    call(lab, "PATCH", "/api/v1/namespaces/default/configmaps/cfg", {"data": {"a": "2"}},
         content_type="application/merge-patch+json")
    [modified] = watch_lines(lab, f"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}", 1)
    assert modified["type"] == "MODIFIED" and modified["object"]["data"] == {"a": "2"}


def test_a_watch_from_a_compacted_resource_version_is_a_410_error_event(lab):
    # the cacher answers "too old resource version" inside the stream, as an ERROR event
    with lab.engine.lock:
        store = lab.cluster.api.store
        store.compact(store.revision)
    [error] = watch_lines(lab, "/api/v1/namespaces/default/pods?watch=1&resourceVersion=2", 1)
    assert error["type"] == "ERROR"
    assert (error["object"]["code"], error["object"]["reason"]) == (410, "Expired")


def test_a_table_watch_sends_column_definitions_once(lab):
    call(lab, "POST", "/api/v1/namespaces/default/pods", POD)
    conn = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=10)
    conn.request("GET", "/api/v1/namespaces/default/pods?watch=1", headers={"Accept": TABLE})
    response = conn.getresponse()
    first = json.loads(response.readline())
    call(lab, "PATCH", "/api/v1/namespaces/default/pods/web", {"metadata": {"labels": {"v": "2"}}},
         content_type="application/merge-patch+json")
    second = json.loads(response.readline())
    conn.close()
    assert first["object"]["kind"] == "Table" and first["object"]["columnDefinitions"]
    assert second["type"] == "MODIFIED" and second["object"]["columnDefinitions"] is None
    assert second["object"]["rows"][0]["cells"][0] == "web"


def test_a_watch_ends_after_its_timeout(lab):
    conn = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=10)
    conn.request("GET", "/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=0")
    assert conn.getresponse().read() == b""
    conn.close()


def test_openapi_v3_advertises_server_side_field_validation_and_the_kind_schema(lab):
    # cli-runtime's queryParamVerifierV3 looks for "fieldValidation" on the kind's PATCH operation
    _, _, root = call(lab, "GET", "/openapi/v3")
    url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
    _, _, doc = call(lab, "GET", url)
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]
    schema = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert schema["x-kubernetes-group-version-kind"] == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    strategy = doc["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentStrategy"]
    assert set(strategy["properties"]) == {"type", "rollingUpdate"}


def test_time_stands_still_at_speed_zero_until_advanced(lab):
    before = lab.cluster.now
    status, _, _ = call(lab, "GET", "/api/v1/nodes")
    assert status == 200 and lab.cluster.now == before
    lab.engine.advance(5)
    assert (lab.cluster.now - before).total_seconds() == 5


def test_a_dry_run_patch_answers_the_result_and_stores_nothing(lab):
    call(lab, "POST", "/api/v1/namespaces/default/pods", POD)
    status, _, body = call(lab, "PATCH", "/api/v1/namespaces/default/pods/web?dryRun=All",
                           {"metadata": {"labels": {"tier": "db"}}}, content_type="application/merge-patch+json")
    assert status == 200 and body["metadata"]["labels"]["tier"] == "db"
    assert "tier" not in call(lab, "GET", "/api/v1/namespaces/default/pods/web")[2]["metadata"]["labels"]
    status, _, body = call(lab, "PATCH", "/api/v1/namespaces/default/pods/web?dryRun=All",
                           {"spec": {"containers": [{"name": "web", "image": ""}]}},
                           content_type="application/merge-patch+json")
    assert (status, body["reason"]) == (422, "Invalid")


def test_an_idle_watch_with_bookmarks_gets_one_at_the_current_resource_version(lab):
    lab.bookmark_interval = 0.05
    rv = call(lab, "GET", "/api/v1/namespaces/default/configmaps")[2]["metadata"]["resourceVersion"]
    [bookmark] = watch_lines(lab, "/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true"
                                  f"&resourceVersion={rv}", 1)
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["metadata"]["resourceVersion"] == str(lab.cluster.api.store.revision)

"""The API server's verbs, checked against what kube-apiserver does."""
import pytest

import kubelab as kl
from kubelab import errors


@pytest.fixture
def c():
    return kl.Cluster(nodes=1, seed=0)


def pod(name="web", image="nginx:1.27", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": image}], **spec}}


def cm(name="cfg", **data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def test_create_fills_in_uid_timestamp_and_a_resource_version(c):
    created = c.api.create(pod())
    m = created["metadata"]
    assert m["namespace"] == "default"
    assert len(m["uid"]) == 36 and m["uid"].count("-") == 4
    assert m["creationTimestamp"] == "2025-01-01T00:00:00Z"
    assert int(m["resourceVersion"]) > 0


def test_every_write_gets_a_new_higher_resource_version(c):
    a = c.api.create(cm(a="1"))
    b = c.api.update({**a, "data": {"a": "2"}})
    assert int(b["metadata"]["resourceVersion"]) > int(a["metadata"]["resourceVersion"])


def test_a_second_create_of_the_same_name_is_already_exists(c):
    # kube-apiserver: 409 AlreadyExists, `pods "web" already exists`
    c.api.create(pod())
    with pytest.raises(errors.AlreadyExists) as e:
        c.api.create(pod())
    assert str(e.value) == 'pods "web" already exists'
    assert e.value.code == 409


def test_getting_a_missing_object_is_not_found_with_kubernetes_wording(c):
    with pytest.raises(errors.NotFound) as e:
        c.api.get("pods", "ghost")
    assert e.value.message == 'pods "ghost" not found'
    assert e.value.code == 404
    with pytest.raises(errors.NotFound) as e:
        c.api.get("deploy", "ghost")
    assert e.value.message == 'deployments.apps "ghost" not found'


def test_update_with_a_stale_resource_version_is_a_conflict(c):
    # optimistic concurrency: a PUT carrying an old resourceVersion gets 409 Conflict
    first = c.api.create(cm(a="1"))
    c.api.update({**first, "data": {"a": "2"}})
    with pytest.raises(errors.Conflict) as e:
        c.api.update({**first, "data": {"a": "3"}})
    assert e.value.message == ('Operation cannot be fulfilled on configmaps "cfg": the object has been '
                               'modified; please apply your changes to the latest version and try again')


def test_a_no_op_update_does_not_change_the_resource_version(c):
    # kube-apiserver skips the etcd write when the object is unchanged
    first = c.api.create(cm(a="1"))
    again = c.api.update(first)
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]


def test_invalid_objects_are_refused_with_field_paths(c):
    bad = pod(image="")
    with pytest.raises(errors.Invalid) as e:
        c.api.create(bad)
    assert e.value.code == 422
    assert any(cause.field == "spec.containers[0].image" for cause in e.value.causes)
    assert "spec.containers[0].image: Required value" in e.value.message


def test_objects_need_an_existing_namespace(c):
    with pytest.raises(errors.NotFound) as e:
        c.api.create({**pod(), "metadata": {"name": "x", "namespace": "nope"}})
    assert e.value.message == 'namespaces "nope" not found'


def test_the_four_system_namespaces_exist(c):
    names = [n["metadata"]["name"] for n in c.get("namespaces")]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_spec_writes_ignore_status_and_status_writes_ignore_spec(c):
    # the status subresource: PUT /status changes only status; PUT on the object never status
    d = c.api.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                      "spec": {"selector": {"matchLabels": {"a": "b"}},
                               "template": {"metadata": {"labels": {"a": "b"}},
                                            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    d["status"] = {"replicas": 99}
    d["spec"]["replicas"] = 3
    updated = c.api.update(d)
    assert updated["spec"]["replicas"] == 3 and updated["status"] == {}
    updated["status"] = {"replicas": 3}
    updated["spec"]["replicas"] = 7
    status = c.api.update(updated, subresource="status")
    assert status["status"] == {"replicas": 3} and status["spec"]["replicas"] == 3


def test_generation_moves_on_spec_changes_only(c):
    d = c.api.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                      "spec": {"selector": {"matchLabels": {"a": "b"}},
                               "template": {"metadata": {"labels": {"a": "b"}},
                                            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    assert d["metadata"]["generation"] == 1
    d = c.api.patch("deployments", "d", {"metadata": {"labels": {"x": "y"}}})
    assert d["metadata"]["generation"] == 1
    d = c.api.patch("deployments", "d", {"spec": {"replicas": 5}})
    assert d["metadata"]["generation"] == 2
    d = c.api.patch("deployments", "d", {"status": {"replicas": 5}}, subresource="status")
    assert d["metadata"]["generation"] == 2


@pytest.mark.parametrize("patch_type,patch,expected", [
    # strategic merge: containers merge by name, so the sidecar stays
    ("strategic", {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}},
     ["app:nginx:1.28", "side:busybox"]),
    # JSON merge patch (RFC 7386): lists are replaced whole, so both containers must be given
    ("merge", {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}, {"name": "side", "image": "bb"}]}},
     ["app:nginx:1.28", "side:bb"]),
    # JSON patch (RFC 6902): one operation on one path
    ("json", [{"op": "replace", "path": "/spec/containers/1/image", "value": "busybox:1.36"}],
     ["app:nginx:1.27", "side:busybox:1.36"]),
])
def test_the_three_patch_types(c, patch_type, patch, expected):
    p = pod()
    p["spec"]["containers"].append({"name": "side", "image": "busybox"})
    c.api.create(p)
    out = c.api.patch("pods", "web", patch, patch_type=patch_type)
    assert [f'{x["name"]}:{x["image"]}' for x in out["spec"]["containers"]] == expected


def test_a_merge_patch_that_drops_a_container_is_refused_as_pod_updates_are(c):
    # merge patch replaces the containers list; Pod validation forbids removing containers
    p = pod()
    p["spec"]["containers"].append({"name": "side", "image": "busybox"})
    c.api.create(p)
    with pytest.raises(errors.Invalid, match="pod updates may not add or remove containers"):
        c.api.patch("pods", "web", {"spec": {"containers": [{"name": "app", "image": "x"}]}}, patch_type="merge")
    assert len(c.get("pod", "web")["spec"]["containers"]) == 2


def test_list_filters_by_label_and_field_selectors(c):
    for name, tier in (("a", "fe"), ("b", "be"), ("c", "fe")):
        c.api.create({**cm(name), "metadata": {"name": name, "labels": {"tier": tier}}})
    names = [o["metadata"]["name"] for o in c.api.list("cm", label_selector="tier=fe")["items"]]
    assert names == ["a", "c"]
    names = [o["metadata"]["name"] for o in c.api.list("cm", field_selector="metadata.name!=a")["items"]]
    assert names == ["b", "c"]


def test_an_unsupported_field_selector_is_a_bad_request(c):
    # kube-apiserver: `field label not supported: spec.nodeName` for kinds that do not register it
    with pytest.raises(errors.BadRequest, match="field label not supported: spec.nodeName"):
        c.api.list("configmaps", field_selector="spec.nodeName=x")


def test_list_at_an_old_resource_version_travels_back_in_time(c):
    first = c.api.create(cm(a="1"))
    c.api.update({**first, "data": {"a": "2"}})
    then = c.api.list("cm", namespace="default", resource_version=first["metadata"]["resourceVersion"])
    assert [o["data"] for o in then["items"]] == [{"a": "1"}]


def test_watch_from_a_resource_version_replays_what_happened_after_it(c):
    first = c.api.create(cm(a="1"))
    c.api.update({**first, "data": {"a": "2"}})
    c.api.delete("cm", "cfg")
    w = c.api.watch("cm", resource_version=first["metadata"]["resourceVersion"])
    assert [(e["type"], (e["object"].get("data") or {}).get("a")) for e in w.take()] == \
        [("MODIFIED", "2"), ("DELETED", "2")]


def test_watch_without_a_resource_version_starts_with_the_current_objects(c):
    c.api.create(cm("x"))
    w = c.api.watch("cm", namespace="default")
    c.api.create(cm("y"))
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in w.take()] == [("ADDED", "x"), ("ADDED", "y")]


def test_a_watch_with_a_label_selector_sees_objects_leave_and_enter_it(c):
    # the watch cache sends DELETED when an object stops matching, ADDED when it starts
    c.api.create({**cm("x"), "metadata": {"name": "x", "labels": {"a": "1"}}})
    w = c.api.watch("cm", label_selector="a=1")
    w.take()
    c.api.patch("cm", "x", {"metadata": {"labels": {"a": "2"}}})
    c.api.patch("cm", "x", {"metadata": {"labels": {"a": "1"}}})
    assert [e["type"] for e in w.take()] == ["DELETED", "ADDED"]


def test_watching_from_a_compacted_revision_is_gone(c):
    # 410 Gone, reason Expired, "too old resource version: X (Y)"
    first = c.api.create(cm(a="1"))
    second = c.api.update({**first, "data": {"a": "2"}})
    c.api.update({**second, "data": {"a": "3"}})
    c.store.compact(c.store.revision)
    with pytest.raises(errors.Gone) as e:
        c.api.watch("cm", resource_version=first["metadata"]["resourceVersion"])
    assert e.value.code == 410
    assert e.value.message == f'too old resource version: {first["metadata"]["resourceVersion"]} ({c.store.revision})'



def test_finalizers_hold_a_deleted_object_until_they_are_removed(c):
    c.api.create({**cm(), "metadata": {"name": "cfg", "finalizers": ["example.com/keep"]}})
    c.delete("cm", "cfg")
    held = c.get("cm", "cfg")
    assert held["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:00Z"
    c.api.patch("cm", "cfg", {"metadata": {"finalizers": None}}, patch_type="merge")
    with pytest.raises(errors.NotFound):
        c.get("cm", "cfg")


def test_an_unscheduled_pod_is_deleted_at_once(c):
    # podStrategy.CheckGracefulDelete: no nodeName -> grace period 0
    c.api.create(pod())
    c.delete("pod", "web")
    with pytest.raises(errors.NotFound):
        c.get("pod", "web")


def test_binding_assigns_a_node_once(c):
    c.api.create(pod())
    c.api.create({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "web"},
                  "target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"}})
    p = c.get("pod", "web")
    assert p["spec"]["nodeName"] == "node-1"
    assert [x["type"] for x in p["status"]["conditions"]] == ["PodScheduled"]
    with pytest.raises(errors.Conflict, match='is already assigned to node "node-1"'):
        c.api.create({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "web"},
                      "target": {"kind": "Node", "name": "node-1"}})


def test_a_bound_pod_is_deleted_gracefully(c):
    # a scheduled Pod gets terminationGracePeriodSeconds (30) for the kubelet to stop it
    c.api.create(pod())
    c.api.create({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "web"},
                  "target": {"kind": "Node", "name": "node-1"}})
    c.api.delete("pods", "web")
    p = c.get("pod", "web")
    assert p["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:30Z"
    assert p["metadata"]["deletionGracePeriodSeconds"] == 30
    c.api.delete("pods", "web", grace_period_seconds=0)
    with pytest.raises(errors.NotFound):
        c.get("pod", "web")


def test_default_toleration_seconds_adds_the_300_second_tolerations(c):
    created = c.api.create(pod())
    assert {(t["key"], t["tolerationSeconds"]) for t in created["spec"]["tolerations"]} == {
        ("node.kubernetes.io/not-ready", 300), ("node.kubernetes.io/unreachable", 300)}


def test_priority_class_resolves_to_a_priority(c):
    c.api.create({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                  "metadata": {"name": "high"}, "value": 1000})
    assert c.api.create(pod(priorityClassName="high"))["spec"]["priority"] == 1000
    with pytest.raises(errors.Forbidden, match="no PriorityClass with name nope was found"):
        c.api.create(pod("other", priorityClassName="nope"))


def test_deleting_a_namespace_terminates_it_and_removes_its_contents(c):
    c.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    c.api.create({**cm(), "metadata": {"name": "cfg", "namespace": "team"}})
    c.api.delete("namespaces", "team")
    assert c.get("ns", "team")["status"]["phase"] == "Terminating"
    with pytest.raises(errors.Forbidden, match="because it is being terminated"):
        c.api.create({**cm("new"), "metadata": {"name": "new", "namespace": "team"}})
    c.run()
    assert c.get("cm", namespace="team") == []
    with pytest.raises(errors.NotFound):
        c.get("ns", "team")


def test_emptying_owner_references_or_finalizers_removes_the_field(c):
    # ObjectMeta's list fields are omitempty: an emptied list is not stored
    c.api.create({**cm(), "metadata": {"name": "cfg", "finalizers": ["a/b"],
                                       "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap",
                                                            "name": "x", "uid": "u"}]}})
    out = c.api.patch("cm", "cfg", {"metadata": {"finalizers": [], "ownerReferences": []}}, patch_type="merge")
    assert "finalizers" not in out["metadata"] and "ownerReferences" not in out["metadata"]

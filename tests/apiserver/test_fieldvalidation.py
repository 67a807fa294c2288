"""Field validation (``fieldValidation=Strict|Warn|Ignore``), as kube-apiserver 1.32 does it:
a field the kind does not have is never stored; Strict refuses the write, Warn (the
default) warns, Ignore says nothing. Messages are those of the apiserver's create, update
and patch handlers (handlers.transformDecodeError, runtime.StrictDecodingError)."""
import copy

import pytest

import kubelab as kl
from kubelab import errors
from kubelab.apiserver.fieldvalidation import duplicate_fields, go_sprint
from kubelab.kubectl.errors import api_error_text

DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
          "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}


@pytest.fixture
def api():
    return kl.Cluster(nodes=0).api


def with_container(**fields) -> dict:
    obj = copy.deepcopy(DEPLOY)
    obj["spec"]["template"]["spec"]["containers"][0].update(fields)
    return obj


def test_strict_refuses_a_create_naming_the_unknown_field(api):
    # kubectl 1.32 prints this (with 'error when creating "STDIN": ' in front) for the typo
    with pytest.raises(errors.BadRequest) as e:
        api.create(with_container(readinesProbe={"httpGet": {"port": 80}}), field_validation="Strict")
    assert e.value.message == ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
                               'unknown field "spec.template.spec.containers[0].readinesProbe"')
    assert e.value.code == 400
    assert api.list("deployments")["items"] == []


def test_strict_names_several_unknown_fields_in_the_order_the_decoder_meets_them(api):
    obj = with_container(readinesProbe={}, imagePullPolcy="Always")
    obj["spec"]["replica"] = 2
    with pytest.raises(errors.BadRequest) as e:
        api.create(obj, field_validation="Strict")
    assert e.value.message.endswith(
        'strict decoding error: unknown field "spec.replica", '
        'unknown field "spec.template.spec.containers[0].imagePullPolcy", '
        'unknown field "spec.template.spec.containers[0].readinesProbe"')


def test_warn_stores_the_object_without_the_field_and_returns_warnings(api):
    warnings = []
    created = api.create(with_container(readinesProbe={}), field_validation="Warn", warnings=warnings)
    assert warnings == ['unknown field "spec.template.spec.containers[0].readinesProbe"']
    stored = api.get("deployments", "web")
    for obj in (created, stored):
        assert "readinesProbe" not in obj["spec"]["template"]["spec"]["containers"][0]


def test_warn_is_the_servers_default_and_ignore_says_nothing(api):
    # a request without fieldValidation (client-go, the official Python client) gets Warn
    warned, ignored = [], []
    api.create(with_container(readinesProbe={}), warnings=warned)
    api.create(dict(with_container(readinesProbe={}), metadata={"name": "quiet"}), field_validation="Ignore",
               warnings=ignored)
    assert warned == ['unknown field "spec.template.spec.containers[0].readinesProbe"'] and ignored == []
    assert "readinesProbe" not in api.get("deployments", "quiet")["spec"]["template"]["spec"]["containers"][0]


def test_an_unknown_directive_is_refused_like_create_options_validation(api):
    with pytest.raises(errors.Invalid) as e:
        api.create(DEPLOY, field_validation="strict")
    assert e.value.message == ('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: '
                               '"strict": supported values: "", "Ignore", "Strict", "Warn"')


def test_nested_list_items_are_named_by_index(api):
    obj = copy.deepcopy(DEPLOY)
    spec = obj["spec"]["template"]["spec"]
    spec["containers"].append({"name": "side", "image": "busybox", "ports": [{"containerPort": 80, "hostIp": "x"}]})
    spec["volumes"] = [{"name": "data", "emptyDir": {}, "hostpath": {"path": "/x"}}]
    with pytest.raises(errors.BadRequest) as e:
        api.create(obj, field_validation="Strict")
    assert e.value.message.endswith('unknown field "spec.template.spec.containers[1].ports[0].hostIp", '
                                    'unknown field "spec.template.spec.volumes[0].hostpath"')


def test_maps_take_any_key(api):
    warnings = []
    obj = with_container(resources={"limits": {"cpu": "1", "example.com/gpu": "1"}})
    obj["metadata"]["annotations"] = {"team": "web", "kubernetes.io/change-cause": "x"}
    obj["spec"]["template"]["spec"]["nodeSelector"] = {"disktype": "ssd"}
    api.create(obj, field_validation="Strict", warnings=warnings)
    api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"any": "label"}},
                "data": {"any-key": "v", "other.key": "w"}}, field_validation="Strict", warnings=warnings)
    assert warnings == []


def test_status_writes_and_server_set_fields_are_not_flagged(api):
    pod = api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                        "spec": {"containers": [{"name": "web", "image": "nginx"}]}}, field_validation="Strict")
    status = dict(pod, status={"phase": "Running", "podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}],
                                 "conditions": [{"type": "Ready", "status": "True"}],
                                 "containerStatuses": [{"name": "web", "ready": True, "restartCount": 0,
                                                        "image": "nginx", "imageID": "", "started": True,
                                                        "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}]})
    warnings = []
    updated = api.update(status, subresource="status", field_validation="Strict", warnings=warnings)
    # what the server set (uid, resourceVersion, creationTimestamp, status) reads back as known fields
    api.update(updated, field_validation="Strict", warnings=warnings)
    assert warnings == [] and updated["status"]["podIP"] == "10.0.0.5"


def test_an_update_is_refused_with_the_decoders_message(api):
    live = api.create(DEPLOY)
    live["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavalable": 0}}
    with pytest.raises(errors.BadRequest) as e:
        api.update(live, field_validation="Strict")
    assert e.value.message == ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
                               'unknown field "spec.strategy.rollingUpdate.maxUnavalable"')
    with pytest.raises(errors.Invalid) as e:
        api.update(live, field_validation="Sloppy")
    assert e.value.message.startswith('UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: ')


def test_a_strict_strategic_patch_is_invalid_on_the_patch_field(api):
    # patch.go's applyPatchToObject: 422, field "patch", the patch as Go prints a map, errors sorted
    api.create(DEPLOY)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "readinesProbe": {}}]}}, "foo": 1}}
    with pytest.raises(errors.Invalid) as e:
        api.patch("deployments", "web", patch, field_validation="Strict")
    body = ('Invalid value: "map[spec:map[foo:1 template:map[spec:map[containers:[map[name:web readinesProbe:map[]]]]]]]": '
            'strict decoding error: unknown field "spec.foo", '
            'unknown field "spec.template.spec.containers[0].readinesProbe"')
    assert e.value.message == ' "" is invalid: patch: ' + body
    assert [(c.field, c.message) for c in e.value.causes] == [("patch", body)]
    assert api_error_text(e.value) == "The request is invalid: patch: " + body


def test_a_merge_patch_shows_the_patched_object_and_warns_by_default(api):
    api.create(DEPLOY)
    with pytest.raises(errors.Invalid) as e:
        api.patch("deployments", "web", {"spec": {"paused": True, "pause": True}}, patch_type="merge",
                  field_validation="Strict")
    assert e.value.causes[0].message.startswith('Invalid value: "{\\"apiVersion\\":\\"apps/v1\\",')
    assert e.value.causes[0].message.endswith('": strict decoding error: unknown field "spec.pause"')
    assert '\\"pause\\":true,\\"paused\\":true' in e.value.causes[0].message     # the object as patched
    warnings = []
    patched = api.patch("deployments", "web", {"spec": {"pause": True}}, patch_type="merge", warnings=warnings)
    assert warnings == ['unknown field "spec.pause"'] and "pause" not in patched["spec"]


def test_go_prints_a_patch_map_with_sorted_keys():
    assert go_sprint({"b": [1, 2.5, None], "a": {"y": True, "x": "s"}, "c": 1e6}) == \
        "map[a:map[x:s y:true] b:[1 2.5 <nil>] c:1e+06]"


def test_duplicate_fields_of_a_json_body_are_named_by_path():
    body = b'{"metadata":{"name":"a","name":"b"},"spec":{"containers":[{"image":"x","image":"y"}]}}'
    assert duplicate_fields(body) == ['duplicate field "metadata.name"',
                                      'duplicate field "spec.containers[0].image"']
    assert duplicate_fields(b'[{"a":1,"a":2}]') == []


def test_a_custom_resources_fields_are_kept_but_its_metadata_is_checked():
    from kubelab.grading.exercises.ex05_reconcile import PODSET
    api = kl.Cluster(nodes=0).api
    api.registry.register(PODSET)
    obj = {"apiVersion": PODSET.api_version, "kind": PODSET.kind, "metadata": {"name": "a", "lables": {"x": "y"}},
           "spec": {"replicas": 2, "whatever": {"nested": True}}}
    with pytest.raises(errors.BadRequest) as e:
        api.create(obj, field_validation="Strict")
    assert e.value.message.endswith('strict decoding error: unknown field "metadata.lables"')
    del obj["metadata"]["lables"]
    assert api.create(obj, field_validation="Strict")["spec"] == {"replicas": 2, "whatever": {"nested": True}}

"""kubelab's kubectl prints what the real kubectl v1.32 prints for the same objects.

The real binary talks to kubectl_stub.py, which holds the same objects as the
fake cluster kubelab's kubectl talks to (and, for ``get``, answers with
kubelab's printer cells, so what is compared is kubectl's own table layout,
describe layouts, yaml/json, error wording and apply/label patches).
Skipped where the kubectl v1.32 binary is not installed."""
import copy
import json
from datetime import datetime, timezone

import pytest

from kubelab.kubectl import run

from kubectl_fakes import FakeCluster
from kubectl_objects import all_objects, more_objects, objects
from kubectl_stub import StubServer, _status, real_kubectl

pytestmark = pytest.mark.skipif(real_kubectl() is None, reason="kubectl v1.32 binary not installed")


@pytest.fixture
def both():
    """(kubelab's fake cluster, the stub the real kubectl reads), holding identical objects."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    cluster = FakeCluster(all_objects(now) + more_objects(now), now=now)
    stub = StubServer(copy.deepcopy(list(cluster.api.objects.values())), now=now)
    yield cluster, stub
    stub.close()


def real(stub, line, stdin=None):
    r = stub.kubectl(line.split(), stdin)
    return r.stdout + r.stderr


GETS = ["get pods", "get pods -o wide", "get pods -A", "get pods,cm,lease", "get all", "get pods --show-labels",
        "get pods -L app,pod-template-hash", "get nodes -o wide", "get events", "get events -o wide",
        "get deploy,rs -o wide", "get svc,ep", "get pod/web-7c5ddbdf54-x2x9k cm/web-config", "get pods --no-headers",
        "get cm web-config", "get ns", "get endpointslices", "get all -A --show-labels", "get secrets",
        "get secrets -A", "get pod nope", "get foo", "get pods -o name", "get all -o name",
        "get pod web-7c5ddbdf54-x2x9k -o yaml", "get pods -o yaml", "get cm -o json", "get deploy web -o json",
        "get pods -o jsonpath={.items[*].metadata.name}",
        "get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,IMAGES:.spec.containers[*].image",
        "get cm/web-config -o json", "get cm web-config -A", "get pods --sort-by=.metadata.name",
        "get cm web-config nope", "get pods -l app=web", "get pods --field-selector=status.phase=Running",
        "get pods web-7c5ddbdf54-x2x9k -o jsonpath={.status.podIP}", "get nodes -A", "get pods -A -o wide"]

DESCRIBES = ["describe pod web-7c5ddbdf54-x2x9k", "describe node node-1", "describe deployment web",
             "describe rs web-7c5ddbdf54", "describe svc web", "describe ns default", "describe cm web-config",
             "describe lease node-1", "describe ep web", "describe pod web", "describe cm nope web-config",
             "describe pods", "describe secrets", "describe node", "describe job pi", "describe cronjob nightly",
             "describe ds agent", "describe sts db", "describe pvc data-db-0", "describe pv pv-1", "describe hpa web",
             "describe quota compute", "describe limits defaults", "describe sc standard", "describe pc high",
             "describe sa builder", "describe pdb web", "describe netpol deny-all", "describe netpol web-ingress",
             "describe pod db-0", "describe pod busy", "get pod busy -o wide", "get pvc,pv,sc,pc,quota,limits,hpa,pdb,netpol,sa", "get jobs,cronjobs,ds,sts -o wide"]


@pytest.mark.parametrize("line", GETS + DESCRIBES)
def test_output_is_what_kubectl_prints(both, line):
    cluster, stub = both
    assert run(cluster, line) == real(stub, line)


def test_api_resources_is_what_kubectl_prints(both):
    cluster, stub = both
    for line in ("api-resources", "api-resources -o wide", "api-resources --namespaced=false", "api-resources -o name"):
        assert run(cluster, line) == real(stub, line)


def test_yaml_quoting_folding_and_annotation_layout_are_what_kubectl_prints(both):
    cluster, stub = both
    annotations = {"n": "80", "e": "", "b": "true", "c": "a: b", "q": "it's", "lead": " x", "multi": "a\nb",
                   "ts": "2026-11-27", "amp": "a&b<c>", "uni": "héllo", "key10": "a", "key9": "b", "Key_": "c",
                   "long": "word " * 30 + "end", "json": '{"a":1}\n'}
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "odd", "namespace": "default", "annotations": annotations}}
    cluster.api.create(cm)
    stub.put(copy.deepcopy(cluster.api.get("configmaps", "odd")))
    for line in ("get cm odd -o yaml", "get cm odd -o json", "describe cm odd"):
        assert run(cluster, line) == real(stub, line)


@pytest.mark.parametrize("status", [
    _status(422, "Invalid", 'Pod "web" is invalid: spec.containers[0].image: Required value', kind="Pod", name="web",
            causes=[{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].image"}]),
    _status(422, "Invalid", 'Pod "web" is invalid: [...]', kind="Pod", name="web", causes=[
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].image"},
        {"reason": "FieldValueInvalid", "message": 'Invalid value: "Web": a lowercase RFC 1123 subdomain',
         "field": "metadata.name"}]),
    _status(409, "AlreadyExists", 'pods "web" already exists', kind="pods", name="web"),
    _status(403, "Forbidden", 'pods "web" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, '
                              'limited: pods=2', kind="pods", name="web"),
])
def test_create_errors_are_worded_as_kubectl_words_them(both, status):
    from kubelab.errors import from_status
    cluster, stub = both
    manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: c\n"
    stub.errors[("POST", "/api/v1/namespaces/default/pods")] = status

    def refuse(obj, **kw):
        raise from_status(status)
    cluster.api.create = refuse
    assert run(cluster, "create --validate=false -f -", stdin=manifest) == \
        real(stub, "create --validate=false -f -", stdin=manifest)


MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels: {app: app, tier: fe}
  finalizers: [x/y, a/b]
spec:
  replicas: 2
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.26
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
        ports: [{containerPort: 80}]
      - name: side
        image: busybox
      volumes: [{name: data, emptyDir: {}}]
"""
EDITS = [
    lambda m: m.replace("nginx:1.26", "nginx:1.27"),
    lambda m: m.replace(", tier: fe", "").replace("[x/y, a/b]", "[a/b]"),
    lambda m: m.replace(', {name: B, value: "2"}', ', {name: C, value: "3"}'),
    lambda m: m.replace("      - name: side\n        image: busybox\n", ""),
    lambda m: m.replace("emptyDir: {}", "hostPath: {path: /x}").replace("replicas: 2", "replicas: 3\n  strategy: {type: Recreate}"),
    lambda m: m.replace("      - name: side", "      - name: aaa\n        image: x\n      - name: side"),
    lambda m: m,
]


@pytest.mark.parametrize("edit", EDITS, ids=["image", "labels-finalizers", "env", "drop-container", "union",
                                             "insert-container", "unchanged"])
def test_apply_sends_the_patch_kubectl_sends(both, edit):
    cluster, stub = both
    assert run(cluster, "apply --validate=false -f -", stdin=MANIFEST) == \
        real(stub, "apply --validate=false -f -", stdin=MANIFEST)
    for store in (cluster.api.objects, stub.objects):      # fields the server or a controller set
        live = next(o for o in store.values() if o["metadata"]["name"] == "app")
        live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent"
        live["status"] = {"replicas": 2}
    stub.requests.clear()
    changed = edit(MANIFEST)
    assert run(cluster, "apply --validate=false -f -", stdin=changed) == \
        real(stub, "apply --validate=false -f -", stdin=changed)
    sent = [body for method, _, body in stub.requests if method == "PATCH"]
    ours = [patch for call, *rest in cluster.api.calls if call == "patch" for patch in rest[2:]]
    assert ours == sent


@pytest.mark.parametrize("line", [
    "label pod web-7c5ddbdf54-x2x9k app=x", "label pod web-7c5ddbdf54-x2x9k app=x --overwrite",
    "label pod web-7c5ddbdf54-x2x9k nope-", "label pod web-7c5ddbdf54-x2x9k tier=fe app-",
    "label pods --all env=prod", "label pods -l app=web x=y", "label pods x=y",
    "annotate pod web-7c5ddbdf54-x2x9k kubectl.kubernetes.io/restartedAt=now",
    "annotate pod web-7c5ddbdf54-x2x9k note=hello", "annotate deploy web deployment.kubernetes.io/revision-",
    "delete pod web-7c5ddbdf54-x2x9k", "delete pods -l app=none", "delete pods", "delete cm web-config --dry-run=client",
    "patch deployment web -p '{\"spec\":{\"replicas\":5}}'", "patch deployment web -p '{\"spec\":{\"replicas\":3}}'",
    "patch deploy web --type=merge -p '{\"metadata\":{\"labels\":{\"a\":\"b\"}}}'",
    "patch deploy web --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}]'",
    "patch deploy web -p '{\"spec\":{\"replicas\":7}}' --dry-run=client", "patch deploy nope -p '{}'",
    "patch deploy web --type=foo -p '{}'", "patch deploy web",
    "cordon node-1", "uncordon node-1", "cordon nope", "taint nodes node-1 gpu=true:NoSchedule",
    "taint nodes node-1 dedicated=gpu:NoSchedule", "taint nodes node-1 dedicated=cpu:NoSchedule --overwrite",
    "taint nodes node-1 dedicated:NoSchedule-", "taint nodes node-1 dedicated-", "taint nodes node-1 nope-",
    "taint node node-1 x=y:Bad", "taint nodes node-1", "taint", "taint nodes --all a=b:NoExecute c=d:PreferNoSchedule",
])
def test_mutations_print_and_patch_what_kubectl_does(both, line):
    import shlex
    cluster, stub = both
    r = stub.kubectl(shlex.split(line))
    assert run(cluster, line) == r.stdout + r.stderr
    sent = [body for method, _, body in stub.requests if method == "PATCH" and body != {}]
    ours = [rest[2] for call, *rest in cluster.api.calls if call == "patch"]
    assert ours == sent


def test_replace_puts_the_whole_object(both):
    cluster, stub = both
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  x: '1'\n"
    for line in ("replace --validate=false -f -", "replace --validate=false -f - --dry-run=client"):
        assert run(cluster, line, stdin=manifest) == real(stub, line, stdin=manifest)
    assert cluster.api.get("configmaps", "web-config")["data"] == {"x": "1"}


def test_describe_fixture_objects_are_the_ones_documented():
    # Guard: the objects module stays importable on its own for the book's examples.
    assert set(objects(datetime(2026, 1, 2, tzinfo=timezone.utc))) >= {"pod", "node", "deployment", "service"}
    json.dumps(all_objects(datetime(2026, 1, 2, tzinfo=timezone.utc)))


GENERATORS = [
    "create deployment web --image=nginx --replicas=3 --port=80",
    "create deployment multi --image=nginx:1.27 --image=registry.io/lib/busybox:1",
    "create deployment cmd --image=busybox -- sleep 3600",
    "create namespace dev", "create configmap cfg --from-literal=a=1 --from-literal=b=two=2", "create configmap empty",
    "create secret generic pw --from-literal=password=s3cret",
    "create service nodeport web --tcp=80:8080 --node-port=30080", "create service clusterip web --tcp=80,443:8443",
    "create service clusterip hl --clusterip=None --tcp=80", "create service loadbalancer lb --tcp=80",
    "create job hello --image=busybox -- echo hi",
    "create cronjob c --image=busybox --schedule='*/1 * * * *' -- date",
    "run web --image=nginx --port=80 --labels=app=web,tier=fe", "run box --image=busybox --restart=Never -- sleep 3600",
    "run box2 --image=busybox --command --env=A=1 --env=B=2 -- sh -c date",
    "create deployment", "create deployment web", "run x",
    "expose deployment web --port=80", "expose deployment web --port=80 --target-port=8080 --type=NodePort --name=web2",
    "expose pod web-7c5ddbdf54-x2x9k", "expose deployment web", "expose svc web --name=web3",
    "expose rs web-7c5ddbdf54 --port=81", "expose pod db-0", "expose deploy nope --port=80",
]


@pytest.mark.parametrize("line", GENERATORS)
def test_generators_build_the_objects_kubectl_builds(both, line):
    import shlex
    cluster, stub = both
    words = shlex.split(line)
    at = words.index("--") if "--" in words else len(words)
    for extra in (["--dry-run=client", "-o", "yaml"], ["--dry-run=client"]):
        argv = words[:at] + extra + words[at:]
        r = stub.kubectl(argv)
        assert run(cluster, shlex.join(argv)) == r.stdout + r.stderr

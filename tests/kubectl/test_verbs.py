"""get, create, apply, delete, label and annotate print what kubectl v1.32 prints.

Expected texts were printed by kubectl v1.32.5 for the same objects (through
kubectl_stub.py); ages use a fixed ``now``."""
import pytest

from kubelab.kubectl import run

from kubectl_fakes import FakeCluster

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"},
                                                      "annotations": {"a": "1"}},
       "spec": {"containers": [{"name": "c", "image": "nginx"}]}, "status": {"phase": "Pending"}}
DB = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db", "labels": {"app": "db"}},
      "spec": {"containers": [{"name": "c", "image": "postgres"}]}, "status": {"phase": "Pending"}}
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: '1'\n"


@pytest.fixture
def cluster():
    return FakeCluster([POD, DB])


def test_get_lists_pods_in_a_table(cluster):
    assert run(cluster, "get pods") == ("NAME   READY   STATUS    RESTARTS   AGE\n"
                                        "db     0/1     Pending   0          60m\n"
                                        "web    0/1     Pending   0          60m\n")


def test_get_several_types_prefixes_names_and_separates_tables(cluster):
    run(cluster, "create -f -", stdin=CM)
    assert run(cluster, "get pods,cm") == ("NAME      READY   STATUS    RESTARTS   AGE\n"
                                           "pod/db    0/1     Pending   0          60m\n"
                                           "pod/web   0/1     Pending   0          60m\n"
                                           "\n"
                                           "NAME            DATA   AGE\n"
                                           "configmap/cfg   1      60m\n")


def test_get_nothing_says_so_on_stderr(cluster):
    out = run(cluster, "get svc")
    assert (out.stdout, out.stderr, out.returncode) == ("", "No resources found in default namespace.\n", 0)
    assert run(cluster, "get svc -A").stderr == "No resources found\n"


def test_get_a_missing_name_is_not_found(cluster):
    out = run(cluster, "get pod nope")
    assert (out, out.returncode) == ('Error from server (NotFound): pods "nope" not found\n', 1)


def test_get_an_unknown_type(cluster):
    assert run(cluster, "get foo") == 'error: the server doesn\'t have a resource type "foo"\n'


def test_get_one_object_as_yaml_and_a_list_as_a_v1_list(cluster):
    assert run(cluster, "get pod web -o yaml").startswith("apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n")
    listed = run(cluster, "get pods -l app=db -o yaml")
    assert listed.startswith("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n")
    assert listed.endswith("kind: List\nmetadata:\n  resourceVersion: \"\"\n")


def test_get_json_is_indented_four_spaces(cluster):
    assert run(cluster, "get pod web -o json").startswith('{\n    "apiVersion": "v1",\n    "kind": "Pod",\n')


def test_get_names_jsonpath_and_custom_columns(cluster):
    assert run(cluster, "get pods -o name") == "pod/db\npod/web\n"
    assert run(cluster, "get pods -o jsonpath='{.items[*].metadata.name}'") == "db web"
    assert run(cluster, "get pods -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image,X:.x") == (
        "NAME   IMAGE      X\n"
        "db     postgres   <none>\n"
        "web    nginx      <none>\n")


def test_get_an_unknown_output_format(cluster):
    assert run(cluster, "get pods -o foo").startswith(
        'error: unable to match a printer suitable for the output format "foo", allowed formats are: ')


def test_label_refuses_to_overwrite_without_the_flag(cluster):
    out = run(cluster, "label pod web app=x")
    assert (out, out.returncode) == ("error: 'app' already has a value (web), and --overwrite is false\n", 1)


def test_label_add_overwrite_and_remove(cluster):
    assert run(cluster, "label pod web tier=fe app-") == "pod/web labeled\n"
    assert cluster.api.get("pods", "web")["metadata"]["labels"] == {"tier": "fe"}
    assert cluster.api.calls[-1] == ("patch", "web", "merge", {"metadata": {"labels": {"app": None, "tier": "fe"}}})
    assert run(cluster, "label pod web tier=fe --overwrite") == "pod/web not labeled\n"
    assert run(cluster, "label pod web nope-") == 'label "nope" not found.\npod/web not labeled\n'


def test_label_by_selector_and_all(cluster):
    assert run(cluster, "label pods -l app=db x=y") == "pod/db labeled\n"
    assert run(cluster, "label pods --all env=prod") == "pod/db labeled\npod/web labeled\n"
    assert run(cluster, "label pods x=y") == "error: resource(s) were provided, but no name was specified\n"


def test_annotate_words_its_overwrite_error_differently(cluster):
    assert run(cluster, "annotate pod web a=2") == (
        "error: --overwrite is false but found the following declared annotation(s): 'a' already has a value (1)\n")
    assert run(cluster, "annotate pod web a=1 --overwrite") == "pod/web annotated\n"
    assert run(cluster, "annotate pod web a-") == "pod/web annotated\n"


def test_create_and_apply_from_stdin(cluster):
    assert run(cluster, "create -f -", stdin=CM) == "configmap/cfg created\n"
    assert run(cluster, "create -f -", stdin=CM) == (
        'Error from server (AlreadyExists): error when creating "STDIN": configmaps "cfg" already exists\n')
    out = run(cluster, "apply -f -", stdin=CM)
    assert out.startswith("Warning: resource configmaps/cfg is missing the "
                          "kubectl.kubernetes.io/last-applied-configuration annotation")
    assert out.stdout == "configmap/cfg configured\n"
    assert run(cluster, "apply -f -", stdin=CM) == "configmap/cfg unchanged\n"
    assert run(cluster, "apply -f - --dry-run=server", stdin=CM) == "configmap/cfg unchanged (server dry run)\n"
    assert run(cluster, "apply -f - --dry-run=client", stdin=CM.replace("'1'", "'2'")) == \
        "configmap/cfg configured (dry run)\n"


def test_apply_a_kind_the_server_does_not_know(cluster):
    out = run(cluster, "apply -f -", stdin="apiVersion: v9\nkind: Foo\nmetadata:\n  name: x\n")
    assert out == ('error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches for '
                   'kind "Foo" in version "v9"\nensure CRDs are installed first\n')


def test_apply_from_a_file_and_a_directory(cluster, tmp_path):
    (tmp_path / "cm.yaml").write_text(CM)
    (tmp_path / "notes.txt").write_text("ignored")
    assert run(cluster, f"apply -f {tmp_path / 'cm.yaml'}") == "configmap/cfg created\n"
    assert run(cluster, f"apply -f {tmp_path}") == "configmap/cfg unchanged\n"
    assert run(cluster, "apply -f nope.yaml") == 'error: the path "nope.yaml" does not exist\n'


def test_a_namespace_flag_must_agree_with_the_manifest(cluster):
    manifest = CM.replace("name: cfg", "name: cfg\n  namespace: x")
    assert run(cluster, "apply -n other -f -", stdin=manifest) == (
        'error: the namespace from the provided object "x" does not match the namespace "other". '
        "You must pass '--namespace=x' to perform this operation.\n")


def test_delete_by_name_selector_and_all(cluster):
    assert run(cluster, "delete pod web") == 'pod "web" deleted\n'
    assert run(cluster, "delete pod web") == 'Error from server (NotFound): pods "web" not found\n'
    assert run(cluster, "delete pods -l app=none").stderr == "No resources found\n"
    assert run(cluster, "delete pods") == "error: resource(s) were provided, but no name was specified\n"
    assert run(cluster, "delete pod db --dry-run=client") == 'pod "db" deleted (dry run)\n'
    assert run(cluster, "delete pods --all") == 'pod "db" deleted\n'


def test_delete_from_a_file_names_the_file_when_missing(cluster):
    out = run(cluster, "delete -f -", stdin=CM)
    assert out == 'Error from server (NotFound): error when deleting "STDIN": configmaps "cfg" not found\n'


def test_api_resources_lists_the_registry_core_group_first(cluster):
    out = run(cluster, "api-resources --namespaced=false")
    # with metrics-server installed, its aggregated API is listed too (NodeMetrics)
    assert out == ("NAME                SHORTNAMES   APIVERSION               NAMESPACED   KIND\n"
                   "namespaces          ns           v1                       false        Namespace\n"
                   "nodes               no           v1                       false        Node\n"
                   "persistentvolumes   pv           v1                       false        PersistentVolume\n"
                   "nodes                            metrics.k8s.io/v1beta1   false        NodeMetrics\n"
                   "priorityclasses     pc           scheduling.k8s.io/v1     false        PriorityClass\n"
                   "storageclasses      sc           storage.k8s.io/v1        false        StorageClass\n")


def test_api_resources_wide_adds_verbs_and_categories(cluster):
    lines = run(cluster, "api-resources -o wide").splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES"]
    pods = next(line for line in lines if line.startswith("pods "))
    assert pods.split()[-2:] == ["create,delete,deletecollection,get,list,patch,update,watch", "all"]


def test_a_verb_kubelab_lacks_says_so(cluster):
    out = run(cluster, "port-forward web 8080:80")
    assert (out, out.returncode) == ('error: kubelab does not implement "kubectl port-forward"\n', 1)


def test_delete_waits_in_simulated_time_until_a_terminating_object_is_gone(cluster):
    # kubectl delete --wait (the default) returns once the object is really gone.
    api = cluster.api
    terminating = {}

    def graceful_delete(resource, name, **kw):
        obj = api.get(resource, name)
        obj["metadata"]["deletionGracePeriodSeconds"] = 30
        terminating["left"] = 3
        return obj
    api.delete = graceful_delete
    ticks = []

    def advance(seconds):
        ticks.append(seconds)
        terminating["left"] -= 1
        if terminating["left"] == 0:
            api.objects.pop(("pods", "default", "web"))
    cluster.run = advance
    assert run(cluster, "delete pod web") == 'pod "web" deleted\n'
    assert ticks == [1, 1, 1]
    assert run(cluster, "delete pod db --wait=false") == 'pod "db" deleted\n' and len(ticks) == 3


def test_create_deployment_and_run_post_the_generated_objects(cluster):
    assert run(cluster, "create deployment web --image=nginx:1.27 --replicas=2") == "deployment.apps/web created\n"
    deployment = cluster.api.get("deployments", "web")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["template"]["spec"]["containers"] == [{"image": "nginx:1.27", "name": "nginx",
                                                                     "resources": {}}]
    assert run(cluster, "run box --image=busybox --restart=Never -- sleep 60") == "pod/box created\n"
    pod = cluster.api.get("pods", "box")
    assert (pod["metadata"]["labels"], pod["spec"]["containers"][0]["args"]) == ({"run": "box"}, ["sleep", "60"])
    assert run(cluster, "create namespace dev -o name") == "namespace/dev\n"


def test_an_api_error_escaping_a_verb_is_worded_by_kubectl(cluster):
    out = run(cluster, "expose deployment nope --port=80")
    assert (out, out.returncode) == ('Error from server (NotFound): deployments.apps "nope" not found\n', 1)


def test_expose_selects_the_deployments_pods(cluster):
    run(cluster, "create deployment web --image=nginx")
    assert run(cluster, "expose deployment web --port=80 --type=NodePort") == "service/web exposed\n"
    service = cluster.api.get("services", "web")
    assert (service["spec"]["selector"], service["spec"]["type"]) == ({"app": "web"}, "NodePort")


def test_cordon_taint_and_uncordon_a_node():
    cluster = FakeCluster([{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}, "spec": {}}])
    assert run(cluster, "cordon node-1") == "node/node-1 cordoned\n"
    assert run(cluster, "cordon node-1") == "node/node-1 already cordoned\n"
    assert run(cluster, "taint nodes node-1 gpu=true:NoSchedule") == "node/node-1 tainted\n"
    assert run(cluster, "taint nodes node-1 gpu=false:NoSchedule") == (
        "error: node node-1 already has gpu taint(s) with same effect(s) and --overwrite is false\n")
    assert cluster.api.get("nodes", "node-1", namespace=None)["spec"] == {
        "unschedulable": True, "taints": [{"effect": "NoSchedule", "key": "gpu", "value": "true"}]}
    assert run(cluster, "taint nodes node-1 gpu-") == "node/node-1 untainted\n"
    assert run(cluster, "uncordon node-1") == "node/node-1 uncordoned\n"
    assert cluster.api.get("nodes", "node-1", namespace=None)["spec"] == {}

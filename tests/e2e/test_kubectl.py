"""The real kubectl v1.32 against ``kubelab serve``: what it prints for a served lab cluster
is what it prints for a real cluster, and what kubelab's in-process kubectl prints."""
import time

import pytest

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        resources:
          requests: {cpu: 100m, memory: 64Mi}
"""


def out(result) -> str:
    return result.stdout + result.stderr


def test_kubectl_version_names_the_lab_server(kube):
    assert "Server Version: v1.32.0-kubelab" in out(kube.kubectl("version"))


def test_a_deployment_applied_with_kubectl_rolls_out_scales_is_watched_and_deleted(kube, tmp_path):
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    assert out(kube.kubectl(f"apply -f {manifest}")) == "deployment.apps/web created\n"
    status = kube.kubectl("rollout status deployment/web --timeout=60s")
    assert status.returncode == 0 and status.stdout.endswith('deployment "web" successfully rolled out\n')

    watcher = kube.popen("get pods -l app=web -w --no-headers")
    assert out(kube.kubectl("scale deployment web --replicas=3")) == "deployment.apps/web scaled\n"
    assert kube.kubectl("rollout status deployment/web --timeout=60s").returncode == 0
    lines = [watcher.stdout.readline() for _ in range(3)]      # the two Pods, then the third one's ADDED
    watcher.kill()
    watcher.wait()
    assert all(line.startswith("web-") for line in lines)
    assert len({line.split()[0] for line in lines}) == 3
    with kube.server.engine.paused():
        assert out(kube.kubectl("get deploy web")) == kube.in_process("get deploy web")
        assert len(kube.cluster.get("pods", selector="app=web")) == 3

    assert out(kube.kubectl("delete deployment web")) == 'deployment.apps "web" deleted\n'
    assert out(kube.kubectl("get deployment web")) == \
        'Error from server (NotFound): deployments.apps "web" not found\n'


# Every table kubectl prints from the server's Table rows (and api-resources, from discovery)
# equals kubelab's own output for the same command, at the same (paused) simulated instant.
GETS = ["api-resources", "get nodes", "get nodes -o wide", "get ns", "get pods", "get pods -o wide", "get pods -l app=db",
        "get pods -A --show-labels", "get deploy,rs -o wide", "get svc", "get pods -L app", "get all",
        "get pods --sort-by=.metadata.name", "get pods -o name", "get deploy db -o jsonpath={.spec.replicas}",
        "get pods --field-selector=status.phase=Running", "get pod nope", "get cm -n kube-system", "get events"]


@pytest.fixture(scope="module")
def db(served):
    """A settled Deployment "db" with 2 Pods."""
    with served.server.engine.lock:
        served.cluster.apply(WEB.replace("web", "db"))
    deadline = time.monotonic() + 30
    while len([p for p in served.cluster.get("pods", selector="app=db")
               if p["status"].get("phase") == "Running"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    return served


@pytest.mark.parametrize("line", GETS)
def test_kubectl_get_prints_what_kubelab_prints(kube, db, line):
    with kube.server.engine.paused():
        assert out(kube.kubectl(line)) == kube.in_process(line)


def test_an_invalid_manifest_reads_as_kubectl_prints_it(kube, tmp_path):
    # kubectl's CheckErr prints a 422 from its Status details: The <Kind> "<name>" is invalid: <field>: <why>
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(WEB.replace("web", "bad").replace("        image: nginx:1.27\n", ""))
    result = kube.kubectl(f"apply -f {manifest}")
    assert result.returncode == 1
    assert result.stderr == 'The Deployment "bad" is invalid: spec.template.spec.containers[0].image: Required value\n'


def test_creating_twice_and_a_stale_replace_read_as_kubectl_prints_them(kube, db, tmp_path):
    manifest = tmp_path / "db.yaml"
    manifest.write_text(WEB.replace("web", "db"))
    assert kube.kubectl(f"create -f {manifest}").stderr == \
        f'Error from server (AlreadyExists): error when creating "{manifest}": deployments.apps "db" already exists\n'
    stale = WEB.replace("web", "db").replace("  name: db\n", '  name: db\n  resourceVersion: "1"\n', 1)
    manifest.write_text(stale)
    assert kube.kubectl(f"replace -f {manifest}").stderr == (
        f'Error from server (Conflict): error when replacing "{manifest}": Operation cannot be fulfilled on '
        'deployments.apps "db": the object has been modified; please apply your changes to the latest version '
        'and try again\n')


def test_a_misspelt_field_is_refused_by_default_and_warned_about_with_validate_warn(kube, tmp_path):
    # kubectl 1.32 sends fieldValidation=Strict; the server names the field by its path
    manifest = tmp_path / "typo.yaml"
    manifest.write_text(WEB.replace("web", "typo").replace(
        "        resources:", "        readinesProbe: {tcpSocket: {port: 80}}\n        resources:"))
    refused = kube.kubectl(f"apply -f {manifest}")
    assert (refused.returncode, refused.stderr) == (1, (
        f'Error from server (BadRequest): error when creating "{manifest}": Deployment in version "v1" cannot be '
        'handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].'
        'readinesProbe"\n'))
    assert kube.in_process(f"apply -f {manifest}") == refused.stderr
    warned = kube.kubectl(f"apply --validate=warn -f {manifest}")
    assert warned.stderr == 'Warning: unknown field "spec.template.spec.containers[0].readinesProbe"\n'
    assert warned.stdout == "deployment.apps/typo created\n"
    patched = kube.kubectl("patch deploy typo --type=merge -p {\"spec\":{\"paused\":true,\"pause\":true}}")
    assert (patched.stdout, patched.stderr) == ("deployment.apps/typo patched\n",
                                                'Warning: unknown field "spec.pause"\n')
    kube.kubectl("delete deploy typo")


def test_server_side_apply_owns_fields_and_reports_conflicts(kube, tmp_path):
    manifest = tmp_path / "ssa.yaml"
    manifest.write_text(WEB.replace("web", "ssa"))
    assert out(kube.kubectl(f"apply --server-side -f {manifest}")) == "deployment.apps/ssa serverside-applied\n"
    manifest.write_text(WEB.replace("web", "ssa").replace("replicas: 2", "replicas: 1"))
    conflict = kube.kubectl(f"apply --server-side --field-manager=other -f {manifest}")
    # the first line kubectl prints for a 409 from the field manager (apply.go's conflict help follows)
    assert conflict.stderr.splitlines()[0] == \
        'error: Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas'
    forced = kube.kubectl(f"apply --server-side --field-manager=other --force-conflicts -f {manifest}")
    assert forced.returncode == 0
    assert kube.kubectl("get deploy ssa -o jsonpath={.spec.replicas}").stdout == "1"
    kube.kubectl("delete deploy ssa")


def test_label_rollout_history_and_undo(kube, db):
    assert out(kube.kubectl("label deployment db tier=backend")) == "deployment.apps/db labeled\n"
    assert kube.kubectl("get deploy db -o jsonpath={.metadata.labels.tier}").stdout == "backend"
    assert out(kube.kubectl("set image deployment/db db=nginx:1.26")) == "deployment.apps/db image updated\n"
    assert kube.kubectl("rollout status deployment/db --timeout=60s").returncode == 0
    assert out(kube.kubectl("rollout history deployment/db")) == \
        "deployment.apps/db \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
    assert out(kube.kubectl("rollout undo deployment/db")) == "deployment.apps/db rolled back\n"
    assert kube.kubectl("rollout status deployment/db --timeout=60s").returncode == 0
    assert kube.kubectl("get deploy db -o jsonpath={.spec.template.spec.containers[0].image}").stdout == "nginx:1.27"


def test_logs_top_describe_and_explain(kube, db):
    pod = kube.kubectl("get pods -l app=db -o name").stdout.split()[0]
    with kube.server.engine.paused():
        assert out(kube.kubectl(f"logs {pod}")) == kube.in_process(f"logs {pod}")
    kube.server.engine.advance(60)          # two metrics-server scrapes
    with kube.server.engine.paused():
        # the same numbers as kubelab's kubectl top (rows only: kubectl v1.32.5 heads the
        # percentage columns CPU(%) and MEMORY(%), kubelab's printer CPU% and MEMORY%)
        for line in ("top nodes", "top pods -l app=db"):
            real, mine = out(kube.kubectl(line)).splitlines(), kube.in_process(line).splitlines()
            assert [row.split() for row in real[1:]] == [row.split() for row in mine[1:]] and len(real) > 1
    described = kube.kubectl("describe deployment db").stdout
    assert "Name:                   db\n" in described and "Replicas:               2 desired" in described
    explained = kube.kubectl("explain deployment.spec.strategy").stdout
    assert explained.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: strategy")
    assert "rollingUpdate\t<RollingUpdateDeployment>" in explained


def test_cordon_and_drain_evict_through_the_eviction_api(kube, db):
    node = kube.cluster.get("pods", selector="app=db")[0]["spec"]["nodeName"]
    assert out(kube.kubectl(f"cordon {node}")) == f"node/{node} cordoned\n"
    drained = kube.kubectl(f"drain {node} --ignore-daemonsets --timeout=60s")
    assert drained.returncode == 0, drained.stderr
    assert f"node/{node} drained" in drained.stdout and "evicted" in drained.stdout
    assert all(p["spec"].get("nodeName") != node for p in kube.cluster.get("pods", selector="app=db")
               if not p["metadata"].get("deletionTimestamp"))
    assert out(kube.kubectl(f"uncordon {node}")) == f"node/{node} uncordoned\n"


def test_autoscale_posts_an_autoscaling_v1_hpa_that_both_versions_serve(kube, db):
    # kubectl v1.32's autoscale builds an autoscaling/v1 object and sends it as protobuf
    # (client-go's typed client); the lab stores it as autoscaling/v2
    assert out(kube.kubectl("autoscale deployment db --min=2 --max=5 --cpu-percent=70")) == \
        "horizontalpodautoscaler.autoscaling/db autoscaled\n"
    assert out(kube.kubectl("autoscale deployment db --max=5")) == \
        'Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling "db" already exists\n'
    assert kube.kubectl("get horizontalpodautoscalers.v1.autoscaling db -o jsonpath={.spec}").stdout == (
        '{"maxReplicas":5,"minReplicas":2,"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment",'
        '"name":"db"},"targetCPUUtilizationPercentage":70}')
    # kubectl's shortcut expander drops the version of "hpa.v1.autoscaling": it reads v2
    assert kube.kubectl("get hpa.v1.autoscaling db -o jsonpath={.apiVersion}").stdout == "autoscaling/v2"
    with kube.server.engine.paused():
        for line in ("get hpa db", "get horizontalpodautoscalers.v1.autoscaling db"):
            assert out(kube.kubectl(line)).split() == kube.in_process(line).split()
    assert out(kube.kubectl("delete horizontalpodautoscalers.v1.autoscaling db")) == \
        'horizontalpodautoscaler.autoscaling "db" deleted\n'


def test_set_env_lists_and_changes_what_kubelab_lists_and_changes(kube, db):
    assert out(kube.kubectl("set env deployment/db GREETING=hello")) == "deployment.apps/db env updated\n"
    with kube.server.engine.paused():
        for line in ("set env deployment/db --list", "set env deployment/db GREETING=hello",
                     "set env deployment/db X=1 X-"):
            assert out(kube.kubectl(line)) == kube.in_process(line)
    assert out(kube.kubectl("set env deployment/db GREETING-")) == "deployment.apps/db env updated\n"


def test_create_generators_send_protobuf_bodies_the_lab_decodes(kube):
    # kubectl v1.32's `create` generators build typed objects and send them as protobuf
    # (client-go's typed clients); in a namespace of their own, so the quota and the
    # disruption budget leave the other tests alone
    created = [
        ("create namespace gen", "namespace/gen created"),
        ("create configmap cfg --from-literal=a=b -n gen", "configmap/cfg created"),
        ("create secret generic s --from-literal=x=y -n gen", "secret/s created"),
        ("create serviceaccount sa -n gen", "serviceaccount/sa created"),
        ("create deployment web --image=nginx --replicas=2 --port=80 -n gen", "deployment.apps/web created"),
        ("create job j --image=busybox -n gen", "job.batch/j created"),
        (["create", "cronjob", "c", "--image=busybox", "--schedule=*/1 * * * *", "-n", "gen"],
         "cronjob.batch/c created"),
        ("create service clusterip my --tcp=80:8080 -n gen", "service/my created"),
        ("create quota q --hard=pods=10 -n gen", "resourcequota/q created"),
        ("create poddisruptionbudget pdb --selector=app=web --min-available=1 -n gen",
         "poddisruptionbudget.policy/pdb created"),
        ("create priorityclass gen-high --value=1000 --description=textbook",
         "priorityclass.scheduling.k8s.io/gen-high created"),
    ]
    for line, printed in created:
        assert out(kube.kubectl(line)) == printed + "\n", line
    names = ("configmap/cfg secret/s serviceaccount/sa deployment/web job/j cronjob/c service/my "
             "resourcequota/q poddisruptionbudget/pdb")
    assert out(kube.kubectl(f"get {names} -n gen -o name")).split() == [
        "configmap/cfg", "secret/s", "serviceaccount/sa", "deployment.apps/web", "job.batch/j", "cronjob.batch/c",
        "service/my", "resourcequota/q", "poddisruptionbudget.policy/pdb"]
    for line, value in [("get secret s -o jsonpath={.data.x}", "eQ=="),
                        ("get deployment web -o jsonpath={.spec.replicas}", "2"),
                        ("get deployment web -o jsonpath={.spec.template.spec.containers[0].ports[0].containerPort}",
                         "80"),
                        ("get service my -o jsonpath={.spec.ports[0].targetPort}", "8080"),
                        ("get quota q -o jsonpath={.spec.hard.pods}", "10"),
                        ("get pdb pdb -o jsonpath={.spec.minAvailable}", "1")]:
        assert out(kube.kubectl(line + " -n gen")) == value, line
    assert out(kube.kubectl("get priorityclass gen-high -o jsonpath={.value}")) == "1000"
    assert out(kube.kubectl("delete priorityclass gen-high")) == \
        'priorityclass.scheduling.k8s.io "gen-high" deleted\n'
    assert out(kube.kubectl("delete namespace gen")) == 'namespace "gen" deleted\n'

"""``kubectl set env`` prints what kubectl v1.32 prints.

Expected texts were printed by kubectl v1.32.5 against ``kubelab serve`` with the same
objects (k8s.io/kubectl/pkg/cmd/set/set_env.go, set/env/env_parse.go, set/helper.go's
updateEnv: changed variables stay in place, new ones are appended). kubectl ranges over
the ConfigMap's keys in Go's random map order; kubelab takes them sorted."""
import pytest

import kubelab as kl

OBJECTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers: [{name: init, image: busybox, command: ["true"]}]
      containers:
      - {name: app, image: nginx, env: [{name: A, value: "1"}]}
      - {name: side, image: busybox, command: [sleep, "3600"]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {db-host: db, mode: prod, log.level: debug}
---
apiVersion: v1
kind: Pod
metadata: {name: solo}
spec:
  containers: [{name: c, image: nginx}]
"""


@pytest.fixture
def c():
    cluster = kl.Cluster(nodes=1, seed=0)
    cluster.apply(OBJECTS)
    return cluster


def env_of(c, container="app"):
    spec = c.get("deployment", "web")["spec"]["template"]["spec"]
    return next(x for x in spec["containers"] + spec["initContainers"] if x["name"] == container).get("env")


def test_list_prints_each_selected_container_init_containers_last(c):
    assert c.kubectl("set env deployment/web --list") == (
        "# Deployment web, container app\nA=1\n# Deployment web, container side\n"
        "# Deployment web, container init\n")
    assert c.kubectl("set env deployment/web -c app --list") == "# Deployment web, container app\nA=1\n"


def test_set_change_and_remove_variables(c):
    assert c.kubectl("set env deployment/web -c app B=2 A=3") == "deployment.apps/web env updated\n"
    assert env_of(c) == [{"name": "A", "value": "3"}, {"name": "B", "value": "2"}]
    assert c.kubectl("set env deployment/web -c app A-") == "deployment.apps/web env updated\n"
    assert env_of(c) == [{"name": "B", "value": "2"}]
    # nothing to change: nothing printed, success
    out = c.kubectl("set env deployment/web -c app A-")
    assert (out, out.returncode) == ("", 0)
    # without -c every container changes, init containers too
    c.kubectl("set env deployment/web Z=9")
    assert env_of(c, "side") == env_of(c, "init") == [{"name": "Z", "value": "9"}]


def test_from_a_configmap_adds_references_under_env_names(c):
    out = c.kubectl("set env deployment/web -c app --from=configmap/cfg")
    assert out.stdout == "deployment.apps/web env updated\n"
    assert out.stderr == ("Warning: key db-host transferred to DB_HOST\n"
                          "Warning: key log.level transferred to LOG_LEVEL\n"
                          "Warning: key mode transferred to MODE\n")
    assert c.kubectl("set env deployment/web -c app --list").stdout == (
        "# Deployment web, container app\nA=1\n# DB_HOST from configmap cfg, key db-host\n"
        "# LOG_LEVEL from configmap cfg, key log.level\n# MODE from configmap cfg, key mode\n")


def test_keys_and_prefix_with_a_client_dry_run(c):
    out = c.kubectl("set env deployment/web --from=configmap/cfg --keys=mode --prefix=P_ --dry-run=client "
                    "-o jsonpath={.spec.template.spec.containers[0].env}")
    assert out.stdout == ('[{"name":"A","value":"1"},{"name":"P_MODE","valueFrom":{"configMapKeyRef":'
                          '{"key":"mode","name":"cfg"}}}]')
    assert env_of(c) == [{"name": "A", "value": "1"}]          # nothing sent


@pytest.mark.parametrize("line, expected", [
    ("set env deployment/web 1BAD=x", 'error: "1BAD" is not a valid key name: a valid environment variable name '
     "must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. "
     "'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is "
     "'[-._a-zA-Z][-._a-zA-Z0-9]*')\n"),
    ("set env deployment/web X=1 X-",
     "error: can not both modify and remove the same environment variable in the same command\n"),
    ("set env deployment/nope Q=1", 'Error from server (NotFound): deployments.apps "nope" not found\n'),
    ("set env deployment/web Y=1 deployment/web",
     "error: all resources must be specified before environment changes: deployment/web Y=1 deployment/web\n"),
    ("set env", "error: one or more resources must be specified as <resource> <name> or <resource>/<name>\n"),
    ("set env deployment/web --list -o yaml", "error: --list and --output may not be specified together\n"),
    ("set env --keys=a deployment/web",
     "error: when specifying --keys, a configmap or secret must be provided with --from\n"),
    ("set env --from=pod/solo deployment/web", "error: unsupported resource specified in --from\n"),
    ("set env deployments Q=3", "error: resource(s) were provided, but no name was specified\n"),
    ("set env deployment/web --overwrite=false A=4",
     "error: deployments/web 'A' already has a value (1), and --overwrite is false\n"),
    ("set env configmap/cfg A=1",
     "error: configmaps/cfg the object is not a pod or does not have a pod template: *v1.ConfigMap\n"),
])
def test_errors_read_as_kubectl_prints_them(c, line, expected):
    out = c.kubectl(line)
    assert (out, out.returncode) == (expected, 1)


def test_a_pod_cannot_change_its_env_and_the_server_says_why(c):
    out = c.kubectl("set env pod/solo Q=1")
    assert out.returncode == 1
    assert out.startswith('error: failed to patch env update to pod template: Pod "solo" is invalid: spec: '
                          "Forbidden: pod updates may not change fields other than `spec.containers[*].image`")
    assert c.kubectl("set env pod/solo --list") == "# Pod solo, container c\n"


def test_a_container_selector_matching_nothing_warns(c):
    out = c.kubectl("set env deployment/web -c nope Z=1")
    assert (out.stdout, out.stderr, out.returncode) == (
        "", 'Warning: Deployment/web does not have any containers matching "nope"\n', 0)
    assert c.kubectl("set env deployment/web -c a* --list") == "# Deployment web, container app\nA=1\n"


def test_other_targets_are_changed_before_the_errors_are_reported(c):
    out = c.kubectl("set env deployment/web configmap/cfg Z=9")
    assert out.stdout == "deployment.apps/web env updated\n"
    assert out.stderr == ("error: configmaps/cfg the object is not a pod or does not have a pod template: "
                          "*v1.ConfigMap\n")
    assert out.returncode == 1


def test_the_c_and_e_shorthands_belong_to_set_env_alone(c):
    # cobra gives each command its own flag set: `kubectl get pods -c app` is refused by v1.32.5
    assert c.kubectl("get pods -c app") == \
        "error: unknown shorthand flag: 'c' in -c\nSee 'kubectl get --help' for usage.\n"
    assert c.kubectl("set env deployment/web -c app -e B=2") == "deployment.apps/web env updated\n"
    assert env_of(c) == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]

"""``kubectl autoscale`` prints what kubectl v1.32 prints.

Expected texts were printed by kubectl v1.32.5 against ``kubelab serve`` with the same
objects (a Deployment ``web``, a Pod ``solo``, a ConfigMap ``cfg``); v1.32 builds an
autoscaling/v1 HorizontalPodAutoscaler (k8s.io/kubectl/pkg/cmd/autoscale, release-1.32:
createHorizontalPodAutoscaler, Validate)."""
import pytest

import kubelab as kl

OBJECTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx, resources: {requests: {cpu: 100m}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: solo}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {mode: prod}
"""


@pytest.fixture(scope="module")
def c():
    cluster = kl.Cluster(nodes=1, seed=0)
    cluster.apply(OBJECTS)
    return cluster


def test_a_client_dry_run_prints_the_autoscaling_v1_object(c):
    assert c.kubectl("autoscale deployment web --min=2 --max=10 --cpu-percent=80 --dry-run=client -o yaml") == (
        "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  creationTimestamp: null\n"
        "  name: web\nspec:\n  maxReplicas: 10\n  minReplicas: 2\n  scaleTargetRef:\n    apiVersion: apps/v1\n"
        "    kind: Deployment\n    name: web\n  targetCPUUtilizationPercentage: 80\nstatus:\n"
        "  currentReplicas: 0\n  desiredReplicas: 0\n")
    # a negative --min or --cpu-percent leaves the field to the server's defaults
    text = c.kubectl("autoscale deployment/web --max=3 --min=-5 --cpu-percent=-7 --dry-run=client -o yaml")
    assert "minReplicas" not in text and "targetCPUUtilizationPercentage" not in text
    assert c.kubectl("autoscale deployment web --max=3 --dry-run=client") == \
        "horizontalpodautoscaler.autoscaling/web created (dry run)\n"
    assert c.kubectl("autoscale deployment web --max=3 --name=other --dry-run=client -o name") == \
        "horizontalpodautoscaler.autoscaling/other\n"


def test_autoscale_creates_a_v1_hpa_the_v2_api_reads():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(OBJECTS)
    assert c.kubectl("autoscale deployment web --min=2 --max=10 --cpu-percent=80") == \
        "horizontalpodautoscaler.autoscaling/web autoscaled\n"
    stored = c.get("hpa", "web")
    assert stored["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 80
    assert stored["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    out = c.kubectl("autoscale deployment web --min=2 --max=10 --cpu-percent=80")
    assert (out, out.returncode) == (
        'Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling "web" already exists\n', 1)
    # without --cpu-percent the server defaults the target to 80% (v1's implicit default)
    assert c.kubectl("autoscale deployment/web --max=4 --name=dflt") == \
        "horizontalpodautoscaler.autoscaling/dflt autoscaled\n"
    assert c.get("hpa", "dflt")["spec"]["minReplicas"] == 1
    assert c.kubectl("autoscale deployment/web --max=4 --name=other2 --dry-run=server") == \
        "horizontalpodautoscaler.autoscaling/other2 autoscaled (server dry run)\n"
    out = c.kubectl("autoscale deployment web --max=3 --cpu-percent=0 --name=zero")
    assert (out, out.returncode) == (
        'The HorizontalPodAutoscaler "zero" is invalid: spec.metrics[0].resource.target.averageUtilization: '
        "Invalid value: 0: must be greater than 0\n", 1)


@pytest.mark.parametrize("line, expected", [
    ("autoscale deployment web --min=2", 'error: required flag(s) "max" not set\n'),
    ("autoscale", 'error: required flag(s) "max" not set\n'),
    ("autoscale deployment web --max=1 --min=3",
     "error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 1, min: 3\n"),
    ("autoscale deployment web --max=0", "error: --max=MAXPODS is required and must be at least 1, max: 0\n"),
    ("autoscale deployment/web --max=abc", 'error: invalid argument "abc" for "--max" flag: strconv.ParseInt: '
                                           "parsing \"abc\": invalid syntax\nSee 'kubectl autoscale --help' for usage.\n"),
    ("autoscale deployment nope --max=3", 'Error from server (NotFound): deployments.apps "nope" not found\n'),
    ("autoscale pod solo --max=3", "error: cannot autoscale a Pod: could not find scale subresource for /v1, "
                                   "Resource=pods in discovery information\n"),
    ("autoscale configmap cfg --max=3", "error: cannot autoscale a ConfigMap: could not find scale subresource for "
                                        "/v1, Resource=configmaps in discovery information\n"),
    ("autoscale deployment --max=3", "error: resource(s) were provided, but no name was specified\n"),
    ("autoscale --max=3", "error: You must provide one or more resources by argument or filename.\n"
                          "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
                          "   '<resource> <name>'\n   '<resource>'\n"),
])
def test_errors_read_as_kubectl_prints_them(c, line, expected):
    out = c.kubectl(line)
    assert (out, out.returncode) == (expected, 1)


def test_objects_that_cannot_be_autoscaled_are_reported_after_the_others(c):
    # the resource builder's ContinueOnError: the found ones first, then the errors
    out = c.kubectl("autoscale deployment web deployment web --max=3 --dry-run=client")
    assert out.stdout == "horizontalpodautoscaler.autoscaling/web created (dry run)\n" * 2
    assert out.stderr == 'Error from server (NotFound): deployments.apps "deployment" not found\n'

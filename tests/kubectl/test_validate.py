"""kubectl's ``--validate`` (server-side field validation), against a lab cluster.

kubectl v1.32 defaults to ``--validate=strict`` and sends ``fieldValidation=Strict`` on
create, apply and replace (``warn`` -> Warn, ``ignore``/``false`` -> Ignore); kubectl patch
sends none, so the server warns. Expected texts were printed by kubectl v1.32.5 against
``kubelab serve`` for the same manifests (each line checked by hand against the
apiserver's handlers)."""
import warnings

import pytest

import kubelab as kl

TYPO = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        readinesProbe: {tcpSocket: {port: 80}}
        imagePullPolcy: Always
"""
GOOD = TYPO.replace("        readinesProbe: {tcpSocket: {port: 80}}\n        imagePullPolcy: Always\n", "")
UNKNOWN = ('unknown field "spec.template.spec.containers[0].imagePullPolcy", '
           'unknown field "spec.template.spec.containers[0].readinesProbe"')
STRICT = 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ' + UNKNOWN
WARNINGS = ('Warning: unknown field "spec.template.spec.containers[0].imagePullPolcy"\n'
            'Warning: unknown field "spec.template.spec.containers[0].readinesProbe"\n')


@pytest.fixture
def c():
    return kl.Cluster(nodes=0)


def test_create_and_apply_refuse_an_unknown_field_by_default(c):
    for verb in ("create", "apply", "create --validate=strict", "apply --validate=true"):
        out = c.kubectl(f"{verb} -f -", stdin=TYPO)
        assert (out.returncode, out.stderr) == (1, f'Error from server (BadRequest): error when creating "STDIN": '
                                                   f'{STRICT}\n'), verb
    assert c.get("deployments") == []


def test_validate_warn_creates_the_object_without_the_field_and_prints_warnings(c):
    out = c.kubectl("apply --validate=warn -f -", stdin=TYPO)
    assert out == WARNINGS + "deployment.apps/web created\n"
    assert out.stderr == WARNINGS and out.returncode == 0
    container = c.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]
    assert "readinesProbe" not in container and "imagePullPolcy" not in container


@pytest.mark.parametrize("flag", ["--validate=false", "--validate=ignore", "--validate=0"])
def test_validate_ignore_or_false_drops_the_fields_silently(c, flag):
    assert c.kubectl(f"create {flag} -f -", stdin=TYPO) == "deployment.apps/web created\n"


def test_an_unknown_validate_value_is_refused_before_anything_is_sent(c):
    out = c.kubectl("apply --validate=yes -f -", stdin=GOOD)
    assert (out.returncode, out.stderr) == (1, 'error: invalid - validate option "yes"; must be one of: strict '
                                               '(or true), warn, ignore (or false)\n')
    assert c.get("deployments") == []


def test_apply_to_an_existing_object_reports_the_servers_patch_error(c):
    c.kubectl("apply --validate=warn -f -", stdin=TYPO)
    out = c.kubectl("apply -f -", stdin=TYPO)
    # the last-applied annotation already holds the typos, so the patch is only the container
    assert out.stderr == (
        'The request is invalid: patch: Invalid value: "map[spec:map[template:map[spec:map[$setElementOrder/'
        'containers:[map[name:web]] containers:[map[imagePullPolcy:Always name:web readinesProbe:map[tcpSocket:'
        f'map[port:80]]]]]]]]": strict decoding error: {UNKNOWN}\n')
    assert c.kubectl("apply --dry-run=server -f -", stdin=TYPO).stderr == out.stderr


def test_replace_refuses_with_the_decoders_message(c):
    c.kubectl("apply -f -", stdin=GOOD)
    out = c.kubectl("replace -f -", stdin=TYPO)
    assert out.stderr == f'Error from server (BadRequest): error when replacing "STDIN": {STRICT}\n'
    assert c.kubectl("replace --validate=warn -f -", stdin=TYPO) == WARNINGS + "deployment.apps/web replaced\n"


def test_patch_sends_no_directive_so_the_server_warns(c):
    c.kubectl("apply -f -", stdin=GOOD)
    out = c.kubectl("""patch deploy web -p '{"spec":{"foo":1}}'""")
    assert out == 'Warning: unknown field "spec.foo"\ndeployment.apps/web patched (no change)\n'
    assert c.kubectl("""patch deploy web --type=merge -p '{"spec":{"foo":1}}'""").stderr == \
        'Warning: unknown field "spec.foo"\n'


def test_one_command_prints_each_warning_once(c):
    two = TYPO + "---\n" + TYPO.replace("name: web\n", "name: api\n", 1)
    out = c.kubectl("create --validate=warn -f -", stdin=two)
    assert out == WARNINGS + "deployment.apps/web created\ndeployment.apps/api created\n"


def test_cluster_apply_is_strict_like_kubectl_and_can_warn_or_ignore(c):
    with pytest.raises(kl.errors.BadRequest) as e:
        c.apply(TYPO)
    assert e.value.message == STRICT
    with pytest.warns(UserWarning) as record:
        c.apply(TYPO, field_validation="Warn")
    assert [str(w.message) for w in record] == UNKNOWN.split(", ")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c.apply(TYPO.replace("name: web\n", "name: quiet\n", 1), field_validation="Ignore")
    assert [d["metadata"]["name"] for d in c.get("deployments")] == ["quiet", "web"]

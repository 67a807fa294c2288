"""pods/exec and pods/log: the API server checks the request, then asks the Pod's kubelet.

Error texts: the pod registry's validateContainer (pkg/registry/core/pod/strategy.go),
"pod web does not have a host assigned", and the kubelet's validateContainerLogStatus
(pkg/kubelet/kubelet_pods.go): "previous terminated container ... not found", "is
waiting to start: ContainerCreating", "image can't be pulled".
"""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.apiserver.nodeproxy import UpgradeError


def pod(name, containers, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": containers, **spec}}


def ctr(name, image="busybox:1.36", *command):
    c = {"name": name, "image": image}
    if command:
        c["command"] = list(command)
    return c


@pytest.fixture(scope="module")
def c():
    cluster = kl.Cluster(nodes=1)
    cluster.apply([
        pod("web", [ctr("app", "busybox:1.36", "sh", "-c", "echo hello; echo oops >&2; sleep 3600"),
                    ctr("sidecar", "busybox:1.36", "sleep", "3600")],
            initContainers=[ctr("init", "busybox:1.36", "sh", "-c", "echo initialised")]),
        pod("single", [ctr("app", "busybox:1.36", "sh", "-c", "echo attempt; sleep 1; exit 1")]),
        pod("typo", [ctr("app", "nginx:doesnotexist")]),
        pod("waiting", [ctr("app", "busybox:1.36", "sleep", "3600")], schedulerName="nobody"),
    ])
    cluster.run(20)
    return cluster


def test_exec_runs_a_command_and_returns_its_output_and_exit_code(c):
    assert c.api.exec("web", "default", "app", ["sh", "-c", "echo out; echo err >&2; exit 3"]) == ("out\nerr\n", 3)


def test_a_container_name_is_required_when_a_pod_has_several(c):
    with pytest.raises(errors.BadRequest) as e:
        c.api.exec("web", "default", None, ["ls"])
    assert e.value.message == "a container name must be specified for pod web, choose one of: [init app sidecar]"
    with pytest.raises(errors.BadRequest) as e:
        c.api.logs("web", "default")
    assert e.value.message == "a container name must be specified for pod web, choose one of: [init app sidecar]"


def test_a_single_container_pod_needs_no_container_name(c):
    assert c.api.logs("single", "default").startswith("attempt\n")


def test_an_unknown_container_is_a_bad_request(c):
    for call in (lambda: c.api.exec("web", "default", "nope", ["ls"]), lambda: c.api.logs("web", "default", "nope")):
        with pytest.raises(errors.BadRequest) as e:
            call()
        assert e.value.message == "container nope is not valid for pod web"


def test_an_unknown_pod_is_not_found(c):
    with pytest.raises(errors.NotFound) as e:
        c.api.logs("ghost", "default")
    assert e.value.message == 'pods "ghost" not found'


def test_logs_show_both_streams_in_order(c):
    assert c.api.logs("web", "default", "app") == "hello\noops\n"
    assert c.api.logs("web", "default", "init") == "initialised\n"


def test_previous_shows_the_last_terminated_instance(c):
    assert c.api.logs("single", "default", previous=True) == "attempt\n"
    with pytest.raises(errors.BadRequest) as e:
        c.api.logs("web", "default", "app", previous=True)
    assert e.value.message == 'previous terminated container "app" in pod "web" not found'


def test_a_container_that_never_started_has_no_logs(c):
    with pytest.raises(errors.BadRequest) as e:
        c.api.logs("typo", "default")
    assert e.value.message in ('container "app" in pod "typo" is waiting to start: image can\'t be pulled',
                               'container "app" in pod "typo" is waiting to start: trying and failing to pull image')


def test_an_unscheduled_pod_has_empty_logs_and_cannot_exec(c):
    assert c.api.logs("waiting", "default") == ""
    with pytest.raises(errors.BadRequest) as e:
        c.api.exec("waiting", "default", "app", ["ls"])
    assert e.value.message == "pod waiting does not have a host assigned"


def test_exec_into_a_container_that_is_not_running_cannot_upgrade_the_connection(c):
    with pytest.raises(UpgradeError) as e:
        c.api.exec("typo", "default", "app", ["ls"])
    assert e.value.message == 'unable to upgrade connection: container not found ("app")'


def test_a_stopped_kubelet_cannot_be_reached():
    c = kl.Cluster(nodes=1)
    c.apply(pod("web", [ctr("app", "busybox:1.36", "sleep", "3600")]))
    c.run(5)
    c.kubelets["node-1"].stop()
    with pytest.raises(errors.ServiceUnavailable) as e:
        c.api.exec("web", "default", "app", ["ls"])
    assert e.value.message == "error dialing backend: dial tcp 172.18.0.3:10250: connect: connection refused"

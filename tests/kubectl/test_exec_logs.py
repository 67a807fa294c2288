"""kubectl exec and kubectl logs against a cluster: kubectl v1.32's output and error texts.

Sources: k8s.io/kubectl/pkg/cmd/exec (usage errors, "command terminated with exit code
N", "cannot exec into a container in a completed pod"), pkg/cmd/util/podcmd
("Defaulted container "app" out of: app, sidecar, init (init)"), pkg/cmd/logs.
"""
import pytest

import kubelab as kl

POD = """
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - {name: init, image: busybox:1.36, command: [sh, -c, "echo ready"]}
  containers:
  - {name: app, image: busybox:1.36, command: [sh, -c, "echo hello; sleep 3600"]}
  - {name: sidecar, image: busybox:1.36, command: [sh, -c, "echo try; sleep 1; exit 1"]}
"""


@pytest.fixture(scope="module")
def c():
    cluster = kl.Cluster(nodes=1)
    cluster.apply(POD)
    cluster.run(10)
    return cluster


@pytest.mark.parametrize("command, out, code", [
    ("exec web -c app -- hostname", "web\n", 0),
    ("exec web -- hostname", 'Defaulted container "app" out of: app, sidecar, init (init)\nweb\n', 0),
    ("exec web -c app -- cat /missing",
     "cat: can't open '/missing': No such file or directory\ncommand terminated with exit code 1\n", 1),
    ("exec web -c app -- nosuchtool",
     'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuchtool": '
     "executable file not found in $PATH: unknown\r\ncommand terminated with exit code 126\n", 126),
    ("exec web -c nope -- ls", "Error from server (BadRequest): container nope is not valid for pod web\n", 1),
    ("exec web ls", "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n"
                    "See 'kubectl exec -h' for help and examples\n", 1),
    ("exec web -c app --", "error: you must specify at least one command for the container\n", 1),
    ("exec", "error: expected 'exec (POD | TYPE/NAME) -- COMMAND [args...]'.\nPOD or TYPE/NAME is a required "
             "argument for the exec command\nSee 'kubectl exec -h' for help and examples\n", 1),
    ("exec ghost -- ls", 'Error from server (NotFound): pods "ghost" not found\n', 1),
    ("logs web -c app", "hello\n", 0),
    ("logs web", 'Defaulted container "app" out of: app, sidecar, init (init)\nhello\n', 0),
    ("logs pod/web -c init", "ready\n", 0),
    ("logs web -c sidecar --previous", "try\n", 0),
    ("logs web -c app -p",
     'Error from server (BadRequest): previous terminated container "app" in pod "web" not found\n', 1),
    ("logs web -c nope", "Error from server (BadRequest): container nope is not valid for pod web\n", 1),
    ("logs", "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required "
             "argument for the logs command\nSee 'kubectl logs -h' for help and examples\n", 1),
])
def test_exec_and_logs_print_what_kubectl_prints(c, command, out, code):
    got = c.kubectl(command)
    assert (str(got), got.returncode) == (out, code)


def test_tail_and_timestamps(c):
    assert c.kubectl("logs web -c app --tail=1 --timestamps") == "2025-01-01T00:00:01.486000000Z hello\n"


def test_exec_output_goes_to_stdout_and_the_exit_notice_to_stderr(c):
    got = c.kubectl("exec web -c app -- sh -c 'echo out; echo err >&2; exit 2'")
    assert got.stdout == "out\n"
    assert got.stderr == "err\ncommand terminated with exit code 2\n"


def test_exec_into_a_completed_pod_is_refused():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "done"},
             "spec": {"restartPolicy": "Never", "containers": [{"name": "app", "image": "busybox:1.36",
                                                               "command": ["true"]}]}})
    c.run(5)
    assert c.kubectl("exec done -- ls") == \
        "error: cannot exec into a container in a completed pod; current phase is Succeeded\n"

"""The tiny sh that runs container commands, checked against what busybox ash and dash print.

Expected outputs: POSIX sh semantics (lists, and-or lists, $?, quoting, expansions,
redirections) and the two shells' own error wording: busybox `sh: foo: not found`,
dash `sh: 1: foo: not found` (exit status 127).
"""
import random

import pytest

import kubelab as kl
from kubelab.node import images
from kubelab.node.network import PodNetwork
from kubelab.node.runtime import Runtime
from kubelab.sim import Clock, Loop


@pytest.fixture
def rt():
    clock = Clock()
    runtime = Runtime(loop=Loop(clock), clock=clock, owner="test", rng=random.Random(0), network=PodNetwork(),
                      pod_cidr="10.244.1.0/24")
    sandbox = runtime.run_pod_sandbox({"metadata": {"name": "box", "uid": "u"}, "spec": {}}, "172.18.0.3")

    def container(image):
        c = runtime.create_container(sandbox, {"name": "c"}, images.resolve(image), attempt=0,
                                     argv=["sleep", "3600"], env=[("GREETING", "hello world")], mounts=[],
                                     config_hash="")
        runtime.start_container(c)
        return c

    def sh(script, image="busybox:1.36"):
        result = runtime.exec_sync(container(image), ["sh", "-c", script])
        return result.output, result.code
    return sh


@pytest.mark.parametrize("script, output, code", [
    ("echo a; echo b", "a\nb\n", 0),
    ("false && echo no || echo yes", "yes\n", 0),
    ("true && echo yes", "yes\n", 0),
    ("false; echo $?", "1\n", 0),
    ("exit 7", "", 7),
    ("echo \"$GREETING\"; echo '$GREETING'; echo ${GREETING}!", "hello world\n$GREETING\nhello world!\n", 0),
    ("x=$(echo inner); echo got $x", "got inner\n", 0),
    ("echo $((6 * 7))", "42\n", 0),
    ("i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done", "0\n1\n2\n", 0),
    ("for n in one two; do echo $n; done", "one\ntwo\n", 0),
    ("if [ -f /etc/hosts ]; then echo file; else echo none; fi", "file\n", 0),
    ("if false; then echo a; elif true; then echo b; fi", "b\n", 0),
    ("echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f", "one\ntwo\n", 0),
    ("cat /nope 2>/dev/null || echo missing", "missing\n", 0),
    ("cat /nope 2>&1 | wc -l", "1\n", 0),
    ("printf 'a\\nb\\nc\\n' | grep b", "b\n", 0),
    ("touch /tmp/x && rm -f /tmp/x && cat /tmp/x", "cat: can't open '/tmp/x': No such file or directory\n", 1),
    ("rm /tmp/none", "rm: can't remove '/tmp/none': No such file or directory\n", 1),
    ("nosuch", "sh: nosuch: not found\n", 127),
    ("echo 'unterminated", "sh: syntax error: unterminated quoted string\n", 2),
    ("date", "Wed Jan  1 00:00:00 UTC 2025\n", 0),
])
def test_busybox_sh(rt, script, output, code):
    assert rt(script) == (output, code)


@pytest.mark.parametrize("script, output, code", [
    ("nosuch", "sh: 1: nosuch: not found\n", 127),
    ("cat /nope", "cat: /nope: No such file or directory\n", 1),
    ("ls /nope", "ls: cannot access '/nope': No such file or directory\n", 2),
])
def test_debian_sh_and_coreutils_word_errors_their_way(rt, script, output, code):
    assert rt(script, image="nginx:1.27") == (output, code)


def test_a_lone_command_is_execed_and_becomes_pid_one():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"containers": [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 3600"]}]}})
    c.run(5)
    out, _ = c.api.exec("p", "default", "app", ["ps"])
    assert out.splitlines()[1] == "    1 root      0:00 sleep 3600"


def test_a_loop_that_never_sleeps_is_paced_at_one_iteration_per_second():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "busy"},
             "spec": {"containers": [{"name": "app", "image": "busybox:1.36",
                                      "command": ["sh", "-c", "while true; do echo tick; done"]}]}})
    c.run(1.5)          # started at 1.486 s, after the sandbox and the image pull
    c.run(10)
    assert c.api.logs("busy", "default").count("tick") == 11


def test_kubernetes_expands_dollar_parentheses_from_the_environment():
    # kubernetes.io "Define a Command and Arguments for a Container": args: ["$(MESSAGE)"]
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "env"},
             "spec": {"restartPolicy": "Never", "containers": [{
                 "name": "app", "image": "debian", "env": [{"name": "MESSAGE", "value": "hello world"}],
                 "command": ["/bin/echo"], "args": ["$(MESSAGE)", "$$(MESSAGE)", "$(UNSET)"]}]}})
    c.run(10)
    assert c.api.logs("env", "default") == "hello world $(MESSAGE) $(UNSET)\n"


def test_seq_and_head_and_tail(rt):
    assert rt("seq 3") == ("1\n2\n3\n", 0)
    assert rt("seq 2 4 | tail -n 2") == ("3\n4\n", 0)
    assert rt("seq 10 | head -3") == ("1\n2\n3\n", 0)
    assert rt("tail /nope") == ("tail: can't open '/nope': No such file or directory\n", 1)


def test_exponentiation_is_not_arithmetic_here(rt):
    assert rt("echo $((9**9))")[1] == 2

"""The command line parses and fails as kubectl v1.32's (cobra + pflag) does.

Expected texts were printed by kubectl v1.32.5 itself for the same arguments."""
import pytest

from kubelab.kubectl import Output, run
from kubelab.kubectl.cli import parse

from kubectl_fakes import FakeCluster


@pytest.mark.parametrize("word, suggestions", [
    ("gett", ["set", "get"]),            # Levenshtein distance <= 2, in command registration order
    ("descibe", ["describe"]),
    ("foo", ["top"]),
    ("gt", ["set", "get", "cp"]),
    ("rm", ["run", "delete", "cp"]),     # delete's SuggestFor includes "rm"
    ("list", ["get", "wait"]),           # SuggestFor "list"
    ("api-resource", ["api-resources"]),  # a prefix
    ("remove", []),
])
def test_an_unknown_command_is_refused_with_cobras_suggestions(word, suggestions):
    out = run(FakeCluster(), f"{word} pods")
    expected = f'error: unknown command "{word}" for "kubectl"\n'
    if suggestions:
        expected += "\nDid you mean this?\n" + "".join(f"\t{s}\n" for s in suggestions)
    assert (out, out.returncode) == (expected, 1)


def test_an_unknown_flag_points_at_the_commands_help():
    out = run(FakeCluster(), "get pods --foo")
    assert out == "error: unknown flag: --foo\nSee 'kubectl get --help' for usage.\n"


def test_an_unknown_shorthand_flag_names_the_letter():
    assert run(FakeCluster(), "get pods -x") == "error: unknown shorthand flag: 'x' in -x\nSee 'kubectl get --help' for usage.\n"


def test_a_flag_without_its_value_is_an_error():
    assert run(FakeCluster(), "get pods --namespace") == \
        "error: flag needs an argument: --namespace\nSee 'kubectl get --help' for usage.\n"


@pytest.mark.parametrize("line, flags", [
    ("get pods -n kube-system", {"namespace": "kube-system"}),
    ("get pods -nkube-system", {"namespace": "kube-system"}),
    ("get pods --namespace=kube-system", {"namespace": "kube-system"}),
    ("get pods -o=wide", {"output": "wide"}),
    ("get pods -owide -A", {"output": "wide", "all-namespaces": True}),
    ("get pods -l app=web,tier!=db", {"selector": "app=web,tier!=db"}),
    ("apply -f a.yaml -f b.yaml", {"filename": ["a.yaml", "b.yaml"]}),
    ("get pods -L app,tier", {"label-columns": ["app", "tier"]}),
    ("delete pod web --dry-run", {"dry-run": "client"}),
    ("kubectl get pods --show-labels", {"show-labels": True}),
])
def test_flags_parse_in_pflags_forms(line, flags):
    assert parse(line).flags == flags


def test_quoted_arguments_stay_whole():
    inv = parse("get pods -o 'jsonpath={.items[*].metadata.name}'")
    assert inv.flags["output"] == "jsonpath={.items[*].metadata.name}"


def test_output_displays_as_raw_text():
    out = Output([("stdout", "NAME   AGE\nweb    1m\n")])
    assert repr(out) == "NAME   AGE\nweb    1m" and out.returncode == 0

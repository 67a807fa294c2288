"""-o yaml reads exactly as kubectl's (sigs.k8s.io/yaml over go-yaml v2).

Every expectation here was confirmed by running kubectl v1.32 ``get -o yaml``
against the same object (see test_against_kubectl.py, which does it live)."""
from kubelab.kubectl.goyaml import dump, sort_keys


def test_keys_are_sorted_and_lists_sit_under_their_key():
    obj = {"kind": "Pod", "apiVersion": "v1", "spec": {"containers": [{"name": "c", "image": "nginx",
                                                                        "ports": [{"containerPort": 80}]}]}}
    assert dump(obj) == ("apiVersion: v1\n"
                         "kind: Pod\n"
                         "spec:\n"
                         "  containers:\n"
                         "  - image: nginx\n"
                         "    name: c\n"
                         "    ports:\n"
                         "    - containerPort: 80\n")


def test_strings_that_would_read_back_as_other_types_are_double_quoted():
    obj = {"port": "80", "flag": "true", "empty": "", "ts": "2026-11-27T16:00:00Z", "date": "2026-11-27",
           "float": "1e3", "octal": "0755", "version": "1.2.3", "n": "y"}
    assert dump(obj) == ('date: "2026-11-27"\n'
                         'empty: ""\n'
                         'flag: "true"\n'
                         'float: "1e3"\n'
                         '"n": "y"\n'
                         'octal: "0755"\n'
                         'port: "80"\n'
                         'ts: "2026-11-27T16:00:00Z"\n'
                         'version: 1.2.3\n')


def test_strings_that_cannot_be_plain_are_single_quoted():
    obj = {"colon": "a: b", "hash": "a #b", "lead": " x", "dash": "- x", "star": "*x", "brace": "{x}"}
    assert dump(obj) == ("brace: '{x}'\n"
                         "colon: 'a: b'\n"
                         "dash: '- x'\n"
                         "hash: 'a #b'\n"
                         "lead: ' x'\n"
                         "star: '*x'\n")


def test_multi_line_strings_are_literal_blocks_with_their_chomping():
    assert dump({"a": "x\ny\n", "b": "x\ny", "c": "x\n\n"}) == "a: |\n  x\n  y\nb: |-\n  x\n  y\nc: |+\n  x\n\n"


def test_long_plain_strings_fold_after_column_eighty():
    message = ("0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
               "3 No preemption victims found for incoming pod.")
    assert dump({"status": {"message": message}}) == (
        "status:\n"
        "  message: '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are\n"
        "    available: 3 No preemption victims found for incoming pod.'\n")


def test_empty_maps_and_lists_print_inline_and_null_as_null():
    assert dump({"a": {}, "b": [], "c": None}) == "a: {}\nb: []\nc: null\n"


def test_key_order_compares_digit_runs_as_numbers():
    # go-yaml's keyList.Less: "key9" sorts before "key10", and a digit run is compared
    # numerically even against "_" (a run of no digits counts as 0), so "key_a" comes first.
    # kubectl v1.32 printed a ConfigMap with these annotation keys in this order.
    assert sort_keys(["key10", "key9", "Key_", "key_a", "a"]) == ["Key_", "a", "key_a", "key9", "key10"]

"""Carrying an answer out of a notebook kernel: data by repr, code by source with what it uses.

The namespaces below imitate a kernel's: each cell is compiled under its own file name,
registered in linecache as IPython registers cells."""
import linecache
import types

import pytest

from kubelab.grading.capture import CaptureError, export, materialize


def kernel(*cells: str) -> dict:
    ns = types.ModuleType("__main__").__dict__
    for i, cell in enumerate(cells):
        filename = f"/tmp/ipykernel_0/{id(ns)}_{i}.py"
        linecache.cache[filename] = (len(cell), None, cell.splitlines(True), filename)
        exec(compile(cell, filename, "exec"), ns)
    return ns


@pytest.mark.parametrize("value", [
    "apiVersion: v1\nkind: Pod\n",
    {"maxSurge": 2, "maxUnavailable": "10%"},
    {"rejected": {"node-3": "TaintToleration"}, "total": 611, "ok": True, "none": None},
    [1, (2, 3), {4}],
])
def test_plain_data_travels_as_its_repr_and_comes_back_equal(value):
    out = export({"answer": value})
    assert out["kind"] == "data" and materialize(out) == value


def test_an_answer_that_is_not_defined_is_missing():
    assert export({}) == {"kind": "missing"}


def test_objects_that_are_not_plain_data_are_refused_with_their_type():
    with pytest.raises(CaptureError, match="`answer` is a Cluster"):
        import kubelab as kl
        export({"answer": kl.Cluster(nodes=0)})


def test_a_plugin_class_travels_with_its_helpers_imports_and_constants():
    ns = kernel(
        "import functools as ft\nfrom kubelab.scheduler import Status\nASK = 'example.com/gpus'\n"
        "LIMITS = {'a100': 8}\n",
        "def asked(pod):\n    return int(pod['metadata']['labels'].get(ASK, '0'))\n\n"
        "@ft.lru_cache\ndef double(n):\n    return 2 * n\n",
        "class GpuFit:\n    name = 'GpuFit'\n\n    def filter(self, state, pod, node_info):\n"
        "        n = asked(pod)\n        if double(n) > LIMITS['a100']:\n"
        "            return Status.unschedulable('Insufficient gpus')\n        return None\n\n"
        "answer = [GpuFit]\n")
    out = export(ns)
    source = out["source"]
    assert "from kubelab.scheduler.framework import Status" in source
    assert "import functools as ft" in source and "ASK = 'example.com/gpus'" in source
    assert source.index("def asked") < source.index("class GpuFit") and source.endswith("answer = [GpuFit]\n")
    (plugin,) = materialize(out, "submission_test_plugin")
    pod = {"metadata": {"labels": {"example.com/gpus": "5"}}}
    assert plugin().filter(None, pod, None).message == "Insufficient gpus"


def test_a_function_keeps_module_level_names_bound_inside_it_out_of_the_dependencies():
    ns = kernel("c = object()\nitems = 3\n",
                "def reconcile(ctl, key):\n    for c in range(items):\n        pass\n    return [c for c in key]\n"
                "answer = reconcile\n")
    source = export(ns)["source"]
    assert "items = 3" in source and "c:" not in source      # `c` is a local here, not the notebook's c


def test_a_name_that_cannot_be_carried_over_is_left_out_with_a_comment():
    ns = kernel("import kubelab as kl\nc = kl.Cluster(nodes=0)\n",
                "def count(ctl, key):\n    return len(c.get('pods'))\n\nanswer = count\n")
    source = export(ns)["source"]
    assert "# c: a Cluster from the notebook, left out" in source
    with pytest.raises(NameError):
        materialize({"kind": "code", "source": source}, "submission_test_leftout")(None, None)


@pytest.mark.parametrize("cells, message", [
    (["answer = lambda ctl, key: None\n"], "not defined at the top level"),
    (["def outer():\n    def inner(ctl, key):\n        return None\n    return inner\nanswer = outer()\n"],
     "not defined at the top level"),
    (["class Empty:\n    name = 'x'\nanswer = Empty\n"], "a class needs at least one method"),
    (["def f():\n    return 1\nanswer = [f, 3]\n"], "mixes code with other values"),
])
def test_code_that_cannot_be_cut_from_its_cell_is_refused_with_a_reason(cells, message):
    with pytest.raises(CaptureError, match=message):
        export(kernel(*cells))

"""The package's public face: light import, the contracts DESIGN.md §3 promises."""
import subprocess
import sys

import kubelab as kl


def test_importing_kubelab_does_not_pull_in_jupyter_widgets_or_graphviz():
    code = ("import sys, kubelab; heavy = [m for m in ('ipywidgets', 'IPython', 'graphviz', 'jupyterlab', "
            "'notebook') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_public_contracts_are_exported():
    assert set(kl.__all__) >= {"Cluster", "api", "errors"}
    assert kl.api.parse_quantity("1.5Gi") == kl.api.parse_quantity("1536Mi")
    assert kl.api.parse_selector("a in (x,y),!b").matches({"a": "x"})
    assert kl.api.tolerates({"key": "k", "operator": "Exists"}, {"key": "k", "effect": "NoSchedule"})
    for name in ("NotFound", "AlreadyExists", "Conflict", "Invalid", "Gone", "Forbidden"):
        assert issubclass(getattr(kl.errors, name), kl.errors.ApiError)


def test_the_same_seed_gives_the_same_cluster():
    def snapshot():
        c = kl.Cluster(nodes=2, seed=7)
        c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "cfg-"}})
        return [(o["metadata"]["name"], o["metadata"]["uid"]) for o in c.get("cm")]
    assert snapshot() == snapshot()


def test_the_kubelab_command_prints_its_version():
    out = subprocess.run([sys.executable, "-m", "kubelab.cli", "version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("kubelab 0.1.0")


def test_show_source_shows_the_engines_own_code():
    src = kl.show_source("kubelab.controllers.garbagecollector.GarbageCollector.sync")
    assert src.path == "kubelab/controllers/garbagecollector.py"
    assert src.text.lstrip().startswith("def sync(self, uid: str)")
    assert "```python" in src._repr_markdown_()

"""The widgets and diagrams load only when used: the engine never imports them."""
import pkgutil
import subprocess
import sys

import kubelab


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_kubelab_widgets_loads_ipywidgets_only_when_a_widget_is_first_used():
    assert run("import sys, kubelab as kl\n"
               "print('ipywidgets' in sys.modules, 'graphviz' in sys.modules, 'kubelab.viz' in sys.modules)\n"
               "from kubelab import widgets as kw\n"
               "print('ipywidgets' in sys.modules)\n"
               "kw.ClusterView\n"
               "print('ipywidgets' in sys.modules, 'graphviz' in sys.modules)\n"
               "kl.viz.cluster_svg(kl.Cluster(nodes=1))\n"
               "print('graphviz' in sys.modules)") == "False False False\nFalse\nTrue False\nTrue"


def test_no_engine_module_imports_the_widgets_or_the_diagrams():
    engine = sorted(m.name for m in pkgutil.walk_packages(kubelab.__path__, "kubelab.")
                    if not m.name.startswith(("kubelab.widgets", "kubelab.viz")))
    loaded = run(f"import importlib, sys\nfor m in {engine!r}: importlib.import_module(m)\n"
                 "print(sorted(m for m in sys.modules if m.startswith(('kubelab.widgets', 'kubelab.viz'))))")
    assert loaded == "[]"

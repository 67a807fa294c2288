"""kubelab: a faithful, deterministic Kubernetes control plane for learning, in-process.

    import kubelab as kl
    c = kl.Cluster(nodes=3, seed=0)
    c.apply(open("web.yaml").read())
    c.run()
    print(c.kubectl("get pods -o wide"))
"""
from . import api, errors
from .cluster import Cluster
from .federation import Federation
from .source import show_source

__all__ = ["Cluster", "Federation", "api", "errors", "show_source", "load_ipython_extension"]
__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:
    """``%load_ext kubelab``: the ``%kubectl`` and ``%%kubectl`` magics."""
    from .magics import register

    register(ipython)


def __getattr__(name: str):
    """``kl.widgets``, ``kl.viz``, ``kl.grading`` and ``kl.metrics`` load on first use (the
    first two import ipywidgets and graphviz)."""
    if name in ("widgets", "viz", "grading", "metrics"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    if name == "connect":        # kl.connect(kubeconfig=...): read-only views of a real cluster
        from .remote import connect

        return connect
    if name == "export":         # kl.export(c, path): the scenario as manifests + verify.sh
        from .exporting import export

        return export
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

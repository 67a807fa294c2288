"""IPython magics: ``%kubectl get pods`` and a ``%%kubectl apply -f -`` cell of YAML."""
from __future__ import annotations

from . import cluster as _cluster

__all__ = ["register"]


def _kubectl(line: str, cell: str | None = None):
    c = _cluster.current()
    if c is None:
        print("No lab cluster yet: create one first, e.g.  c = kl.Cluster(nodes=3)")
        return None
    return c.kubectl(line, stdin=cell)


def register(ipython) -> None:
    """Register ``%kubectl`` (line) and ``%%kubectl`` (cell body is stdin) on ``ipython``."""
    ipython.register_magic_function(lambda line: _kubectl(line), "line", "kubectl")
    ipython.register_magic_function(lambda line, cell: _kubectl(line, cell), "cell", "kubectl")

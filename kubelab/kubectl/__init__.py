"""kubectl, in process: ``run(cluster, "get pods -o wide")`` returns what kubectl v1.32
prints for that command line against ``cluster.api``.

The output is an :class:`Output` (a ``str`` of stdout then stderr, in the order a
terminal shows them) with ``.returncode``; in a notebook it displays as the raw
text, like a terminal, not as a quoted string.
"""
from __future__ import annotations

from kubelab.errors import ApiError

from .cli import parse
from .errors import KubectlError, api_error_text

__all__ = ["Output", "run"]


class Output(str):
    """What a kubectl command printed; ``returncode`` is its exit status."""

    returncode: int
    stdout: str
    stderr: str

    def __new__(cls, chunks=(), returncode: int = 0):
        chunks = list(chunks)
        self = super().__new__(cls, "".join(text for _, text in chunks))
        self.returncode = returncode
        self.stdout = "".join(text for stream, text in chunks if stream == "stdout")
        self.stderr = "".join(text for stream, text in chunks if stream == "stderr")
        return self

    def __repr__(self) -> str:
        return str(self).rstrip("\n")

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self))


def _verbs():
    from .autoscale import autoscale
    from .describe import describe
    from .drain import drain
    from .generators import expose, run_pod
    from .get import api_resources, get
    from .labels import annotate, label
    from .mutate import apply, create, delete, patch, replace
    from .nodes import cordon, taint, uncordon
    from .rollout import rollout, scale, set_
    from .top import top
    return {"get": get, "describe": describe, "apply": apply, "create": create, "delete": delete,
            "label": label, "annotate": annotate, "api-resources": api_resources,
            "rollout": rollout, "scale": scale, "set": set_, "run": run_pod, "expose": expose,
            "patch": patch, "replace": replace, "cordon": cordon, "uncordon": uncordon, "taint": taint,
            "top": top, "drain": drain, "autoscale": autoscale}


def _exec_logs(cluster, command: str):
    from .exec_logs import dispatch
    return dispatch(cluster, command)


def run(cluster, command: str, stdin: str | None = None) -> Output:
    """Run one kubectl command line (``kubectl`` prefix optional) against ``cluster``."""
    from .session import Session

    if (handled := _exec_logs(cluster, command)) is not None:     # exec/logs parse their own flags
        return handled
    try:
        inv = parse(command)
    except KubectlError as e:
        return Output([("stderr", e.text)], 1)
    verb = _verbs().get(inv.verb)
    if verb is None:
        return Output([("stderr", f'error: kubelab does not implement "kubectl {inv.verb}"\n')], 1)
    session = Session(cluster, inv, stdin)
    try:
        verb(session)
    except KubectlError as e:
        session.err(e.text)
    except ApiError as e:
        session.err(api_error_text(e))
    return Output(session.chunks, session.returncode)

"""``kl.show_source(obj)``: show the engine's own code in the book (never a copy of it)."""
from __future__ import annotations

import inspect
from importlib import import_module

__all__ = ["Source", "show_source"]


class Source:
    """Source text of an engine object, displayed as code in a notebook."""

    def __init__(self, name: str, text: str, path: str, line: int):
        self.name, self.text, self.path, self.line = name, text, path, line

    # The line number is kept in ``.line`` but not shown: stored notebook outputs
    # must not change whenever code above the shown object moves.
    def __repr__(self) -> str:
        return f"# {self.path}\n{self.text.rstrip()}"

    def _repr_markdown_(self) -> str:
        return f"`{self.path}`\n\n```python\n{self.text.rstrip()}\n```"


def show_source(obj) -> Source:
    """The source of a kubelab function, class, method or module (or its dotted name,
    e.g. ``"kubelab.scheduler.plugins.tainttoleration.TaintToleration.filter"``)."""
    if isinstance(obj, str):
        obj = _resolve(obj)
    try:
        text = inspect.getsource(obj)
        path = inspect.getsourcefile(obj) or "?"
        line = inspect.getsourcelines(obj)[1] if not inspect.ismodule(obj) else 1
    except (TypeError, OSError) as e:
        raise ValueError(f"no source available for {obj!r}: {e}") from None
    marker = path.rfind("kubelab/")
    path = path[marker:] if marker >= 0 else path
    return Source(getattr(obj, "__qualname__", getattr(obj, "__name__", str(obj))), text, path, line)


def _resolve(dotted: str):
    if not dotted.startswith("kubelab"):
        raise ValueError(f"show_source shows kubelab's own code; {dotted!r} is not in kubelab")
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ValueError(f"cannot find {dotted!r}")

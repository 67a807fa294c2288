"""Carrying an answer out of a notebook kernel, so the grader can check it elsewhere.

The batch grader executes a submitted notebook in a fresh kernel, then asks the
kernel for ``answer`` in a portable form and checks it in a separate, clean
process (what the notebook printed or patched in its own kernel does not count):

* data (a manifest string, a dict of numbers, short answers) travels as its
  ``repr``, read back with ``ast.literal_eval``;
* code (a function, a class, a list of classes) travels as Python source: the
  definition, cut from the notebook cell it was written in, preceded by what it
  uses — helper functions and classes from the notebook (recursively), imports
  for modules and library objects, and literal constants.

simplified: a name the code uses that is neither of those (an object built at
run time, a lambda) is left out with a comment; a check that needs it then
fails with ``NameError``, and ``check()`` in the notebook says so beforehand.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import linecache
import sys
import types

__all__ = ["CaptureError", "export", "materialize", "MISSING"]

MISSING = object()


class CaptureError(Exception):
    """The answer cannot be carried out of the notebook (the message says why)."""


def export(namespace: dict, name: str = "answer", *, value=MISSING) -> dict:
    """``namespace[name]`` as a JSON-able dict: ``{"kind": "missing"}``,
    ``{"kind": "data", "repr": ...}`` or ``{"kind": "code", "source": ...}``."""
    if value is MISSING:
        value = namespace.get(name, MISSING)
    if value is MISSING:
        return {"kind": "missing"}
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if any(_is_code(v) for v in items):
        if not all(_is_code(v) for v in items):
            raise CaptureError(f"`{name}` mixes code with other values: make it a class, a function "
                               f"or a list of classes")
        return {"kind": "code", "source": _Source(namespace).program(name, value)}
    text = repr(value)
    try:
        same = ast.literal_eval(text) == value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        same = False
    if not same:
        raise CaptureError(f"`{name}` is a {type(value).__name__}, which is not plain data (strings, "
                           f"numbers, lists, dicts) nor a function or class")
    return {"kind": "data", "repr": text}


def materialize(exported: dict, module_name: str = "kubelab_submission"):
    """The answer back as a Python object (code runs in a fresh module)."""
    kind = exported.get("kind")
    if kind == "data":
        return ast.literal_eval(exported["repr"])
    if kind != "code":
        raise CaptureError("no `answer` was defined")
    source, filename = exported["source"], "<answer>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module
    exec(compile(source, filename, "exec"), module.__dict__)
    return module.__dict__["answer"]


def _is_code(obj) -> bool:
    return isinstance(obj, type) or inspect.isfunction(inspect.unwrap(obj)) if callable(obj) else False


class _Source:
    """Builds the program text for code answers: dependencies first, each once."""

    def __init__(self, namespace: dict):
        self.namespace = namespace
        self.lines: list[str] = []
        self.done: set[str] = set()

    def program(self, name: str, value) -> str:
        items = list(value) if isinstance(value, (list, tuple)) else [value]
        for obj in items:
            self.define(obj)
        expr = ", ".join(obj.__name__ for obj in items)
        if isinstance(value, (list, tuple)):
            expr = f"[{expr}]" if isinstance(value, list) else f"({expr},)"
        head = "# The answer, as kubelab grade took it from the notebook.\n"
        return head + "\n".join(self.lines) + f"\n\n{name} = {expr}\n"

    def define(self, obj) -> None:
        """Emit the definition of a notebook function or class, after its dependencies."""
        name = obj.__name__
        if name in self.done:
            return
        self.done.add(name)
        if name == "<lambda>" or "<locals>" in obj.__qualname__ or "." in obj.__qualname__:
            raise CaptureError(f"{obj.__qualname__} is not defined at the top level of a cell: "
                               f"define it with `def`/`class` at the top level")
        node, text = _definition(obj)
        for dep in sorted(_free_names(node)):
            self.use(dep)
        self.lines.append("\n" + text)

    def use(self, name: str) -> None:
        if name in self.done or name not in self.namespace:
            return
        value = self.namespace[name]
        if isinstance(value, types.ModuleType):
            self.done.add(name)
            alias = "" if value.__name__ == name else f" as {name}"
            self.lines.insert(0, f"import {value.__name__}{alias}")
            return
        if _is_code(value) and getattr(value, "__module__", None) == "__main__":
            self.define(value)
            if value.__name__ != name:
                self.done.add(name)
                self.lines.append(f"{name} = {value.__name__}")
            return
        if callable(value) and _importable(value):
            self.done.add(name)
            alias = "" if value.__qualname__ == name else f" as {name}"
            self.lines.insert(0, f"from {value.__module__} import {value.__qualname__}{alias}")
            return
        self.done.add(name)
        text = repr(value)
        try:
            literal = ast.literal_eval(text) == value
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            literal = False
        self.lines.append(f"{name} = {text}" if literal else
                          f"# {name}: a {type(value).__name__} from the notebook, left out")


def _importable(obj) -> bool:
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname:
        return False
    try:
        found = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return False
    return found is obj


def _definition(obj) -> tuple[ast.stmt, str]:
    """The top-level ``def``/``class`` statement of ``obj`` in its cell, and its text."""
    code = _code_of(obj)
    if code is None:
        raise CaptureError(f"the source of {obj.__name__} cannot be found (a class needs at least "
                           f"one method written in the notebook)")
    lines = linecache.getlines(code.co_filename)
    if not lines:
        raise CaptureError(f"the source of {obj.__name__} is not available")
    text = "".join(lines)
    tree = ast.parse(text)
    kinds = (ast.ClassDef,) if isinstance(obj, type) else (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if isinstance(node, kinds) and node.name == obj.__name__ and first <= code.co_firstlineno <= node.end_lineno:
            return node, "".join(lines[first - 1:node.end_lineno])
    raise CaptureError(f"the definition of {obj.__name__} was not found in its cell")


def _code_of(obj):
    if not isinstance(obj, type):
        return inspect.unwrap(obj).__code__
    for member in vars(obj).values():
        fn = getattr(member, "__func__", None) or getattr(member, "fget", None) or member
        if inspect.isfunction(fn) and linecache.getlines(fn.__code__.co_filename):
            return fn.__code__
    return None


def _free_names(node: ast.AST) -> set[str]:
    """Names ``node`` reads that are not bound inside one of its functions (its globals),
    minus builtins."""
    free: set[str] = set()

    def bound(fn) -> set[str]:
        args = fn.args
        names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
        names |= {a.arg for a in (args.vararg, args.kwarg) if a}
        for sub in ast.walk(fn) if not isinstance(fn, ast.Lambda) else ():
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)
            elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not fn:
                names.add(sub.name)
            elif isinstance(sub, ast.alias):
                names.add((sub.asname or sub.name).split(".")[0])
            elif isinstance(sub, ast.arg):
                names.add(sub.arg)
        return names

    def visit(n: ast.AST, scope: frozenset) -> None:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            outer = list(getattr(n, "decorator_list", [])) + list(n.args.defaults) + \
                [d for d in n.args.kw_defaults if d is not None]
            for child in outer:
                visit(child, scope)
            inner = scope | bound(n)
            for child in (n.body if isinstance(n.body, list) else [n.body]):
                visit(child, inner)
            return
        if isinstance(n, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            scope = scope | {t.id for g in n.generators for t in ast.walk(g.target) if isinstance(t, ast.Name)}
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in scope:
            free.add(n.id)
        for child in ast.iter_child_nodes(n):
            visit(child, scope)

    visit(node, frozenset())
    return {n for n in free if not hasattr(builtins, n)}

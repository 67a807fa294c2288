"""File commands inside simulated containers: ``cat``, ``touch``, ``rm``, ``mkdir``, ``ls``, ``readlink``.

They work on the container's mount namespace (its root plus the Pod's volumes,
see :mod:`.fs`) and its /proc (:mod:`.procfs`), and word their errors as busybox
or GNU coreutils do (``cat: can't open 'f': ...`` / ``cat: f: ...``).
``readlink /proc/self/ns/net`` and ``ls -l /proc/<pid>/ns`` show the namespace
inodes of the process's container.
"""
from __future__ import annotations

import functools

from .fs import FsError

__all__ = ["tool", "parse_flags", "cat", "touch", "rm", "mkdir", "ls", "readlink"]


def tool(fn):
    """Make a plain function ``fn(proc, gnu) -> status`` into a program generator."""
    @functools.wraps(fn)
    def program(proc, gnu=False):
        return fn(proc, gnu)
        yield  # pragma: no cover - makes this a generator function
    return program


def parse_flags(args: list[str], known: str) -> tuple[set[str], list[str]]:
    flags, rest = set(), []
    for i, a in enumerate(args):
        if a == "--":
            return flags, rest + args[i + 1:]
        if a.startswith("-") and len(a) > 1 and all(ch in known for ch in a[1:]):
            flags.update(a[1:])
        else:
            rest.append(a)
    return flags, rest


def _fail(proc, gnu: bool, tool: str, path: str, err: FsError, verb: str) -> int:
    """An error line in busybox's or GNU's words (``verb`` is "open", "remove", ...)."""
    if gnu:
        where = f"{path}" if verb == "open" else f"cannot {verb} '{path}'"
        proc.err(f"{tool}: {where}: {err.strerror}\n")
    else:
        where = f"can't {verb} '{path}'" if verb in ("open", "remove") else path
        proc.err(f"{tool}: {where}: {err.strerror}\n")
    return 1


@tool
def cat(proc, gnu):
    status = 0
    for path in proc.argv[1:] or ["-"]:
        if path == "-":
            proc.out(proc.stdin)
            continue
        try:
            proc.out(proc.fs.read(path, proc.cwd))
        except FsError as e:
            status = _fail(proc, gnu, "cat", path, e, "open" if gnu or e.strerror != "Is a directory" else "read")
    return status


@tool
def touch(proc, gnu):
    for path in parse_flags(proc.argv[1:], "acm")[1]:
        try:
            proc.fs.touch(path, proc.cwd)
        except FsError as e:
            return _fail(proc, gnu, "touch", path, e, "touch")
    return 0


@tool
def rm(proc, gnu):
    flags, paths = parse_flags(proc.argv[1:], "rRfv")
    status = 0
    for path in paths:
        try:
            proc.fs.remove(path, recursive=bool(flags & {"r", "R"}), cwd=proc.cwd)
        except FsError as e:
            if "f" in flags and e.strerror == "No such file or directory":
                continue
            status = _fail(proc, gnu, "rm", path, e, "remove")
    return status


@tool
def mkdir(proc, gnu):
    flags, paths = parse_flags(proc.argv[1:], "pv")
    for path in paths:
        try:
            proc.fs.mkdir(path, parents="p" in flags, cwd=proc.cwd)
        except FsError as e:
            proc.err(f"mkdir: {'cannot' if gnu else 'can' + chr(39) + 't'} create directory '{path}': {e.strerror}\n")
            return 1
    return 0


@tool
def readlink(proc, gnu):
    status = 0
    for path in parse_flags(proc.argv[1:], "fnv")[1]:
        link = proc.fs.readlink(path, proc.cwd)
        if link is None:
            status = 1
            continue
        proc.out(link + "\n")
    return status


def _long(proc, name: str, size: int, is_dir: bool, link: str = "") -> str:
    stamp = proc.now().strftime("%b %e %H:%M")
    mode = "lrwxrwxrwx" if link else ("drwxr-xr-x" if is_dir else "-rw-r--r--")
    return f"{mode}    1 root     root     {size:>9} {stamp} {name}{' -> ' + link if link else ''}\n"


@tool
def ls(proc, gnu):
    flags, paths = parse_flags(proc.argv[1:], "1alhAF")
    status = 0
    for path in paths or ["."]:
        fs = proc.fs
        try:
            names = fs.listdir(path, proc.cwd) if fs.isdir(path, proc.cwd) else None
            if names is None:
                if fs.readlink(path, proc.cwd) is None:
                    fs.read(path, proc.cwd)
                names = [path]
        except FsError as e:
            proc.err(f"ls: cannot access '{path}': {e.strerror}\n" if gnu else f"ls: {path}: {e.strerror}\n")
            status = 2 if gnu else 1
            continue
        if "a" in flags:
            names = [".", ".."] + names
        for name in names:
            if "l" in flags:
                full = name if names == [path] else f"{path.rstrip('/')}/{name}"
                link = fs.readlink(full, proc.cwd)
                is_dir = link is None and fs.isdir(full, proc.cwd)
                size = 0 if link is not None else 4096 if is_dir else len(fs.read(full, proc.cwd).encode())
                proc.out(_long(proc, name, size, is_dir, link or ""))
            else:
                proc.out(name + "\n")
    return status

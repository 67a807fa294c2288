"""A tiny POSIX ``sh``: enough of it that container commands from the Kubernetes docs run.

``sh -c "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"`` runs
here as in busybox: commands separated by ``;``, ``&&``, ``||``, newlines and
pipes ``|``; ``while``/``until``/``for``/``if`` compounds; ``$VAR``,
``${VAR}``, ``$?``, ``$(command)`` and ``$((arithmetic))``; single and double
quotes; assignments and ``export``; redirections ``>``, ``>>``, ``<``, ``2>&1``
(``/dev/null``, ``/dev/stdout`` and ``/proc/1/fd/1`` — the container's log —
work). Commands are the image's tools (see :mod:`kubelab.node.tools`).

simplified: no background jobs (``&``), no functions, no globbing, no ``trap``;
a loop whose body never sleeps is paced at one iteration per simulated second.
"""
from __future__ import annotations

import posixpath
import re

from .process import ExecNotFound, Sleep
from .shellsyntax import ShellSyntaxError, literal, parse

__all__ = ["sh", "Shell"]


class _Exit(Exception):
    def __init__(self, code: int):
        self.code = code


class Shell:
    """One ``sh`` process running a parsed script."""

    def __init__(self, proc, flavor: str):
        self.proc = proc
        self.flavor = flavor              # "ash" (busybox) or "dash" (Debian's /bin/sh)
        self.vars = dict(proc.env)
        self.status = 0
        self.slept = 0.0
        self.lone = False

    def error(self, text: str) -> None:
        self.proc.err(f"sh: 1: {text}\n" if self.flavor == "dash" else f"sh: {text}\n")

    # expansion
    def expand(self, word, split: bool = True):
        fields, cur, have = [], [], False
        for kind, value, quoted in word:
            if kind == "text":
                cur.append(value)
                have = True
                continue
            if kind == "var":
                text = {"?": str(self.status), "$": str(self.proc.pid), "#": "0", "0": "sh"}.get(
                    value, self.vars.get(value, ""))
            elif kind == "arith":
                text = str(self.arith(value))
            else:
                text = yield from self.capture(value)
                text = text.rstrip("\n")
            if quoted or not split:
                cur.append(text)
                have = True
                continue
            parts = text.split()
            if parts and text[:1].isspace() and (cur or have):
                fields.append("".join(cur))
                cur, have = [], False
            for j, part in enumerate(parts):
                if j:
                    fields.append("".join(cur))
                    cur = []
                cur.append(part)
                have = True
            if parts and text[-1:].isspace():
                fields.append("".join(cur))
                cur, have = [], False
        if have or cur:
            fields.append("".join(cur))
        return fields

    def arith(self, expr: str) -> int:
        expr = re.sub(r"\$?([A-Za-z_][A-Za-z0-9_]*)", lambda m: str(int(self.vars.get(m.group(1), "0") or 0)),
                      expr)
        if not re.fullmatch(r"[\d\s+\-*/%()<>=!]*", expr) or "**" in expr:
            raise ShellSyntaxError(f"arithmetic syntax error: {expr}")
        try:
            return int(eval(expr.replace("/", "//"), {"__builtins__": {}}))  # digits and operators only
        except Exception:
            raise ShellSyntaxError(f"arithmetic syntax error: {expr}") from None

    def capture(self, script: str):
        out: list[str] = []
        sub = Shell(self.proc, self.flavor)
        sub.vars = dict(self.vars)
        saved, self.proc.write = self.proc.write, lambda stream, text: (
            out.append(text) if stream == "stdout" else saved(stream, text))
        try:
            yield from sub.run_items(parse(script))
        except _Exit:
            pass
        finally:
            self.proc.write = saved
        return "".join(out)

    # execution (all generators returning a status)
    def run_items(self, items):
        for item in items:
            yield from self.run_node(item)
        return self.status

    def run_node(self, node):
        kind = node[0]
        if kind == "andor":
            for op, pipe in node[1]:
                if (op == "&&" and self.status != 0) or (op == "||" and self.status == 0):
                    continue
                self.status = yield from self.run_node(pipe)
        elif kind == "pipe":
            stdin = None
            for i, cmd in enumerate(node[1]):
                last = i == len(node[1]) - 1
                if last:
                    self.status = yield from self.run_command(cmd, stdin)
                else:
                    out: list[str] = []
                    saved = self.proc.write
                    self.proc.write = lambda s, t: out.append(t) if s == "stdout" else saved(s, t)
                    try:
                        yield from self.run_command(cmd, stdin)
                    finally:
                        self.proc.write = saved
                    stdin = "".join(out)
            if node[2]:
                self.status = 0 if self.status else 1
        elif kind == "while":
            while True:
                before = self.slept
                yield from self.run_items(node[1])
                if (self.status == 0) == node[3]:
                    break
                yield from self.run_items(node[2])
                if self.slept == before:
                    yield from self.pause(1.0)
            self.status = 0
        elif kind == "for":
            values = []
            for w in node[2]:
                values += yield from self.expand(w)
            self.status = 0
            for value in values:
                self.vars[node[1]] = value
                yield from self.run_items(node[3])
        elif kind == "if":
            for cond, body in node[1]:
                yield from self.run_items(cond)
                if self.status == 0:
                    return (yield from self.run_items(body))
            self.status = 0
            if node[2] is not None:
                yield from self.run_items(node[2])
        return self.status

    def pause(self, seconds: float):
        self.slept += seconds
        yield Sleep(seconds)

    def run_command(self, node, stdin):
        if node[0] != "simple":
            return (yield from self.run_node(node))
        _, assigns, words, redirs = node
        argv = []
        for w in words:
            argv += yield from self.expand(w)
        env_updates = {}
        for name, w in assigns:
            env_updates[name] = "".join((yield from self.expand(w, split=False)))
        if not argv:
            self.vars.update(env_updates)
            return 0
        saved_write, restore = self.proc.write, None
        try:
            restore = yield from self.redirect(redirs, argv[0])
            if restore is False:
                return 1
            if stdin is None and restore and restore[1] is not None:
                stdin = restore[1]
            return (yield from self.invoke(argv, env_updates, stdin or ""))
        finally:
            self.proc.write = saved_write

    def redirect(self, redirs, command: str = "sh"):
        """Point this command's output (and input) where its redirections say."""
        stdin = None
        for op, fd, target in redirs:
            path = "".join((yield from self.expand(target, split=False)))
            if op == ">&":
                src, dst = (fd if fd is not None else 1), path
                base = self.proc.write
                if src == 2 and dst == "1":
                    self.proc.write = lambda s, t, base=base: base("stdout", t)
                elif src == 1 and dst == "2":
                    self.proc.write = lambda s, t, base=base: base("stderr", t)
                continue
            if op == "<":
                try:
                    stdin = self.proc.fs.read(path, self.proc.cwd)
                except OSError as e:
                    self.error(f"can't open {path}: {e.strerror}" if self.flavor == "dash"
                               else f"can't open '{path}': {e.strerror}")
                    return False
                continue
            stream = "stderr" if fd == 2 else "stdout"
            sink = self._sink(path, append=op == ">>", command=command)
            if sink is None:
                return False
            base = self.proc.write
            self.proc.write = lambda s, t, base=base, stream=stream, sink=sink: sink(t) if s == stream else base(s, t)
        return (True, stdin)

    def _sink(self, path: str, append: bool, command: str = "sh"):
        if path == "/dev/null":
            return lambda text: None
        if path in ("/dev/stdout", "/proc/1/fd/1", "/dev/stderr", "/proc/1/fd/2"):
            stream = "stderr" if path.endswith("2") or path.endswith("stderr") else "stdout"
            return lambda text: self.proc.host.log(stream, text)
        fs, cwd = self.proc.fs, self.proc.cwd
        try:
            fs.write(path, "", append=True) if append else fs.write(path, "")
        except OSError as e:
            self.error(f"cannot create {path}: {e.strerror}" if self.flavor == "dash"
                       else f"can't create {path}: {e.strerror.replace('No such file or directory', 'nonexistent directory')}")
            return None
        failed = []
        err = self.proc.write

        def sink(text: str) -> None:
            """Append to the file; the first failed write (a full volume) is reported once."""
            try:
                fs.write(path, text, append=True, cwd=cwd)
            except OSError as e:
                if not failed:
                    failed.append(e)
                    err("stderr", f"{posixpath.basename(command)}: write error: {e.strerror}\n")
        return sink

    def invoke(self, argv, env_updates, stdin):
        name = argv[0]
        if name == "exit":
            raise _Exit(int(argv[1]) if len(argv) > 1 and argv[1].lstrip("-").isdigit() else self.status)
        if name in ("export", "readonly"):
            for arg in argv[1:]:
                key, _, value = arg.partition("=")
                if _:
                    self.vars[key] = value
            return 0
        if name == "unset":
            for arg in argv[1:]:
                self.vars.pop(arg, None)
            return 0
        if name == "cd":
            target = argv[1] if len(argv) > 1 else self.vars.get("HOME", "/")
            if not self.proc.fs.isdir(target, self.proc.cwd):
                self.error(f"cd: can't cd to {target}")
                return 2
            self.proc.cwd = posixpath.normpath(posixpath.join(self.proc.cwd, target))
            return 0
        if name in (":", "set"):
            return 0
        if name == "trap":
            self.error("trap: not supported by kubelab's sh")
            return 1
        if name == "exec":
            if len(argv) == 1:
                return 0
            try:
                self.proc.env = dict(self.vars, **env_updates)
                code = yield from self._track(self.proc.exec(argv[1:]))
            except ExecNotFound:
                self.error(f"exec: {argv[1]}: not found")
                code = 127
            raise _Exit(code)
        env = dict(self.vars, **env_updates)
        try:
            if self.lone:
                self.proc.env = env
                return (yield from self._track(self.proc.exec(argv)))
            return (yield from self._track(self.proc.run(argv, env=env, stdin=stdin)))
        except ExecNotFound:
            self.error(f"{name}: not found")
            return 127

    def _track(self, gen):
        """Pass a child's steps through, noting how long it slept."""
        try:
            step = next(gen)
            while True:
                if isinstance(step, Sleep):
                    self.slept += step.seconds
                step = gen.send((yield step))
        except StopIteration as stop:
            return stop.value


_BUILTINS = {"exit", "export", "readonly", "unset", "cd", ":", "set", "trap", "exec"}


def _lone_command(items):
    """The command node when a script is one simple command without redirections."""
    if len(items) != 1 or len(items[0][1]) != 1:
        return None
    pipe = items[0][1][0][1]
    cmd = pipe[1][0] if len(pipe[1]) == 1 and not pipe[2] else None
    if cmd is None or cmd[0] != "simple" or cmd[3] or not cmd[2] or literal(cmd[2][0]) in _BUILTINS:
        return None
    return cmd


def sh(proc, flavor: str = "ash"):
    """The ``sh`` program: ``sh -c SCRIPT`` runs SCRIPT; ``sh`` alone reads a script from
    stdin, and a container has no stdin unless ``stdin: true``, so it exits 0 at once."""
    args = proc.argv[1:]
    while args and args[0].startswith("-") and args[0] not in ("-c",):
        args = args[1:]
    if args[:1] == ["-c"]:
        if len(args) < 2:
            proc.err("sh: -c requires an argument\n")
            return 2
        script = args[1]
    elif args:
        try:
            script = proc.fs.read(args[0], proc.cwd)
        except OSError:
            proc.err(f"sh: 0: cannot open {args[0]}: No such file\n" if flavor == "dash"
                     else f"sh: can't open '{args[0]}': No such file or directory\n")
            return 2
    else:
        script = proc.stdin
    shell = Shell(proc, flavor)
    try:
        items = parse(script)
    except ShellSyntaxError as e:
        shell.error(f"Syntax error: {e}" if flavor == "dash" else f"syntax error: {e}")
        return 2
    # `sh -c "sleep 3600"`: ash and dash exec a lone simple command, so it becomes PID 1
    shell.lone = _lone_command(items) is not None
    try:
        return (yield from shell.run_items(items))
    except _Exit as e:
        return e.code
    except ShellSyntaxError as e:
        shell.error(str(e))
        return 2

"""Processes in simulated containers. A program is a Python generator.

A program is a function ``program(proc)`` that returns a generator. It acts
through ``proc`` (print, read and write files, listen on a port, connect to
another one) and lets simulated time pass by yielding:

* ``yield Sleep(30)`` — 30 seconds pass (what ``sleep 30`` does);
* ``yield BLOCK`` — wait until a signal ends the process (a server's accept loop).

Its ``return`` value is the exit status. ``proc.trap(SIGTERM, 0)`` says the
program handles SIGTERM by exiting with status 0; a signal without a handler
kills an ordinary process, but the kernel never delivers it to a PID 1 that
did not install a handler — which is why ``sh -c "sleep 3600"`` as a
container's main process ignores SIGTERM and is SIGKILLed after the grace period.

Every process has a PID in its container's PID namespace (its own, or the
Pod's when ``shareProcessNamespace`` is set), so ``ps`` lists what really runs.
"""
from __future__ import annotations

from typing import Callable

__all__ = ["Sleep", "BLOCK", "Process", "PidNamespace", "SIGNALS", "SIGHUP", "SIGINT", "SIGQUIT", "SIGKILL",
           "SIGTERM", "SIGWINCH", "ExecNotFound"]

SIGHUP, SIGINT, SIGQUIT, SIGKILL, SIGTERM, SIGWINCH = 1, 2, 3, 9, 15, 28
SIGNALS = {"SIGHUP": SIGHUP, "SIGINT": SIGINT, "SIGQUIT": SIGQUIT, "SIGKILL": SIGKILL, "SIGTERM": SIGTERM,
           "SIGWINCH": SIGWINCH}


class Sleep:
    """Yielded by a program: let ``seconds`` of simulated time pass."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float):
        self.seconds = float(seconds)

    def __repr__(self) -> str:
        return f"Sleep({self.seconds:g})"


class _Block:
    def __repr__(self) -> str:
        return "BLOCK"


#: Yielded by a program that waits until a signal ends it.
BLOCK = _Block()


class ExecNotFound(LookupError):
    """No executable of that name in the container's image."""


class PidNamespace:
    """A PID namespace: numbers processes from 1 and lists them for ``ps``."""

    def __init__(self, inode: int):
        self.inode = inode
        self.procs: dict[int, "Process"] = {}
        self._next = 1

    def add(self, proc: "Process") -> int:
        pid = self._next
        # runc's init and the shell's forks use up PIDs, so real ones climb in steps
        self._next = 7 if pid == 1 else pid + 6
        self.procs[pid] = proc
        return pid

    def remove(self, proc: "Process") -> None:
        if self.procs.get(proc.pid) is proc:
            del self.procs[proc.pid]


class Process:
    """One process: its argv, environment, working directory, output and PID.

    ``host`` is the container it runs in (fs, sandbox, program lookup, usage);
    ``write(stream, text)`` receives its output ("stdout" or "stderr").
    """

    def __init__(self, host, argv, *, env: dict, write: Callable[[str, str], None], cwd: str = "/",
                 stdin: str = "", user: str = "root", parent: "Process | None" = None):
        self.host = host
        self.argv = [str(a) for a in argv]
        self.env = dict(env)
        self.write = write
        self.cwd = cwd
        self.stdin = stdin
        self.user = user
        self.parent = parent
        self.traps: dict[int, tuple[int, float, str]] = {}
        self.cpu_millis = 0
        self.memory_bytes = 0
        self.pid = host.pidns.add(self)

    @property
    def cmdline(self) -> str:
        return " ".join(self.argv)

    # -- what programs use -----------------------------------------------
    def out(self, text: str) -> None:
        self.write("stdout", text)

    def err(self, text: str) -> None:
        self.write("stderr", text)

    @property
    def fs(self):
        """The file system as this process sees it: its container's mounts, and /proc for it."""
        return self.host.view(self)

    @property
    def sandbox(self):
        return self.host.sandbox

    def now(self):
        """The simulated time (a UTC datetime)."""
        return self.host.now()

    def trap(self, signal: int, exit_code: int | None, *, after: float = 0.0, say="") -> None:
        """Handle ``signal``: print ``say`` (text, or a function giving it) to stderr, then exit
        with ``exit_code`` ``after`` seconds later (a graceful shutdown); ``exit_code=None``:
        keep running."""
        self.traps[signal] = (exit_code, after, say)

    def use(self, *, cpu_millis: int | None = None, memory_bytes: int | None = None) -> None:
        """Declare what this process consumes; the container's limits apply (throttling, OOM kill)."""
        if cpu_millis is not None:
            self.cpu_millis = int(cpu_millis)
        if memory_bytes is not None:
            self.memory_bytes = int(memory_bytes)
        self.host.usage_changed()

    def listen(self, port: int, handler=None, *, grpc: bool = False):
        """Bind 0.0.0.0:``port`` in the Pod's network namespace (raises AddressInUse)."""
        return self.sandbox.listen(port, self, handler, grpc=grpc)

    def connect(self, host: str, port: int):
        """Open a TCP connection; returns ``(listener, ip)`` or raises ConnectError."""
        return self.host.network.connect(self.sandbox, host, port)

    def run(self, argv, *, write=None, stdin: str = "", env: dict | None = None):
        """Run a child program to completion (``yield from``); returns its exit status.

        Raises ExecNotFound when the image has no such executable."""
        program = self.host.lookup(argv[0])
        if program is None:
            raise ExecNotFound(argv[0])
        child = Process(self.host, argv, env=self.env if env is None else env, write=write or self.write,
                        cwd=self.cwd, stdin=stdin, user=self.user, parent=self)
        try:
            code = yield from program(child)
        finally:
            child.exit()
        return 0 if code is None else int(code)

    def exec(self, argv):
        """execve(2): become ``argv`` (same PID) and run it to completion (``yield from``)."""
        program = self.host.lookup(argv[0])
        if program is None:
            raise ExecNotFound(argv[0])
        self.argv = [str(a) for a in argv]
        code = yield from program(self)
        return 0 if code is None else int(code)

    def spawn_idle(self, argv, *, user: str = "root") -> "Process":
        """A helper process that only shows up in ``ps`` (nginx's worker processes)."""
        return Process(self.host, argv, env=self.env, write=self.write, user=user, parent=self)

    def exit(self) -> None:
        """Leave the process table and stop consuming resources."""
        self.host.pidns.remove(self)
        if self.cpu_millis or self.memory_bytes:
            self.cpu_millis = self.memory_bytes = 0
            self.host.usage_changed()

"""Real Linux namespaces: the Pod sandbox, done with this machine's kernel.

The simulated sandbox (:mod:`.sandbox`) models what a container runtime does;
this module does it for real, where the machine allows it (Linux, as root or
with unprivileged user namespaces):

* :class:`RealSandbox` starts a *pause* process in new network, UTS and IPC
  namespaces (``unshare(2)``) and sets the hostname inside its UTS namespace;
* :meth:`RealSandbox.run` starts a real process that joins those namespaces
  with ``setns(2)`` — as a container joins its Pod's — and gets a mount
  namespace (and, unless shared, a PID namespace) of its own;
* :func:`namespaces` reads ``/proc/<pid>/ns/*``: equal inodes, same namespace.

::

    with RealSandbox("web") as pod:
        app = pod.run(["sleep", "60"])
        namespaces(pod.pid)["net"] == namespaces(app.pid)["net"]   # True
        pod.exec(["hostname"])                                       # ("web\\n", 0)

Everything it starts is killed by ``close()`` (or leaving the ``with``). Elsewhere
:class:`RealSandboxUnavailable` says why, and the simulated sandbox teaches the same.
"""
from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys

__all__ = ["RealSandbox", "RealSandboxUnavailable", "namespaces", "unavailable_reason"]

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
POD_FLAGS = CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC

# The pause process: unshare, map our uid to root in a new user namespace when we
# are not root, set the hostname, say "ready <pid>", then wait to be killed. With a
# PID namespace it forks, so that the pause is PID 1 there (shareProcessNamespace).
_PAUSE = r"""
import ctypes, os, signal, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
flags, hostname, userns = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
uid, gid = os.getuid(), os.getgid()
if libc.unshare(flags | (0x10000000 if userns else 0)) != 0:
    print("error unshare:", os.strerror(ctypes.get_errno()), flush=True)
    sys.exit(1)
if userns:
    for path, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{path}", "w") as fh:
            fh.write(text)
socket.sethostname(hostname)
if flags & 0x20000000:
    child = os.fork()
    if child:
        print("ready", child, flush=True)
        os.waitpid(child, 0)
        sys.exit(0)
else:
    print("ready", os.getpid(), flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    signal.pause()
"""

# A container process: join the pause process's namespaces, take a mount namespace
# of its own, and a PID namespace of its own (or the pause's, when shared) by forking
# into it; mount a fresh /proc there so `ps` sees that PID namespace; exec the command.
_JOIN = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
pid, kinds, own_pid = sys.argv[1], sys.argv[2].split(","), sys.argv[3] == "1"
for kind in kinds:
    fd = os.open(f"/proc/{pid}/ns/{kind}", os.O_RDONLY)
    if libc.setns(fd, 0) != 0:
        sys.stderr.write(f"setns {kind}: {os.strerror(ctypes.get_errno())}\n")
        sys.exit(126)
    os.close(fd)
if libc.unshare(0x00020000 | (0x20000000 if own_pid else 0)) != 0:
    sys.stderr.write(f"unshare: {os.strerror(ctypes.get_errno())}\n")
    sys.exit(126)
argv = sys.argv[4:]
child = os.fork()
if child == 0:
    libc.mount(b"none", b"/", None, 0x4000 | 0x40000, None)          # MS_REC | MS_PRIVATE
    libc.mount(b"proc", b"/proc", b"proc", 0, None)
    os.execvp(argv[0], argv)
_, status = os.waitpid(child, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


class RealSandboxUnavailable(RuntimeError):
    """Real namespaces cannot be made here; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def namespaces(pid: int | str = "self") -> dict[str, int]:
    """The namespace inodes of a process: ``{"net": 4026532281, ...}``."""
    out = {}
    for kind in sorted(os.listdir(f"/proc/{pid}/ns")):
        try:
            link = os.readlink(f"/proc/{pid}/ns/{kind}")
        except FileNotFoundError:
            continue
        out[kind] = int(link[link.index("[") + 1:-1])
    return out


def _user_namespace_needed() -> bool:
    return os.geteuid() != 0


class RealSandbox:
    """A real pause process holding a Pod's network, UTS and IPC namespaces."""

    def __init__(self, hostname: str = "web", *, share_process_namespace: bool = False):
        if platform.system() != "Linux":
            raise RealSandboxUnavailable(f"real namespaces need Linux; this is {platform.system()}")
        self.hostname = hostname
        self.share_pid = share_process_namespace
        self.userns = _user_namespace_needed()
        flags = POD_FLAGS | (CLONE_NEWPID if share_process_namespace else 0)
        self._procs: list[subprocess.Popen] = []
        self.pause = self._spawn([sys.executable, "-c", _PAUSE, str(flags), hostname, "1" if self.userns else "0"],
                                 stdout=subprocess.PIPE)
        first = self.pause.stdout.readline().decode().strip()
        if not first.startswith("ready "):
            self.close()
            hint = "" if not self.userns else \
                " (run as root, or allow unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1)"
            raise RealSandboxUnavailable(f"could not create namespaces: {first or 'pause exited'}{hint}")
        self.pid = int(first.split()[1])         # the pause process (PID 1 of a shared PID namespace)

    def _spawn(self, argv, **kw) -> subprocess.Popen:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True, **kw)
        self._procs.append(proc)
        return proc

    def _join_argv(self, argv: list[str]) -> list[str]:
        kinds = (["user"] if self.userns else []) + ["net", "uts", "ipc"] + (["pid"] if self.share_pid else [])
        return [sys.executable, "-c", _JOIN, str(self.pid), ",".join(kinds), "0" if self.share_pid else "1", *argv]

    def run(self, argv: list[str]) -> subprocess.Popen:
        """Start a long-running "container" process in the sandbox (killed by ``close()``)."""
        return self._spawn(self._join_argv(argv), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def exec(self, argv: list[str], timeout: float = 10.0) -> tuple[str, int]:
        """Run a command in the sandbox's namespaces and wait: (stdout and stderr, exit code)."""
        proc = self._spawn(self._join_argv(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        return out.decode(errors="replace"), proc.returncode

    @staticmethod
    def container_pid(proc: subprocess.Popen) -> int | None:
        """The host PID of the command a :meth:`run` process executes (the helper's child)."""
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as fh:
            children = fh.read().split()
        return int(children[0]) if children else None

    def close(self) -> None:
        """Kill every process this sandbox started (each helper's process group, which holds
        the command it forked), then reap them."""
        for proc in reversed(self._procs):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for proc in self._procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        self._procs.clear()

    def __enter__(self) -> "RealSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def unavailable_reason() -> str | None:
    """None when real namespaces work on this machine, else why not."""
    try:
        RealSandbox("probe").close()
    except RealSandboxUnavailable as e:
        return e.reason
    except OSError as e:
        return f"could not start the pause process: {e}"
    return None

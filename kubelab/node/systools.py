"""System tools inside simulated containers: ``kill``, ``df``, ``mount``, ``ipcs``.

* ``kill [-SIGNAL] PID...`` signals a process of the container's PID namespace
  (the Pod's with ``shareProcessNamespace``). A container's main process runs its
  handler if it has one (nginx reloads on SIGHUP, stops on SIGQUIT); without one it
  dies of the signal (exit status 128 + the signal), unless it is the namespace's
  PID 1: the kernel delivers no signal, not even SIGKILL, to a PID 1 without a
  handler from inside its own namespace — ``kill -9 1`` in a container does nothing;
* ``df`` and ``mount`` show the container's mount table (:mod:`.procfs`): its
  overlay root, the kubelet's files, each volume (the node's disk, a tmpfs, an
  attached disk ``/dev/sdb``, an NFS export) and the Pod's ``/dev/shm``;
* ``ipcs`` lists the System V IPC objects of the Pod's IPC namespace.

Each speaks busybox's or GNU's (coreutils, util-linux, procps) dialect.

simplified: ``kill`` reaches only main processes and their helper processes (a
helper just leaves the process table); the node's disk shows a fixed usage; no
program creates System V IPC objects, so ``ipcs`` tables are empty.
"""
from __future__ import annotations

import posixpath

from .fs import NODE_DISK, size_of
from .filetools import parse_flags, tool
from .process import SIGNALS, SIGTERM
from .procfs import mount_table

__all__ = ["kill", "df", "mount", "ipcs"]

_SIGNAL_NUMBERS = {**{name[3:]: n for name, n in SIGNALS.items()}, "USR1": 10, "USR2": 12, "ALRM": 14,
                   "CONT": 18, "STOP": 19}
#: the share of the node's disk its operating system and images take (what df shows as used)
_NODE_DISK_USED = 0.12
_PAGE = 4096


def _signal(text: str) -> int | None:
    name = text.upper().removeprefix("SIG")
    if name.isdigit():
        return int(name)
    return _SIGNAL_NUMBERS.get(name)


@tool
def kill(proc, gnu):
    args, sig = proc.argv[1:], SIGTERM
    if args[:1] == ["-s"] and len(args) > 1:
        args, given = args[2:], args[1]
    elif args and args[0].startswith("-") and args[0] != "--":
        args, given = args[1:], args[0][1:]
    else:
        given = "TERM"
    sig = _signal(given)
    if sig is None:
        proc.err(f"kill: unknown signal '{given}'\n" if not gnu else f"kill: failed to parse argument: '{given}'\n")
        return 1
    if not args:
        proc.err("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n"
                 if gnu else "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                 "Usage: kill [-l] [-SIG] PID...\n")
        return 1
    status = 0
    for ref in args:
        target = proc.host.pidns.procs.get(int(ref)) if ref.lstrip("-").isdigit() else None
        if target is None:
            proc.err(f"kill: ({ref}) - No such process\n" if gnu else f"kill: can't kill pid {ref}: "
                     "No such process\n")
            status = 1
        elif sig:
            _deliver(target, sig)
    return status


def _deliver(target, sig: int) -> None:
    if target is target.sandbox.pause:      # simplified: /pause ignores signals sent from a container
        return
    container = target.host
    if target is container.main:
        container.runtime.signal(container, sig)    # its handler, or death unless it is PID 1
    else:
        target.exit()                       # a helper process dies of it


def _human(n: int) -> str:
    """Sizes as ``df -h`` prints them: 1024-based, one decimal under 10."""
    value, units = float(n), "BKMGTP"
    for unit in units:
        if value < 1024 or unit == units[-1]:
            if unit == "B":
                return str(int(value))
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
        value /= 1024
    return str(n)     # pragma: no cover - the loop always returns


def _usage(container, source: str, volume) -> tuple[int, int] | None:
    """(size, used) in bytes of one mount, None for kernel file systems (they hold no blocks)."""
    disk = container.runtime.disk_bytes
    if volume is None:
        return (disk, int(disk * _NODE_DISK_USED)) if source == NODE_DISK else \
            (64 << 20, 0) if source == "tmpfs" else None
    used = sum(-(-size_of(text) // _PAGE) * _PAGE for text in volume.files.values())    # whole pages
    if volume.size is not None:
        return volume.size, used
    if volume.memory_backed:
        return disk, used
    return disk, int(disk * _NODE_DISK_USED)


@tool
def df(proc, gnu):
    flags, paths = parse_flags(proc.argv[1:], "hkaPT")
    human = "h" in flags
    table = mount_table(proc.host)
    if paths:                               # the file system each path is on
        for path in paths:
            if not proc.fs.exists(path, proc.cwd):
                proc.err(f"df: {path}: No such file or directory\n")
                return 1
        full = [posixpath.normpath(posixpath.join(proc.cwd, p)) for p in paths]
        table = [max((row for row in table if f == row[1] or f.startswith(row[1].rstrip("/") + "/")),
                     key=lambda row: len(row[1])) for f in full]
    rows = [("Filesystem", "Size" if human else "1K-blocks", "Used", "Avail" if gnu else "Available", "Use%",
             "Mounted on")]
    for source, path, _, _, volume in table:
        usage = _usage(proc.host, source, volume)
        if usage is None:
            continue
        size, used = usage
        pct = -(-used * 100 // size) if size else 0
        if human:
            cells = (_human(size), _human(used), _human(size - used))
        else:
            blocks, used_k = size // 1024, -(-used // 1024)
            cells = (str(blocks), str(used_k), str(blocks - used_k))
        rows.append((source, *cells, f"{pct}%", path))
    if gnu:                                 # coreutils sizes every column to its widest cell
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for r in rows:
            proc.out(" ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:5], widths[1:])]
                              + [r[5]]) + "\n")
        return 0
    head = rows[0]
    proc.out(f"{head[0]:<20} {head[1]:>9} {head[2]:>9} {head[3]:>9} {head[4]} {head[5]}\n")
    for r in rows[1:]:
        source = r[0] if len(r[0]) <= 20 else r[0] + "\n" + " " * 20      # busybox wraps long names
        proc.out(f"{source:<20} {r[1]:>9} {r[2]:>9} {r[3]:>9} {r[4]:>4} {r[5]}\n")
    return 0


@tool
def mount(proc, gnu):
    """``mount`` with no arguments: the mount table (mounting needs privileges the container lacks)."""
    if len(proc.argv) > 1 and not proc.argv[1].startswith("-"):
        proc.err("mount: permission denied (are you root?)\n" if not gnu else
                 "mount: /mnt: permission denied.\n       dmesg(1) may have more information after failed "
                 "mount system call.\n")
        return 32 if gnu else 255
    for source, path, kind, options, _ in mount_table(proc.host):
        proc.out(f"{source} on {path} type {kind} ({options})\n")
    return 0


_IPC_TABLES = {
    "m": ("Shared Memory Segments", ("key", "shmid", "owner", "perms", "bytes", "nattch", "status")),
    "s": ("Semaphore Arrays", ("key", "semid", "owner", "perms", "nsems")),
    "q": ("Message Queues", ("key", "msqid", "owner", "perms", "used-bytes", "messages")),
}


@tool
def ipcs(proc, gnu):
    """The IPC namespace's message queues, shared memory segments and semaphore arrays."""
    flags, _ = parse_flags(proc.argv[1:], "msqa")
    wanted = [k for k in ("msq" if not gnu else "qms") if k in flags] or list("msq" if not gnu else "qms")
    for key in wanted:
        title, columns = _IPC_TABLES[key]
        widths = [12 if c in ("used-bytes", "messages", "status") else 10 for c in columns]
        proc.out(f"\n------ {title} --------\n" + " ".join(c.ljust(w) for c, w in zip(columns, widths)) + "\n")
    proc.out("\n")
    return 0

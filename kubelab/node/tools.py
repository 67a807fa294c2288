"""The small userland inside simulated containers: ``echo``, ``cat``, ``ls``, ``ps``, ...

Two flavours, as in real images: **busybox** (busybox, alpine and
registry.k8s.io/busybox: ash, BusyBox's wording ``cat: can't open 'f': No such
file or directory``) and **gnu** (Debian-based images such as nginx, httpd,
redis, python and ubuntu: dash and coreutils' wording ``cat: f: No such file
or directory``). Each tool is a program (see :mod:`kubelab.node.process`);
:data:`BUSYBOX` and :data:`GNU` map command names to programs.

``ps`` lists the processes of the container's PID namespace, ``date`` reads
the simulated clock, ``tail -f`` follows a file as it grows. File commands are
in :mod:`.filetools`, network ones (``hostname``, ``ip``, ``wget``) in :mod:`.nettools`,
system ones (``kill``, ``df``, ``mount``, ``ipcs``) in :mod:`.systools`.
"""
from __future__ import annotations

import functools
import re

from . import nettools, systools
from .filetools import cat, ls, mkdir, parse_flags, readlink, rm, tool, touch
from .fs import FsError
from .process import BLOCK, Sleep
from .shell import sh

__all__ = ["BUSYBOX", "GNU", "toolset"]


@tool
def echo(proc, gnu):
    args = proc.argv[1:]
    newline = True
    while args and args[0] in ("-n", "-e", "-E"):
        newline = newline and args[0] != "-n"
        args = args[1:]
    proc.out(" ".join(args) + ("\n" if newline else ""))
    return 0


@tool
def printf(proc, gnu):
    if len(proc.argv) < 2:
        proc.err("printf: usage: printf format [arguments]\n")
        return 2
    fmt = proc.argv[1].replace("\\n", "\n").replace("\\t", "\t")
    args = iter(proc.argv[2:])
    proc.out(re.sub(r"%[sd]", lambda m: next(args, ""), fmt))
    return 0


def _seconds(text: str) -> float:
    if text in ("inf", "infinity"):
        return float("inf")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd]?)", text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def sleep(proc, gnu=False):
    """``sleep N`` (s/m/h/d suffixes, ``infinity``): lets simulated time pass."""
    if len(proc.argv) < 2:
        proc.err("sleep: missing operand\n" if gnu else "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) "
                 "multi-call binary.\n\nUsage: sleep [N]...\n")
        return 1
    try:
        total = sum(_seconds(a) for a in proc.argv[1:])
    except ValueError as e:
        proc.err(f"sleep: invalid time interval '{e.args[0]}'\n" if gnu else f"sleep: invalid number '{e.args[0]}'\n")
        return 1
    if total == float("inf"):
        yield BLOCK
    elif total > 0:
        yield Sleep(total)
    return 0


@tool
def ps(proc, gnu):
    """busybox ps: every process of this PID namespace (shareProcessNamespace: the whole Pod)."""
    proc.out("PID   USER     TIME  COMMAND\n")
    for pid, p in sorted(proc.host.pidns.procs.items()):
        proc.out(f"{pid:>5} {p.user:<8} {'0:00':>5} {p.cmdline}\n")
    return 0


@tool
def date(proc, gnu):
    proc.out(proc.now().strftime("%a %b %e %H:%M:%S UTC %Y") + "\n")
    return 0


@tool
def env(proc, gnu):
    if len(proc.argv) > 1 and proc.argv[0] == "printenv":
        value = proc.env.get(proc.argv[1])
        if value is None:
            return 1
        proc.out(value + "\n")
        return 0
    for key, value in proc.env.items():
        proc.out(f"{key}={value}\n")
    return 0


@tool
def true(proc, gnu):
    return 0


@tool
def false(proc, gnu):
    return 1


@tool
def pwd(proc, gnu):
    proc.out(proc.cwd + "\n")
    return 0


@tool
def whoami(proc, gnu):
    proc.out("root\n")
    return 0


@tool
def id_(proc, gnu):
    proc.out("uid=0(root) gid=0(root) groups=0(root)\n" if gnu else
             "uid=0(root) gid=0(root) groups=0(root),10(wheel)\n")
    return 0


@tool
def uname(proc, gnu):
    host = proc.sandbox.hostname
    parts = {"s": "Linux", "n": host, "r": "6.1.0-kubelab", "m": "x86_64"}
    flags, _ = parse_flags(proc.argv[1:], "asnrmo")
    if "a" in flags:
        proc.out(f"Linux {host} 6.1.0-kubelab #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux\n")
    else:
        proc.out(" ".join(parts[f] for f in "snrm" if f in flags) + "\n" if flags - {"o"} else "Linux\n")
    return 0


@tool
def test(proc, gnu):
    args = proc.argv[1:]
    if proc.argv[0] == "[":
        if args[-1:] != ["]"]:
            proc.err("[: missing ]\n")
            return 2
        args = args[:-1]
    negate = args[:1] == ["!"]
    args = args[1:] if negate else args
    fs, cwd = proc.fs, proc.cwd
    if len(args) == 2:
        op, x = args
        unary = {"-f": lambda: fs.exists(x, cwd) and not fs.isdir(x, cwd), "-d": lambda: fs.isdir(x, cwd),
                 "-e": lambda: fs.exists(x, cwd), "-z": lambda: x == "", "-n": lambda: x != "",
                 "-s": lambda: fs.exists(x, cwd) and not fs.isdir(x, cwd) and fs.read(x, cwd) != ""}
        result = unary.get(op, lambda: False)()
    elif len(args) == 3:
        a, op, b = args
        if op in ("=", "=="):
            result = a == b
        elif op == "!=":
            result = a != b
        else:
            try:
                x, y = int(a), int(b)
            except ValueError:
                proc.err(f"{proc.argv[0]}: {a}: bad number\n")
                return 2
            result = {"-eq": x == y, "-ne": x != y, "-lt": x < y, "-le": x <= y, "-gt": x > y,
                      "-ge": x >= y}.get(op, False)
    else:
        result = bool(args and args[0])
    return 0 if result != negate else 1


def head_tail(proc, gnu=False):
    """``head``/``tail`` [-n N] [FILE...]; ``tail -f``/``-F FILE`` then follows the file,
    printing what is appended to it (checked every simulated second)."""
    args, n = proc.argv[1:], 10
    follow = bool({"-f", "-F"} & set(args))
    args = [a for a in args if a not in ("-f", "-F")]
    if args[:1] == ["-n"] and len(args) > 1:
        n, args = int(args[1].lstrip("+")), args[2:]
    elif args[:1] and re.fullmatch(r"-\d+", args[0]):
        n, args = int(args[0][1:]), args[1:]
    fs, cwd = proc.fs, proc.cwd

    def read(path: str) -> str:
        return fs.read(path, cwd) if fs.exists(path, cwd) and not fs.isdir(path, cwd) else ""
    try:
        text = proc.stdin if not args else "".join(read(a) if follow else fs.read(a, cwd) for a in args)
    except FsError as e:
        where = f"cannot open '{e.path}' for reading" if gnu else f"can't open '{e.path}'"
        proc.err(f"{proc.argv[0]}: {where}: {e.strerror}\n")
        return 1
    lines = text.splitlines(keepends=True)
    proc.out("".join(lines[:n] if proc.argv[0] == "head" else lines[-n:] if n else []))
    if not (follow and proc.argv[0] == "tail" and args):
        return 0
    seen = len(text)
    while True:
        yield Sleep(1)
        now = read(args[0])
        if len(now) < seen:
            seen = 0                    # truncated or replaced: start over, as tail -F does
        if len(now) > seen:
            proc.out(now[seen:])
            seen = len(now)


def seq(proc, gnu=False):
    """``seq [FIRST [STEP]] LAST``."""
    nums = [int(a) for a in proc.argv[1:] if a.lstrip("-").isdigit()]
    first, step, last = (1, 1, nums[0]) if len(nums) == 1 else \
        (nums[0], 1, nums[1]) if len(nums) == 2 else (nums[0], nums[1], nums[2]) if len(nums) == 3 else (1, 1, 0)
    proc.out("".join(f"{i}\n" for i in range(first, last + (1 if step > 0 else -1), step or 1)))
    return 0
    yield  # pragma: no cover - makes this a generator function


@tool
def grep(proc, gnu):
    flags, args = parse_flags(proc.argv[1:], "ivcqE")
    if not args:
        proc.err("Usage: grep [OPTION]... PATTERNS [FILE]...\n" if gnu else "grep: no pattern\n")
        return 2
    pattern = re.compile(args[0], re.I if "i" in flags else 0)
    text = proc.stdin if len(args) == 1 else "".join(proc.fs.read(a, proc.cwd) for a in args[1:])
    hits = [ln for ln in text.splitlines(keepends=True) if bool(pattern.search(ln)) != ("v" in flags)]
    if "c" in flags:
        proc.out(f"{len(hits)}\n")
    elif "q" not in flags:
        proc.out("".join(hits))
    return 0 if hits else 1


@tool
def wc(proc, gnu):
    flags, args = parse_flags(proc.argv[1:], "lwc")
    text = proc.stdin if not args else proc.fs.read(args[0], proc.cwd)
    counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode())}
    shown = [counts[f] for f in "lwc" if f in flags] or [counts["l"], counts["w"], counts["c"]]
    proc.out(" ".join(f"{c:>7}" if not flags else str(c) for c in shown) + "\n")
    return 0


def _ash(proc):
    return sh(proc, "ash")


def _dash(proc):
    return sh(proc, "dash")


_COMMON = {
    "echo": echo, "printf": printf, "cat": cat, "touch": touch, "rm": rm, "mkdir": mkdir, "ls": ls,
    "date": date, "env": env, "printenv": env, "true": true, "false": false, "pwd": pwd, "whoami": whoami,
    "id": id_, "uname": uname, "test": test, "[": test, "head": head_tail, "tail": head_tail, "grep": grep,
    "wc": wc, "seq": seq, "readlink": readlink, "hostname": nettools.hostname,
    "kill": systools.kill, "df": systools.df, "mount": systools.mount, "ipcs": systools.ipcs,
}

#: busybox applets (busybox, alpine, registry.k8s.io/busybox)
BUSYBOX = dict(_COMMON, sh=_ash, ash=_ash, sleep=sleep, ps=ps, ip=nettools.ip, wget=nettools.wget,
               nslookup=nettools.nslookup)

#: a Debian base image's /bin and /usr/bin (nginx, httpd, redis, python, ubuntu)
GNU = dict({k: functools.partial(v, gnu=True) for k, v in _COMMON.items()},
           sh=_dash, dash=_dash, bash=_dash, sleep=functools.partial(sleep, gnu=True))


def toolset(name: str) -> dict:
    """The commands of a userland: ``busybox``, ``gnu`` or ``none`` (distroless, pause)."""
    return {"busybox": BUSYBOX, "gnu": GNU}.get(name, {})

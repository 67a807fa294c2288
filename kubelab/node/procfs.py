"""``/proc`` as a process in a container sees it, and the container's mount table.

* ``/proc`` lists the PIDs of the process's PID namespace (its container's, or the
  Pod's with ``shareProcessNamespace``), the links ``self`` and ``thread-self``,
  and a few kernel files (``cmdline``, ``mounts``, ``uptime``, ``version``);
* ``/proc/<pid>/`` holds ``cmdline`` (the argv, each argument ending in a NUL byte),
  ``comm``, ``environ``, ``status`` (Name, State, Pid, PPid — 0 for a process whose
  parent is outside the namespace, such as PID 1 —, Uid, NSpid, VmRSS, ...),
  ``mounts`` and ``ns/``;
* ``/proc/<pid>/ns/<kind>`` are links that name namespaces by inode
  (``net:[4026532281]``); ``pid_for_children`` and ``time_for_children`` name the
  namespaces the process's children will get: the same ones, as nothing in a
  container calls unshare().

The mount table (``/proc/mounts``, ``mount``, ``df``) lists the container's root
(overlay), the kernel file systems every container gets, its volumes in
``volumeMounts`` order, the files the kubelet mounts (``/etc/hosts``,
``/dev/termination-log``, ``/etc/hostname``, ``/etc/resolv.conf``) and the Pod's
``/dev/shm``.

simplified: read-only, a handful of files; no /proc/<pid>/fd (the shell knows
``/proc/1/fd/1``), no meminfo or cpuinfo.
"""
from __future__ import annotations

import posixpath

from .fs import NODE_DISK, FsError
from .sandbox import NAMESPACE_KINDS

__all__ = ["ProcessFS", "mount_table", "NS_LINKS"]

#: the entries of /proc/<pid>/ns, as ``ls`` lists them
NS_LINKS = tuple(sorted(NAMESPACE_KINDS + ("pid_for_children", "time_for_children")))
_PID_FILES = ("cmdline", "comm", "environ", "mounts", "ns", "status")
_KERNEL_FILES = ("cmdline", "mounts", "uptime", "version")
_KERNEL_MOUNTS = (("proc", "/proc", "proc", "rw,nosuid,nodev,noexec,relatime"),
                  ("tmpfs", "/dev", "tmpfs", "rw,nosuid,size=65536k,mode=755"),
                  ("devpts", "/dev/pts", "devpts", "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666"),
                  ("mqueue", "/dev/mqueue", "mqueue", "rw,nosuid,nodev,noexec,relatime"),
                  ("sysfs", "/sys", "sysfs", "ro,nosuid,nodev,noexec,relatime"),
                  ("cgroup", "/sys/fs/cgroup", "cgroup2", "ro,nosuid,nodev,noexec,relatime"))
_KUBELET_FILES = ("/etc/hosts", "/dev/termination-log", "/etc/hostname", "/etc/resolv.conf")


def mount_table(container) -> list[tuple[str, str, str, str, object]]:
    """(source, mount point, type, options, volume or None) of every mount in ``container``."""
    rows = [("overlay", "/", "overlay", "rw,relatime,lowerdir=/var/lib/containerd/snapshots/1/fs,"
             "upperdir=/var/lib/containerd/snapshots/2/fs,workdir=/var/lib/containerd/snapshots/2/work",
             container.fs.root)]
    rows += [(*m, None) for m in _KERNEL_MOUNTS]
    shm = [m for m in container.fs.table if m[0] == "/dev/shm"]
    for path, volume, _, read_only in [m for m in container.fs.table if m[0] != "/dev/shm"]:
        rows.append((volume.device, path, volume.fstype, _options(volume, read_only), volume))
    rows += [(NODE_DISK, path, "ext4", "rw,relatime", None) for path in _KUBELET_FILES]
    for path, volume, _, read_only in shm:
        rows.append((volume.device, path, volume.fstype, "rw,nosuid,nodev,noexec,relatime"
                     + (f",size={volume.size // 1024}k" if volume.size else ""), volume))
    return rows


def _options(volume, read_only: bool) -> str:
    opts = "ro" if read_only or volume.read_only else "rw"
    opts += ",relatime"
    if volume.memory_backed and volume.size:
        opts += f",size={volume.size // 1024}k"
    return opts


class ProcessFS:
    """The file system as one process sees it: its container's mounts, and /proc for it."""

    def __init__(self, proc):
        self.proc = proc
        self.fs = proc.host.fs

    def __getattr__(self, name):            # root, table, mounts, volume_at, ...
        return getattr(self.fs, name)

    # -- resolving /proc -------------------------------------------------------------
    @staticmethod
    def _under_proc(path: str, cwd: str) -> str | None:
        full = posixpath.normpath(posixpath.join(cwd, path))
        return full if full == "/proc" or full.startswith("/proc/") else None

    def _target(self, ref: str):
        if ref in ("self", "thread-self"):
            return self.proc
        return self.proc.host.pidns.procs.get(int(ref)) if ref.isdigit() else None

    def _node(self, full: str):
        """("dir", names) | ("file", text) | ("link", target) for a /proc path, or None."""
        parts = full.split("/")[2:]
        if not parts:
            pids = [str(pid) for pid in self.proc.host.pidns.procs]
            return "dir", sorted(pids + ["self", "thread-self", *_KERNEL_FILES])
        if len(parts) == 1 and parts[0] in _KERNEL_FILES:
            return "file", self._kernel_file(parts[0])
        target = self._target(parts[0])
        if target is None:
            return None
        rest = parts[1:]
        if not rest:
            return "dir", list(_PID_FILES)
        if rest == ["ns"]:
            return "dir", list(NS_LINKS)
        if len(rest) == 2 and rest[0] == "ns" and rest[1] in NS_LINKS:
            kind = rest[1].removesuffix("_for_children")
            return "link", f"{kind}:[{target.host.ns[kind]}]"
        if len(rest) == 1 and rest[0] in _PID_FILES:
            return "file", self._pid_file(target, rest[0])
        return None

    def _kernel_file(self, name: str) -> str:
        if name == "mounts":
            return self._pid_file(self.proc, "mounts")
        if name == "cmdline":
            return f"BOOT_IMAGE=/boot/vmlinuz-6.1.0-kubelab root={NODE_DISK} ro quiet\n"
        if name == "uptime":
            up = self.proc.host.runtime.clock.seconds
            return f"{up:.2f} {up * self.proc.host.cpus:.2f}\n"
        return ("Linux version 6.1.0-kubelab (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) "
                "12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC\n")

    def _pid_file(self, target, name: str) -> str:
        comm = posixpath.basename(target.argv[0] if target.argv else "")[:15]
        if name == "cmdline":
            return "".join(arg + "\0" for arg in target.argv)
        if name == "comm":
            return comm + "\n"
        if name == "environ":
            return "".join(f"{k}={v}\0" for k, v in target.env.items())
        if name == "mounts":
            host = target.host if hasattr(target.host, "fs") and target.host.fs is not None else self.proc.host
            return "".join(f"{src} {path} {kind} {opts} 0 0\n" for src, path, kind, opts, _ in mount_table(host))
        parent = target.parent
        ppid = parent.pid if parent is not None and parent.host.pidns is target.host.pidns else 0
        state = "R (running)" if target is self.proc else "S (sleeping)"
        fields = [("Name", comm), ("Umask", "0022"), ("State", state), ("Tgid", target.pid), ("Ngid", 0),
                  ("Pid", target.pid), ("PPid", ppid), ("TracerPid", 0), ("Uid", "0\t0\t0\t0"),
                  ("Gid", "0\t0\t0\t0"), ("FDSize", 64), ("Groups", "0"), ("NStgid", target.pid),
                  ("NSpid", target.pid), ("NSpgid", target.pid), ("NSsid", target.pid),
                  ("VmRSS", f"{target.memory_bytes // 1024:>8} kB"), ("Threads", 1)]
        return "".join(f"{key}:\t{value}\n" for key, value in fields)

    # -- the file system interface ---------------------------------------------------------
    def exists(self, path: str, cwd: str = "/") -> bool:
        full = self._under_proc(path, cwd)
        return self.fs.exists(path, cwd) if full is None else self._node(full) is not None

    def isdir(self, path: str, cwd: str = "/") -> bool:
        full = self._under_proc(path, cwd)
        if full is None:
            return self.fs.isdir(path, cwd)
        node = self._node(full)
        return node is not None and node[0] == "dir"

    def read(self, path: str, cwd: str = "/") -> str:
        full = self._under_proc(path, cwd)
        if full is None:
            return self.fs.read(path, cwd)
        node = self._node(full)
        if node is None:
            raise FsError("No such file or directory", path)
        if node[0] == "dir":
            raise FsError("Is a directory", path)
        if node[0] == "link":
            raise FsError("Invalid argument", path)
        return node[1]

    def listdir(self, path: str, cwd: str = "/") -> list[str]:
        full = self._under_proc(path, cwd)
        if full is None:
            return self.fs.listdir(path, cwd)
        node = self._node(full)
        if node is None:
            raise FsError("No such file or directory", path)
        if node[0] != "dir":
            raise FsError("Not a directory", path)
        return node[1]

    def readlink(self, path: str, cwd: str = "/") -> str | None:
        """The target of a /proc link (``/proc/self`` is the process's PID), else None."""
        full = self._under_proc(path, cwd)
        if full is None:
            return None
        if full in ("/proc/self", "/proc/thread-self"):
            return str(self.proc.pid) if full == "/proc/self" else f"{self.proc.pid}/task/{self.proc.pid}"
        node = self._node(full)
        return node[1] if node is not None and node[0] == "link" else None

    def _writable(self, path: str, cwd: str) -> None:
        """Nothing under /proc can be created or changed here."""
        full = self._under_proc(path, cwd)
        if full is not None:
            raise FsError("Permission denied" if self._node(full) is not None else "No such file or directory",
                          path)

    def write(self, path: str, text: str, *, append: bool = False, cwd: str = "/") -> None:
        self._writable(path, cwd)
        self.fs.write(path, text, append=append, cwd=cwd)

    def touch(self, path: str, cwd: str = "/") -> None:
        self._writable(path, cwd)
        self.fs.touch(path, cwd)

    def remove(self, path: str, *, recursive: bool = False, cwd: str = "/") -> None:
        self._writable(path, cwd)
        self.fs.remove(path, recursive=recursive, cwd=cwd)

    def mkdir(self, path: str, *, parents: bool = False, cwd: str = "/") -> None:
        self._writable(path, cwd)
        self.fs.mkdir(path, parents=parents, cwd=cwd)

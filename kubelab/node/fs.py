"""Files a container sees: its own writable root plus the Pod's volumes mounted into it.

Each container has its own mount namespace: a private copy of its image's files
(what it writes there, no other container sees), with volumes mounted at their
``mountPath``. A volume (an ``emptyDir``, a ConfigMap's keys) is one
:class:`Volume` object shared by every container that mounts it, which is how
two containers of a Pod exchange files. A volume whose files live outside the
Pod (a PersistentVolume, a node's hostPath directory) wraps the storage's own
dict of files (:meth:`Volume.wrap`): writes go straight to it, so the next Pod
that mounts the same storage finds them.

A volume also says what it is mounted from, for ``df`` and ``mount``: a
device (``/dev/vda1``, the node's disk), ``tmpfs`` (memory) and its size.
Files written to a memory-backed volume are charged to the memory of the
container that wrote them, as tmpfs pages are to its cgroup.

simplified: files hold text (their size is the length of their UTF-8 bytes),
directories are implied by paths (plus ``mkdir``; an empty directory made by
one Pod is not kept by a PersistentVolume), no permissions, owners or links.
"""
from __future__ import annotations

import posixpath

__all__ = ["Volume", "FileSystem", "FsError", "size_of", "NODE_DISK"]

#: the node's root disk, which hostPath, emptyDir, configMap volumes and the container root live on
NODE_DISK = "/dev/vda1"


class FsError(OSError):
    """A failed file operation; ``strerror`` is the libc text (``No such file or directory``)."""

    def __init__(self, strerror: str, path: str):
        super().__init__(strerror)
        self.strerror, self.path = strerror, path


ENOENT = "No such file or directory"
EISDIR = "Is a directory"
ENOTDIR = "Not a directory"
EROFS = "Read-only file system"
ENOSPC = "No space left on device"


def size_of(text: str) -> int:
    return len(text.encode())


def _parents(rel: str):
    while rel:
        rel = posixpath.dirname(rel)
        yield rel


class Volume:
    """A tree of text files, addressed by paths relative to its root ('' is the root).

    ``device``/``fstype`` name what it is mounted from (``mount`` prints them),
    ``size`` its capacity in bytes (None: the node's disk); a write that would
    overflow a sized volume fails with ENOSPC."""

    def __init__(self, files: dict[str, str] | None = None, *, read_only: bool = False,
                 device: str = NODE_DISK, fstype: str = "ext4", size: int | None = None):
        self.files: dict[str, str] = {}
        self._dirs: set[str] = {""}
        self.shared = False
        self.read_only = read_only
        self.device, self.fstype, self.size = device, fstype, size
        self.charges: dict[str, tuple[object, int]] = {}    # memory-backed: path -> (writer, bytes)
        for path, text in (files or {}).items():
            self.put(path.strip("/"), text)

    @classmethod
    def wrap(cls, files: dict[str, str], **options) -> "Volume":
        """A volume over an existing dict of files (not a copy): a PersistentVolume's data,
        a node's directory. Others may change the dict at any time."""
        volume = cls(**options)
        volume.files, volume.shared = files, True
        return volume

    @property
    def memory_backed(self) -> bool:
        return self.fstype == "tmpfs"

    def used(self) -> int:
        """Bytes in the volume's files."""
        return sum(size_of(text) for text in self.files.values())

    def has_dir(self, rel: str) -> bool:
        if rel in self._dirs:
            return True
        if not self.shared:
            return False
        prefix = rel + "/"
        return any(path.startswith(prefix) for path in self.files)

    def put(self, rel: str, text: str, *, writer=None) -> None:
        """Write a file; on a sized volume that fills up, what fits is written, then ENOSPC."""
        full = False
        if self.size is not None:
            room = self.size - (self.used() - size_of(self.files.get(rel, "")))
            if size_of(text) > room:
                text, full = text.encode()[:max(room, 0)].decode(errors="ignore"), True
        self.files[rel] = text
        if self.memory_backed and writer is not None:
            before = self.charges.get(rel)
            self.charges[rel] = (writer, size_of(text))
            if before is not None and before[0] is not writer:
                before[0].usage_changed()       # the pages are now charged to the new writer
        self.add_dir(posixpath.dirname(rel))
        if full:
            raise FsError(ENOSPC, rel)

    def add_dir(self, rel: str) -> None:
        """Make the directory ``rel`` and its parents (``mkdir -p``)."""
        while rel not in self._dirs:
            self._dirs.add(rel)
            rel = posixpath.dirname(rel)

    def delete(self, rel: str) -> None:
        """Remove one file (its directory stays)."""
        del self.files[rel]
        charge = self.charges.pop(rel, None)
        if charge is not None:
            charge[0].usage_changed()           # freed pages leave the writer's cgroup
        self.add_dir(posixpath.dirname(rel))

    def delete_tree(self, rel: str) -> None:
        """Remove a directory and everything under it (``rm -r``)."""
        prefix = rel + "/"
        for path in [p for p in self.files if p.startswith(prefix)]:
            self.delete(path)
        self._dirs -= {d for d in self._dirs if d == rel or d.startswith(prefix)}
        self.add_dir(posixpath.dirname(rel))

    def replace(self, files: dict[str, str]) -> None:
        """Swap in new contents at once (the kubelet's atomic writer updating a ConfigMap volume)."""
        self.files.clear()
        writers = {who for who, _ in self.charges.values()}
        self.charges.clear()
        for who in writers:
            who.usage_changed()
        self._dirs = {""}
        for path, text in files.items():
            self.put(path.strip("/"), text)

    def charged_to(self, writer) -> int:
        """Bytes of this memory-backed volume written by ``writer`` (a container)."""
        return sum(n for path, (who, n) in self.charges.items() if who is writer and path in self.files)

    def entries(self, rel: str) -> set[str]:
        prefix = rel + "/" if rel else ""
        names = set()
        for path in list(self.files) + list(self._dirs):
            if path and path.startswith(prefix):
                names.add(path[len(prefix):].split("/", 1)[0])
        return names


class FileSystem:
    """One container's mount namespace: a root volume and volumes mounted over it.

    ``mounts`` are ``(mount_path, volume, sub_path, read_only)``: ``sub_path``
    mounts one file or directory of the volume (a volumeMount's ``subPath``).
    ``owner`` (the container) is charged for what it writes to memory-backed volumes."""

    def __init__(self, root: Volume, mounts=(), *, owner=None):
        self.root = root
        self.owner = owner
        self.table = [(posixpath.normpath(m[0]), *m[1:]) for m in mounts]     # in mount order
        self.mounts = sorted(self.table, key=lambda m: -len(m[0]))
        for path, volume, sub, _ in self.mounts:
            if not sub or volume.has_dir(sub.strip("/")):
                self.root.add_dir(path.strip("/"))
            else:
                self.root.add_dir(posixpath.dirname(path.strip("/")))

    def _locate(self, path: str, cwd: str = "/") -> tuple[Volume, str, bool]:
        full = posixpath.normpath(posixpath.join(cwd, path))
        for mount, volume, sub, read_only in self.mounts:
            if full == mount or full.startswith(mount + "/"):
                rel = posixpath.join(sub.strip("/"), full[len(mount):].strip("/")).strip("/")
                return volume, rel, read_only or volume.read_only
        return self.root, full.strip("/"), False

    def volume_at(self, path: str, cwd: str = "/") -> Volume:
        """The volume that holds ``path``."""
        return self._locate(path, cwd)[0]

    # -- queries ---------------------------------------------------------
    def exists(self, path: str, cwd: str = "/") -> bool:
        vol, rel, _ = self._locate(path, cwd)
        return rel in vol.files or vol.has_dir(rel)

    def isdir(self, path: str, cwd: str = "/") -> bool:
        vol, rel, _ = self._locate(path, cwd)
        return vol.has_dir(rel)

    def read(self, path: str, cwd: str = "/") -> str:
        vol, rel, _ = self._locate(path, cwd)
        if rel in vol.files:
            return vol.files[rel]
        raise FsError(EISDIR if vol.has_dir(rel) else ENOENT, path)

    def listdir(self, path: str, cwd: str = "/") -> list[str]:
        vol, rel, _ = self._locate(path, cwd)
        if rel in vol.files:
            raise FsError(ENOTDIR, path)
        if not vol.has_dir(rel):
            raise FsError(ENOENT, path)
        return sorted(vol.entries(rel))

    # -- changes ---------------------------------------------------------
    def write(self, path: str, text: str, *, append: bool = False, cwd: str = "/") -> None:
        vol, rel = self._writable(path, cwd)
        if vol.has_dir(rel):
            raise FsError(EISDIR, path)
        if not vol.has_dir(posixpath.dirname(rel)):
            raise FsError(ENOENT, path)
        try:
            vol.put(rel, (vol.files.get(rel, "") if append else "") + text, writer=self.owner)
        except FsError as e:
            raise FsError(e.strerror, path) from None
        if vol.memory_backed and self.owner is not None:
            self.owner.usage_changed()

    def touch(self, path: str, cwd: str = "/") -> None:
        if not self.exists(path, cwd):
            self.write(path, "", cwd=cwd)

    def remove(self, path: str, *, recursive: bool = False, cwd: str = "/") -> None:
        vol, rel = self._writable(path, cwd)
        if vol.has_dir(rel):
            if not recursive:
                raise FsError(EISDIR, path)
            vol.delete_tree(rel)
        elif rel in vol.files:
            vol.delete(rel)
        else:
            raise FsError(ENOENT, path)
        if vol.memory_backed and self.owner is not None:
            self.owner.usage_changed()

    def mkdir(self, path: str, *, parents: bool = False, cwd: str = "/") -> None:
        vol, rel = self._writable(path, cwd)
        if rel in vol.files or (vol.has_dir(rel) and not parents):
            raise FsError("File exists", path)
        if not parents and not vol.has_dir(posixpath.dirname(rel)):
            raise FsError(ENOENT, path)
        vol.add_dir(rel)

    def _writable(self, path: str, cwd: str) -> tuple[Volume, str]:
        vol, rel, read_only = self._locate(path, cwd)
        if read_only:
            raise FsError(EROFS, path)
        return vol, rel

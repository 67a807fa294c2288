"""Files a container sees: its own writable root plus the Pod's volumes mounted into it.

Each container has its own mount namespace: a private copy of its image's files
(what it writes there, no other container sees), with volumes mounted at their
``mountPath``. A volume (an ``emptyDir``, a ConfigMap's keys) is one
:class:`Volume` object shared by every container that mounts it, which is how
two containers of a Pod exchange files.

simplified: files hold text, directories are implied by paths (plus ``mkdir``),
and there are no permissions, owners or links.
"""
from __future__ import annotations

import posixpath

__all__ = ["Volume", "FileSystem", "FsError"]


class FsError(OSError):
    """A failed file operation; ``strerror`` is the libc text (``No such file or directory``)."""

    def __init__(self, strerror: str, path: str):
        super().__init__(strerror)
        self.strerror, self.path = strerror, path


ENOENT = "No such file or directory"
EISDIR = "Is a directory"
ENOTDIR = "Not a directory"
EROFS = "Read-only file system"
ENOTEMPTY = "Directory not empty"


class Volume:
    """A tree of text files, addressed by paths relative to its root ('' is the root)."""

    def __init__(self, files: dict[str, str] | None = None, *, read_only: bool = False):
        self.files: dict[str, str] = {}
        self.dirs: set[str] = {""}
        self.read_only = read_only
        for path, text in (files or {}).items():
            self.put(path.strip("/"), text)

    def put(self, rel: str, text: str) -> None:
        self.files[rel] = text
        self.add_dir(posixpath.dirname(rel))

    def add_dir(self, rel: str) -> None:
        """Make the directory ``rel`` and its parents (``mkdir -p``)."""
        while rel not in self.dirs:
            self.dirs.add(rel)
            rel = posixpath.dirname(rel)

    def entries(self, rel: str) -> set[str]:
        prefix = rel + "/" if rel else ""
        names = set()
        for path in list(self.files) + list(self.dirs):
            if path and path.startswith(prefix):
                names.add(path[len(prefix):].split("/", 1)[0])
        return names


class FileSystem:
    """One container's mount namespace: a root volume and volumes mounted over it.

    ``mounts`` are ``(mount_path, volume, sub_path, read_only)``: ``sub_path``
    mounts one file or directory of the volume (a volumeMount's ``subPath``)."""

    def __init__(self, root: Volume, mounts=()):
        self.root = root
        self.mounts = sorted(((posixpath.normpath(m[0]), *m[1:]) for m in mounts), key=lambda m: -len(m[0]))
        for path, volume, sub, _ in self.mounts:
            if not sub or sub.strip("/") in volume.dirs:
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

    # -- queries ---------------------------------------------------------
    def exists(self, path: str, cwd: str = "/") -> bool:
        vol, rel, _ = self._locate(path, cwd)
        return rel in vol.files or rel in vol.dirs

    def isdir(self, path: str, cwd: str = "/") -> bool:
        vol, rel, _ = self._locate(path, cwd)
        return rel in vol.dirs

    def read(self, path: str, cwd: str = "/") -> str:
        vol, rel, _ = self._locate(path, cwd)
        if rel in vol.dirs:
            raise FsError(EISDIR, path)
        if rel not in vol.files:
            raise FsError(ENOENT, path)
        return vol.files[rel]

    def listdir(self, path: str, cwd: str = "/") -> list[str]:
        vol, rel, _ = self._locate(path, cwd)
        if rel in vol.files:
            raise FsError(ENOTDIR, path)
        if rel not in vol.dirs:
            raise FsError(ENOENT, path)
        return sorted(vol.entries(rel))

    # -- changes ---------------------------------------------------------
    def write(self, path: str, text: str, *, append: bool = False, cwd: str = "/") -> None:
        vol, rel = self._writable(path, cwd)
        if rel in vol.dirs:
            raise FsError(EISDIR, path)
        if posixpath.dirname(rel) not in vol.dirs:
            raise FsError(ENOENT, path)
        vol.put(rel, (vol.files.get(rel, "") if append else "") + text)

    def touch(self, path: str, cwd: str = "/") -> None:
        if not self.exists(path, cwd):
            self.write(path, "", cwd=cwd)

    def remove(self, path: str, *, recursive: bool = False, cwd: str = "/") -> None:
        vol, rel = self._writable(path, cwd)
        if rel in vol.dirs:
            if not recursive:
                raise FsError(EISDIR, path)
            prefix = rel + "/"
            for f in [f for f in vol.files if f.startswith(prefix)]:
                del vol.files[f]
            vol.dirs -= {d for d in vol.dirs if d == rel or d.startswith(prefix)}
            return
        if rel not in vol.files:
            raise FsError(ENOENT, path)
        del vol.files[rel]

    def mkdir(self, path: str, *, parents: bool = False, cwd: str = "/") -> None:
        vol, rel = self._writable(path, cwd)
        if rel in vol.files or (rel in vol.dirs and not parents):
            raise FsError("File exists", path)
        if not parents and posixpath.dirname(rel) not in vol.dirs:
            raise FsError(ENOENT, path)
        vol.add_dir(rel)

    def _writable(self, path: str, cwd: str) -> tuple[Volume, str]:
        vol, rel, read_only = self._locate(path, cwd)
        if read_only:
            raise FsError(EROFS, path)
        return vol, rel

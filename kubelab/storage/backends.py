"""Where a PersistentVolume's files live: the storage outside the cluster that
volumes point at, simulated as one dict of files (path -> text) per volume.

* network volumes (``csi``, ``nfs``, cloud disks) live in the storage system:
  a Pod on any node that mounts the volume sees the same files, and they
  outlive every Pod — the point of a PersistentVolume;
* ``hostPath`` and ``local`` volumes live on a node's disk: a Pod sees the files
  of the node it runs on (which is why such volumes carry node affinity).

One backend per cluster, found from its API server (``StorageBackend.of(api)``),
like the cloud a real cluster talks to. The kubelet mounts a claim's volume
with :meth:`StorageBackend.volume_data` (passing its node name); a provisioner
deletes a volume's files with :meth:`StorageBackend.delete`. Nothing else in
the control plane touches files.

simplified: files hold text, directories are implied by their paths.
"""
from __future__ import annotations

import json
import weakref

__all__ = ["StorageBackend", "location", "NODE_LOCAL_SOURCES"]

#: volume sources whose data is on the node that mounts them
NODE_LOCAL_SOURCES = ("hostPath", "local")
#: PersistentVolumeSpec fields that are not a volume source
_NOT_SOURCES = frozenset({"accessModes", "capacity", "claimRef", "mountOptions", "nodeAffinity",
                          "persistentVolumeReclaimPolicy", "storageClassName", "volumeMode",
                          "volumeAttributesClassName"})
_BACKENDS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def location(pv: dict, node: str | None = None) -> tuple:
    """The key of a volume's data: ``("csi", driver, handle)``, ``("nfs", server, path)``,
    ``("node", node, path)`` for node-local sources (``node`` is then required), or
    ``(source kind, its JSON)`` for any other source."""
    spec = pv.get("spec") or {}
    for kind in NODE_LOCAL_SOURCES:
        if kind in spec:
            if not node:
                raise ValueError(f'the data of {kind} volume "{pv["metadata"]["name"]}" is on a node: '
                                 'pass node=<the node that mounts it>')
            return ("node", node, (spec[kind] or {}).get("path", "/"))
    if "csi" in spec:
        return ("csi", spec["csi"].get("driver", ""), spec["csi"].get("volumeHandle", ""))
    if "nfs" in spec:
        return ("nfs", spec["nfs"].get("server", ""), spec["nfs"].get("path", "/"))
    for kind in sorted(spec):
        if kind not in _NOT_SOURCES:
            return (kind, json.dumps(spec[kind], sort_keys=True))
    raise ValueError(f'persistentvolume "{pv["metadata"]["name"]}" has no volume source')


class StorageBackend:
    """The simulated storage of one cluster: files by volume location."""

    def __init__(self, api=None):
        self._api = weakref.ref(api) if api is not None else None
        self._files: dict[tuple, dict[str, str]] = {}
        #: volume name -> the nodes its disk is attached to (see kubelab/node/attachment.py)
        self.attachments: dict[str, set[str]] = {}

    @classmethod
    def of(cls, api) -> "StorageBackend":
        """The backend of the cluster served by ``api`` (made on first use)."""
        backend = _BACKENDS.get(api)
        if backend is None:
            backend = _BACKENDS[api] = cls(api)
        return backend

    def _volume(self, pv) -> dict:
        if isinstance(pv, dict):
            return pv
        if self._api is None or self._api() is None:
            raise LookupError("this backend has no API server to look volumes up in")
        return self._api().get("persistentvolumes", pv)

    def volume_data(self, pv, node: str | None = None) -> dict[str, str]:
        """The live files of a volume (a PersistentVolume or its name), created empty on first use.
        Writes to the returned dict are writes to the volume."""
        return self._files.setdefault(location(self._volume(pv), node), {})

    def host_path(self, node: str, path: str) -> dict[str, str]:
        """The files under ``path`` on ``node`` (hostPath Pod volumes and hostPath/local PVs)."""
        return self._files.setdefault(("node", node, path), {})

    def exists(self, pv, node: str | None = None) -> bool:
        return location(self._volume(pv), node) in self._files

    def delete(self, pv, node: str | None = None) -> None:
        """The storage system deletes the volume and its files (a provisioner's DeleteVolume)."""
        self._files.pop(location(self._volume(pv), node), None)

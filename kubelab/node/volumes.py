"""The kubelet's volume manager: set up a Pod's volumes before its sandbox, keep them current.

* ``emptyDir`` — an empty directory shared by the Pod's containers, gone with the
  Pod (``medium: Memory``: a tmpfs, its files charged to the writer's memory,
  sized by ``sizeLimit``, else the Pod's memory limit, else the node's allocatable);
* ``configMap`` / ``secret`` / ``downwardAPI`` / ``projected`` — files
  (:mod:`.projection`), read-only, written again on every sync and every 60 s
  (the kubelet's sync period), so updates reach them; a ``subPath`` mount of one
  is a copy that never changes, as in Kubernetes;
* ``hostPath`` — a directory of the node, shared by every Pod on that node that mounts it;
* ``persistentVolumeClaim`` — the claim's PersistentVolume, whose files live in the
  cluster's storage (:class:`~kubelab.storage.backends.StorageBackend`): the same
  from every node for network storage, the node's own directory for hostPath and
  local volumes. The files outlive the Pod.

A claim must be Bound (desired_state_of_world_populator's checks); until it is,
the Pod waits in ContainerCreating, retried after the pod worker's 10 s back-off,
with a FailedMount event each time::

    Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[],
    failed to process volumes=[data]: error processing PVC default/data: PVC is not bound

A disk still attached to another node (:mod:`.attachment`) keeps the Pod waiting
too; since v1.28 the kubelet records no event when that wait times out, so the
attach/detach controller's Multi-Attach error is the one to read. A source that
does not exist (``MountVolume.SetUp failed for volume "config" : configmap
"app-config" not found``) is retried with the operation executor's back-off.
"""
from __future__ import annotations

from .. import errors
from ..api.quantity import QuantityError, parse_quantity
from ..storage.backends import NODE_LOCAL_SOURCES, StorageBackend
from .attachment import Attacher, attachable
from .containerenv import ConfigError
from .fs import Volume
from .projection import PROJECTED_KINDS, projected_files

__all__ = ["VolumeManager", "NotReady", "mounts_for", "RESYNC_SECONDS"]

#: the kubelet's --sync-frequency: projected volumes are rewritten at least this often
RESYNC_SECONDS = 60.0


class NotReady(Exception):
    """Some volumes cannot be set up yet: ``events`` to record, retry after ``retry`` seconds
    (None: the mount operation's own back-off)."""

    def __init__(self, events: list[tuple[str, str]], retry: float | None):
        super().__init__("; ".join(message for _, message in events))
        self.events, self.retry = events, retry


class _Unprocessed(Exception):
    """desired_state_of_world_populator could not add the volume (an unusable claim)."""


#: waiting for another node to let go of a disk: how often the kubelet looks again
ATTACH_POLL_SECONDS = 2.0
#: the pod worker's back-off after a failed sync (workerBackOffPeriod)
WORKER_BACKOFF_SECONDS = 10.0


def _quantity(value) -> int | None:
    try:
        return parse_quantity(value).value() if value is not None else None
    except QuantityError:
        return None


def _claim_name(pod: dict, vol: dict) -> str:
    if "ephemeral" in vol:
        return f'{pod["metadata"]["name"]}-{vol.get("name", "")}'
    return (vol["persistentVolumeClaim"] or {}).get("claimName", "")


def _pv_backing(pv: dict, index: int) -> dict:
    """What ``mount`` and ``df`` show a PersistentVolume mounted from."""
    spec = pv["spec"]
    size = _quantity((spec.get("capacity") or {}).get("storage"))
    if any(kind in spec for kind in NODE_LOCAL_SOURCES):
        return {}
    if "nfs" in spec:
        return {"device": f'{spec["nfs"].get("server", "")}:{spec["nfs"].get("path", "/")}', "fstype": "nfs4",
                "size": size}
    if not attachable(pv):
        return {"device": f'{spec["csi"].get("driver", "")}:/{spec["csi"].get("volumeHandle", "")}',
                "fstype": "nfs4", "size": size}
    return {"device": f"/dev/sd{chr(ord('b') + index % 25)}", "fstype": "ext4", "size": size}


class VolumeManager:
    """One kubelet's volumes: set up per Pod, projected files kept current."""

    def __init__(self, kubelet):
        self.kubelet = kubelet
        self.api, self.node = kubelet.api, kubelet.node_name
        self.backend = StorageBackend.of(kubelet.api)
        self.attacher = Attacher(kubelet.api, self.backend, self.node)
        self._timer = None

    def start(self) -> None:
        self._timer = self.kubelet.loop.later(RESYNC_SECONDS, self._resync, self.kubelet.owner, daemon=True)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _resync(self) -> None:
        self.start()
        for worker in list(self.kubelet.workers.values()):
            if worker.sandbox is not None and not worker.terminal:
                self.refresh(worker)

    # -- setting up ---------------------------------------------------------------
    def setup(self, pod: dict) -> dict[str, Volume]:
        """A Volume for every volume of ``pod``; raises NotReady."""
        out: dict[str, Volume] = {}
        unprocessed, failures, waiting, events = [], [], [], []
        disks = 0                       # attached disks so far: /dev/sdb, /dev/sdc, ...
        for vol in (pod.get("spec") or {}).get("volumes") or []:
            name = vol.get("name", "")
            try:
                if "persistentVolumeClaim" in vol or "ephemeral" in vol:
                    volume = self._claim_volume(pod, vol, disks)
                    if volume is None:
                        waiting.append(name)
                        continue
                    out[name] = volume
                    disks += volume.device.startswith("/dev/sd")
                else:
                    out[name] = self._pod_volume(pod, vol)
            except _Unprocessed as e:
                unprocessed.append((name, str(e)))
            except ConfigError as e:
                failures.append(name)
                events.append(("FailedMount", f'MountVolume.SetUp failed for volume "{name}" : {e}'))
        if unprocessed:
            names = sorted(n for n, _ in unprocessed)
            unmounted = " ".join(sorted(names + failures + waiting))
            events.append(("FailedMount", f"Unable to attach or mount volumes: unmounted volumes=[{unmounted}], "
                                          f"unattached volumes=[{' '.join(sorted(waiting))}], "
                                          f"failed to process volumes=[{' '.join(names)}]: "
                                          + "; ".join(message for _, message in unprocessed)))
        if unprocessed or failures or waiting:
            retry = WORKER_BACKOFF_SECONDS if unprocessed else None if failures else ATTACH_POLL_SECONDS
            raise NotReady(events, retry)
        return out

    def _pod_volume(self, pod: dict, vol: dict) -> Volume:
        if "hostPath" in vol:
            return Volume.wrap(self.backend.host_path(self.node, (vol["hostPath"] or {}).get("path", "/")))
        kind = next((k for k in PROJECTED_KINDS if k in vol), None)
        if kind is not None:
            files = projected_files(self.api, pod, vol, allocatable=self.kubelet.allocatable())
            if kind in ("secret", "projected"):     # secrets never touch the node's disk: a memory emptyDir
                return Volume(files, read_only=True, device="tmpfs", fstype="tmpfs",
                              size=self._tmpfs_size(pod, {}))
            return Volume(files, read_only=True)
        empty = vol.get("emptyDir")
        if empty is not None and (empty or {}).get("medium") == "Memory":
            return Volume(device="tmpfs", fstype="tmpfs", size=self._tmpfs_size(pod, empty))
        return Volume()

    def _tmpfs_size(self, pod: dict, empty: dict) -> int:
        """calculateEmptyDirMemorySize: sizeLimit, else the Pod's memory limit, else allocatable."""
        node = _quantity(self.kubelet.allocatable().get("memory")) or 0
        limits = [_quantity(((c.get("resources") or {}).get("limits") or {}).get("memory"))
                  for c in pod["spec"].get("containers") or []]
        pod_limit = sum(limits) if limits and None not in limits else None
        size = _quantity(empty.get("sizeLimit"))
        return min(x for x in (size, pod_limit, node) if x is not None)

    def _claim_volume(self, pod: dict, vol: dict, index: int) -> Volume | None:
        """The claim's volume, None while its disk is attached elsewhere; raises _Unprocessed."""
        ns = pod["metadata"].get("namespace", "default")
        claim = _claim_name(pod, vol)
        where = f"error processing PVC {ns}/{claim}"
        try:
            pvc = self.api.get("persistentvolumeclaims", claim, namespace=ns)
        except errors.NotFound as e:
            raise _Unprocessed(f"{where}: failed to fetch PVC from API server: {e}") from None
        if "ephemeral" in vol and not any(ref.get("uid") == pod["metadata"]["uid"]
                                          for ref in pvc["metadata"].get("ownerReferences") or []):
            raise _Unprocessed(f'{where}: PVC {ns}/{claim} was not created for pod {ns}/'
                               f'{pod["metadata"]["name"]} (pod is not owner)')
        if pvc["metadata"].get("deletionTimestamp"):
            raise _Unprocessed(f"{where}: PVC is being deleted")
        if (pvc.get("status") or {}).get("phase") != "Bound":
            raise _Unprocessed(f"{where}: PVC is not bound")
        pv_name = (pvc.get("spec") or {}).get("volumeName")
        if not pv_name:
            raise _Unprocessed(f"{where}: PVC has empty pvc.Spec.VolumeName")
        try:
            pv = self.api.get("persistentvolumes", pv_name)
        except errors.NotFound as e:
            raise _Unprocessed(f"{where}: failed to fetch PV {pv_name} from API server: {e}") from None
        ref = pv["spec"].get("claimRef")
        if not ref:
            raise _Unprocessed(f"{where}: found PV object {pv_name} but it has a nil pv.Spec.ClaimRef "
                               "indicating it is not yet bound to the claim")
        if ref.get("uid") != pvc["metadata"]["uid"]:
            raise _Unprocessed(f'{where}: found PV object {pv_name} but its pv.Spec.ClaimRef.UID {ref.get("uid")} '
                               f'does not point to claim.UID {pvc["metadata"]["uid"]}')
        if (pv["spec"].get("volumeMode") or "Filesystem") != "Filesystem":
            raise _Unprocessed(f'volume {vol.get("name")} has volumeMode {pv["spec"]["volumeMode"]}, '
                               "but is specified in volumeMounts")
        if attachable(pv) and not self.attacher.attach(pod, pv, claim):
            return None
        read_only = bool((vol.get("persistentVolumeClaim") or {}).get("readOnly"))
        return Volume.wrap(self.backend.volume_data(pv, self.node), read_only=read_only, **_pv_backing(pv, index))

    # -- keeping projected volumes current --------------------------------------------
    def refresh(self, worker) -> None:
        """Write the Pod's configMap/secret/downwardAPI/projected volumes again (a source
        that has gone keeps its last files, as a failed SetUp does)."""
        for vol in (worker.pod.get("spec") or {}).get("volumes") or []:
            volume = (worker.volumes or {}).get(vol.get("name"))
            if volume is None or not any(k in vol for k in PROJECTED_KINDS):
                continue
            try:
                files = projected_files(self.api, worker.pod, vol, allocatable=self.kubelet.allocatable())
            except ConfigError:
                continue
            if files != volume.files:
                volume.replace(files)

    def forget(self, uid: str) -> None:
        self.attacher.forget(uid)


def mounts_for(pod: dict, container: dict, volumes: dict[str, Volume]) -> list[tuple]:
    """The container's (mountPath, volume, subPath, readOnly) list. A subPath of a projected
    volume is a snapshot: later updates do not reach it."""
    projected = {v.get("name") for v in (pod.get("spec") or {}).get("volumes") or []
                 if any(k in v for k in PROJECTED_KINDS)}
    out = []
    for m in container.get("volumeMounts") or []:
        volume = volumes.get(m.get("name"))
        if volume is None:
            continue
        if m.get("subPath") and m.get("name") in projected:
            volume = Volume(dict(volume.files), read_only=True, device=volume.device, fstype=volume.fstype)
        out.append((m.get("mountPath", "/"), volume, m.get("subPath", ""), bool(m.get("readOnly"))))
    return out

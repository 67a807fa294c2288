"""The kubelet: the node agent that runs the Pods bound to its node.

It registers its Node and heartbeats (see :mod:`.nodestatus`), watches the
Pods with ``spec.nodeName=<its node>`` (an index in the API server's watch
cache), and gives each a pod worker (:mod:`.podworker`) that creates the
sandbox, pulls images, starts and restarts containers, probes them (:mod:`.probes`)
and reports status (:mod:`.statusmanager`). It serves ``kubectl exec`` and
``kubectl logs`` for its Pods through the API server (:mod:`kubelab.apiserver.nodeproxy`).

``stop()`` is a crashed kubelet: no more heartbeats, syncs, probes or status
writes (containers keep running, as they do when a real kubelet dies);
``start()`` again rebuilds its view from the API server and the runtime.
"""
from __future__ import annotations

import random
from datetime import timedelta

from .. import errors
from ..api.labels import parse_field_selector
from ..api.meta import format_time
from ..api.qos import pod_qos_class
from ..api.quantity import parse_quantity
from ..client.events import EventRecorder
from ..client.informer import Informer
from .admission import admit
from .backoff import Backoff
from .eviction import EvictionManager
from .imagepull import ImageManager
from .network import PodNetwork
from .nodestatus import NodeStatusManager
from .podworker import PodWorker
from .probes import ProbeManager
from .runtime import NotRunning, Runtime
from .statusmanager import StatusManager
from .volumes import VolumeManager

__all__ = ["Kubelet"]


class Kubelet:
    """One node's kubelet. ``node`` is the Node manifest it registers; its ``kubelet`` key, if
    any, holds KubeletConfiguration fields (``evictionHard``) and is not part of the Node."""

    def __init__(self, api, loop, *, node: dict, rng: random.Random, network: PodNetwork | None = None):
        self.api, self.loop, self.clock = api, loop, loop.clock
        self.config = dict(node.get("kubelet") or {})
        node = {k: v for k, v in node.items() if k != "kubelet"}
        self.node_manifest = node
        self.node_name = node["metadata"]["name"]
        self.node_ip = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
        self.owner = f"kubelet/{self.node_name}"
        self.network = network if network is not None else PodNetwork()
        cpus = parse_quantity(node["status"]["capacity"].get("cpu", "4")).milli_value() // 1000
        self.runtime = Runtime(loop=loop, clock=self.clock, owner=self.owner, rng=random.Random(rng.getrandbits(64)),
                               network=self.network, pod_cidr=node["spec"]["podCIDR"], cpus=max(cpus, 1),
                               disk_bytes=parse_quantity(node["status"]["capacity"].get("ephemeral-storage",
                                                                                      "100Gi")).value(),
                               on_exit=self._container_exited)
        self.recorder = EventRecorder(api, "kubelet", host=self.node_name)
        self.backoff = Backoff(self.clock)
        self.images = ImageManager(self)
        self.probes = ProbeManager(self)
        self.status = StatusManager(self)
        self.eviction = EvictionManager(self)
        self.volume_manager = VolumeManager(self)
        self.node_status = NodeStatusManager(self, node)
        self.workers: dict[str, PodWorker] = {}
        self.informer: Informer | None = None
        self.running = False

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        self.running = True
        self.node_status.start()
        self.eviction.start()
        self.volume_manager.start()
        self.informer = Informer(self.api, "pods", loop=self.loop, owner=self.owner,
                                 field_selector=parse_field_selector(f"spec.nodeName={self.node_name}"))
        self.informer.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)
        self.informer.start()

    def stop(self) -> None:
        """The kubelet dies: heartbeats, syncs, probes and status writes stop."""
        self.running = False
        self.node_status.stop()
        self.eviction.stop()
        self.volume_manager.stop()
        if self.informer is not None:
            self.informer.stop()
        for worker in self.workers.values():       # what a kubelet knows in memory dies with it
            worker.gone = True
            if worker._retry is not None:
                worker._retry.cancel()
        self.workers = {}
        self.probes.remove_all()
        self.probes = ProbeManager(self)
        self.backoff = Backoff(self.clock)

    # -- pods from the API server -------------------------------------------
    def _pod_added(self, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        worker = self.workers.get(uid)
        if worker is None:
            worker = self.workers[uid] = PodWorker(self, pod)
            if not self._adopt(worker) and pod["status"].get("phase") not in ("Succeeded", "Failed"):
                active = [w.pod for w in self.workers.values() if w is not worker and not w.terminal
                          and w.rejection is None]
                worker.rejection = admit(pod, active, self.allocatable())
                if worker.rejection is not None:
                    worker.event("Warning", *worker.rejection)
        worker.pod = pod
        worker.request_sync()

    def _pod_updated(self, old: dict, new: dict) -> None:
        worker = self.workers.get(new["metadata"]["uid"])
        if worker is None:
            self._pod_added(new)
            return
        worker.pod = new
        if _without_status(old) != _without_status(new):
            worker.request_sync()

    def _pod_deleted(self, pod: dict) -> None:
        worker = self.workers.get(pod["metadata"]["uid"])
        if worker is not None:
            worker.removed = True
            worker.request_sync()

    def _adopt(self, worker: PodWorker) -> bool:
        """After a restart: pick up the sandbox and containers the runtime still has for this Pod."""
        for sb in self.runtime.sandboxes.values():
            if sb.uid == worker.uid and sb.ready:
                worker.sandbox = sb
                worker.volumes = sb.volumes
                for c in sorted(self.runtime.containers_of(sb), key=lambda c: (c.name, c.attempt)):
                    worker.history.setdefault(c.name, []).append(c)
                return True
        return False

    def forget(self, worker: PodWorker, *, delete: bool) -> None:
        """The Pod is done on this node: drop it (and delete the Pod object when asked)."""
        worker.gone = True
        if worker.sandbox is not None:
            self.runtime.remove_pod_sandbox(worker.sandbox)
        self.backoff.forget(f"{worker.name}_{worker.namespace}_{worker.uid}_")
        self.volume_manager.forget(worker.uid)
        self.workers.pop(worker.uid, None)
        if delete:
            self.status.delete(worker)

    def _container_exited(self, container) -> None:
        """PLEG: a container's state changed; sync its Pod."""
        for worker in self.workers.values():
            if worker.sandbox is container.sandbox:
                if self.running:
                    worker.request_sync()
                return

    def probe_result_changed(self, worker: PodWorker, kind: str, result) -> None:
        if kind == "readiness":
            worker.publish()
        else:
            worker.request_sync()

    def node_status_changed(self) -> None:
        if self.running:
            self.loop.soon(self.node_status.update, self.owner)

    # -- helpers the workers use ---------------------------------------------
    def stamp(self, seconds: float | None = None) -> str:
        """A simulated instant (default: now) as a metav1.Time string."""
        at = self.clock.now() if seconds is None else self.clock.start + timedelta(seconds=seconds)
        return format_time(at)

    def allocatable(self) -> dict:
        return self.node_manifest["status"]["allocatable"]

    @staticmethod
    def qos_class(pod: dict) -> str:
        return pod_qos_class(pod)

    def worker_for(self, name: str, namespace: str) -> PodWorker | None:
        for worker in self.workers.values():
            if worker.name == name and worker.namespace == namespace and not worker.gone:
                return worker
        return None

    # -- exec and logs (served through the API server) ----------------------
    def exec(self, name: str, namespace: str, container: str, command: list[str]):
        """Run ``command`` in a running container; returns the runtime's ExecResult."""
        worker = self.worker_for(name, namespace)
        c = worker.current(container) if worker is not None else None
        if c is None or c.state != "running":
            raise errors.NotFound(f'container not found ("{container}")')
        try:
            return self.runtime.exec_sync(c, list(command))
        except NotRunning:
            raise errors.NotFound(f'container not found ("{container}")') from None

    def logs(self, pod: dict, container: str, *, previous: bool = False) -> list[tuple[float, str, str]]:
        """The log lines (time, stream, text) of a container, checked as validateContainerLogStatus
        does (a BadRequest explains why there are none)."""
        name = pod["metadata"]["name"]
        statuses = list(pod["status"].get("containerStatuses") or []) + \
            list(pod["status"].get("initContainerStatuses") or [])
        status = next((s for s in statuses if s.get("name") == container), None)
        if status is None:
            raise errors.BadRequest(f'container "{container}" in pod "{name}" is not available')
        worker = self.worker_for(name, pod["metadata"].get("namespace", "default"))
        history = worker.history.get(container, []) if worker is not None else []
        state, last = status.get("state") or {}, (status.get("lastState") or {}).get("terminated")
        if previous:
            if not last or not last.get("containerID"):
                raise errors.BadRequest(f'previous terminated container "{container}" in pod "{name}" not found')
            cid = last["containerID"]
        elif "running" in state or ("terminated" in state and state["terminated"].get("containerID")):
            cid = status.get("containerID") or state.get("terminated", {}).get("containerID")
        elif last and last.get("containerID"):
            cid = last["containerID"]
        elif "waiting" in state:
            reason = state["waiting"].get("reason", "")
            why = {"ErrImagePull": "image can't be pulled",
                   "ImagePullBackOff": "trying and failing to pull image"}.get(reason, reason)
            raise errors.BadRequest(f'container "{container}" in pod "{name}" is waiting to start: {why}')
        else:
            raise errors.BadRequest(f'container "{container}" in pod "{name}" is terminated')
        c = next((c for c in history if f"containerd://{c.id}" == cid), None)
        return list(c.logs) if c is not None else []

    # -- resource usage ------------------------------------------------------
    def pod_usage(self) -> dict[tuple[str, str], dict[str, tuple[int, int]]]:
        """(namespace, name) -> container name -> (CPU millicores, memory bytes), running containers only."""
        out = {}
        for worker in sorted(self.workers.values(), key=lambda w: (w.namespace, w.name)):
            usage = {s["name"]: c.usage() for s in worker.specs()
                     for c in [worker.current(s["name"])] if c is not None and c.state == "running"}
            if usage:
                out[(worker.namespace, worker.name)] = usage
        return out


def _without_status(pod: dict) -> tuple:
    meta = {k: v for k, v in pod["metadata"].items() if k not in ("resourceVersion", "managedFields")}
    return meta, pod.get("spec")

"""The kubelet's image manager (pkg/kubelet/images): pull policies, serial pulls, pull back-off.

``imagePullPolicy: IfNotPresent`` uses an image already on the node ("Container
image "nginx:1.27" already present on machine"), ``Always`` pulls on every
container start, ``Never`` fails unless the image is there. Pulls run one at
a time on a node (the kubelet's default ``serializeImagePulls: true``), so a
Pulled event reports the pull's own time and the time including waiting:
``Successfully pulled image "nginx:1.27" in 3.284s (3.284s including waiting).
Image size: 72099410 bytes.`` A failed pull is retried with back-off (10 s
doubling to 300 s): ErrImagePull, then ImagePullBackOff.
"""
from __future__ import annotations

from ..api.duration import format_duration
from .backoff import Backoff
from .images import ImageError, PULL_LATENCY, pull_seconds, resolve

__all__ = ["ImageManager", "PAUSE_IMAGE"]

PAUSE_IMAGE = "registry.k8s.io/pause:3.10"


class ImageManager:
    """Which images a node has, and the pulls in flight."""

    def __init__(self, kubelet):
        self.kubelet = kubelet
        self.present: dict[str, object] = {}
        self.backoff = Backoff(kubelet.clock)
        self._results: dict[tuple, tuple] = {}
        self._pulling: set[tuple] = set()
        self._free_at = 0.0
        self._arrivals: dict[str, float] = {}       # image -> when its first queued pull completes
        pause = resolve(PAUSE_IMAGE)
        self.present[pause.name] = pause

    def ensure(self, pod_worker, container: dict):
        """EnsureImageExists: ``("ready", Image)``, ``("pulling", None)`` or ``("error", reason, message)``."""
        ref = container.get("image") or ""
        key = (pod_worker.uid, container["name"], ref)
        if key in self._pulling:
            return ("pulling", None)
        if key in self._results:
            return self._results.pop(key)
        event = lambda type_, reason, msg: pod_worker.event(type_, reason, msg)   # noqa: E731
        try:
            image = resolve(ref)
        except ImageError as e:
            if e.reason != "InvalidImageName":
                image = None
            else:
                event("Warning", "InspectFailed", e.message)
                return ("error", "InvalidImageName", e.message)
        name = image.name if image is not None else None
        policy = container.get("imagePullPolicy") or "IfNotPresent"
        if policy != "Always" and name in self.present:
            event("Normal", "Pulled", f'Container image "{ref}" already present on machine')
            return ("ready", self.present[name])
        if policy == "Never":
            msg = f'Container image "{ref}" is not present with pull policy of Never'
            event("Warning", "ErrImageNeverPull", msg)
            return ("error", "ErrImageNeverPull", msg)
        backoff_key = f"{pod_worker.uid}_{ref}"
        now = self.kubelet.clock.seconds
        if self.backoff.in_backoff_since_update(backoff_key, now):
            msg = f'Back-off pulling image "{ref}"'
            event("Normal", "BackOff", msg)
            return ("error", "ImagePullBackOff", msg)
        event("Normal", "Pulling", f'Pulling image "{ref}"')
        start = max(now, self._free_at)
        # a pull queued behind another pull of the same image finds its layers already there
        arrived = name in self.present or self._arrivals.get(name, float("inf")) <= start
        duration = PULL_LATENCY if image is None or arrived else pull_seconds(image)
        self._free_at = start + duration
        if image is not None:
            self._arrivals.setdefault(name, self._free_at)
        self._pulling.add(key)
        self.kubelet.loop.at(self._free_at, lambda: self._done(pod_worker, key, image, ref, now,
                                                               duration, backoff_key), self.kubelet.owner)
        return ("pulling", None)

    def _done(self, pod_worker, key, image, ref, requested, duration, backoff_key) -> None:
        self._pulling.discard(key)
        if pod_worker.gone:
            return
        if image is None:
            try:
                resolve(ref)
            except ImageError as e:
                pod_worker.event("Warning", "Failed", f'Failed to pull image "{ref}": {e.message}')
                self.backoff.next(backoff_key, self.kubelet.clock.seconds)
                self._results[key] = ("error", "ErrImagePull", e.message)
        else:
            self.present[image.name] = image
            waited = self.kubelet.clock.seconds - requested
            pod_worker.event("Normal", "Pulled", f'Successfully pulled image "{ref}" in {format_duration(duration)} '
                                                 f"({format_duration(waited)} including waiting). Image size: "
                                                 f"{image.size} bytes.")
            self._results[key] = ("ready", image)
        self.kubelet.node_status_changed()
        pod_worker.request_sync()

    def node_images(self) -> list[dict]:
        """status.images: the node's images, largest first (the kubelet reports at most 50)."""
        images = sorted(self.present.values(), key=lambda i: (-i.size, i.name))[:50]
        return [{"names": [i.image_id, i.name], "sizeBytes": i.size} for i in images]

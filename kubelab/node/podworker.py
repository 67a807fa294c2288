"""One Pod on a node: the kubelet's pod worker and its sync recipe (SyncPod).

Every change to the Pod, every container exit and every probe result asks
for a sync, which reads like the kubelet's:

1. a Pod being deleted (or evicted) is terminated: ``Killing`` events, each
   container's preStop hook, its stop signal, SIGKILL at the end of the grace
   period (sidecars after the app containers); then the sandbox goes, the
   final status is written and the Pod object is deleted;
2. the volumes are set up, then the sandbox (pause container, Pod IP);
3. :func:`~kubelab.node.actions.compute_pod_actions` says what to kill and start;
4. starting a container: crash-loop back-off, image pull, create, start,
   postStart hook; each step records the event the kubelet records;
5. the status is computed from scratch and handed to the status manager.
"""
from __future__ import annotations

from ..api.duration import format_duration
from . import podstatus
from .actions import compute_pod_actions, config_hash, should_restart
from .containerenv import ConfigError, command_line, environment
from .lifecycle import ContainerLifecycle
from .runtime import StartError
from .volumes import NotReady, mounts_for

__all__ = ["PodWorker", "SANDBOX_SECONDS"]

#: How long RunPodSandbox takes (network setup, the pause container).
SANDBOX_SECONDS = 1.0
#: A failed start is retried after the pod worker's backOffPeriod.
RETRY_SECONDS = 10.0
#: The volume manager retries a failed mount from 0.5 s, doubling up to 2m2s.
MOUNT_RETRY = (0.5, 122.0)


class PodWorker(ContainerLifecycle):
    """The kubelet's state for one Pod and the recipe that keeps it converging."""

    def __init__(self, kubelet, pod: dict):
        self.kubelet = kubelet
        self.uid = pod["metadata"]["uid"]
        self.pod = pod
        self.sandbox = None
        self.volumes = None
        self.history: dict[str, list] = {}
        self.reasons: dict[str, tuple[str, str]] = {}
        self.start_time: str | None = None
        self.terminal = self.terminating = self.gone = self.removed = False
        self.eviction: tuple[str, str] | None = None
        self.rejection: tuple[str, str] | None = None     # refused by admission (OutOfcpu, ...)
        self.killing: set[str] = set()
        self.deadline: float | None = None
        self._sandbox_timer = self._retry = None
        self._mount_delay = MOUNT_RETRY[0]
        self._pending = False
        self._cleared: dict[str, str] = {}      # container name -> exited container whose back-off passed

    # -- views -------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.pod["metadata"]["name"]

    @property
    def namespace(self) -> str:
        return self.pod["metadata"].get("namespace", "default")

    @property
    def deleting(self) -> bool:
        return self.removed or bool(self.pod["metadata"].get("deletionTimestamp"))

    def format_pod(self) -> str:
        """format.Pod: ``web_default(uid)``."""
        return f"{self.name}_{self.namespace}({self.uid})"

    def specs(self) -> list[dict]:
        spec = self.pod["spec"]
        return list(spec.get("initContainers") or []) + list(spec.get("containers") or [])

    def current(self, name: str):
        hist = self.history.get(name)
        return hist[-1] if hist else None

    latest = current

    def probe(self, name: str, kind: str):
        c = self.current(name)
        return self.kubelet.probes.result(self.uid, name, kind, c.id) if c is not None else None

    def is_started(self, name: str) -> bool:
        c = self.current(name)
        if c is None or c.state != "running":
            return False
        if not self.kubelet.probes.has(self.uid, name, "startup"):
            return True
        return self.probe(name, "startup") == "Success"

    def is_ready(self, spec: dict) -> bool:
        if not self.is_started(spec["name"]):
            return False
        if not self.kubelet.probes.has(self.uid, spec["name"], "readiness"):
            return True
        return self.probe(spec["name"], "readiness") == "Success"

    def event(self, type_: str, reason: str, message: str) -> None:
        """Record an Event about the Pod (as the kubelet does, from source ``kubelet, <node>``)."""
        if not self.removed:
            self.kubelet.recorder.event(self.pod, type_, reason, message)

    # -- scheduling --------------------------------------------------------
    def request_sync(self, delay: float = 0.0) -> None:
        """Sync now (after what is queued) or after ``delay`` seconds (the earliest request wins)."""
        if self.gone:
            return
        if delay <= 0:
            if not self._pending:
                self._pending = True
                self.kubelet.loop.soon(self._sync_now, self.kubelet.owner)
            return
        loop = self.kubelet.loop
        due = loop.clock.seconds + delay
        if self._retry is not None and not self._retry.cancelled and self._retry.when <= due:
            return
        if self._retry is not None:
            self._retry.cancel()
        self._retry = loop.at(due, self._sync_now, self.kubelet.owner, daemon=True)

    def _sync_now(self) -> None:
        self._pending = False
        if self.kubelet.running and not self.gone:
            self.sync()

    # -- the recipe --------------------------------------------------------
    def sync(self) -> None:
        if self.rejection is not None:
            self._reject()
            return
        if self.deleting or self.eviction is not None:
            self.terminate()
            return
        if self.terminal:
            return
        if self.pod["status"].get("phase") in ("Succeeded", "Failed"):
            self.finish()
            return
        if self.start_time is None:
            self.start_time = self.pod["status"].get("startTime") or self.kubelet.stamp()
            self.kubelet.probes.add_pod(self)
        if self.sandbox is None:
            self._create_sandbox()
            self.publish()
            return
        if self.build_status()["phase"] in ("Succeeded", "Failed"):
            self.finish()               # a terminal Pod is not set up again (kubelet.SyncPod)
            return
        self.kubelet.volume_manager.refresh(self)
        actions = compute_pod_actions(self, self.pod)
        for c, spec, message, reason in actions.to_kill:
            self.kill(c, spec, message, reason=reason)
        if actions.kill_pod:
            self.finish()
            return
        inits = self.pod["spec"].get("initContainers") or []
        for idx in actions.init_to_start:
            if not self.start(inits[idx]) and not podstatus.is_sidecar(inits[idx]):
                break
        for idx in actions.to_start:
            self.start(self.pod["spec"]["containers"][idx])
        self.publish()

    def _reject(self) -> None:
        """rejectPod: the Pod never runs here; it fails with the admission's reason."""
        if self.deleting:
            self.cleanup()
            return
        if not self.terminal:
            self.terminal = True
            old = self.pod.get("status") or {}
            reason, message = self.rejection
            self.kubelet.status.set(self, {"phase": "Failed", "conditions": list(old.get("conditions") or []),
                                           "reason": reason, "message": f"Pod was rejected: {message}",
                                           "qosClass": old.get("qosClass") or self.kubelet.qos_class(self.pod)})

    def _create_sandbox(self) -> None:
        if self.volumes is None:
            try:
                self.volumes = self.kubelet.volume_manager.setup(self.pod)
            except NotReady as e:
                for reason, message in e.events:
                    self.event("Warning", reason, message)
                delay = e.retry
                if delay is None:           # a failed mount operation: its exponential back-off
                    delay, self._mount_delay = self._mount_delay, min(self._mount_delay * 2, MOUNT_RETRY[1])
                self.request_sync(delay)
                return
        if self._sandbox_timer is None:
            self._sandbox_timer = self.kubelet.loop.later(SANDBOX_SECONDS, self._sandbox_ready, self.kubelet.owner)

    def _sandbox_ready(self) -> None:
        if self.gone or self.deleting or self.eviction is not None or not self.kubelet.running:
            self._sandbox_timer = None
            self.request_sync()
            return
        self.sandbox = self.kubelet.runtime.run_pod_sandbox(self.pod, self.kubelet.node_ip)
        self.sandbox.volumes = self.volumes
        self.sync()

    def backoff_key(self, spec: dict) -> str:
        """getStableKey: the Pod, the container and the hash of its spec."""
        return f"{self.name}_{self.namespace}_{self.uid}_{spec['name']}_{config_hash(spec)}"

    def start(self, spec: dict) -> bool:
        """SyncPod's start(): back-off, image, create, start, postStart. True if it runs."""
        name, kubelet = spec["name"], self.kubelet
        latest = self.current(name)
        if latest is not None and latest.state == "running":
            return True
        if latest is not None and latest.state == "exited" and self._cleared.get(name) != latest.id:
            key, backoff = self.backoff_key(spec), kubelet.backoff
            if backoff.in_backoff_since(key, latest.finished_at):
                self.event("Warning", "BackOff", f"Back-off restarting failed container {name} in pod "
                                                 f"{self.format_pod()}")
                self.reasons[name] = ("CrashLoopBackOff", f"back-off {format_duration(backoff.get(key))} restarting "
                                                          f"failed container={name} pod={self.format_pod()}")
                self.request_sync(min(RETRY_SECONDS, backoff.remaining_since(key, latest.finished_at)))
                return False
            backoff.next(key, latest.finished_at)
            self._cleared[name] = latest.id     # an image pull may come between back-off and start
        outcome = kubelet.images.ensure(self, spec)
        if outcome[0] != "ready":
            if outcome[0] == "error":
                self._failed(name, outcome[1], outcome[2], f"Error: {outcome[1]}")
            return False
        image = outcome[1]
        try:
            env = environment(kubelet.api, self.pod, spec, pod_ip=self.sandbox.ip, host_ip=kubelet.node_ip,
                              allocatable=kubelet.allocatable())
            argv = command_line(spec, image, dict(env))
        except ConfigError as e:
            self._failed(name, "CreateContainerConfigError", str(e), f"Error: {e}")
            return False
        c = kubelet.runtime.create_container(
            self.sandbox, spec, image, attempt=latest.attempt + 1 if latest is not None else 0, argv=argv, env=env,
            mounts=mounts_for(self.pod, spec, self.volumes), config_hash=config_hash(spec))
        self.history.setdefault(name, []).append(c)
        while len(self.history[name]) > 2:
            kubelet.runtime.remove_container(self.history[name].pop(0))
        self.event("Normal", "Created", f"Created container: {name}")
        try:
            kubelet.runtime.start_container(c)
        except StartError as e:
            self._failed(name, "RunContainerError", str(e), f"Error: {e}")
            return False
        self.event("Normal", "Started", f"Started container {name}")
        self.reasons.pop(name, None)
        kubelet.probes.container_started(self.uid, name)
        self.request_sync()             # the PLEG sees the container start: the next step may follow
        hook = (spec.get("lifecycle") or {}).get("postStart")
        if hook and self.run_hook(c, hook, float(self.pod["spec"].get("terminationGracePeriodSeconds", 30)))[0]:
            self.event("Warning", "FailedPostStartHook", "PostStartHook failed")
            self.kill(c, spec, "FailedPostStartHook")
            return False
        return c.state == "running"

    def _failed(self, name: str, reason: str, message: str, event: str) -> None:
        self.reasons[name] = (reason, message)
        self.event("Warning", "Failed", event)
        self.request_sync(RETRY_SECONDS)

    # -- status ------------------------------------------------------------
    def publish(self) -> None:
        if not self.removed:
            self.kubelet.status.set(self, self.build_status())

    def build_status(self) -> dict:
        """generateAPIPodStatus: the whole status, from the runtime's view of the Pod."""
        pod, spec, kubelet = self.pod, self.pod["spec"], self.kubelet
        default = "PodInitializing" if spec.get("initContainers") else "ContainerCreating"

        def one(s: dict, init: bool) -> dict:
            hist = self.history.get(s["name"], [])
            latest = hist[-1] if hist else None
            waiting = self.reasons.get(s["name"])
            done_init = init and not podstatus.is_sidecar(s) and latest is not None and \
                latest.state == "exited" and latest.exit_code == 0
            if done_init or not should_restart(s, self.pod, latest):
                waiting = None
            started = self.is_started(s["name"])
            ready = done_init if init and not podstatus.is_sidecar(s) else self.is_ready(s)
            return podstatus.container_status(s, hist, image_name=latest.image.name if latest else "",
                                              default_reason=default, waiting=waiting, ready=ready,
                                              started=started, stamp=kubelet.stamp)
        inits = [one(s, True) for s in spec.get("initContainers") or []]
        regular = [one(s, False) for s in spec.get("containers") or []]
        old = pod.get("status") or {}
        phase = podstatus.phase(pod, inits + regular, self.terminal)
        if old.get("phase") in ("Succeeded", "Failed"):
            phase = old["phase"]
        if self.eviction is not None:
            phase = "Failed"
        others = [c for c in old.get("conditions") or [] if c.get("type") not in podstatus.KUBELET_CONDITIONS]
        if self.eviction is not None and not any(c.get("type") == "DisruptionTarget" for c in others):
            others.append({"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": kubelet.stamp(), "reason": "TerminationByKubelet",
                           "message": self.eviction[1]})
        sandbox_ready = self.sandbox is not None and self.sandbox.ready
        status = {"phase": phase,
                  "conditions": others + podstatus.conditions(pod, inits + regular, phase,
                                                              sandbox_ready=sandbox_ready, existing=others),
                  "hostIP": kubelet.node_ip, "hostIPs": [{"ip": kubelet.node_ip}]}
        if self.sandbox is not None:
            status.update(podIP=self.sandbox.ip, podIPs=[{"ip": self.sandbox.ip}])
        status["startTime"] = self.start_time
        if inits:
            status["initContainerStatuses"] = inits
        status["containerStatuses"] = regular
        status["qosClass"] = old.get("qosClass") or kubelet.qos_class(pod)
        if self.eviction is not None:
            status["reason"], status["message"] = self.eviction
        elif old.get("reason") and old.get("phase") == phase:
            status["reason"] = old["reason"]
            if old.get("message"):
                status["message"] = old["message"]
        return status

"""Container lifecycle in the pod worker: hooks, and stopping containers and Pods.

* :meth:`~ContainerLifecycle.kill` is the kubelet's killContainer: a ``Killing``
  event, the preStop hook (its time counts against the grace period), the stop
  signal, SIGKILL when the grace period ends — never less than 2 s;
* :meth:`~ContainerLifecycle.terminate` is SyncTerminatingPod: app containers
  first, then sidecars in reverse order, all within the Pod's grace period;
  then :meth:`~ContainerLifecycle.cleanup` stops the sandbox, writes the final
  status and (for a deleted Pod) deletes the Pod object.
"""
from __future__ import annotations

from . import podstatus
from .network import ConnectError, fetch
from .runtime import NotRunning

__all__ = ["ContainerLifecycle", "MIN_GRACE_SECONDS"]

#: The kubelet never gives a container less than this to stop (minimumGracePeriodInSeconds).
MIN_GRACE_SECONDS = 2


class ContainerLifecycle:
    """The stopping half of :class:`~kubelab.node.podworker.PodWorker`."""

    def run_hook(self, c, hook: dict, limit: float) -> tuple[bool, float]:
        """Run a lifecycle hook in ``c``; returns (failed, seconds it took)."""
        if hook.get("sleep") is not None:
            return False, min(float(hook["sleep"].get("seconds", 0)), limit)
        if hook.get("exec") is not None:
            try:
                result = self.kubelet.runtime.exec_sync(c, list(hook["exec"].get("command") or []), timeout=limit)
            except NotRunning:
                return True, 0.0
            return result.code != 0, min(result.elapsed, limit)
        action = hook.get("httpGet") or {}
        try:
            port = int(action.get("port", 80))
            response, _ = fetch(self.kubelet.network, self.sandbox, self.sandbox.ip, port, action.get("path", "/"),
                                user_agent="kube-lifecycle/1.32", client_ip=self.sandbox.gateway)
        except (ConnectError, ValueError):
            return True, 0.0
        if response.delay >= limit:             # a hung server: the hook runs out the grace period
            return True, limit
        return response.status >= 400, response.delay

    def grace_period(self, spec: dict, reason: str = "") -> float:
        """setTerminationGracePeriod: the deletion's grace period, else the Pod's; a liveness or
        startup probe's own terminationGracePeriodSeconds wins when it killed the container."""
        grace = self.pod["metadata"].get("deletionGracePeriodSeconds")
        if grace is None:
            # a Pod removed without a graceful delete was force-deleted (grace period 0)
            grace = 0 if self.removed else self.pod["spec"].get("terminationGracePeriodSeconds", 30)
        probe = {"LivenessProbe": "livenessProbe", "StartupProbe": "startupProbe"}.get(reason)
        if probe and (spec.get(probe) or {}).get("terminationGracePeriodSeconds") is not None:
            grace = spec[probe]["terminationGracePeriodSeconds"]
        return float(grace)

    def kill(self, c, spec: dict, message: str = "", *, reason: str = "", grace: float | None = None,
             override: float | None = None) -> None:
        """killContainer: the Killing event, the preStop hook, the stop signal, SIGKILL at the deadline."""
        if c.id in self.killing or c.state != "running":
            return
        self.killing.add(c.id)
        self.event("Normal", "Killing", message or f"Stopping container {spec['name']}")
        grace = self.grace_period(spec, reason) if grace is None else grace
        hook = (spec.get("lifecycle") or {}).get("preStop")
        spent = 0.0
        if hook and grace > 0:
            failed, spent = self.run_hook(c, hook, grace)
            if failed:
                self.event("Warning", "FailedPreStopHook", "PreStopHook failed")
        remaining = max(grace - spent, MIN_GRACE_SECONDS) if override is None else override
        runtime, loop = self.kubelet.runtime, self.kubelet.loop
        if spent:
            loop.later(spent, lambda: runtime.stop_container(c, remaining), self.kubelet.owner)
        else:
            runtime.stop_container(c, remaining)

    def _running(self, specs) -> list:
        return [(c, s) for s in specs for c in [self.current(s["name"])] if c is not None and c.state == "running"]

    def _stop_all(self, grace: float, override: float | None = None) -> bool:
        """Stop app containers, then sidecars in reverse order; True once nothing runs."""
        spec = self.pod["spec"]
        now = self.kubelet.clock.seconds
        if self.deadline is None:
            self.deadline = now + grace
        regular = self._running(spec.get("containers") or [])
        for c, s in regular:
            self.kill(c, s, grace=grace, override=override)
        sidecars = self._running([s for s in spec.get("initContainers") or [] if podstatus.is_sidecar(s)])
        if not regular and sidecars:
            c, s = sidecars[-1]
            self.kill(c, s, grace=max(self.deadline - now, 0), override=override)
        for c, s in self._running([s for s in spec.get("initContainers") or [] if not podstatus.is_sidecar(s)]):
            self.kill(c, s, grace=grace, override=override)
        return not regular and not sidecars and not self._running(self.specs())

    def terminate(self) -> None:
        """SyncTerminatingPod: stop everything within the grace period, then clean up."""
        if self.terminal and self.gone:
            return
        self.terminating = True
        if self._sandbox_timer is not None:
            self._sandbox_timer.cancel()
        grace = self.grace_period({}) if self.eviction is None else 1.0
        if self._stop_all(grace, override=1.0 if self.eviction is not None else None):
            self.cleanup()

    def finish(self) -> None:
        """The Pod completed (no container will run again): stop sidecars, then clean up."""
        if self._stop_all(self.grace_period({})):
            self.cleanup()

    def cleanup(self) -> None:
        """SyncTerminatedPod: the sandbox goes, probes stop, the final status is written."""
        if self.sandbox is not None:
            self.kubelet.runtime.stop_pod_sandbox(self.sandbox)
        self.kubelet.probes.remove_pod(self.uid)
        if self._retry is not None:
            self._retry.cancel()
        if not self.terminal:
            self.terminal = True
            self.publish()
        if self.removed or self.deleting:
            self.kubelet.forget(self, delete=self.deleting and not self.removed)

"""Container probes: liveness, readiness and startup (pkg/kubelet/prober).

One worker per container and probe kind ticks every ``periodSeconds`` from
the moment the kubelet first syncs the Pod. A probe runs only once the
container has been running for ``initialDelaySeconds``; liveness and
readiness wait until the startup probe (if any) has succeeded. A result
changes only after ``failureThreshold`` failures or ``successThreshold``
successes in a row. Readiness starts as failure (not ready until a probe
passes; a container without a readiness probe is ready once started) and is
probed at once when the container starts; liveness starts as success. A
liveness (or startup) failure makes the kubelet kill and restart the
container, and the worker pauses until it sees the new container.

Handlers: ``exec`` (the command runs in the container; exit 0 passes),
``httpGet`` (2xx/3xx passes), ``tcpSocket`` (a listener passes), ``grpc`` (a
gRPC health server passes). Failures are recorded as Warning ``Unhealthy``
events: ``Liveness probe failed: HTTP probe failed with statuscode: 500``.
An ``httpGet`` whose server does not answer within ``timeoutSeconds`` fails
with Go's ``context deadline exceeded (Client.Timeout exceeded while awaiting
headers)``; a hung server still accepts connections, so ``tcpSocket`` passes.

A probe the prober cannot even run (a named port the container does not
declare) errors: ``Readiness probe errored and resulted in unknown state:
couldn't find port: web in ...``, and the result is thrown away.

simplified: a probe's result counts at the moment it starts, not when its
timeout runs out (so a timeoutSeconds longer than periodSeconds does not space
the probes out); the errored message names the container instead of printing
its whole spec.
"""
from __future__ import annotations

import math

from .network import HttpRequest

__all__ = ["ProbeManager", "KINDS"]

KINDS = ("startup", "liveness", "readiness")
_INITIAL = {"startup": None, "liveness": "Success", "readiness": "Failure"}
USER_AGENT = "kube-probe/1.32"


def _port(probe_port, container: dict) -> int | None:
    if isinstance(probe_port, int) or (isinstance(probe_port, str) and probe_port.isdigit()):
        return int(probe_port)
    for p in container.get("ports") or []:
        if p.get("name") == probe_port:
            return int(p.get("containerPort"))
    return None


class _Worker:
    def __init__(self, manager: "ProbeManager", pod_worker, container: dict, kind: str):
        self.manager, self.pod_worker, self.container, self.kind = manager, pod_worker, container, kind
        self.spec = container[kind + "Probe"]
        self.container_id = None
        self.result = None
        self.last_result = None
        self.run = 0
        self.on_hold = False
        self.stopped = False
        self.timer = None
        self.tick()

    def stop(self) -> None:
        self.stopped = True
        if self.timer is not None:
            self.timer.cancel()

    def tick(self) -> None:
        self.timer = None
        if self.stopped:
            return
        if self.probe_once() is False:
            self.stopped = True
            return
        loop = self.manager.loop
        self.timer = loop.later(self.spec.get("periodSeconds", 10), self.tick, self.manager.owner, daemon=True)

    def set(self, result) -> None:
        if result != self.result:
            self.result = result
            self.manager.changed(self.pod_worker, self.kind, result)

    def probe_once(self) -> bool:
        """doProbe: returns False when the worker should stop for good."""
        pw = self.pod_worker
        if pw.terminal:
            return False
        c = pw.current(self.container["name"])
        if c is None:
            return True
        if c.id != self.container_id:
            self.container_id, self.on_hold, self.result = c.id, False, _INITIAL[self.kind]
        if self.on_hold:
            return True
        if c.state != "running":
            self.set("Failure")
            return c.state != "exited" or pw.pod["spec"].get("restartPolicy") != "Never"
        if pw.deleting and self.kind in ("liveness", "startup"):
            self.set("Success")
            return False
        clock = self.manager.clock
        if math.floor(clock.seconds - c.started_at) < self.spec.get("initialDelaySeconds", 0):
            return True
        started = pw.is_started(self.container["name"])
        if (started and self.kind == "startup") or (not started and self.kind != "startup"):
            return True         # startup probes stop once started; the others wait for it
        result, output = self.manager.run_probe(pw, c, self.container, self.spec)
        if result == "Unknown":         # the prober itself errored: the result is thrown away
            pw.event("Warning", "Unhealthy", f"{self.kind.capitalize()} probe errored and resulted in "
                                             f"unknown state: {output}")
            return True
        if result == "Failure":
            pw.event("Warning", "Unhealthy", f"{self.kind.capitalize()} probe failed: {output}")
        if result == self.last_result:
            self.run += 1
        else:
            self.last_result, self.run = result, 1
        if (result == "Failure" and self.run < self.spec.get("failureThreshold", 3)) or \
                (result == "Success" and self.run < self.spec.get("successThreshold", 1)):
            return True
        self.set(result)
        if self.kind in ("liveness", "startup") and result == "Failure":
            self.on_hold, self.run = True, 0
        return True


class ProbeManager:
    """All probe workers of one kubelet."""

    def __init__(self, kubelet):
        self.kubelet = kubelet
        self.loop, self.clock, self.owner = kubelet.loop, kubelet.clock, kubelet.owner
        self.workers: dict[tuple, _Worker] = {}

    def add_pod(self, pod_worker) -> None:
        spec = pod_worker.pod["spec"]
        for container in list(spec.get("initContainers") or []) + list(spec.get("containers") or []):
            for kind in KINDS:
                key = (pod_worker.uid, container["name"], kind)
                if container.get(kind + "Probe") and key not in self.workers:
                    self.workers[key] = _Worker(self, pod_worker, container, kind)

    def remove_pod(self, uid: str) -> None:
        for key in [k for k in self.workers if k[0] == uid]:
            self.workers.pop(key).stop()

    def remove_all(self) -> None:
        for worker in self.workers.values():
            worker.stop()
        self.workers.clear()

    def has(self, uid: str, name: str, kind: str) -> bool:
        return (uid, name, kind) in self.workers

    def result(self, uid: str, name: str, kind: str, container_id: str):
        """The current result for a container (None: no result yet)."""
        w = self.workers.get((uid, name, kind))
        if w is None or w.container_id != container_id:
            return _INITIAL[kind] if w is not None else None
        return w.result

    def container_started(self, uid: str, name: str) -> None:
        """A readiness probe that has no result yet runs at once when its container starts."""
        w = self.workers.get((uid, name, "readiness"))
        if w is not None and not w.stopped:
            self.loop.soon(w.probe_once, self.owner)

    def changed(self, pod_worker, kind: str, result) -> None:
        self.kubelet.probe_result_changed(pod_worker, kind, result)

    # -- running one probe --------------------------------------------------
    def run_probe(self, pod_worker, c, container: dict, spec: dict) -> tuple[str, str]:
        timeout = spec.get("timeoutSeconds", 1)
        sandbox = pod_worker.sandbox
        if spec.get("exec") is not None:
            command = list(spec["exec"].get("command") or [])
            result = self.kubelet.runtime.exec_sync(c, command, timeout=timeout)
            if result.timed_out:
                return "Failure", f'command "{" ".join(command)}" timed out'
            return ("Success" if result.code == 0 else "Failure"), result.output
        for handler in ("httpGet", "tcpSocket", "grpc"):
            action = spec.get(handler)
            if action is None:
                continue
            port = _port(action.get("port"), container)
            if port is None:
                return "Unknown", f"couldn't find port: {action.get('port')} in container {container['name']}"
            host = action.get("host") or sandbox.ip
            target = sandbox if host == sandbox.ip else self.kubelet.network.sandboxes.get(host)
            listener = target.listeners.get(port) if target is not None and port is not None else None
            if handler == "grpc":
                if listener is None or not listener.grpc:
                    return "Failure", f'timeout: failed to connect service "{host}:{port}" within {timeout}s'
                return "Success", ""
            url = f'{action.get("scheme", "HTTP").lower()}://{host}:{port}{action.get("path", "/")}'
            if listener is None:
                dial = f"dial tcp {host}:{port}: connect: connection refused"
                if handler == "tcpSocket":
                    return "Failure", dial
                return "Failure", f'Get "{url}": {dial}'
            if handler == "tcpSocket":
                return "Success", ""
            if listener.handler is None:
                return "Failure", f'Get "{url}": EOF'
            response = listener.handler(HttpRequest("GET", action.get("path", "/"), f"{host}:{port}",
                                                    sandbox.gateway, USER_AGENT))
            if response.delay >= timeout:       # Go's http.Client gives up at its Timeout
                return "Failure", f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while ' \
                                  'awaiting headers)'
            if 200 <= response.status < 400:
                return "Success", ""
            return "Failure", f"HTTP probe failed with statuscode: {response.status}"
        return "Failure", "missing probe handler"

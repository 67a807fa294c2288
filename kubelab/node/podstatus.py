"""The Pod status a kubelet reports, computed as the kubelet computes it.

Pure functions over plain dicts, after pkg/kubelet/kubelet_pods.go and
pkg/kubelet/status/generate.go:

* :func:`phase` — getPhase: Pending while a container waits to start (or an
  init container has not finished), Running once all containers started and
  one runs, Succeeded/Failed when all have terminated and the restart policy
  will not restart them (a Pod being deleted is terminal whatever its policy);
* :func:`conditions` — PodReadyToStartContainers (the sandbox and its network
  exist), Initialized (every init container completed, every sidecar
  started), Ready and ContainersReady (every container ready), PodScheduled;
  with the reasons and messages kubectl describe shows:
  ``ContainersNotReady``, ``containers with unready status: [app]``.
"""
from __future__ import annotations

__all__ = ["phase", "conditions", "is_sidecar", "status_of", "KUBELET_CONDITIONS"]

#: Conditions the kubelet owns; others (DisruptionTarget, readiness gates) are kept.
KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")


def is_sidecar(container: dict) -> bool:
    """A restartable init container (``restartPolicy: Always``): a sidecar."""
    return container.get("restartPolicy") == "Always"


def status_of(statuses: list[dict], name: str) -> dict | None:
    return next((s for s in statuses if s.get("name") == name), None)


def _state(s: dict) -> str:
    return next(iter(s.get("state") or {"waiting": {}}))


def _terminated_before(s: dict) -> dict | None:
    return (s.get("lastState") or {}).get("terminated")


def _regular_started(spec: dict, statuses: list[dict]) -> bool:
    """HasAnyRegularContainerStarted: a regular container is running or has terminated."""
    return any(s and _state(s) in ("running", "terminated")
               for s in (status_of(statuses, c["name"]) for c in spec.get("containers") or []))


def phase(pod: dict, statuses: list[dict], terminal: bool = False) -> str:
    """getPhase: the Pod phase from its container statuses (init and regular together)."""
    spec = pod.get("spec") or {}
    policy = spec.get("restartPolicy", "Always")
    pending_init = failed_init = 0
    for ctr in spec.get("initContainers") or []:
        if is_sidecar(ctr):
            continue
        s = status_of(statuses, ctr["name"])
        state = _state(s) if s else None
        if state == "terminated":
            failed_init += s["state"]["terminated"].get("exitCode", 0) != 0
        elif state == "waiting" and _terminated_before(s) is not None:
            failed_init += _terminated_before(s).get("exitCode", 0) != 0
        else:
            pending_init += 1
    unknown = running = waiting = stopped = succeeded = 0
    for ctr in spec.get("initContainers") or []:
        if not is_sidecar(ctr):
            continue
        s = status_of(statuses, ctr["name"])
        if s is None:
            unknown += 1
        elif _state(s) == "running":
            pending_init += not s.get("started")
            running += 1
        elif _state(s) == "waiting" and _terminated_before(s) is None:
            pending_init += 1
            waiting += 1
    for ctr in spec.get("containers") or []:
        s = status_of(statuses, ctr["name"])
        if s is None:
            unknown += 1
        elif _state(s) == "running":
            running += 1
        elif _state(s) == "terminated":
            stopped += 1
            succeeded += s["state"]["terminated"].get("exitCode", 0) == 0
        elif _terminated_before(s) is not None:
            stopped += 1
        else:
            waiting += 1
    if failed_init and policy == "Never":
        return "Failed"
    if (pending_init and not _regular_started(spec, statuses)) or waiting:
        return "Pending"
    if running and not unknown:
        return "Running"
    if not running and stopped and not unknown:
        if terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        return "Failed" if policy == "Never" else "Running"
    return "Pending"


def _names(names: list[str]) -> str:
    return "[" + " ".join(names) + "]"


def _containers_ready(pod: dict, statuses: list[dict], pod_phase: str) -> dict:
    spec = pod.get("spec") or {}
    if pod_phase in ("Succeeded", "Failed"):
        return {"type": "ContainersReady", "status": "False",
                "reason": "PodCompleted" if pod_phase == "Succeeded" else "PodFailed"}
    unknown, unready = [], []
    for ctr in [c for c in spec.get("initContainers") or [] if is_sidecar(c)] + list(spec.get("containers") or []):
        s = status_of(statuses, ctr["name"])
        if s is None:
            unknown.append(ctr["name"])
        elif not s.get("ready"):
            unready.append(ctr["name"])
    messages = []
    if unknown:
        messages.append(f"containers with unknown status: {_names(unknown)}")
    if unready:
        messages.append(f"containers with unready status: {_names(unready)}")
    if messages:
        return {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady",
                "message": ", ".join(messages)}
    return {"type": "ContainersReady", "status": "True"}


def _ready(pod: dict, existing: list[dict], containers_ready: dict) -> dict:
    if containers_ready["status"] != "True":
        return dict(containers_ready, type="Ready")
    messages = []
    for gate in (pod.get("spec") or {}).get("readinessGates") or []:
        ctype = gate.get("conditionType")
        c = next((c for c in existing if c.get("type") == ctype), None)
        if c is None:
            messages.append(f'corresponding condition of pod readiness gate "{ctype}" does not exist.')
        elif c.get("status") != "True":
            messages.append(f'the status of pod readiness gate "{ctype}" is not "True", but {c.get("status")}')
    if messages:
        return {"type": "Ready", "status": "False", "reason": "ReadinessGatesNotReady", "message": ", ".join(messages)}
    return {"type": "Ready", "status": "True"}


def _initialized(pod: dict, statuses: list[dict], pod_phase: str) -> dict:
    spec = pod.get("spec") or {}
    unknown, incomplete = [], []
    for ctr in spec.get("initContainers") or []:
        s = status_of(statuses, ctr["name"])
        if s is None:
            unknown.append(ctr["name"])
        elif not (s.get("started") if is_sidecar(ctr) else s.get("ready")):
            incomplete.append(ctr["name"])
    if pod_phase == "Succeeded" and not unknown:
        return {"type": "Initialized", "status": "True", "reason": "PodCompleted"}
    if _regular_started(spec, statuses):
        return {"type": "Initialized", "status": "True"}
    messages = []
    if unknown:
        messages.append(f"containers with unknown status: {_names(unknown)}")
    if incomplete:
        messages.append(f"containers with incomplete status: {_names(incomplete)}")
    if messages:
        return {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                "message": ", ".join(messages)}
    return {"type": "Initialized", "status": "True"}


def conditions(pod: dict, statuses: list[dict], pod_phase: str, *, sandbox_ready: bool,
               existing: list[dict] = ()) -> list[dict]:
    """The kubelet-owned conditions, in the order the kubelet appends them."""
    containers_ready = _containers_ready(pod, statuses, pod_phase)
    return [
        {"type": "PodReadyToStartContainers", "status": "True" if sandbox_ready else "False"},
        _initialized(pod, statuses, pod_phase),
        _ready(pod, list(existing), containers_ready),
        containers_ready,
        {"type": "PodScheduled", "status": "True"},
    ]


def container_status(spec: dict, history: list, *, image_name: str, default_reason: str, waiting,
                     ready: bool, started: bool, stamp) -> dict:
    """One entry of containerStatuses (convertToAPIContainerStatuses).

    ``history`` holds the newest runtime containers of this name (oldest first);
    ``waiting`` is the (reason, message) of a failed or backed-off start, shown as
    the Waiting state while the container is to be started again; ``stamp(seconds)``
    formats a time."""
    status = {"name": spec["name"], "image": spec.get("image", ""), "imageID": "", "lastState": {},
              "ready": False, "restartCount": 0, "started": False,
              "state": {"waiting": {"reason": default_reason}}}
    if history:
        latest = history[-1]
        status.update(image=image_name, imageID=latest.image.image_id, containerID=f"containerd://{latest.id}",
                      restartCount=latest.attempt, state=_runtime_state(latest, stamp))
        if len(history) > 1:
            status["lastState"] = _runtime_state(history[-2], stamp)
    if waiting is not None:
        if "terminated" in status["state"]:
            status["lastState"] = status["state"]
        reason, message = waiting
        status["state"] = {"waiting": {"reason": reason, "message": message} if message else {"reason": reason}}
    status["started"], status["ready"] = started, ready
    mounts = [{"name": m.get("name"), "mountPath": m.get("mountPath"),
               **({"readOnly": True, "recursiveReadOnly": "Disabled"} if m.get("readOnly") else {})}
              for m in spec.get("volumeMounts") or []]
    if mounts:
        status["volumeMounts"] = mounts
    return status


def _runtime_state(c, stamp) -> dict:
    if c.state == "running":
        return {"running": {"startedAt": stamp(c.started_at)}}
    if c.state == "exited":
        t = {"containerID": f"containerd://{c.id}", "exitCode": c.exit_code, "finishedAt": stamp(c.finished_at),
             "reason": c.reason, "startedAt": stamp(c.started_at) if c.started_at is not None
             else "1970-01-01T00:00:00Z"}
        if c.message:
            t["message"] = c.message
        return {"terminated": t}
    return {"waiting": {}}

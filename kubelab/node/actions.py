"""What the kubelet does next for a Pod (kuberuntime_manager.go computePodActions).

Given the Pod's spec and the newest container of each name, decide which
containers to kill (a failed liveness or startup probe, a changed
definition), which init container or sidecars to start, which app
containers to (re)start, and whether the whole Pod is done:

* init containers run one at a time, in order; each must exit 0 (with
  restartPolicy Never, a failed one fails the Pod); a sidecar (an init
  container with ``restartPolicy: Always``) is started in its turn, and the
  next init container starts once it has *started* (its startup probe passed);
* app containers start once initialization is done, and restart after exiting
  according to ``restartPolicy`` (Always; OnFailure: a non-zero exit; Never);
* when no app container runs or will run again, the Pod is done (KillPod):
  its sidecars are stopped and it reaches Succeeded or Failed.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .podstatus import is_sidecar

__all__ = ["Actions", "compute_pod_actions", "should_restart", "config_hash"]


@dataclass
class Actions:
    kill_pod: bool = False
    init_to_start: list[int] = field(default_factory=list)
    to_start: list[int] = field(default_factory=list)
    to_kill: list[tuple] = field(default_factory=list)       # (container, spec, message, reason)


def config_hash(spec: dict) -> str:
    """HashContainer: what makes a running container out of date when it changes."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def should_restart(spec: dict, pod: dict, latest) -> bool:
    """ShouldContainerBeRestarted."""
    if pod["metadata"].get("deletionTimestamp"):
        return False
    if latest is None or latest.state == "created":
        return True
    if latest.state == "running":
        return False
    if is_sidecar(spec):
        return True
    policy = pod["spec"].get("restartPolicy", "Always")
    if policy == "Never":
        return False
    return not (policy == "OnFailure" and latest.exit_code == 0)


def _init_actions(view, pod: dict, actions: Actions) -> bool:
    """computeInitContainerActions: returns whether the Pod is initialized."""
    inits = pod["spec"].get("initContainers") or []
    if not inits:
        return True
    initialized = any(view.latest(c["name"]) is not None and view.latest(c["name"]).state in ("created", "running")
                      for c in pod["spec"].get("containers") or [])
    previously = initialized
    restart_on_failure = pod["spec"].get("restartPolicy", "Always") != "Never"
    start: list[int] = []
    for i in range(len(inits) - 1, -1, -1):
        spec = inits[i]
        latest = view.latest(spec["name"])
        if latest is None:
            if previously and is_sidecar(spec):
                start.append(i)
            continue
        if previously and not is_sidecar(spec):
            continue
        if latest.state == "created":
            start.append(i)
        elif latest.state == "running" and is_sidecar(spec):
            if spec.get("startupProbe"):
                result = view.probe(spec["name"], "startup")
                if result != "Success":
                    if result == "Failure":
                        actions.to_kill.append((latest, spec, f"Init container {spec['name']} failed startup probe",
                                                "StartupProbe"))
                        start.append(i)
                    previously = True
                    continue
            if i == len(inits) - 1:
                initialized = True
            elif not previously:
                start.append(i + 1)
            if latest.config_hash != config_hash(spec):
                actions.to_kill.append((latest, spec, f"Init container {spec['name']} definition changed", ""))
                start.append(i)
            elif view.probe(spec["name"], "liveness") == "Failure":
                actions.to_kill.append((latest, spec, f"Init container {spec['name']} failed liveness probe",
                                        "LivenessProbe"))
                start.append(i)
        elif latest.state == "exited":
            if is_sidecar(spec):
                start.append(i)
            elif latest.exit_code != 0:
                if not restart_on_failure:
                    actions.kill_pod, actions.init_to_start = True, []
                    return False
                start.append(i)
            elif i == len(inits) - 1:
                initialized = True
            else:
                start.append(i + 1)
        previously = True
    if not previously:
        start.append(0)
    actions.init_to_start = sorted(set(start))
    return initialized


def compute_pod_actions(view, pod: dict) -> Actions:
    """The actions for one sync. ``view.latest(name)`` is the newest container of that
    name (``.state``, ``.exit_code``, ``.config_hash``), ``view.probe(name, kind)`` its
    current probe result ("Success", "Failure" or None)."""
    actions = Actions()
    if not _init_actions(view, pod, actions) or actions.kill_pod:
        return actions
    keep = 0
    for idx, spec in enumerate(pod["spec"].get("containers") or []):
        latest = view.latest(spec["name"])
        if latest is None or latest.state != "running":
            if should_restart(spec, pod, latest):
                actions.to_start.append(idx)
            continue
        restart = pod["spec"].get("restartPolicy", "Always") != "Never"
        if latest.config_hash != config_hash(spec):
            message, reason, restart = f"Container {spec['name']} definition changed", "", True
        elif view.probe(spec["name"], "liveness") == "Failure":
            message, reason = f"Container {spec['name']} failed liveness probe", "LivenessProbe"
        elif view.probe(spec["name"], "startup") == "Failure":
            message, reason = f"Container {spec['name']} failed startup probe", "StartupProbe"
        else:
            keep += 1
            continue
        if restart:
            message += ", will be restarted"
            actions.to_start.append(idx)
        actions.to_kill.append((latest, spec, message, reason))
    if keep == 0 and not actions.to_start:
        actions.kill_pod, actions.init_to_start = True, []
    return actions

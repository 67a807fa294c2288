"""What checks share: fresh clusters, applying an answer, and describing what
the cluster shows in kubectl's words (the reasons a learner reads)."""
from __future__ import annotations

from .. import errors
from ..api.manifests import ManifestError, load_manifests
from ..cluster import Cluster
from ..kubectl.pods import pod_status
from .framework import Fail

__all__ = ["cluster", "load", "apply", "pod_line", "is_ready", "container_trouble", "scheduling_failure",
           "exec_in", "running_pods"]


def cluster(nodes=3, *, seed: int = 0, **options) -> Cluster:
    """A fresh lab cluster for one check (a fixed seed: the same reasons every run)."""
    return Cluster(nodes=nodes, seed=seed, **options)


def load(manifest, *, what: str = "your answer") -> list[dict]:
    """The objects in a manifest (YAML text, dict or list), or Fail with the parser's message."""
    if manifest is None or manifest is ...:
        raise Fail(f"{what} is still the stub: there is nothing to check yet",
                   "Replace the stub in the answer cell, run it, then run the check cell again.")
    try:
        objects = load_manifests(manifest)
    except (ManifestError, ValueError, TypeError) as e:
        raise Fail(f"{what} is not a manifest: {e}", "Check the YAML: indentation, `---` between "
                   "documents, and that every object has apiVersion, kind and metadata.name.") from None
    if not objects:
        raise Fail(f"{what} holds no objects", "Write the objects as YAML (or dicts) in `answer`.")
    return objects


def apply(c: Cluster, objects, *, what: str = "your manifest", field_validation: str = "Strict") -> list[dict]:
    """``kubectl apply`` the objects, or Fail with the API server's message (``field_validation``:
    kubectl's ``--validate``, strict by default)."""
    try:
        return c.apply(objects, field_validation=field_validation)
    except errors.ApiError as e:
        raise Fail(f"the API server rejected {what}: {e.message}") from None


def is_ready(pod: dict | None) -> bool:
    """The Pod's Ready condition is True (what kubectl's READY column counts)."""
    conditions = ((pod or {}).get("status") or {}).get("conditions") or []
    return any(x.get("type") == "Ready" and x.get("status") == "True" for x in conditions)


def pod_line(pod: dict) -> str:
    """``pod/web: Running, 2/2 ready, 0 restarts`` (kubectl get's STATUS/READY/RESTARTS)."""
    status, ready, total, restarts, _ = pod_status(pod)
    return f"pod/{pod['metadata']['name']}: {status}, {ready}/{total} ready, {restarts} restarts"


def container_trouble(c: Cluster, pod: dict) -> str:
    """What is wrong with a Pod's containers, as ``kubectl describe`` and ``logs`` show it:
    the first non-running container's state, reason and its log's last line."""
    meta = pod["metadata"]
    statuses = list((pod.get("status") or {}).get("initContainerStatuses") or []) + \
        list((pod.get("status") or {}).get("containerStatuses") or [])
    for cs in statuses:
        if cs.get("ready") or (cs.get("state") or {}).get("terminated", {}).get("exitCode") == 0:
            continue
        state = cs.get("state") or {}
        waiting, last = state.get("waiting"), (cs.get("lastState") or {}).get("terminated")
        what = waiting.get("reason") if waiting else next(iter(state), "not ready")
        text = f'container "{cs["name"]}" is {what}'
        if last:
            text += f" (last exit code {last.get('exitCode')}, {last.get('reason', 'Error')})"
        log = _last_log_line(c, meta, cs["name"], previous=bool(last))
        return text + (f"; its log ends: {log}" if log else "")
    return pod_line(pod)


def _last_log_line(c: Cluster, meta: dict, container: str, *, previous: bool) -> str:
    try:
        text = c.api.logs(meta["name"], meta.get("namespace"), container, previous=previous)
    except errors.ApiError:
        return ""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def scheduling_failure(c: Cluster, name: str, namespace: str = "default") -> str:
    """The last FailedScheduling event's message for a Pending Pod (or its phase)."""
    events = [e for e in c.events(namespace) if e.get("reason") == "FailedScheduling"
              and e["involvedObject"].get("name") == name]
    if events:
        return f"pod/{name} is Pending: {events[-1]['message']}"
    pod = c.api.get("pods", name, namespace=namespace)
    return pod_line(pod)


def exec_in(c: Cluster, pod: str, container: str, command: list[str], namespace: str = "default") -> tuple[str, int]:
    """``kubectl exec POD -c CONTAINER -- COMMAND``: (output, exit code)."""
    try:
        out, code = c.api.exec(pod, namespace, container, command)
    except errors.ApiError as e:
        return e.message, 1
    c.run(0)
    return out, code


def running_pods(c: Cluster, namespace: str = "default", selector: str | None = None) -> list[dict]:
    """Pods not being deleted, sorted by name."""
    pods = c.get("pods", namespace=namespace, selector=selector)
    return sorted((p for p in pods if not p["metadata"].get("deletionTimestamp")),
                  key=lambda p: p["metadata"]["name"])

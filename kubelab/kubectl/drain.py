"""``kubectl drain``: cordon nodes, then evict their Pods through the Eviction API
(k8s.io/kubectl/pkg/cmd/drain, pkg/drain/drain.go and filters.go).

For each node in turn, drain lists the Pods bound to it and sorts them with
kubectl's filters: DaemonSet Pods stay (an error without ``--ignore-daemonsets``,
a warning with it), mirror Pods are skipped, Pods with an emptyDir need
``--delete-emptydir-data``, Pods no controller owns need ``--force``; any error
stops the drain before anything is evicted. Then it evicts every remaining Pod
at once (one goroutine each in kubectl). An eviction the API server refuses
with 429 (a PodDisruptionBudget allows no disruption now) is retried every 5 s;
an evicted Pod is waited for until it is gone (polled every second), then
``pod/<name> evicted``. The node is ``drained`` when all of them are gone.

In the lab the command drives the simulation forward while it waits, one
second at a time, as ``rollout status`` does. simplified: without ``--timeout``
(kubectl: wait forever) the lab gives up after 10 minutes of simulated time,
as if ``--timeout=10m`` had been given; ``--dry-run=server`` evicts nothing.
"""
from __future__ import annotations

from kubelab import errors
from kubelab.api.duration import format_duration
from kubelab.api.labels import SelectorError, parse_selector

from .errors import KubectlError, UsageError
from .nodes import cordon
from .session import Session

__all__ = ["drain"]

#: what drain does without --timeout in the lab (kubectl waits forever)
LAB_TIMEOUT = 600.0
RETRY_AFTER = 5.0              # kubectl's sleep after a 429
POLL = 1.0                     # waitForDelete's interval
MIRROR = "kubernetes.io/config.mirror"

_DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
_DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
_LOCAL_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
_LOCAL_WARNING = "deleting Pods with local storage"
_UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"
_UNMANAGED_WARNING = "deleting Pods that declare no controller"


def _controller(pod: dict) -> dict | None:
    return next((r for r in pod["metadata"].get("ownerReferences") or () if r.get("controller")), None)


def _finished(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


class _Filtered:
    """GetPodsForDeletion: the Pods to evict, the warnings and the errors (each message with its Pods)."""

    def __init__(self):
        self.pods: list[dict] = []
        self.warnings: dict[str, list[str]] = {}
        self.errors: dict[str, list[str]] = {}

    def warn(self, message: str, pod: dict) -> None:
        self.warnings.setdefault(message, []).append(_key(pod))

    def fail(self, message: str, pod: dict) -> None:
        self.errors.setdefault(message, []).append(_key(pod))

    def error_texts(self) -> list[str]:
        """One error per message, naming its Pods."""
        return [(m if m.lower().startswith("cannot delete") else f"cannot delete {m}") + ": " + ", ".join(pods)
                for m, pods in self.errors.items()]

    def warning_text(self) -> str:
        return "; ".join(f"{m}: {', '.join(pods)}" for m, pods in self.warnings.items())


def _key(pod: dict) -> str:
    return f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"


def _pods_for_deletion(s: Session, node: str, opts: dict) -> _Filtered:
    """The filters in kubectl's order: skip deleted, DaemonSet, mirror, local storage, unreplicated."""
    pods = s.api.list("pods", namespace=None, field_selector=f"spec.nodeName={node}",
                      label_selector=opts["pod_selector"])["items"]
    out = _Filtered()
    now = s.cluster.clock.seconds
    for pod in sorted(pods, key=_key):
        meta = pod["metadata"]
        if _skipped(s, pod, opts["skip_wait"], now):
            continue
        ref = _controller(pod)
        if ref is not None and ref.get("kind") == "DaemonSet" and not _finished(pod):
            try:
                s.api.get("daemonsets", ref["name"], namespace=meta["namespace"])
            except errors.NotFound as e:
                if opts["force"]:
                    out.warn(e.message, pod)
                    out.pods.append(pod)
                else:
                    out.fail(e.message, pod)
                continue
            if opts["ignore_daemonsets"]:
                out.warn(_DAEMONSET_WARNING, pod)
            else:
                out.fail(_DAEMONSET_FATAL, pod)
            continue
        if MIRROR in (meta.get("annotations") or {}):
            continue
        if any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or ()) and not _finished(pod):
            if not opts["emptydir"]:
                out.fail(_LOCAL_FATAL, pod)
                continue
            out.warn(_LOCAL_WARNING, pod)
        if ref is None and not _finished(pod):
            if not opts["force"]:
                out.fail(_UNMANAGED_FATAL, pod)
                continue
            out.warn(_UNMANAGED_WARNING, pod)
        out.pods.append(pod)
    return out


def _skipped(s: Session, pod: dict, skip_wait: int, now: float) -> bool:
    """shouldSkipPod: deleted more than ``--skip-wait-for-delete-timeout`` seconds ago."""
    stamp = pod["metadata"].get("deletionTimestamp")
    if skip_wait <= 0 or not stamp:
        return False
    from kubelab.api.meta import parse_time
    deleted = (parse_time(stamp) - s.cluster.clock.start).total_seconds()
    return now - deleted > skip_wait


class _Eviction:
    """One Pod's eviction goroutine: evict (retrying 429s every 5 s), then wait until it is gone."""

    def __init__(self, pod: dict):
        self.pod = pod
        self.name, self.namespace = pod["metadata"]["name"], pod["metadata"]["namespace"]
        self.uid = pod["metadata"]["uid"]
        self.next_attempt = 0.0
        self.evicted = False        # the eviction (or delete) was accepted; waiting for the Pod to go
        self.done = False
        self.error: str | None = None


def _evict_all(s: Session, pods: list[dict], opts: dict) -> list[str]:
    """evictPods / deletePods: every Pod at once, within the node's ``--timeout``; the errors
    (empty: all gone)."""
    clock = s.cluster.clock
    deadline = clock.seconds + opts["timeout"]
    work = [_Eviction(p) for p in pods]
    eviction = not opts["disable_eviction"]
    options = {} if opts["grace_period"] < 0 else {"gracePeriodSeconds": opts["grace_period"]}
    while True:
        now = clock.seconds
        for w in work:
            if w.done or w.evicted or w.next_attempt > now:
                continue
            if eviction:
                s.out(f"evicting pod {w.namespace}/{w.name}\n")
            try:
                if eviction:
                    s.api.create({"apiVersion": "policy/v1", "kind": "Eviction",
                                  "metadata": {"name": w.name, "namespace": w.namespace},
                                  **({"deleteOptions": options} if options else {})}, namespace=w.namespace)
                else:
                    s.api.delete("pods", w.name, namespace=w.namespace,
                                 grace_period_seconds=options.get("gracePeriodSeconds"))
                w.evicted = True
            except errors.NotFound:
                w.done = True
            except errors.TooManyRequests as e:
                s.warn(f'error when evicting pods/"{w.name}" -n "{w.namespace}" (will retry after '
                       f'{RETRY_AFTER:g}s): {e.message}\n')
                w.next_attempt = now + RETRY_AFTER
            except errors.ApiError as e:
                w.done, w.error = True, f'error when evicting pods/"{w.name}" -n "{w.namespace}": {e.message}'
        for w in work:
            if w.evicted and not w.done and _gone(s, w):
                w.done = True
                s.out(f"pod/{w.name} {'evicted' if eviction else 'deleted'}\n")
        if all(w.done for w in work):
            return [w.error for w in work if w.error]
        if now >= deadline:
            reached = f"global timeout reached: {format_duration(opts['timeout'])}"
            out = []
            for w in work:
                if w.error:
                    out.append(w.error)
                elif not w.done and not w.evicted:
                    out.append(f'error when evicting pods/"{w.name}" -n "{w.namespace}": {reached}')
                elif not w.done:          # waitForDelete gives up with its context
                    out.append(f'error when waiting for pod "{w.name}" in namespace "{w.namespace}" to '
                               "terminate: context deadline exceeded")
            return out
        s.cluster.run(POLL)


def _gone(s: Session, w: _Eviction) -> bool:
    try:
        pod = s.api.get("pods", w.name, namespace=w.namespace)
    except errors.NotFound:
        return True
    return pod["metadata"]["uid"] != w.uid


def _aggregate(texts: list[str]) -> str:
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


def drain(s: Session) -> None:
    """``kubectl drain NODE``: cordon, evict, wait; ``node/NODE drained``."""
    inv = s.inv
    if not inv.args and not inv.flag("selector"):
        raise UsageError("USAGE: drain NODE [flags]", "drain")
    if inv.args and inv.flag("selector"):
        raise UsageError("error: cannot specify both a node name and a --selector option", "drain")
    pod_selector = inv.flag("pod-selector") or ""
    if pod_selector:
        try:
            parse_selector(pod_selector)
        except SelectorError:
            raise KubectlError("error: --pod-selector=<pod_selector> must be a valid label selector") from None
    timeout = inv.duration("timeout", 0.0)
    try:
        grace = int(inv.flag("grace-period", -1))
        skip_wait = int(inv.flag("skip-wait-for-delete-timeout", 0))
    except ValueError as e:
        raise KubectlError(f"error: invalid argument: {e}") from None
    if inv.bool("delete-local-data"):
        s.warn("Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. "
               "Use --delete-emptydir-data.")
    opts = {"pod_selector": pod_selector or None, "force": inv.bool("force"),
            "ignore_daemonsets": inv.bool("ignore-daemonsets"),
            "emptydir": inv.bool("delete-emptydir-data") or inv.bool("delete-local-data"),
            "disable_eviction": inv.bool("disable-eviction"), "grace_period": grace, "skip_wait": skip_wait,
            "timeout": timeout or LAB_TIMEOUT}
    if inv.args:
        nodes = [s.api.get("nodes", name, namespace=None)["metadata"]["name"] for name in inv.args]
    else:
        nodes = [n["metadata"]["name"] for n in s.api.list("nodes", label_selector=inv.flag("selector"))["items"]]
    cordon(s)
    dry_run = inv.flag("dry-run")
    drained: list[str] = []
    for node in nodes:
        failures = _drain_node(s, node, opts, dry_run)
        if not failures:
            drained.append(node)
            suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
            s.out(f"node/{node} drained{suffix}\n")
            continue
        if inv.bool("ignore-errors") and len(nodes) > 1:
            s.warn(f'error: unable to drain node "{node}" due to error:{_aggregate(failures)}, '
                   "continuing command...\n")
            continue
        text = f'error: unable to drain node "{node}", aborting command...\n\n'
        pending = [n for n in nodes if n not in drained]
        text += "There are pending nodes to be drained:\n" + "".join(f" {n}\n" for n in pending)
        s.warn(text)
        # cmdutil.CheckErr: an aggregate of one is that error ("error: " added); of more, one a line
        raise KubectlError(f"error: {failures[0]}" if len(failures) == 1 else "\n".join(failures))


def _drain_node(s: Session, node: str, opts: dict, dry_run) -> list[str]:
    """deleteOrEvictPodsSimple: the errors (empty when the node is drained)."""
    found = _pods_for_deletion(s, node, opts)
    if found.errors:
        return found.error_texts()
    if found.warnings:
        s.warn(f"Warning: {found.warning_text()}\n")
    if dry_run:
        suffix = " (dry run)" if dry_run == "client" else " (server dry run)"
        for pod in found.pods:
            s.out(f"evicting pod {_key(pod)}{suffix}\n")
        return []
    failures = _evict_all(s, found.pods, opts)
    if not failures:
        return []
    error = _aggregate(failures)
    pending = _pods_for_deletion(s, node, opts).pods
    if pending:
        s.warn(f'There are pending pods in node "{node}" when an error occurred: {error}\n' +
               "".join(f"pod/{p['metadata']['name']}\n" for p in pending))
    return failures

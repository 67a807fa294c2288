"""``kubectl describe`` for Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs."""
from __future__ import annotations

from .age import human_duration, parse_time, rfc1123
from .cells import format_labels, format_selector, selector_string
from .describe_core import Writer, events_for
from .describe_pod import describe_pod_template

__all__ = ["describe_deployment", "describe_replicaset", "describe_daemonset", "describe_job",
           "describe_statefulset"]


def _owned_by(obj: dict, owner: dict) -> bool:
    uid = (owner.get("metadata") or {}).get("uid")
    return any(r.get("controller") and r.get("uid") == uid for r in (obj.get("metadata") or {}).get("ownerReferences")
               or [])


def _pod_counts(s, owner: dict) -> str:
    """getPodStatusForController: this controller's pods counted by phase."""
    meta, spec = owner.get("metadata") or {}, owner.get("spec") or {}
    pods = s.api.list("pods", namespace=meta.get("namespace"),
                      label_selector=selector_string(spec.get("selector")) or None)["items"]
    phases = [p.get("status", {}).get("phase") for p in pods if _owned_by(p, owner)]
    return (f"{phases.count('Running')} Running / {phases.count('Pending')} Waiting / "
            f"{phases.count('Succeeded')} Succeeded / {phases.count('Failed')} Failed")


def _header(w: Writer, obj: dict) -> None:
    meta = obj.get("metadata") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")


def _controlled_by(w: Writer, obj: dict) -> None:
    ref = next((r for r in (obj.get("metadata") or {}).get("ownerReferences") or [] if r.get("controller")), None)
    if ref:
        w.write(0, f"Controlled By:\t{ref.get('kind')}/{ref.get('name')}\n")


def _template_equal(a: dict, b: dict) -> bool:
    """EqualIgnoreHash: pod templates compared without the pod-template-hash label."""
    def strip(t):
        t = {**(t or {}), "metadata": {**((t or {}).get("metadata") or {})}}
        labels = {k: v for k, v in (t["metadata"].get("labels") or {}).items() if k != "pod-template-hash"}
        t["metadata"]["labels"] = labels
        return t
    return strip(a) == strip(b)


def describe_deployment(s, rtype, d: dict) -> str:
    meta, spec, status = d.get("metadata") or {}, d.get("spec") or {}, d.get("status") or {}
    w = Writer()
    _header(w, d)
    w.write(0, f"CreationTimestamp:\t{rfc1123(meta.get('creationTimestamp'))}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} updated | "
               f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available | "
               f"{status.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if strategy.get("rollingUpdate") is not None:
        ru = strategy["rollingUpdate"]
        w.write(0, f"RollingUpdateStrategy:\t{ru.get('maxUnavailable', '')} max unavailable, "
                   f"{ru.get('maxSurge', '')} max surge\n")
    describe_pod_template(w, spec.get("template"))
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    replicasets = sorted((rs for rs in s.api.list("replicasets", namespace=meta.get("namespace"))["items"]
                          if _owned_by(rs, d)),
                         key=lambda rs: (rs["metadata"].get("creationTimestamp") or "", rs["metadata"]["name"]))
    new = next((rs for rs in replicasets if _template_equal(rs["spec"].get("template"), spec.get("template"))), None)
    old = [rs for rs in replicasets if rs is not new and (rs["spec"].get("replicas") or 0) != 0]

    def summary(sets):
        return ", ".join(f"{rs['metadata']['name']} ({rs.get('status', {}).get('replicas', 0)}/"
                         f"{rs['spec'].get('replicas', 0)} replicas created)" for rs in sets) or "<none>"
    w.write(0, f"OldReplicaSets:\t{summary(old)}\n")
    w.write(0, f"NewReplicaSet:\t{summary([new] if new else [])}\n")
    w.events(events_for(s, d), s.now)
    return w.text()


def describe_replicaset(s, rtype, rs: dict) -> str:
    meta, spec, status = rs.get("metadata") or {}, rs.get("spec") or {}, rs.get("status") or {}
    w = Writer()
    _header(w, rs)
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    _controlled_by(w, rs)
    w.write(0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 1)} desired\n")
    w.write(0, f"Pods Status:\t{_pod_counts(s, rs)}\n")
    describe_pod_template(w, spec.get("template"))
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    w.events(events_for(s, rs), s.now)
    return w.text()


def describe_daemonset(s, rtype, ds: dict) -> str:
    meta, spec, status = ds.get("metadata") or {}, ds.get("spec") or {}, ds.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    w.write(0, f"Node-Selector:\t{format_labels(((spec.get('template') or {}).get('spec') or {}).get('nodeSelector'))}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    for label, field in (("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
                         ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
                         ("Number of Nodes Scheduled with Up-to-date Pods", "updatedNumberScheduled"),
                         ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
                         ("Number of Nodes Misscheduled", "numberMisscheduled")):
        w.write(0, f"{label}: {status.get(field, 0)}\n")
    w.write(0, f"Pods Status:\t{_pod_counts(s, ds)}\n")
    describe_pod_template(w, spec.get("template"))
    w.events(events_for(s, ds), s.now)
    return w.text()


def describe_statefulset(s, rtype, sts: dict) -> str:
    meta, spec, status = sts.get("metadata") or {}, sts.get("spec") or {}, sts.get("status") or {}
    w = Writer()
    _header(w, sts)
    w.write(0, f"CreationTimestamp:\t{rfc1123(meta.get('creationTimestamp'))}\n")
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('replicas', 0)} total\n")
    w.write(0, f"Update Strategy:\t{(spec.get('updateStrategy') or {}).get('type', '')}\n")
    partition = ((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition")
    if partition is not None:
        w.write(1, f"Partition:\t{partition}\n")
    w.write(0, f"Pods Status:\t{_pod_counts(s, sts)}\n")
    describe_pod_template(w, spec.get("template"))
    claims = spec.get("volumeClaimTemplates") or []
    w.write(0, "Volume Claims:" + ("\t<none>" if not claims else "") + "\n")
    for pvc in claims:
        pmeta, pspec = pvc.get("metadata") or {}, pvc.get("spec") or {}
        w.write(1, f"Name:\t{pmeta.get('name', '')}\n")
        w.write(1, f"StorageClass:\t{pspec.get('storageClassName', '')}\n")
        w.labels("Labels", pmeta.get("labels"), indent="  ")
        w.labels("Annotations", pmeta.get("annotations"), indent="  ")
        storage = ((pspec.get("resources") or {}).get("requests") or {}).get("storage")
        w.write(1, f"Capacity:\t{storage if storage else '<default>'}\n")
        w.write(1, f"Access Modes:\t[{' '.join(pspec.get('accessModes') or [])}]\n")
    w.events(events_for(s, sts), s.now)
    return w.text()


def describe_job(s, rtype, job: dict) -> str:
    meta, spec, status = job.get("metadata") or {}, job.get("spec") or {}, job.get("status") or {}
    w = Writer()
    _header(w, job)
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    _controlled_by(w, job)
    for label, field in (("Parallelism", "parallelism"),):
        if spec.get(field) is not None:
            w.write(0, f"{label}:\t{spec[field]}\n")
    w.write(0, f"Completions:\t{spec['completions'] if spec.get('completions') is not None else '<unset>'}\n")
    if spec.get("completionMode"):
        w.write(0, f"Completion Mode:\t{spec['completionMode']}\n")
    if spec.get("suspend") is not None:
        w.write(0, f"Suspend:\t{'true' if spec['suspend'] else 'false'}\n")
    if spec.get("backoffLimit") is not None:
        w.write(0, f"Backoff Limit:\t{spec['backoffLimit']}\n")
    if spec.get("ttlSecondsAfterFinished") is not None:
        w.write(0, f"TTL Seconds After Finished:\t{spec['ttlSecondsAfterFinished']}\n")
    start, end = status.get("startTime"), status.get("completionTime")
    if start:
        w.write(0, f"Start Time:\t{rfc1123(start)}\n")
    if end:
        w.write(0, f"Completed At:\t{rfc1123(end)}\n")
    if start and end:
        w.write(0, f"Duration:\t{human_duration(parse_time(end) - parse_time(start))}\n")
    if spec.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{spec['activeDeadlineSeconds']}s\n")
    counts = f"{status.get('active', 0)} Active"
    if status.get("ready") is not None:
        counts += f" ({status['ready']} Ready)"
    w.write(0, f"Pods Statuses:\t{counts} / {status.get('succeeded', 0)} Succeeded / {status.get('failed', 0)} Failed\n")
    describe_pod_template(w, spec.get("template"))
    w.events(events_for(s, job), s.now)
    return w.text()

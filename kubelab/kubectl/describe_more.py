"""``kubectl describe`` for CronJobs, storage (PV, PVC, StorageClass), autoscaling
(HPA), policy (PDB, ResourceQuota, LimitRange, PriorityClass, NetworkPolicy) and
ServiceAccounts."""
from __future__ import annotations

from .age import parse_time, rfc1123
from .cells import format_labels, format_selector, quantity, selector_string
from .describe_core import Writer, events_for
from .describe_pod import describe_pod_template

__all__ = ["MORE_DESCRIBERS"]


def _bool_ptr(value) -> str:
    return "<unset>" if value is None else ("True" if value else "False")


def _go_list(items) -> str:
    """fmt's %v of a []string: ``[a b]``."""
    return "[" + " ".join(items or []) + "]"


_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))


def _access_modes(modes) -> str:
    return ",".join(short for mode, short in _MODES if mode in (modes or []))


def describe_cronjob(s, rtype, cj: dict) -> str:
    meta, spec, status = cj.get("metadata") or {}, cj.get("spec") or {}, cj.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, f"Schedule:\t{spec.get('schedule', '')}\n")
    w.write(0, f"Concurrency Policy:\t{spec.get('concurrencyPolicy', '')}\n")
    w.write(0, f"Suspend:\t{_bool_ptr(spec.get('suspend'))}\n")
    for label, field in (("Successful Job History Limit", "successfulJobsHistoryLimit"),
                         ("Failed Job History Limit", "failedJobsHistoryLimit")):
        w.write(0, f"{label}:\t{spec[field] if spec.get(field) is not None else '<unset>'}\n")
    deadline = spec.get("startingDeadlineSeconds")
    w.write(0, f"Starting Deadline Seconds:\t{f'{deadline}s' if deadline is not None else '<unset>'}\n")
    job = (spec.get("jobTemplate") or {}).get("spec") or {}
    w.write(0, f"Selector:\t{selector_string(job['selector']) if job.get('selector') else '<unset>'}\n")
    for label, field in (("Parallelism", "parallelism"), ("Completions", "completions")):
        w.write(0, f"{label}:\t{job[field] if job.get(field) is not None else '<unset>'}\n")
    if job.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{job['activeDeadlineSeconds']}s\n")
    describe_pod_template(w, job.get("template"))
    last = status.get("lastScheduleTime")
    w.write(0, f"Last Schedule Time:\t{rfc1123(last) if last else '<unset>'}\n")
    w.write(0, f"Active Jobs:\t{', '.join(j.get('name', '') for j in status.get('active') or []) or '<none>'}\n")
    w.events(events_for(s, cj), s.now)
    return w.text()


def describe_pvc(s, rtype, pvc: dict) -> str:
    meta, spec, status = pvc.get("metadata") or {}, pvc.get("spec") or {}, pvc.get("status") or {}
    pods = [p for p in s.api.list("pods", namespace=meta.get("namespace"))["items"]
            if any((v.get("persistentVolumeClaim") or {}).get("claimName") == meta.get("name")
                   for v in (p.get("spec") or {}).get("volumes") or [])]
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"StorageClass:\t{spec.get('storageClassName', '')}\n")
    w.write(0, f"Status:\t{'Terminating' if meta.get('deletionTimestamp') else status.get('phase', '')}\n")
    w.write(0, f"Volume:\t{spec.get('volumeName', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, f"Finalizers:\t{_go_list(meta.get('finalizers'))}\n")
    bound = bool(spec.get("volumeName"))
    w.write(0, f"Capacity:\t{quantity((status.get('capacity') or {}).get('storage')) if bound else ''}\n")
    w.write(0, f"Access Modes:\t{_access_modes(status.get('accessModes')) if bound else ''}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    w.write(0, "Used By:\t")
    names = sorted(p["metadata"]["name"] for p in pods)
    w.write(0, (names[0] if names else "<none>") + "\n")
    for name in names[1:]:
        w.write(0, f"\t{name}\n")
    w.events(events_for(s, pvc), s.now)
    return w.text()


def describe_pv(s, rtype, pv: dict) -> str:
    from .describe_pod import _volume
    meta, spec, status = pv.get("metadata") or {}, pv.get("spec") or {}, pv.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, f"Finalizers:\t{_go_list(meta.get('finalizers'))}\n")
    w.write(0, f"StorageClass:\t{spec.get('storageClassName', '')}\n")
    w.write(0, f"Status:\t{'Terminating' if meta.get('deletionTimestamp') else status.get('phase', '')}\n")
    claim = spec.get("claimRef")
    w.write(0, f"Claim:\t{claim.get('namespace', '') + '/' + claim.get('name', '') if claim else ''}\n")
    w.write(0, f"Reclaim Policy:\t{spec.get('persistentVolumeReclaimPolicy', '')}\n")
    w.write(0, f"Access Modes:\t{_access_modes(spec.get('accessModes'))}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    w.write(0, f"Capacity:\t{quantity((spec.get('capacity') or {}).get('storage'))}\n")
    w.write(0, "Node Affinity:\t<none>\n" if not spec.get("nodeAffinity") else "Node Affinity:\n")
    w.write(0, f"Message:\t{status.get('message', '')}\n")
    w.write(0, "Source:\n")
    _volume(w, spec)
    w.events(events_for(s, pv), s.now)
    return w.text()


def _hpa_metric(spec: dict, current: dict | None) -> tuple[str, str]:
    """(label, "current / target") for one HPA v2 metric (describe.go describeHorizontalPodAutoscalerV2)."""
    kind = spec.get("type")
    if kind in ("Resource", "ContainerResource"):
        key = "resource" if kind == "Resource" else "containerResource"
        source, cur = spec.get(key) or {}, ((current or {}).get(key) or {}).get("current")
        target = source.get("target") or {}
        on = f"resource {source.get('name')}" + (f" of container \"{source.get('container')}\""
                                                 if kind == "ContainerResource" else "")
        if target.get("averageValue") is not None:
            value = quantity(cur["averageValue"]) if cur and cur.get("averageValue") is not None else "<unknown>"
            return f"{on} on pods:", f"{value} / {quantity(target['averageValue'])}"
        value = "<unknown>"
        if cur and cur.get("averageUtilization") is not None:
            value = f"{cur['averageUtilization']}% ({quantity(cur.get('averageValue'))})"
        want = f"{target['averageUtilization']}%" if target.get("averageUtilization") is not None else "<auto>"
        return f"{on} on pods  (as a percentage of request):", f"{value} / {want}"
    if kind == "Pods":
        source, cur = spec.get("pods") or {}, ((current or {}).get("pods") or {}).get("current")
        value = quantity(cur["averageValue"]) if cur else "<unknown>"
        return (f"\"{(source.get('metric') or {}).get('name')}\" on pods:",
                f"{value} / {quantity((source.get('target') or {}).get('averageValue'))}")
    return f"<unknown metric type {kind}>:", ""


def describe_hpa(s, rtype, hpa: dict) -> str:
    meta, spec, status = hpa.get("metadata") or {}, hpa.get("spec") or {}, hpa.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123(meta.get('creationTimestamp'))}\n")
    ref = spec.get("scaleTargetRef") or {}
    w.write(0, f"Reference:\t{ref.get('kind', '')}/{ref.get('name', '')}\n")
    w.write(0, "Metrics:\t( current / target )\n")
    current = status.get("currentMetrics") or []
    for i, metric in enumerate(spec.get("metrics") or []):
        label, text = _hpa_metric(metric, current[i] if i < len(current) else None)
        w.write(1, f"{label}\t{text}\n")
    min_replicas = spec.get("minReplicas")
    w.write(0, f"Min replicas:\t{min_replicas if min_replicas is not None else '<unset>'}\n")
    w.write(0, f"Max replicas:\t{spec.get('maxReplicas', 0)}\n")
    behavior = spec.get("behavior")
    if behavior:
        w.write(0, "Behavior:\n")
        for title, field in (("Scale Up", "scaleUp"), ("Scale Down", "scaleDown")):
            rules = behavior.get(field)
            if rules is None:
                continue
            w.write(1, f"{title}:\n")
            if rules.get("stabilizationWindowSeconds") is not None:
                w.write(2, f"Stabilization Window: {rules['stabilizationWindowSeconds']} seconds\n")
            if rules.get("policies"):
                w.write(2, f"Select Policy: {rules.get('selectPolicy') or 'Max'}\n")
                w.write(2, "Policies:\n")
                for p in rules["policies"]:
                    w.write(3, f"- Type: {p.get('type')}\tValue: {p.get('value')}\tPeriod: {p.get('periodSeconds')} "
                               "seconds\n")
    w.write(0, f"{ref.get('kind', '')} pods:\t{status.get('currentReplicas', 0)} current / "
               f"{status.get('desiredReplicas', 0)} desired\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tReason\tMessage\n")
        w.write(1, "----\t------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')}\t{c.get('status')}\t{c.get('reason', '')}\t{c.get('message', '')}\n")
    w.events(events_for(s, hpa), s.now)
    return w.text()


def describe_quota(s, rtype, quota: dict) -> str:
    meta, status = quota.get("metadata") or {}, quota.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    scopes = sorted((quota.get("spec") or {}).get("scopes") or [])
    if scopes:
        w.write(0, f"Scopes:\t{', '.join(scopes)}\n")
    w.write(0, "Resource\tUsed\tHard\n")
    w.write(0, "--------\t----\t----\n")
    hard, used = status.get("hard") or {}, status.get("used") or {}
    for res in sorted(hard):
        w.write(0, f"{res}\t{quantity(used.get(res))}\t{quantity(hard[res])}\n")
    return w.text()


def describe_limitrange(s, rtype, lr: dict) -> str:
    meta = lr.get("metadata") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
    w.write(0, "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
    fields = ("min", "max", "defaultRequest", "default", "maxLimitRequestRatio")
    for item in (lr.get("spec") or {}).get("limits") or []:
        for res in sorted({r for f in fields for r in (item.get(f) or {})}):
            values = [quantity(item[f][res]) if res in (item.get(f) or {}) else "-" for f in fields]
            w.write(0, f"{item.get('type', '')}\t{res}\t" + "\t".join(values) + "\n")
    return w.text()


def describe_storageclass(s, rtype, sc: dict) -> str:
    meta = sc.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    default = "true" in (annotations.get("storageclass.kubernetes.io/is-default-class"),
                         annotations.get("storageclass.beta.kubernetes.io/is-default-class"))
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"IsDefaultClass:\t{'Yes' if default else 'No'}\n")
    w.labels("Annotations", annotations)
    w.write(0, f"Provisioner:\t{sc.get('provisioner', '')}\n")
    w.write(0, f"Parameters:\t{format_labels(sc.get('parameters'))}\n")
    w.write(0, f"AllowVolumeExpansion:\t{_bool_ptr(sc.get('allowVolumeExpansion'))}\n")
    w.write(0, f"MountOptions:\t{', '.join(sc.get('mountOptions') or []) or '<none>'}\n")
    w.write(0, f"ReclaimPolicy:\t{sc.get('reclaimPolicy', '')}\n")
    w.write(0, f"VolumeBindingMode:\t{sc.get('volumeBindingMode', '')}\n")
    w.events(events_for(s, sc), s.now)
    return w.text()


def describe_priorityclass(s, rtype, pc: dict) -> str:
    meta = pc.get("metadata") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Value:\t{pc.get('value', 0)}\n")
    w.write(0, f"GlobalDefault:\t{'true' if pc.get('globalDefault') else 'false'}\n")
    w.write(0, f"PreemptionPolicy:\t{pc.get('preemptionPolicy', '')}\n")
    w.write(0, f"Description:\t{pc.get('description', '')}\n")
    w.annotations("Annotations", meta.get("annotations"))
    w.events(events_for(s, pc), s.now)
    return w.text()


def describe_serviceaccount(s, rtype, sa: dict) -> str:
    meta = sa.get("metadata") or {}
    secrets = s.api.list("secrets", namespace=meta.get("namespace"))["items"]
    existing = {sec["metadata"]["name"] for sec in secrets}
    tokens = [sec["metadata"]["name"] for sec in secrets if sec.get("type") == "kubernetes.io/service-account-token"
              and (sec["metadata"].get("annotations") or {}).get("kubernetes.io/service-account.name") == meta.get("name")]
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    for header, names in (("Image pull secrets:", [r.get("name") for r in sa.get("imagePullSecrets") or []]),
                          ("Mountable secrets: ", [r.get("name") for r in sa.get("secrets") or []]),
                          ("Tokens:            ", tokens)):
        if not names:
            w.write(0, f"{header}\t<none>\n")
        for i, name in enumerate(names):
            missing = "" if name in existing else " (not found)"
            w.write(0, f"{header if i == 0 else ' ' * 19}\t{name}{missing}\n")
    w.events(events_for(s, sa), s.now)
    return w.text()


def describe_pdb(s, rtype, pdb: dict) -> str:
    meta, spec, status = pdb.get("metadata") or {}, pdb.get("spec") or {}, pdb.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    if spec.get("minAvailable") is not None:
        w.write(0, f"Min available:\t{spec['minAvailable']}\n")
    if spec.get("maxUnavailable") is not None:
        w.write(0, f"Max unavailable:\t{spec['maxUnavailable']}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    w.write(0, "Status:\n")
    for label, field in (("Allowed disruptions", "disruptionsAllowed"), ("Current", "currentHealthy"),
                         ("Desired", "desiredHealthy"), ("Total", "expectedPods")):
        w.write(2, f"{label}:\t{status.get(field, 0)}\n")
    w.events(events_for(s, pdb), s.now)
    return w.text()


def _peers(w: Writer, rules, word: str, direction: str) -> None:
    """printNetworkPolicySpecIngressFrom / EgressTo."""
    indent = "    "
    if not rules:
        w.write(0, f"{indent}<none> (Selected pods are isolated for {direction} connectivity)\n")
        return
    for i, rule in enumerate(rules):
        ports = rule.get("ports") or []
        if not ports:
            w.write(0, f"{indent}To Port: <any> (traffic allowed to all ports)\n")
        for p in ports:
            w.write(0, f"{indent}To Port: {p.get('port', '<nil>')}/{p.get('protocol', 'TCP')}\n")
        peers = rule.get("from" if word == "From" else "to") or []
        if not peers:
            what = "source" if word == "From" else "destination"
            w.write(0, f"{indent}{word}: <any> (traffic not restricted by {what})\n")
        for peer in peers:
            w.write(0, f"{indent}{word}:\n")
            if peer.get("namespaceSelector") is not None:
                w.write(1, f"{indent}NamespaceSelector: {format_selector(peer['namespaceSelector'])}\n")
            if peer.get("podSelector") is not None:
                w.write(1, f"{indent}PodSelector: {format_selector(peer['podSelector'])}\n")
            if peer.get("ipBlock") is not None and peer.get("podSelector") is None \
                    and peer.get("namespaceSelector") is None:
                w.write(1, f"{indent}IPBlock:\n")
                w.write(2, f"{indent}CIDR: {peer['ipBlock'].get('cidr', '')}\n")
                w.write(2, f"{indent}Except: {', '.join(peer['ipBlock'].get('except') or [])}\n")
        if i != len(rules) - 1:
            w.write(0, f"{indent}----------\n")


def describe_networkpolicy(s, rtype, np: dict) -> str:
    meta, spec = np.get("metadata") or {}, np.get("spec") or {}
    created = parse_time(meta.get("creationTimestamp"))
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"Created on:\t{created.strftime('%Y-%m-%d %H:%M:%S +0000 UTC') if created else ''}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, "Spec:\n")
    selector = spec.get("podSelector") or {}
    w.write(1, "PodSelector: ")
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        w.write(2, "<none> (Allowing the specific traffic to all pods in this namespace)\n")
    else:
        w.write(2, f"{format_selector(selector)}\n")
    types = spec.get("policyTypes") or []
    ingress = "Ingress" in types if types else True
    egress = "Egress" in types if types else bool(spec.get("egress"))
    if ingress:
        w.write(1, "Allowing ingress traffic:\n")
        _peers(w, spec.get("ingress"), "From", "ingress")
    else:
        w.write(1, "Not affecting ingress traffic\n")
    if egress:
        w.write(1, "Allowing egress traffic:\n")
        _peers(w, spec.get("egress"), "To", "egress")
    else:
        w.write(1, "Not affecting egress traffic\n")
    w.write(1, f"Policy Types: {', '.join(types)}\n")
    return w.text()


MORE_DESCRIBERS = {
    "CronJob": describe_cronjob, "PersistentVolumeClaim": describe_pvc, "PersistentVolume": describe_pv,
    "HorizontalPodAutoscaler": describe_hpa, "ResourceQuota": describe_quota, "LimitRange": describe_limitrange,
    "StorageClass": describe_storageclass, "PriorityClass": describe_priorityclass,
    "ServiceAccount": describe_serviceaccount, "PodDisruptionBudget": describe_pdb,
    "NetworkPolicy": describe_networkpolicy,
}

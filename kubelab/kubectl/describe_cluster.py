"""``kubectl describe`` for Nodes, Services, Endpoints, Namespaces, ConfigMaps and Secrets."""
from __future__ import annotations

from kubelab import errors

from .age import rfc1123, since
from .cells import format_labels, quantity
from .describe_core import Writer, events_for

__all__ = ["describe_node", "describe_service", "describe_endpoints", "describe_namespace",
           "describe_configmap", "describe_secret"]


def _taints(w: Writer, taints) -> None:
    w.write(0, "Taints:\t")
    if not taints:
        w.write(0, "<none>\n")
        return
    for i, t in enumerate(sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")):
        if i:
            w.write(0, "\t")
        value = f"={t['value']}" if t.get("value") else ""
        w.write(0, f"{t.get('key', '')}{value}:{t.get('effect', '')}\n")


def _pod_totals(pods):
    """PodRequestsAndLimits: containers summed, init containers as a maximum, plus overhead."""
    from kubelab.api.quantity import parse_quantity
    per_pod = []
    for pod in pods:
        spec = pod.get("spec") or {}
        req, lim = {}, {}
        for c in spec.get("containers") or []:
            for target, field in ((req, "requests"), (lim, "limits")):
                for name, value in ((c.get("resources") or {}).get(field) or {}).items():
                    target[name] = target.get(name, parse_quantity(0)) + parse_quantity(value)
        for c in spec.get("initContainers") or []:
            for target, field in ((req, "requests"), (lim, "limits")):
                for name, value in ((c.get("resources") or {}).get(field) or {}).items():
                    q = parse_quantity(value)
                    if name not in target or q > target[name]:
                        target[name] = q
        for name, value in (spec.get("overhead") or {}).items():
            for target in (req, lim):
                target[name] = target.get(name, parse_quantity(0)) + parse_quantity(value)
        per_pod.append((pod, req, lim))
    return per_pod


def _percent(part, whole, milli: bool) -> int:
    total = whole.milli_value() if milli else whole.value()
    if not total:
        return 0
    return int((part.milli_value() if milli else part.value()) / total * 100)


def describe_node(s, rtype, node: dict) -> str:
    from kubelab.api.quantity import parse_quantity
    meta, spec, status = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    roles = sorted({k[len("node-role.kubernetes.io/"):] for k in meta.get("labels") or {}
                    if k.startswith("node-role.kubernetes.io/") and k != "node-role.kubernetes.io/"} |
                   {v for k, v in (meta.get("labels") or {}).items() if k == "kubernetes.io/role" and v})
    w.write(0, f"Roles:\t{','.join(roles) or '<none>'}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123(meta.get('creationTimestamp'))}\n")
    _taints(w, spec.get("taints"))
    w.write(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}\n")
    try:
        lease = s.api.get("leases", meta.get("name", ""), namespace="kube-node-lease")
        lspec = lease.get("spec") or {}
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{lspec.get('holderIdentity') or '<unset>'}\n")
        w.write(1, f"AcquireTime:\t{rfc1123(lspec['acquireTime']) if lspec.get('acquireTime') else '<unset>'}\n")
        w.write(1, f"RenewTime:\t{rfc1123(lspec['renewTime']) if lspec.get('renewTime') else '<unset>'}\n")
    except errors.ApiError as e:
        w.write(0, f"Lease:\tFailed to get lease: {e.message}\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \t{rfc1123(c.get('lastHeartbeatTime'))} \t"
                       f"{rfc1123(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for a in status.get("addresses") or []:
        w.write(1, f"{a.get('type')}:\t{a.get('address')}\n")
    for title, field in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        if status.get(field):
            w.write(0, f"{title}:\n")
            for name in sorted(status[field]):
                w.write(1, f"{name}:\t{quantity(status[field][name])}\n")
    info = status.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for label, field in (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                         ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
                         ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
                         ("Container Runtime Version", "containerRuntimeVersion"),
                         ("Kubelet Version", "kubeletVersion"), ("Kube-Proxy Version", "kubeProxyVersion")):
        w.write(1, f"{label}:\t{info.get(field, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    pods = [p for p in s.api.list("pods", field_selector=f"spec.nodeName={meta.get('name', '')}")["items"]
            if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    allocatable = {k: parse_quantity(v) for k, v in (status.get("allocatable") or status.get("capacity") or {}).items()}
    zero = parse_quantity(0)
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    totals_req, totals_lim = {}, {}
    for pod, req, lim in _pod_totals(pods):
        for target, source in ((totals_req, req), (totals_lim, lim)):
            for name, value in source.items():
                target[name] = target.get(name, zero) + value
        cells = []
        for res, milli in (("cpu", True), ("memory", False)):
            for source in (req, lim):
                q = source.get(res, zero)
                cells.append(f"{q} ({_percent(q, allocatable.get(res, zero), milli)}%)")
        pmeta = pod.get("metadata") or {}
        w.write(1, f"{pmeta.get('namespace', '')}\t{pmeta.get('name', '')}\t\t{cells[0]}\t{cells[1]}\t{cells[2]}\t"
                   f"{cells[3]}\t{since(pmeta.get('creationTimestamp'), s.now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    for res, milli in (("cpu", True), ("memory", False), ("ephemeral-storage", False)):
        r, l = totals_req.get(res, zero), totals_lim.get(res, zero)
        whole = allocatable.get(res, zero)
        w.write(1, f"{res}\t{r} ({_percent(r, whole, milli)}%)\t{l} ({_percent(l, whole, milli)}%)\n")
    standard = {"cpu", "memory", "ephemeral-storage", "pods", "storage"}
    for res in sorted(k for k in allocatable if k not in standard and not k.startswith("hugepages-")):
        w.write(1, f"{res}\t{totals_req.get(res, zero)}\t{totals_lim.get(res, zero)}\n")
    w.events(events_for(s, node), s.now)
    return w.text()


def _slice_endpoints(slices, port_name) -> str:
    """formatEndpointSlices: ready addresses with the service port's number, first three."""
    if not slices:
        return "<none>"
    items, count = [], 0
    for sl in slices:
        ports = sl.get("ports") or []
        matching = [p for p in ports if (p.get("name") or "") == (port_name or "")] if ports else [None]
        for p in matching:
            for e in sl.get("endpoints") or []:
                ready = (e.get("conditions") or {}).get("ready")
                if (ready is None or ready) and len(items) < 3:
                    addr = (e.get("addresses") or [""])[0]
                    items.append(addr if p is None else
                                 (f"[{addr}]:{p.get('port')}" if ":" in addr else f"{addr}:{p.get('port')}"))
                count += 1
    text = ",".join(items)
    return f"{text} + {count - 3} more..." if count > 3 else text


def describe_service(s, rtype, svc: dict) -> str:
    meta, spec, status = svc.get("metadata") or {}, svc.get("spec") or {}, svc.get("status") or {}
    slices = s.api.list("endpointslices", namespace=meta.get("namespace"),
                        label_selector=f"kubernetes.io/service-name={meta.get('name', '')}")["items"]
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    if spec.get("ipFamilies"):
        w.write(0, f"IP Families:\t{','.join(spec['ipFamilies'])}\n")
    if spec.get("clusterIP"):
        w.write(0, f"IP:\t{spec['clusterIP']}\n")
    if spec.get("clusterIPs"):
        w.write(0, f"IPs:\t{','.join(spec['clusterIPs'])}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.write(0, f"LoadBalancer Ingress:\t{', '.join(i.get('ip') or i.get('hostname', '') for i in ingress)}\n")
    for p in spec.get("ports") or []:
        name = p.get("name") or "<unset>"
        protocol = p.get("protocol", "TCP")
        w.write(0, f"Port:\t{name}\t{p.get('port')}/{protocol}\n")
        w.write(0, f"TargetPort:\t{p.get('targetPort', p.get('port'))}/{protocol}\n")
        if p.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{p['nodePort']}/{protocol}\n")
        w.write(0, f"Endpoints:\t{_slice_endpoints(slices, p.get('name'))}\n")
    if not spec.get("ports"):
        w.write(0, f"Endpoints:\t{_slice_endpoints(slices, None)}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    w.events(events_for(s, svc), s.now)
    return w.text()


def describe_endpoints(s, rtype, ep: dict) -> str:
    meta = ep.get("metadata") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, "Subsets:\n")
    for ss in ep.get("subsets") or []:
        ready = ",".join(a.get("ip", "") for a in ss.get("addresses") or []) or "<none>"
        not_ready = ",".join(a.get("ip", "") for a in ss.get("notReadyAddresses") or []) or "<none>"
        w.write(1, f"Addresses:\t{ready}\n")
        w.write(1, f"NotReadyAddresses:\t{not_ready}\n")
        if ss.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for p in ss["ports"]:
                w.write(2, f"{p.get('name') or '<unset>'}\t{p.get('port')}\t{p.get('protocol', 'TCP')}\n")
        w.write(0, "\n")
    w.events(events_for(s, ep), s.now)
    return w.text()


def describe_namespace(s, rtype, ns: dict) -> str:
    meta, status = ns.get("metadata") or {}, ns.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, f"Status:\t{status.get('phase', '')}\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t------------------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')}\t{c.get('status')}\t{rfc1123(c.get('lastTransitionTime'))}\t"
                       f"{c.get('reason', '')}\t{c.get('message', '')}\n")
    quotas = s.api.list("resourcequotas", namespace=meta.get("name"))["items"]
    w.write(0, "\n")
    if not quotas:
        w.write(0, "No resource quota.\n")
    else:
        w.write(0, "Resource Quotas\n")
        for q in sorted(quotas, key=lambda q: q["metadata"]["name"]):
            hard, used = (q.get("status") or {}).get("hard") or {}, (q.get("status") or {}).get("used") or {}
            w.write(1, f"Name:\t{q['metadata']['name']}\n")
            w.write(1, "Resource\tUsed\tHard\n")
            w.write(1, "--------\t---\t---\n")
            for res in sorted(hard):
                w.write(1, f"{res}\t{quantity(used.get(res))}\t{quantity(hard[res])}\n")
    limits = s.api.list("limitranges", namespace=meta.get("name"))["items"]
    w.write(0, "\n")
    if not limits:
        w.write(0, "No LimitRange resource.\n")
    else:
        w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\t"
                   "Max Limit/Request Ratio\n")
        w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
        for lr in limits:
            for item in (lr.get("spec") or {}).get("limits") or []:
                fields = ("min", "max", "defaultRequest", "default", "maxLimitRequestRatio")
                for res in sorted({r for f in fields for r in (item.get(f) or {})}):
                    values = [quantity(item[f][res]) if res in (item.get(f) or {}) else "-" for f in fields]
                    w.write(0, f" {item.get('type', '')}\t{res}\t" + "\t".join(values) + "\n")
    return w.text()


def describe_configmap(s, rtype, cm: dict) -> str:
    meta = cm.get("metadata") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, "\nData\n====\n")
    for key in sorted(cm.get("data") or {}):
        w.write(0, f"{key}:\n----\n{cm['data'][key]}\n\n")
    w.write(0, "\nBinaryData\n====\n")
    for key in sorted(cm.get("binaryData") or {}):
        w.write(0, f"{key}: {len(cm['binaryData'][key]) * 3 // 4} bytes\n")
    w.write(0, "\n")
    w.events(events_for(s, cm), s.now)
    return w.text()


def describe_secret(s, rtype, secret: dict) -> str:
    import base64
    meta = secret.get("metadata") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    w.write(0, f"\nType:\t{secret.get('type', '')}\n")
    w.write(0, "\nData\n====\n")
    for key in sorted(secret.get("data") or {}):
        raw = base64.b64decode(secret["data"][key] or "")
        if key == "token" and secret.get("type") == "kubernetes.io/service-account-token":
            w.write(0, f"{key}:\t{raw.decode(errors='replace')}\n")
        else:
            w.write(0, f"{key}:\t{len(raw)} bytes\n")
    return w.text()

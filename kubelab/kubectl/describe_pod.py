"""``kubectl describe pod`` and the pieces workloads share with it: containers,
volumes, tolerations and the pod template (k8s.io/kubectl/pkg/describe)."""
from __future__ import annotations

import math

from .age import rfc1123, since
from .cells import quantity
from .describe_core import Writer, events_for

__all__ = ["describe_pod", "describe_pod_template", "qos_class", "tolerations"]


def _fmt_bool(value) -> str:
    return "true" if value else "false"


def _optional_ptr(ref: dict) -> str:
    """A ``*bool`` printed with %v: ``<nil>`` when unset."""
    return "<nil>" if ref.get("optional") is None else _fmt_bool(ref["optional"])


def _controller(obj) -> str:
    ref = next((r for r in (obj.get("metadata") or {}).get("ownerReferences") or [] if r.get("controller")), None)
    return f"{ref.get('kind')}/{ref.get('name')}" if ref else ""


def tolerations(w: Writer, title: str, items) -> None:
    """printPodTolerationsMultiline: ``key=value:Effect op=Exists for 300s``, sorted by key."""
    w.write(0, f"{title}:\t")
    if not items:
        w.write(0, "<none>\n")
        return
    for i, t in enumerate(sorted(items, key=lambda t: t.get("key", ""))):
        if i:
            w.write(0, "\t")
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists" if t.get("key") or t.get("effect") else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, text + "\n")


def qos_class(pod: dict) -> str:
    """qos.GetPodQOS: Guaranteed, Burstable or BestEffort from requests and limits."""
    if (pod.get("status") or {}).get("qosClass"):
        return pod["status"]["qosClass"]
    containers = (pod.get("spec") or {}).get("containers") or []
    containers = containers + ((pod.get("spec") or {}).get("initContainers") or [])
    requests, limits, guaranteed = {}, {}, True
    for c in containers:
        res = c.get("resources") or {}
        req = {k: v for k, v in (res.get("requests") or {}).items() if k in ("cpu", "memory") and quantity(v) != "0"}
        lim = {k: v for k, v in (res.get("limits") or {}).items() if k in ("cpu", "memory") and quantity(v) != "0"}
        requests.update(req)
        limits.update(lim)
        if set(lim) != {"cpu", "memory"} or any(quantity(req.get(k, lim[k])) != quantity(lim[k]) for k in lim):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _probe(p: dict) -> str:
    attrs = (f"delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 1)}s "
             f"period={p.get('periodSeconds', 10)}s #success={p.get('successThreshold', 1)} "
             f"#failure={p.get('failureThreshold', 3)}")
    if p.get("exec") is not None:
        return f"exec [{' '.join(p['exec'].get('command') or [])}] {attrs}"
    if p.get("httpGet") is not None:
        h = p["httpGet"]
        host, port = h.get("host", ""), str(h.get("port", ""))
        hostport = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}") if port else host
        return f"http-get {h.get('scheme', 'HTTP').lower()}://{hostport}{h.get('path', '')} {attrs}"
    if p.get("tcpSocket") is not None:
        return f"tcp-socket {p['tcpSocket'].get('host', '')}:{p['tcpSocket'].get('port', '')} {attrs}"
    if p.get("grpc") is not None:
        return f"grpc <pod>:{p['grpc'].get('port')} {p['grpc'].get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _field_value(pod: dict | None, path: str) -> str:
    """EnvValueRetriever: the scheme's field-label conversion, then ExtractFieldPathAsString, resolve
    only whole metadata fields; other paths (``spec.nodeName``, ``labels['app']``) print empty."""
    if pod is None:
        return ""
    meta = pod.get("metadata") or {}
    for prefix in ("labels", "annotations"):
        if path == f"metadata.{prefix}":
            source = meta.get(prefix) or {}
            return "\n".join(f'{k}="{source[k]}"' for k in sorted(source))
    return {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
            "metadata.uid": meta.get("uid")}.get(path) or ""


def _resource_value(container: dict, ref: dict) -> str:
    """resourcehelper.ExtractContainerResourceValue: ceil(quantity / divisor)."""
    from kubelab.api.quantity import parse_quantity
    kind, _, name = ref.get("resource", "").partition(".")
    value = ((container.get("resources") or {}).get(kind) or {}).get(name)
    if value is None:
        return "0"
    divisor = parse_quantity(ref.get("divisor") or "1")
    q = parse_quantity(value)
    if name == "cpu":
        return str(math.ceil(q.milli_value() / max(divisor.milli_value(), 1)))
    return str(math.ceil(q.value() / max(divisor.value(), 1)))


def _env(w: Writer, c: dict, pod: dict | None) -> None:
    if c.get("envFrom"):
        w.write(2, "Environment Variables from:\n")
        for e in c["envFrom"]:
            ref, source = (e["configMapRef"], "ConfigMap") if e.get("configMapRef") else (e.get("secretRef") or {},
                                                                                         "Secret")
            label = f"{source} with prefix '{e['prefix']}'" if e.get("prefix") else source
            w.write(3, f"{ref.get('name', '')}\t{label}\tOptional: {_fmt_bool(ref.get('optional'))}\n")
    env = c.get("env") or []
    w.write(2, "Environment:" + ("\t<none>" if not env else "") + "\n")
    for e in env:
        source = e.get("valueFrom")
        if source is None:
            for i, line in enumerate(str(e.get("value", "")).split("\n")):
                w.write(3, f"{e['name']}:\t{line}\n" if i == 0 else f"\t{line}\n")
        elif source.get("fieldRef"):
            ref = source["fieldRef"]
            value = _field_value(pod, ref.get("fieldPath", "")) if ref.get("apiVersion") else ""
            w.write(3, f"{e['name']}:\t{value} ({ref.get('apiVersion', '')}:{ref.get('fieldPath', '')})\n")
        elif source.get("resourceFieldRef"):
            ref = source["resourceFieldRef"]
            value = _resource_value(c, ref)
            if value == "0" and ref.get("resource") in ("limits.cpu", "limits.memory"):
                value = "node allocatable"
            w.write(3, f"{e['name']}:\t{value} ({ref.get('resource', '')})\n")
        elif source.get("secretKeyRef"):
            ref = source["secretKeyRef"]
            w.write(3, f"{e['name']}:\t<set to the key '{ref.get('key')}' in secret '{ref.get('name')}'>\t"
                       f"Optional: {_fmt_bool(ref.get('optional'))}\n")
        elif source.get("configMapKeyRef"):
            ref = source["configMapKeyRef"]
            w.write(3, f"{e['name']}:\t<set to the key '{ref.get('key')}' of config map '{ref.get('name')}'>\t"
                       f"Optional: {_fmt_bool(ref.get('optional'))}\n")


def _state(w: Writer, title: str, state: dict) -> None:
    if state.get("running") is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        t = state["terminated"]
        w.write(2, f"{title}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if t.get("signal"):
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{rfc1123(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")


def _containers(w: Writer, label: str, containers, statuses, pod: dict | None, space: str = "") -> None:
    """describeContainers: one block per container, with its status when the pod has one."""
    by_name = {st.get("name"): st for st in statuses or []}
    w.write(0, f"{space}{label}:{' <none>' if not containers else ''}\n")
    for c in containers or []:
        st = by_name.get(c.get("name"))
        w.write(1, f"{' ' if space else ''}{c.get('name')}:\n")
        if st is not None:
            w.write(2, f"Container ID:\t{st.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if st is not None:
            w.write(2, f"Image ID:\t{st.get('imageID', '')}\n")
        ports = c.get("ports") or []
        port_text = ", ".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in ports)
        host_text = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
        w.write(2, f"Ports:\t{port_text}\n" if "," in port_text else f"Port:\t{port_text or '<none>'}\n")
        w.write(2, f"Host Ports:\t{host_text}\n" if "," in host_text else f"Host Port:\t{host_text or '<none>'}\n")
        for title, field in (("Command", "command"), ("Args", "args")):
            if c.get(field):
                w.write(2, f"{title}:\n")
                for arg in c[field]:
                    for line in str(arg).split("\n"):
                        w.write(3, f"{line}\n")
        if st is not None:
            _state(w, "State", st.get("state") or {})
            if ((st.get("lastState") or {}).get("terminated")) is not None:
                _state(w, "Last State", st["lastState"])
            w.write(2, f"Ready:\t{'True' if st.get('ready') else 'False'}\n")
            w.write(2, f"Restart Count:\t{st.get('restartCount', 0)}\n")
        resources = c.get("resources") or {}
        for title in ("limits", "requests"):
            if resources.get(title):
                w.write(2, f"{title.capitalize()}:\n")
                for name in sorted(resources[title]):
                    w.write(3, f"{name}:\t{quantity(resources[title][name])}\n")
        for title, field in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"),
                             ("Startup", "startupProbe")):
            if c.get(field):
                w.write(2, f"{title}:\t{_probe(c[field])}\n")
        _env(w, c, pod)
        mounts = c.get("volumeMounts") or []
        w.write(2, "Mounts:" + ("\t<none>" if not mounts else "") + "\n")
        for m in sorted(mounts, key=lambda m: m.get("mountPath", "")):
            flags = ["ro" if m.get("readOnly") else "rw"] + ([f'path="{m["subPath"]}"'] if m.get("subPath") else [])
            w.write(3, f"{m.get('mountPath')} from {m.get('name')} ({','.join(flags)})\n")


def _volume(w: Writer, v: dict) -> None:
    if v.get("hostPath") is not None:
        h = v["hostPath"]
        w.write(2, f"Type:\tHostPath (bare host directory volume)\n    Path:\t{h.get('path', '')}\n"
                   f"    HostPathType:\t{h['type'] if 'type' in h else '<none>'}\n")
    elif v.get("emptyDir") is not None:
        e = v["emptyDir"]
        limit = quantity(e["sizeLimit"]) if e.get("sizeLimit") and quantity(e["sizeLimit"]) != "0" else "<unset>"
        w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                   f"    Medium:\t{e.get('medium', '')}\n    SizeLimit:\t{limit}\n")
    elif v.get("secret") is not None:
        w.write(2, "Type:\tSecret (a volume populated by a Secret)\n"
                   f"    SecretName:\t{v['secret'].get('secretName', '')}\n"
                   f"    Optional:\t{_fmt_bool(v['secret'].get('optional'))}\n")
    elif v.get("configMap") is not None:
        w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n"
                   f"    Name:\t{v['configMap'].get('name', '')}\n"
                   f"    Optional:\t{_fmt_bool(v['configMap'].get('optional'))}\n")
    elif v.get("persistentVolumeClaim") is not None:
        w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n"
                   f"    ClaimName:\t{v['persistentVolumeClaim'].get('claimName', '')}\n"
                   f"    ReadOnly:\t{_fmt_bool(v['persistentVolumeClaim'].get('readOnly'))}\n")
    elif v.get("projected") is not None:
        w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
        for src in v["projected"].get("sources") or []:
            if src.get("secret") is not None:
                w.write(2, f"SecretName:\t{src['secret'].get('name', '')}\n"
                           f"    SecretOptionalName:\t{_optional_ptr(src['secret'])}\n")
            elif src.get("downwardAPI") is not None:
                w.write(2, "DownwardAPI:\ttrue\n")
            elif src.get("configMap") is not None:
                w.write(2, f"ConfigMapName:\t{src['configMap'].get('name', '')}\n"
                           f"    ConfigMapOptional:\t{_optional_ptr(src['configMap'])}\n")
            elif src.get("serviceAccountToken") is not None:
                w.write(2, f"TokenExpirationSeconds:\t{src['serviceAccountToken'].get('expirationSeconds', 3600)}\n")
    elif v.get("downwardAPI") is not None:
        w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n")
        for item in v["downwardAPI"].get("items") or []:
            ref = item.get("fieldRef") or {}
            source = ref.get("fieldPath") or (item.get("resourceFieldRef") or {}).get("resource", "")
            w.write(3, f"{source} -> {item.get('path', '')}\n")
    else:
        w.write(1, "<unknown>\n")


def _volumes(w: Writer, volumes, space: str = "") -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for v in volumes:
        w.write(1, f"{' ' if space else ''}{v.get('name')}:\n")
        _volume(w, v)


def describe_pod_template(w: Writer, template: dict | None) -> None:
    """DescribePodTemplate, as deployments, replica sets and jobs show it."""
    w.write(0, "Pod Template:\n")
    template = template or {}
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    w.labels("  Labels", meta.get("labels"))
    if meta.get("annotations"):
        w.annotations("  Annotations", meta["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        _containers(w, "Init Containers", spec["initContainers"], None, None, "  ")
    _containers(w, "Containers", spec.get("containers"), None, None, "  ")
    _volumes(w, spec.get("volumes"), "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    w.labels("  Node-Selectors", spec.get("nodeSelector"))
    tolerations(w, "  Tolerations", spec.get("tolerations"))


def describe_pod(s, rtype, pod: dict) -> str:
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    w = Writer()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    w.write(0, f"Node:\t{spec['nodeName'] + '/' + status.get('hostIP', '') if spec.get('nodeName') else '<none>'}\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123(status['startTime'])}\n")
    w.labels("Labels", meta.get("labels"))
    w.annotations("Annotations", meta.get("annotations"))
    if meta.get("deletionTimestamp") and status.get("phase") not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], s.now)})\n")
        w.write(0, f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    if status.get("reason"):
        w.write(0, f"Reason:\t{status['reason']}\n")
    if status.get("message"):
        w.write(0, f"Message:\t{status['message']}\n")
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    if status.get("podIPs"):
        w.write(0, "IPs:\n")
        for ip in status["podIPs"]:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    else:
        w.write(0, "IPs:\t<none>\n")
    if _controller(pod):
        w.write(0, f"Controlled By:\t{_controller(pod)}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("initContainers"):
        _containers(w, "Init Containers", spec["initContainers"], status.get("initContainerStatuses"), pod)
    _containers(w, "Containers", spec.get("containers"), status.get("containerStatuses"), pod)
    if spec.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for g in spec["readinessGates"]:
            found = next((c.get("status") for c in status.get("conditions") or []
                          if c.get("type") == g.get("conditionType")), "<none>")
            w.write(1, f"{g.get('conditionType')} \t{found} \n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \n")
    _volumes(w, spec.get("volumes"))
    w.write(0, f"QoS Class:\t{qos_class(pod)}\n")
    w.labels("Node-Selectors", spec.get("nodeSelector"))
    tolerations(w, "Tolerations", spec.get("tolerations"))
    w.events(events_for(s, pod), s.now)
    return w.text()

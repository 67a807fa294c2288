"""Table columns of the core/v1 kinds, as kube-apiserver's printers.go defines them.

Each entry maps a kind to its column headers (``*`` marks a ``-o wide`` column,
TableColumnDefinition.Priority 1) and a function ``(obj, now) -> cells``. The
server always builds the wide row (its TableConvertor passes Wide: true); kubectl
hides the wide columns unless ``-o wide``.
"""
from __future__ import annotations

from .age import since
from .cells import format_labels, quantity
from .pods import pod_cells

__all__ = ["CORE_COLUMNS"]


def _meta(obj):
    return obj.get("metadata") or {}


def _name_age(obj, now):
    return _meta(obj).get("name", ""), since(_meta(obj).get("creationTimestamp"), now)


def _node(obj, now):
    conditions = {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}
    status = []
    if "Ready" in conditions:
        status.append("Ready" if conditions["Ready"].get("status") == "True" else "NotReady")
    status = status or ["Unknown"]
    if (obj.get("spec") or {}).get("unschedulable"):
        status.append("SchedulingDisabled")
    roles = set()
    for k, v in (_meta(obj).get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/") and k[len("node-role.kubernetes.io/"):]:
            roles.add(k[len("node-role.kubernetes.io/"):])
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    st = obj.get("status") or {}
    info = st.get("nodeInfo") or {}
    name, age = _name_age(obj, now)

    def address(kind):
        return next((a.get("address") for a in st.get("addresses") or [] if a.get("type") == kind), "<none>")
    return [name, ",".join(status), ",".join(sorted(roles)) or "<none>", age, info.get("kubeletVersion", ""),
            address("InternalIP"), address("ExternalIP"), info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>"]


def _external_ip(svc):
    spec = svc.get("spec") or {}
    kind, external = spec.get("type", ""), spec.get("externalIPs") or []
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        lb = ",".join(sorted({i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")}))
        if external:
            return ",".join(([*lb.split(",")] if lb else []) + external)
        return lb or "<pending>"
    if kind == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def _service(obj, now):
    spec = obj.get("spec") or {}
    ports = ",".join(
        f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}" if p.get("nodePort")
        else f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or [])
    name, age = _name_age(obj, now)
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [name, spec.get("type", ""), cluster_ips[0] if cluster_ips else "<none>", _external_ip(obj),
            ports or "<none>", age, format_labels(spec.get("selector"))]


def _endpoints(obj, now):
    """formatEndpoints: the first three ip:port pairs, then ``+ N more...``."""
    subsets = obj.get("subsets") or []
    items, count = [], 0
    for ss in subsets:
        addresses = [a.get("ip", "") for a in ss.get("addresses") or []]
        pairs = addresses if not ss.get("ports") else [
            f"[{ip}]:{p.get('port')}" if ":" in ip else f"{ip}:{p.get('port')}"
            for p in ss["ports"] for ip in addresses]
        count += len(pairs)
        items += pairs
    text = ",".join(items[:3]) if subsets else "<none>"
    if len(items) > 3:
        text += f" + {count - 3} more..."
    return [_meta(obj).get("name", ""), text, since(_meta(obj).get("creationTimestamp"), now)]


_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))


def _access_modes(modes) -> str:
    return ",".join(short for mode, short in _MODES if mode in (modes or []))


def _storage_class(obj) -> str:
    return (_meta(obj).get("annotations") or {}).get("volume.beta.kubernetes.io/storage-class") or \
        (obj.get("spec") or {}).get("storageClassName") or ""


def _pv(obj, now):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    claim = spec.get("claimRef")
    phase = "Terminating" if _meta(obj).get("deletionTimestamp") else status.get("phase", "")
    name, age = _name_age(obj, now)
    return [name, quantity((spec.get("capacity") or {}).get("storage")), _access_modes(spec.get("accessModes")),
            spec.get("persistentVolumeReclaimPolicy", ""), phase,
            f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else "", _storage_class(obj),
            spec.get("volumeAttributesClassName") or "<unset>", status.get("reason", ""), age,
            spec.get("volumeMode") or "<unset>"]


def _pvc(obj, now):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    phase = "Terminating" if _meta(obj).get("deletionTimestamp") else status.get("phase", "")
    bound = bool(spec.get("volumeName"))
    name, age = _name_age(obj, now)
    return [name, phase, spec.get("volumeName", ""),
            quantity((status.get("capacity") or {}).get("storage")) if bound else "",
            _access_modes(status.get("accessModes")) if bound else "", _storage_class(obj),
            spec.get("volumeAttributesClassName") or "<unset>", age, spec.get("volumeMode") or "<unset>"]


def _event(obj, now):
    first = obj.get("firstTimestamp") or obj.get("eventTime")
    series = obj.get("series")
    last = (series or {}).get("lastObservedTime") if series else (obj.get("lastTimestamp") or first)
    count = (series or {}).get("count") if series else (obj.get("count") or 1)
    involved = obj.get("involvedObject") or {}
    target = involved.get("kind", "").lower() + (f"/{involved['name']}" if involved.get("name") else "")
    source = obj.get("source") or {}
    component = source.get("component") or obj.get("reportingComponent") or obj.get("reportingController", "")
    instance = source.get("host") or obj.get("reportingInstance", "")
    return [since(last, now), obj.get("type", ""), obj.get("reason", ""), target, involved.get("fieldPath", ""),
            f"{component}, {instance}" if instance else component, (obj.get("message") or "").strip(),
            since(first, now), str(count), _meta(obj).get("name", "")]


def _quota(obj, now):
    status = obj.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    requests, limits = [], []
    for resource in sorted(hard):
        text = f"{resource}: {quantity(used.get(resource))}/{quantity(hard[resource])}"
        (limits if resource.split(".")[0] == "limits" and "." in resource else requests).append(text)
    name, age = _name_age(obj, now)
    return [name, ", ".join(requests), ", ".join(limits), age]


def _simple(*fields):
    """A row of name, then values computed from the object, then AGE."""
    def row(obj, now):
        name, age = _name_age(obj, now)
        return [name, *(f(obj) for f in fields), age]
    return row


CORE_COLUMNS = {
    "Pod": (["NAME", "READY", "STATUS", "RESTARTS", "AGE", "*IP", "*NODE", "*NOMINATED NODE", "*READINESS GATES"],
            pod_cells),
    "Node": (["NAME", "STATUS", "ROLES", "AGE", "VERSION", "*INTERNAL-IP", "*EXTERNAL-IP", "*OS-IMAGE",
              "*KERNEL-VERSION", "*CONTAINER-RUNTIME"], _node),
    "Namespace": (["NAME", "STATUS", "AGE"], _simple(lambda o: (o.get("status") or {}).get("phase", ""))),
    "Service": (["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "*SELECTOR"], _service),
    "Endpoints": (["NAME", "ENDPOINTS", "AGE"], _endpoints),
    "ConfigMap": (["NAME", "DATA", "AGE"],
                  _simple(lambda o: str(len(o.get("data") or {}) + len(o.get("binaryData") or {})))),
    "Secret": (["NAME", "TYPE", "DATA", "AGE"],
               _simple(lambda o: o.get("type", ""), lambda o: str(len(o.get("data") or {})))),
    "ServiceAccount": (["NAME", "SECRETS", "AGE"], _simple(lambda o: str(len(o.get("secrets") or [])))),
    "PersistentVolume": (["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS",
                          "VOLUMEATTRIBUTESCLASS", "REASON", "AGE", "*VOLUMEMODE"], _pv),
    "PersistentVolumeClaim": (["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS",
                               "VOLUMEATTRIBUTESCLASS", "AGE", "*VOLUMEMODE"], _pvc),
    "Event": (["LAST SEEN", "TYPE", "REASON", "OBJECT", "*SUBOBJECT", "*SOURCE", "MESSAGE", "*FIRST SEEN",
               "*COUNT", "*NAME"], _event),
    "ResourceQuota": (["NAME", "REQUEST", "LIMIT", "AGE"], _quota),
}

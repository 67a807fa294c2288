"""Table columns of the apps, batch, autoscaling, policy, storage, scheduling,
coordination, networking and discovery kinds (printers.go), same shape as
:mod:`columns_core`."""
from __future__ import annotations

from .age import human_duration, parse_time, since
from .cells import container_cells, format_labels, format_selector, quantity, selector_string

__all__ = ["APPS_COLUMNS"]


def _meta(obj):
    return obj.get("metadata") or {}


def _parts(obj):
    return _meta(obj).get("name", ""), obj.get("spec") or {}, obj.get("status") or {}


def _age(obj, now):
    return since(_meta(obj).get("creationTimestamp"), now)


def _template_containers(spec):
    return ((spec.get("template") or {}).get("spec") or {}).get("containers")


def _deployment(obj, now):
    name, spec, status = _parts(obj)
    names, images = container_cells(_template_containers(spec))
    return [name, f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}", str(status.get("updatedReplicas", 0)),
            str(status.get("availableReplicas", 0)), _age(obj, now), names, images,
            selector_string(spec.get("selector"))]


def _replicaset(obj, now):
    name, spec, status = _parts(obj)
    names, images = container_cells(_template_containers(spec))
    return [name, str(spec.get("replicas", 0)), str(status.get("replicas", 0)), str(status.get("readyReplicas", 0)),
            _age(obj, now), names, images, format_selector(spec.get("selector"))]


def _statefulset(obj, now):
    name, spec, status = _parts(obj)
    names, images = container_cells(_template_containers(spec))
    return [name, f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}", _age(obj, now), names, images]


def _daemonset(obj, now):
    name, spec, status = _parts(obj)
    names, images = container_cells(_template_containers(spec))
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")
    return [name, *(str(status.get(k, 0)) for k in ("desiredNumberScheduled", "currentNumberScheduled", "numberReady",
                                                     "updatedNumberScheduled", "numberAvailable")),
            format_labels(node_selector), _age(obj, now), names, images, format_selector(spec.get("selector"))]


def _job_condition(status, ctype):
    return next((c.get("status") == "True" for c in status.get("conditions") or [] if c.get("type") == ctype), False)


def _job(obj, now):
    name, spec, status = _parts(obj)
    succeeded = status.get("succeeded", 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif (spec.get("parallelism") or 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    start, end = parse_time(status.get("startTime")), parse_time(status.get("completionTime"))
    duration = "" if start is None else human_duration((end or now) - start)
    if _job_condition(status, "Complete"):
        state = "Complete"
    elif _job_condition(status, "Failed"):
        state = "Failed"
    elif _meta(obj).get("deletionTimestamp"):
        state = "Terminating"
    elif _job_condition(status, "Suspended"):
        state = "Suspended"
    elif _job_condition(status, "FailureTarget"):
        state = "FailureTarget"
    else:
        state = "Running"
    names, images = container_cells(_template_containers(spec))
    return [name, state, completions, duration, _age(obj, now), names, images, format_selector(spec.get("selector"))]


def _cronjob(obj, now):
    name, spec, status = _parts(obj)
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    names, images = container_cells(_template_containers(job_spec))
    suspend = spec.get("suspend")
    last = status.get("lastScheduleTime")
    return [name, spec.get("schedule", ""), spec.get("timeZone") or "<none>",
            "<unset>" if suspend is None else ("True" if suspend else "False"), str(len(status.get("active") or [])),
            since(last, now) if last else "<none>", _age(obj, now), names, images,
            format_selector(job_spec.get("selector"))]


def _metric(spec, status):
    """One entry of formatHPAMetrics."""
    kind = spec.get("type")
    if kind in ("Resource", "ContainerResource"):
        key = "resource" if kind == "Resource" else "containerResource"
        target = (spec.get(key) or {}).get("target") or {}
        current = (status or {}).get(key) or {}
        res = (spec.get(key) or {}).get("name", "")
        if target.get("averageValue") is not None:
            cur = (current.get("current") or {}).get("averageValue")
            return f"{res}: {quantity(cur) if current else '<unknown>'}/{quantity(target['averageValue'])}"
        util = (current.get("current") or {}).get("averageUtilization")
        cur = f"{util}%" if current and util is not None else "<unknown>"
        want = f"{target['averageUtilization']}%" if target.get("averageUtilization") is not None else "<auto>"
        return f"{res}: {cur}/{want}"
    if kind == "Pods":
        cur = ((status or {}).get("pods") or {}).get("current", {}).get("averageValue")
        return f"{quantity(cur) if cur is not None else '<unknown>'}/{quantity(spec['pods']['target'].get('averageValue'))}"
    if kind in ("Object", "External"):
        key = kind.lower()
        target = (spec.get(key) or {}).get("target") or {}
        current = ((status or {}).get(key) or {}).get("current") or {}
        field = "averageValue" if target.get("averageValue") is not None else "value"
        cur = quantity(current[field]) if current.get(field) is not None else "<unknown>"
        return f"{cur}/{quantity(target.get(field))}" + (" (avg)" if field == "averageValue" else "")
    return "<unknown type>"


def _hpa(obj, now):
    name, spec, status = _parts(obj)
    metrics, current = spec.get("metrics") or [], status.get("currentMetrics") or []
    items = [_metric(m, current[i] if i < len(current) else None) for i, m in enumerate(metrics)]
    targets = ", ".join(items[:2]) + (f" + {len(items) - 2} more..." if len(items) > 2 else "") if items else "<none>"
    ref = spec.get("scaleTargetRef") or {}
    min_pods = spec.get("minReplicas")
    return [name, f"{ref.get('kind', '')}/{ref.get('name', '')}", targets,
            "<unset>" if min_pods is None else str(min_pods), str(spec.get("maxReplicas", 0)),
            str(status.get("currentReplicas", 0)), _age(obj, now)]


def _pdb(obj, now):
    name, spec, status = _parts(obj)
    return [name, str(spec["minAvailable"]) if spec.get("minAvailable") is not None else "N/A",
            str(spec["maxUnavailable"]) if spec.get("maxUnavailable") is not None else "N/A",
            str(status.get("disruptionsAllowed", 0)), _age(obj, now)]


def _storageclass(obj, now):
    annotations = _meta(obj).get("annotations") or {}
    default = "true" in (annotations.get("storageclass.kubernetes.io/is-default-class"),
                         annotations.get("storageclass.beta.kubernetes.io/is-default-class"))
    return [_meta(obj).get("name", "") + (" (default)" if default else ""), obj.get("provisioner", ""),
            obj.get("reclaimPolicy") or "Delete", obj.get("volumeBindingMode") or "Immediate",
            "true" if obj.get("allowVolumeExpansion") else "false", _age(obj, now)]


def _priorityclass(obj, now):
    return [_meta(obj).get("name", ""), str(obj.get("value", 0)), "true" if obj.get("globalDefault") else "false",
            _age(obj, now), obj.get("preemptionPolicy") or ""]


def _controllerrevision(obj, now):
    owner = next((r for r in _meta(obj).get("ownerReferences") or [] if r.get("controller")), None)
    controller = "<none>"
    if owner:
        group = owner.get("apiVersion", "").rpartition("/")[0]
        controller = f"{owner.get('kind', '').lower()}{'.' + group if group else ''}/{owner.get('name', '')}"
    return [_meta(obj).get("name", ""), controller, str(obj.get("revision", 0)), _age(obj, now)]


def _first_three(values) -> str:
    values = list(values)
    text = ",".join(values[:3]) + (f" + {len(values) - 3} more..." if len(values) > 3 else "")
    return text or "<unset>"


def _endpointslice(obj, now):
    ports = [str(p["port"]) if p.get("port") is not None else (p.get("name") or "*") for p in obj.get("ports") or []]
    addresses = [a for e in obj.get("endpoints") or [] for a in e.get("addresses") or []]
    return [_meta(obj).get("name", ""), obj.get("addressType", ""), _first_three(ports), _first_three(addresses),
            _age(obj, now)]


APPS_COLUMNS = {
    "Deployment": (["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "*CONTAINERS", "*IMAGES", "*SELECTOR"],
                   _deployment),
    "ReplicaSet": (["NAME", "DESIRED", "CURRENT", "READY", "AGE", "*CONTAINERS", "*IMAGES", "*SELECTOR"], _replicaset),
    "StatefulSet": (["NAME", "READY", "AGE", "*CONTAINERS", "*IMAGES"], _statefulset),
    "DaemonSet": (["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE",
                   "*CONTAINERS", "*IMAGES", "*SELECTOR"], _daemonset),
    "ControllerRevision": (["NAME", "CONTROLLER", "REVISION", "AGE"], _controllerrevision),
    "Job": (["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE", "*CONTAINERS", "*IMAGES", "*SELECTOR"], _job),
    "CronJob": (["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE", "*CONTAINERS",
                 "*IMAGES", "*SELECTOR"], _cronjob),
    "HorizontalPodAutoscaler": (["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], _hpa),
    "PodDisruptionBudget": (["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"], _pdb),
    "StorageClass": (["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"],
                     _storageclass),
    "PriorityClass": (["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "*PREEMPTIONPOLICY"], _priorityclass),
    "Lease": (["NAME", "HOLDER", "AGE"],
              lambda o, now: [_meta(o).get("name", ""), (o.get("spec") or {}).get("holderIdentity") or "",
                              _age(o, now)]),
    "NetworkPolicy": (["NAME", "POD-SELECTOR", "AGE"],
                      lambda o, now: [_meta(o).get("name", ""),
                                      format_selector((o.get("spec") or {}).get("podSelector")), _age(o, now)]),
    "EndpointSlice": (["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], _endpointslice),
}

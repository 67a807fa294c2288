"""``kubectl autoscale deployment web --min=2 --max=10 --cpu-percent=80``
(k8s.io/kubectl/pkg/cmd/autoscale, v1.32).

kubectl v1.32 builds an **autoscaling/v1** HorizontalPodAutoscaler (one metric: the target
CPU utilization; without ``--cpu-percent`` the server's default, 80%, applies) for each
object named, after checking in discovery that the object's resource has a ``scale``
subresource, and prints ``horizontalpodautoscaler.autoscaling/web autoscaled``. The HPA is
named after its target unless ``--name`` says otherwise. Objects that cannot be autoscaled
are reported after the others are done, as the resource builder's ContinueOnError does.
"""
from __future__ import annotations

from kubelab import errors

from .errors import KubectlError, api_error_text
from .formats import print_format, resource_name
from .session import Session

__all__ = ["autoscale"]

_NO_RESOURCES = ("error: You must provide one or more resources by argument or filename.\n"
                 "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
                 "   '<resource> <name>'\n   '<resource>'")


def int32_flag(s: Session, name: str, default: int) -> int:
    """pflag's Int32Var: the flag's value, or kubectl's error for one that is no int32."""
    value = s.inv.flag(name)
    if value is None:
        return default
    try:
        number = int(str(value), 0)          # strconv.ParseInt(value, 0, 32): 0x, 0o and 0b prefixes too
    except ValueError:
        number = None
    if number is None or not -2 ** 31 <= number < 2 ** 31:
        reason = "invalid syntax" if number is None else "value out of range"
        raise KubectlError(f'error: invalid argument "{value}" for "--{name}" flag: strconv.ParseInt: parsing '
                           f'"{value}": {reason}\nSee \'kubectl {s.inv.verb} --help\' for usage.')
    return number


def _targets(s: Session) -> list[tuple]:
    """(resource type, name, namespace) of each object named by arguments or ``-f``."""
    if s.inv.flag("filename"):
        return [(f.rtype, f.obj["metadata"].get("name", ""), s.object_namespace(f.rtype, f.obj)) for f in s.files()]
    if not s.inv.args:
        raise KubectlError(_NO_RESOURCES)
    requests = s.requests(s.inv.args)
    if any(not r.names for r in requests):
        raise KubectlError("error: resource(s) were provided, but no name was specified")
    return [(r.rtype, name, s.namespace if r.rtype.namespaced else None) for r in requests for name in r.names]


def horizontal_pod_autoscaler(s: Session, rtype, target: str, maximum: int, minimum: int, cpu: int) -> dict:
    """createHorizontalPodAutoscaler: the autoscaling/v1 object, as kubectl's typed struct
    serializes it (``creationTimestamp: null``, status replicas 0)."""
    spec = {"maxReplicas": maximum,
            "scaleTargetRef": {"apiVersion": rtype.api_version, "kind": rtype.kind, "name": target}}
    if minimum > 0:
        spec["minReplicas"] = minimum
    if cpu >= 0:
        spec["targetCPUUtilizationPercentage"] = cpu
    meta = {"creationTimestamp": None, "name": s.inv.flag("name") or target}
    if s.explicit_namespace:
        meta["namespace"] = s.explicit_namespace
    return {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": meta, "spec": spec,
            "status": {"currentReplicas": 0, "desiredReplicas": 0}}


def autoscale(s: Session) -> None:
    maximum, minimum = int32_flag(s, "max", -1), int32_flag(s, "min", -1)
    cpu = int32_flag(s, "cpu-percent", -1)
    if s.inv.flag("max") is None:             # cobra checks required flags before running the command
        raise KubectlError('error: required flag(s) "max" not set')
    dry_run = s.inv.flag("dry-run")
    if dry_run not in (None, "none", "client", "server"):
        raise KubectlError(f'error: Invalid dry-run value ({dry_run}). Must be "none", "server", or "client".')
    if maximum < 1:
        raise KubectlError(f"error: --max=MAXPODS is required and must be at least 1, max: {maximum}")
    if maximum < minimum:
        raise KubectlError(f"error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: {maximum}, "
                           f"min: {minimum}")
    failures, count = [], 0
    for rtype, name, ns in _targets(s):
        try:
            s.api.get(rtype, name, namespace=ns)
        except errors.ApiError as e:
            failures.append(api_error_text(e))
            continue
        if "scale" not in rtype.subresources:       # the discovery ScaleKindResolver
            failures.append(f"error: cannot autoscale a {rtype.kind}: could not find scale subresource for "
                            f"{rtype.group}/{rtype.version}, Resource={rtype.plural} in discovery information")
            continue
        hpa = horizontal_pod_autoscaler(s, rtype, name, maximum, minimum, cpu)
        hpa_type = s.api.registry.for_kind(hpa["apiVersion"], hpa["kind"])
        if dry_run != "client":
            try:
                hpa = s.api.create(hpa, namespace=s.namespace, dry_run=dry_run == "server")
            except errors.ApiError as e:
                failures.append(api_error_text(e))
                continue
        count += 1
        if s.inv.flag("output"):
            s.out(print_format(s.inv.flag("output"), hpa, [hpa],
                               lambda o: resource_name(hpa_type, o["metadata"]["name"])))
        else:
            operation = {"client": "created (dry run)", "server": "autoscaled (server dry run)"}.get(dry_run,
                                                                                                  "autoscaled")
            s.out(f"{resource_name(hpa_type, hpa['metadata']['name'])} {operation}\n")
    for text in failures:
        s.err(text)
    if not count and not failures:
        raise KubectlError("error: no objects passed to autoscale")

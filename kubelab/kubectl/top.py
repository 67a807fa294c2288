"""``kubectl top node`` and ``kubectl top pod`` (k8s.io/kubectl/pkg/cmd/top, metricsutil).

They read the Metrics API (metrics.k8s.io/v1beta1, served by metrics-server) and print
CPU in millicores (``250m``, truncated) and memory in mebibytes (``128Mi``, truncated);
``top node`` adds each as a percentage of the node's allocatable (``--show-capacity``:
of its capacity)::

    NAME     CPU(cores)   CPU%   MEMORY(bytes)   MEMORY%
    node-1   250m         6%     134Mi           0%

Without metrics-server: ``error: Metrics API not available``; before its first full
scrape: ``error: metrics not available yet``.
"""
from __future__ import annotations

from kubelab.api.duration import format_duration
from kubelab.api.labels import SelectorError, parse_field_selector, parse_selector
from kubelab.api.meta import parse_time
from kubelab.api.quantity import parse_quantity

from .errors import KubectlError, UsageError
from .session import Session
from .tabwriter import tabwrite

__all__ = ["top"]

#: kubectl waits this long after a Pod's creation before calling its missing metrics an error
METRICS_CREATION_DELAY = 120.0

_HELP = """\
Display resource (CPU/memory) usage.

 The top command allows you to see the resource consumption for nodes or pods.

 This command requires Metrics Server to be correctly configured and working on the server.

Available Commands:
  node          Display resource (CPU/memory) usage of nodes
  pod           Display resource (CPU/memory) usage of pods

Usage:
  kubectl top [flags] [options]

Use "kubectl top <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"""


def top(s: Session) -> None:
    """``kubectl top node|pod [NAME | -l label]``."""
    args = s.inv.args
    if not args:
        s.err(_HELP)                   # DefaultSubCommandRun: the help, on stderr, exit 1
        return
    sub, rest = args[0], args[1:]
    if sub in ("node", "nodes", "no"):
        _top_node(s, rest)
    elif sub in ("pod", "pods", "po"):
        _top_pod(s, rest)
    else:
        raise KubectlError(f'error: unknown command "{sub}" for "kubectl top"\n'
                           f"See 'kubectl top -h' for help and examples")


def _options(s: Session, args: list[str], use: str, sub: str, selector_flags: tuple[str, ...]) -> str | None:
    """Complete + Validate: the NAME argument, if any."""
    if len(args) > 1:
        raise UsageError(use, f"top {sub}")
    sort_by = s.inv.flag("sort-by")
    if sort_by and sort_by not in ("cpu", "memory"):
        raise KubectlError("error: --sort-by accepts only cpu or memory")
    if args and any(s.inv.flag(f) for f in selector_flags):
        raise KubectlError("error: only one of NAME or --selector can be provided" if sub == "node"
                           else "error: only one of NAME or selector can be provided")
    return args[0] if args else None


def _metrics_type(s: Session, plural: str):
    """Discovery: the metrics.k8s.io type, or "Metrics API not available"."""
    rtype = s.api.resolve(f"{plural}.metrics.k8s.io")
    server = s.api.virtual.get(rtype)
    if server is None or not server.installed:
        raise KubectlError("error: Metrics API not available")
    return rtype


def _selectors(s: Session):
    try:
        labels = s.inv.flag("selector")
        fields = s.inv.flag("field-selector")
        return (str(parse_selector(labels)) if labels else None), (str(parse_field_selector(fields)) if fields
                                                                    else None)
    except SelectorError as e:
        raise KubectlError(f"error: {e}") from None


# -- top node -----------------------------------------------------------------------
def _top_node(s: Session, args: list[str]) -> None:
    name = _options(s, args, "node [NAME | -l label]", "node", ("selector",))
    labels, _ = _selectors(s)
    rtype = _metrics_type(s, "nodes")
    items = [s.api.get(rtype, name, namespace=None)] if name else \
        s.api.list(rtype, label_selector=labels)["items"]
    if not items:
        raise KubectlError("error: metrics not available yet")
    nodes = [s.api.get("nodes", name, namespace=None)] if name else \
        s.api.list("nodes", label_selector=labels)["items"]
    field = "capacity" if s.inv.bool("show-capacity") else "allocatable"
    available = {n["metadata"]["name"]: (n.get("status") or {}).get(field) or {} for n in nodes}
    rows = [(m["metadata"]["name"], _usage(m["usage"])) for m in items]
    rows = _sorted(rows, s.inv.flag("sort-by"))
    lines = [] if s.inv.bool("no-headers") else [["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]]
    for node, (cpu, memory) in rows:
        have = available.pop(node, {})
        lines.append([node, _cores(cpu), *_percent(cpu, have.get("cpu")), _mebibytes(memory),
                      *_percent(memory * 1000, have.get("memory"))])
    for node in sorted(available):           # nodes metrics-server has no metrics for
        lines.append([node] + ["<unknown>"] * 4)
    s.out(_table(lines))


# -- top pod ------------------------------------------------------------------------
def _top_pod(s: Session, args: list[str]) -> None:
    name = _options(s, args, "pod [NAME | -l label]", "pod", ("selector", "field-selector"))
    labels, fields = _selectors(s)
    rtype = _metrics_type(s, "pods")
    namespace = None if s.all_namespaces else s.namespace
    if name:
        items = [s.api.get(rtype, name, namespace=s.namespace)]
    else:
        items = s.api.list(rtype, namespace=namespace, label_selector=labels, field_selector=fields)["items"]
    if not items:
        _verify_empty_metrics(s, labels, fields)
        s.warn("No resources found" if s.all_namespaces else f"No resources found in {s.namespace} namespace.")
        return
    containers, with_ns = s.inv.bool("containers"), s.all_namespaces
    head = ["NAMESPACE"] * with_ns + ["POD"] * containers + ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    lines = [] if s.inv.bool("no-headers") else [head]
    sort_by = s.inv.flag("sort-by")
    pods = [(m, _usage(*[c["usage"] for c in m["containers"]])) for m in items]
    if sort_by:
        pods.sort(key=lambda mu: -(mu[1][0] if sort_by == "cpu" else mu[1][1]))
    else:
        pods.sort(key=lambda mu: ((mu[0]["metadata"]["namespace"] if with_ns else ""), mu[0]["metadata"]["name"]))
    for m, usage in pods:
        prefix = [m["metadata"]["namespace"]] * with_ns
        if containers:
            rows = _sorted([(c["name"], _usage(c["usage"])) for c in m["containers"]], sort_by)
            lines += [prefix + [m["metadata"]["name"], cname, _cores(cpu), _mebibytes(memory)]
                      for cname, (cpu, memory) in rows]
        else:
            lines.append(prefix + [m["metadata"]["name"], _cores(usage[0]), _mebibytes(usage[1])])
    if s.inv.bool("sum"):
        width = len(head) if not s.inv.bool("no-headers") else 3     # kubectl counts the extra columns
        cpu, memory = _usage(*[c["usage"] for m in items for c in m["containers"]])
        lines.append([""] * (width - 2) + ["________", "________"])
        lines.append([""] * (width - 3) + ["", _cores(cpu), _mebibytes(memory)])
    s.out(_table(lines))


def _verify_empty_metrics(s: Session, labels, fields) -> None:
    """verifyEmptyMetrics: why no metrics came back (kubectl asks about the current namespace)."""
    if s.inv.args[1:]:
        pods = [s.api.get("pods", s.inv.args[1], namespace=s.namespace)]
    else:
        pods = s.api.list("pods", namespace=s.namespace, label_selector=labels, field_selector=fields)["items"]
        if not pods:
            return
    for pod in pods:
        age = _age(s, pod)
        if age > METRICS_CREATION_DELAY:
            m = pod["metadata"]
            raise KubectlError(f"error: Metrics not available for pod {m['namespace']}/{m['name']}, "
                               f"age: {format_duration(age)}")
    raise KubectlError("error: metrics not available yet")


# -- printing (metricsutil.TopCmdPrinter) ------------------------------------------------
def _usage(*usages: dict) -> tuple[int, int]:
    """(CPU millicores, memory bytes) of the sum of ``usages`` (MilliValue rounds nanocores up)."""
    cpu = sum((parse_quantity(u.get("cpu", "0")) for u in usages), parse_quantity(0))
    memory = sum((parse_quantity(u.get("memory", "0")) for u in usages), parse_quantity(0))
    return cpu.milli_value(), memory.value()


def _cores(millicores: int) -> str:
    return f"{millicores}m"


def _mebibytes(size: int) -> str:
    return f"{size // (1024 * 1024)}Mi"


def _percent(used_milli: int, available) -> list[str]:
    """``int64(used.MilliValue() / available.MilliValue() * 100)``: truncated; no cell at all
    when the node reports no such resource."""
    if available is None:
        return []
    total = parse_quantity(available).milli_value()
    return [f"{int(used_milli / total * 100) if total else 0}%"]


def _sorted(rows: list, sort_by: str | None) -> list:
    """Name order, or the largest CPU (memory) first, ties by name."""
    rows = sorted(rows, key=lambda r: r[0])
    if sort_by:
        rows.sort(key=lambda r: -(r[1][0] if sort_by == "cpu" else r[1][1]))
    return rows


def _table(lines: list[list[str]]) -> str:
    """Each cell ends with a tab, as printValue writes it (so the last column is padded too)."""
    if not lines:
        return ""
    return tabwrite("".join("".join(f"{cell}\t" for cell in line) + "\n" for line in lines))


def _age(s: Session, pod: dict) -> float:
    return (s.now - parse_time(pod["metadata"]["creationTimestamp"])).total_seconds()

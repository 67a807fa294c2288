"""metrics-server: the Metrics API (metrics.k8s.io/v1beta1) behind ``kubectl top`` and the HPA.

Every ``--metric-resolution`` (15 s) it scrapes every kubelet (:mod:`.source`) and keeps
the last two points per container (:mod:`.storage`). It serves ``PodMetrics`` and
``NodeMetrics`` through the API server as an aggregated API: nothing is stored in etcd,
every read is answered from memory, and only ``get`` and ``list`` exist::

    c.api.list("pods.metrics.k8s.io", namespace="default")["items"][0]
    {'kind': 'PodMetrics', 'apiVersion': 'metrics.k8s.io/v1beta1',
     'metadata': {'name': 'web-1', 'namespace': 'default', ...},
     'timestamp': '2025-01-01T00:01:00Z', 'window': '15s',
     'containers': [{'name': 'app', 'usage': {'cpu': '250m', 'memory': '6Mi'}}]}

Stopped (``c.stop("metrics-server")``) its APIService is unavailable: reads fail with
503 ServiceUnavailable. Uninstalled, the API group is gone (``kubectl top``: "Metrics API
not available").
"""
from __future__ import annotations

from datetime import timedelta

from .. import errors
from ..api.duration import format_duration
from ..api.labels import SelectorError, parse_field_selector, parse_selector
from ..api.meta import format_time
from ..api.quantity import parse_quantity
from ..client.informer import Informer
from .source import scrape
from .storage import Storage, Usage

__all__ = ["MetricsServer", "cpu_quantity", "memory_quantity", "usage_cells"]

GROUP = "metrics.k8s.io"


def cpu_quantity(nanocores: int) -> str:
    """CPU as metrics-server writes it: nanocores, canonical (``250m``, ``43629237n``)."""
    return str(parse_quantity(f"{nanocores}n"))


def memory_quantity(size: int) -> str:
    """Memory as a BinarySI quantity (``6Mi``, ``634824Ki``)."""
    return str(parse_quantity(f"{size // 1024}Ki")) if size % 1024 == 0 else str(size)


def usage_cells(usages: list[dict]) -> list[str]:
    """CPU and memory summed over ``usages`` (containers), as metrics-server's table prints them."""
    return [str(sum((parse_quantity(u.get(name, "0")) for u in usages), parse_quantity(0)))
            for name in ("cpu", "memory")]


class MetricsServer:
    """The metrics-server add-on of one cluster (``Cluster.metrics_server``)."""

    name = "metrics-server"
    #: --metric-resolution: how often the kubelets are scraped
    RESOLUTION = 15.0
    #: how many scrapes of each Pod's and node's usage ``history`` keeps (one hour)
    HISTORY = 240

    def __init__(self, api, loop, *, kubelets: dict):
        self.api, self.loop, self.kubelets = api, loop, kubelets
        self.storage = Storage(self.RESOLUTION, self.HISTORY)
        self.pods = Informer(api, "pods", loop=loop, owner=self.name)
        self.nodes = Informer(api, "nodes", loop=loop, owner=self.name)
        self.running = False
        self.installed = False
        self.scrapes = 0
        self._timer = None
        self._types = {api.resolve(f"pods.{GROUP}"): self._pod_metrics,
                       api.resolve(f"nodes.{GROUP}"): self._node_metrics}
        for rtype in self._types:
            api.virtual[rtype] = self           # the APIService: the API server proxies reads here

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> None:
        """Run (installing it if needed): scrape now, then every resolution."""
        self.installed = self.running = True
        self.pods.start()
        self.nodes.start()
        self._tick()

    def stop(self) -> None:
        """The Deployment is down: no scrapes, and the Metrics API answers 503."""
        self.running = False
        self.pods.stop()
        self.nodes.stop()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def uninstall(self) -> None:
        """Remove the add-on (its APIService too) and forget every point."""
        self.stop()
        self.installed = False
        self.storage = Storage(self.RESOLUTION, self.HISTORY)

    def _tick(self) -> None:
        self.scrape()
        self._timer = self.loop.later(self.RESOLUTION, self._tick, self.name, daemon=True)

    def scrape(self) -> None:
        """One scrape of every kubelet (scraper.Scrape), stored as a batch."""
        now = self.loop.clock.seconds
        self.storage.store({node: scrape(kubelet, now) for node, kubelet in sorted(self.kubelets.items())}, now)
        self.scrapes += 1

    # -- the API (what the API server's get/list hand over) ------------------
    def get(self, rtype, name: str, namespace: str | None) -> dict:
        self._serving(rtype)
        return self._types[rtype](name=name, namespace=namespace)

    def list(self, rtype, namespace: str | None, label_selector=None, field_selector=None) -> dict:
        self._serving(rtype)
        try:
            labels = parse_selector(label_selector) if isinstance(label_selector, str) else label_selector
            fields = parse_field_selector(field_selector) if isinstance(field_selector, str) else field_selector
        except SelectorError as e:
            raise errors.BadRequest(str(e)) from None
        items = self._types[rtype](namespace=namespace, labels=labels, fields=fields)
        return {"kind": rtype.list_kind, "apiVersion": rtype.api_version, "metadata": {}, "items": items}

    def _serving(self, rtype) -> None:
        """The aggregator's answer when the APIService is gone or down (client-go names the
        HTTP method: ``get`` for a list too)."""
        if not self.installed:
            raise errors.NotFound(f"the server could not find the requested resource (get {rtype.plural}.{GROUP})")
        if not self.running:
            raise errors.ServiceUnavailable(
                f"the server is currently unable to handle the request (get {rtype.plural}.{GROUP})")

    def _pod_metrics(self, *, name=None, namespace=None, labels=None, fields=None):
        if name is not None:
            pod = self.pods.get(name, namespace)
            if pod is None:
                raise errors.NotFound(f'pods "{name}" not found', kind="pods", name=name)
            found = self._pod_item(pod)
            if found is None:
                raise errors.NotFound(f'podmetrics.{GROUP} "{namespace}/{name}" not found',
                                      kind="pods", name=f"{namespace}/{name}", group=GROUP)
            return found
        pods = sorted(self.pods.list(namespace, labels), key=lambda p: (p["metadata"]["namespace"],
                                                                        p["metadata"]["name"]))
        found = (self._pod_item(p) for p in pods if fields is None or fields.matches(p))
        return [item for item in found if item is not None]

    def _pod_item(self, pod: dict) -> dict | None:
        meta = pod["metadata"]
        if (pod.get("status") or {}).get("phase") != "Running":
            return None                          # metrics-server ignores Pods not Running
        usage = self.storage.pod(meta["namespace"], meta["name"])
        if usage is None:
            return None
        item = self._item("PodMetrics", meta, usage)
        item["containers"] = [{"name": cname, "usage": {"cpu": cpu_quantity(cpu), "memory": memory_quantity(mem)}}
                              for cname, (cpu, mem) in sorted(usage.containers.items())]
        return item

    def _node_metrics(self, *, name=None, namespace=None, labels=None, fields=None):
        if name is not None:
            node = self.nodes.get(name)
            if node is None:
                raise errors.NotFound(f'nodes "{name}" not found', kind="nodes", name=name)
            found = self._node_item(node)
            if found is None:
                raise errors.NotFound(f'nodemetrics.{GROUP} "{name}" not found', kind="nodes", name=name,
                                      group=GROUP)
            return found
        nodes = sorted(self.nodes.list(None, labels), key=lambda n: n["metadata"]["name"])
        found = (self._node_item(n) for n in nodes if fields is None or fields.matches(n))
        return [item for item in found if item is not None]

    def _node_item(self, node: dict) -> dict | None:
        usage = self.storage.node(node["metadata"]["name"])
        if usage is None:
            return None
        item = self._item("NodeMetrics", node["metadata"], usage)
        item["usage"] = {"cpu": cpu_quantity(usage.cpu), "memory": memory_quantity(usage.memory)}
        return item

    def _item(self, kind: str, meta: dict, usage: Usage) -> dict:
        clock = self.loop.clock
        out = {"name": meta["name"]}
        if meta.get("namespace"):
            out["namespace"] = meta["namespace"]
        out["creationTimestamp"] = format_time(clock.now())
        if meta.get("labels"):
            out["labels"] = dict(meta["labels"])
        return {"kind": kind, "apiVersion": f"{GROUP}/v1beta1", "metadata": out,
                "timestamp": format_time(clock.start + timedelta(seconds=usage.timestamp)),
                "window": format_duration(usage.window)}

    # -- for views -------------------------------------------------------------
    def history(self, pod: str | None = None, namespace: str = "default", *, node: str | None = None) -> list:
        """A Pod's (or ``node``'s) usage over time: ``(datetime, CPU millicores, memory bytes)``
        per scrape, oldest first, for the last hour at most."""
        series = self.storage.node_history.get(node) if node is not None else \
            self.storage.pod_history.get((namespace, pod))
        start = self.loop.clock.start
        return [(start + timedelta(seconds=t), cpu, memory) for t, cpu, memory in (series or ())]

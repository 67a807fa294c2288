"""Monitoring: the metrics pipeline behind ``kubectl top`` and the HorizontalPodAutoscaler.

* :mod:`.source` — what a kubelet reports (cumulative CPU, memory working set per container);
* :mod:`.storage` — metrics-server's last two points per container, usage rates from them,
  and a bounded history per Pod and node;
* :mod:`.server` — metrics-server: scrapes every 15 s and serves PodMetrics and NodeMetrics
  (metrics.k8s.io/v1beta1) through the API server (``Cluster.metrics_server``);
* :mod:`.load` — a load generator: requests per second against a Service, turned into CPU.
"""
from .load import LoadGenerator, Sample, constant, steps, waves
from .server import MetricsServer

__all__ = ["MetricsServer", "LoadGenerator", "Sample", "constant", "steps", "waves"]

"""Monitoring and autoscaling: a simulated day of load waves on 100 nodes, with
metrics-server scraping every 15 s and an HPA following the load. Prints one table.

    python benchmarks/metrics_bench.py [--quick]     # --quick: 2 simulated hours
"""
from __future__ import annotations

import sys
import time

import kubelab as kl
from kubelab.metrics import LoadGenerator, waves

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx
        resources: {requests: {cpu: 200m, memory: 64Mi}, limits: {cpu: "1"}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 300
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
"""


def main(quick: bool) -> None:
    hours = 2 if quick else 24
    start = time.perf_counter()
    c = kl.Cluster(nodes=100)
    c.apply(WEB)
    c.run(60)
    setup = time.perf_counter() - start
    # a day: 50 rps at night (1 core at 20m a request), 1,000 rps at noon (20 cores: ~170 Pods at 60%)
    load = LoadGenerator(c, "web", rps=waves(low=50, high=1000, period=86400.0), cpu_per_request="20m").start()
    peak = 0
    start = time.perf_counter()
    for _ in range(hours * 4):
        c.run(900)
        peak = max(peak, c.get("deployment", "web")["spec"]["replicas"])
    elapsed = time.perf_counter() - start
    rescales = sum(1 for e in c.events() if e["reason"] == "SuccessfulRescale")
    failed = sum(s.failed for s in load.samples) * LoadGenerator.TICK
    sent = sum(s.offered for s in load.samples) * LoadGenerator.TICK
    start = time.perf_counter()
    c.kubectl("top pods")
    top = time.perf_counter() - start
    print("| measurement | kubelab | target |")
    print("| --- | ---: | ---: |")
    print(f"| cluster of 100 nodes, web + HPA applied | {setup:.1f} s | |")
    print(f"| {hours} simulated hours of load waves (wall time) | {elapsed:.1f} s | |")
    print(f"| speed-up over real time | {hours * 3600 / elapsed:,.0f}x | |")
    print(f"| metrics-server scrapes (every 15 s) | {c.metrics_server.scrapes:,} | |")
    print(f"| HPA rescales / peak replicas | {rescales} / {peak} | |")
    print(f"| requests failed (saturated or no endpoint) | {failed / sent:.2%} of {sent:,.0f} | |")
    print(f"| `kubectl top pods` ({len(c.get('pods'))} pods) | {top * 1000:.0f} ms | |")


if __name__ == "__main__":
    main("--quick" in sys.argv)

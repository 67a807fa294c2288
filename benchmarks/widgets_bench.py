"""Widget refresh times on a 50-Pod cluster (the issue's target: ≤ 100 ms). Prints one table.

    python benchmarks/widgets_bench.py [--quick]

Each number is the median of several redraws (a redraw reads the cluster through
the API server and renders the HTML the browser receives); the diagram row
includes running graphviz's ``dot`` on a fresh source.
"""
from __future__ import annotations

import statistics
import sys
import time

import kubelab as kl
from kubelab import widgets as kw
from kubelab.viz import render

WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 50
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27", resources: {requests: {cpu: 50m}}}]
"""


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(quick: bool) -> None:
    repeat = 5 if quick else 20
    c = kl.Cluster(nodes=5, seed=0)
    start = c.store.revision
    c.apply(WEB)
    c.run()
    pods = len(c.get("pods"))
    assert pods == 50, pods

    view = kw.ClusterView(c)
    timeline = kw.Timeline(c, step=1.0)
    explainer = kw.SchedulerExplainer(c)
    inside = kw.PodInside(c)

    def diagram():
        render._SVG_CACHE.clear()
        view.redraw()

    def past():
        timeline.revision = start + (timeline.revision - start + 97) % (c.store.revision - start)

    html_ms = median_ms(view.redraw, repeat)
    view.mode = "svg"
    svg_ms = median_ms(diagram, 3)
    view.mode = "html"

    rows = [
        ("ClusterView refresh (HTML)", html_ms, "≤ 100 ms"),
        ("ClusterView refresh (graphviz SVG, dot run each time)", svg_ms, ""),
        ("Timeline: move the slider to a past revision", median_ms(past, repeat), "≤ 100 ms"),
        ("Timeline: Step (1 s simulated) and redraw every view", median_ms(timeline.step, repeat), ""),
        ("SchedulerExplainer refresh", median_ms(explainer.redraw, repeat), "≤ 100 ms"),
        ("PodInside refresh (exec readlink in each container)", median_ms(inside.redraw, repeat), "≤ 100 ms"),
        (f"Trace of the 50-replica apply ({c.store.revision - start} revisions)",
         median_ms(lambda: kl.viz.Trace.between(c, start), max(3, repeat // 4)), ""),
    ]
    print(f"Cluster: 5 nodes, {pods} Pods, store revision {c.store.revision}\n")
    print("| measurement | kubelab | target |")
    print("| --- | ---: | ---: |")
    for name, ms, target in rows:
        print(f"| {name} | {ms:.1f} ms | {target} |")


if __name__ == "__main__":
    main("--quick" in sys.argv)

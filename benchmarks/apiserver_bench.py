"""API server throughput: the store's numbers plus everything kube-apiserver does on
top (defaulting, admission, validation, copies, watch fan-out). Prints one table.

    python benchmarks/apiserver_bench.py [--quick]
"""
from __future__ import annotations

import subprocess
import sys
import time

import kubelab as kl


def pod(i: int) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p-{i}", "labels": {"app": f"a{i % 10}"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}}


def rate(n: int, fn) -> float:
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def main(quick: bool) -> None:
    n = 1_000 if quick else 5_000
    c = kl.Cluster(nodes=0)
    api = c.api
    watches = [api.watch("pods", label_selector=f"app=a{i % 10}") for i in range(100)]
    creates = rate(n, lambda: [api.create(pod(i)) for i in range(n)])
    gets = rate(n, lambda: [api.get("pods", f"p-{i}") for i in range(n)])
    patches = rate(n, lambda: [api.patch("pods", f"p-{i}", {"metadata": {"labels": {"x": "y"}}}) for i in range(n)])
    delivered = sum(len(w.take()) for w in watches)
    start = time.perf_counter()
    listed = len(api.list("pods")["items"])
    list_s = time.perf_counter() - start
    imp = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); import kubelab; "
                          "print(time.perf_counter() - t)"], capture_output=True, text=True, check=True)
    print("| measurement | kubelab | target |")
    print("| --- | ---: | ---: |")
    print(f"| API creates/s (Pod, defaulted, admitted, validated; 100 watchers) | {creates:,.0f} | |")
    print(f"| API gets/s | {gets:,.0f} | |")
    print(f"| API strategic-merge patches/s | {patches:,.0f} | |")
    print(f"| watch events delivered (100 label-filtered watchers) | {delivered:,} | |")
    print(f"| list of {listed:,} pods | {list_s * 1000:.0f} ms | |")
    print(f"| `import kubelab` | {float(imp.stdout) * 1000:.0f} ms | ≤ 300 ms |")


if __name__ == "__main__":
    main("--quick" in sys.argv)

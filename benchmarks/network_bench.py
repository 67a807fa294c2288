"""Simulated requests through Services and NetworkPolicies: DNS, kube-proxy's rules on the
client's node, policy checks on both ends and the backend's HTTP handler. Prints one table.

    python benchmarks/network_bench.py [--quick]
"""
from __future__ import annotations

import collections
import sys
import time

import kubelab as kl

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.39"


def objects(services: int) -> list[dict]:
    out = []
    for i in range(services):
        labels = {"app": f"svc-{i}"}
        out += [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"svc-{i}"},
                 "spec": {"replicas": 3, "selector": {"matchLabels": labels},
                          "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                              {"name": "netexec", "image": AGNHOST, "args": ["netexec", "--http-port=8080"]}]}}}},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{i}"},
                 "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": 8080}]}}]
    for i in range(3):
        out.append({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": f"client-{i}", "labels": {"role": "client"}},
                    "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "1h"]}]}})
    # every backend isolated for ingress; clients allowed to half of the Services
    out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny-all"},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})
    for i in range(0, services, 2):
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": f"allow-{i}"},
                    "spec": {"podSelector": {"matchLabels": {"app": f"svc-{i}"}},
                             "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "client"}}}],
                                          "ports": [{"port": 8080}]}]}})
    return out


def main(quick: bool) -> None:
    services, requests = (10, 2_000) if quick else (20, 10_000)
    c = kl.Cluster(nodes=3, seed=0)
    c.apply(objects(services))
    c.run(60)
    outcomes = collections.Counter()
    start = time.perf_counter()
    for i in range(requests):
        r = c.curl(f"http://svc-{i % services}/hostname", from_pod=f"client-{i % 3}")
        outcomes["answered" if r.ok else f"curl ({r.exit_code})"] += 1
    curl_s = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(requests):
        c.networking.lookup(f"svc-{i % services}")
    dns_s = time.perf_counter() - start
    proxy = c.networking.proxies["node-1"]
    start = time.perf_counter()
    for _ in range(20):
        proxy.sync()
    sync_ms = (time.perf_counter() - start) / 20 * 1000
    rules = sum(1 for line in proxy.iptables_save().splitlines() if line.startswith("-A"))
    print("| measurement | kubelab |")
    print("| --- | ---: |")
    print(f"| requests through {services} Services × 3 backends, {services // 2 + 1} NetworkPolicies "
          f"({requests:,} curls: {outcomes['answered']:,} answered, {outcomes['curl (28)']:,} dropped by policy) "
          f"| {requests / curl_s:,.0f} requests/s |")
    print(f"| cluster DNS lookups (search path, ndots:5) | {requests / dns_s:,.0f} lookups/s |")
    print(f"| kube-proxy full sync ({rules} iptables rules) | {sync_ms:.1f} ms |")


if __name__ == "__main__":
    main("--quick" in sys.argv)

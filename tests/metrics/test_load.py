"""The load generator: requests per second through a Service's kube-proxy rules, turned into CPU."""
import pytest

import kubelab as kl
from kubelab.metrics import LoadGenerator, constant, steps, waves

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx
        resources: {requests: {cpu: 100m}, limits: {cpu: 200m}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


@pytest.fixture
def cluster():
    c = kl.Cluster(nodes=2)
    c.apply(WEB)
    c.run(30)
    return c


def usage(c):
    """Each web Pod's CPU (millicores) as metrics-server reports it."""
    return sorted(int(i["containers"][0]["usage"]["cpu"].rstrip("m") or 0)
                  for i in c.api.list("podmetrics", namespace="default", label_selector="app=web")["items"])


def test_requests_are_spread_evenly_over_the_endpoints(cluster):
    # iptables mode: each of n endpoints gets 1/n of new connections (statistic 1/n, 1/(n-1), ...)
    load = LoadGenerator(cluster, "web", rps=40, cpu_per_request="10m").start()
    cluster.run(60)
    assert load.endpoints() and len(load.endpoints()) == 4
    assert usage(cluster) == [100, 100, 100, 100]            # 10 rps x 10m each
    sample = load.samples[-1]
    assert (sample.offered, sample.served, sample.failed, sample.backends) == (40, 40, 0, 4)


def test_a_backend_saturates_at_its_cpu_limit_and_the_rest_fails(cluster):
    load = LoadGenerator(cluster, "web", rps=120, cpu_per_request="10m").start()
    cluster.run(60)
    assert usage(cluster) == [200, 200, 200, 200]            # 30 rps wanted, 20 rps fit in 200m
    assert (load.samples[-1].served, load.samples[-1].failed) == (80, 40)


def test_response_time_rises_with_utilization(cluster):
    # M/M/1: service time 10m / 200m = 50 ms, divided by (1 - utilization)
    load = LoadGenerator(cluster, "web", rps=8, cpu_per_request="10m").start()
    cluster.run(10)
    assert load.samples[-1].latency == pytest.approx(0.05 / (1 - 2 / 20))
    load.schedule = constant(72)
    cluster.run(10)
    assert load.samples[-1].latency == pytest.approx(0.05 / (1 - 18 / 20))


def test_without_endpoints_every_request_fails(cluster):
    cluster.kubectl("scale deployment web --replicas=0")
    cluster.run(30)
    load = LoadGenerator(cluster, "web", rps=10).start()
    assert load.endpoints() == []
    assert (load.samples[-1].failed, load.samples[-1].backends) == (10, 0)


def test_stopping_the_load_gives_the_backends_their_own_cpu_back(cluster):
    load = LoadGenerator(cluster, "web", rps=40).start()
    cluster.run(60)
    load.stop()
    cluster.run(60)
    assert usage(cluster) == [0, 0, 0, 0]


def test_new_endpoints_take_their_share(cluster):
    load = LoadGenerator(cluster, "web", rps=40).start()
    cluster.kubectl("scale deployment web --replicas=8")
    cluster.run(60)
    assert load.samples[-1].backends == 8 and usage(cluster) == [50] * 8


@pytest.mark.parametrize("schedule, t, rps", [
    (constant(5), 1000, 5),
    (steps((0, 10), (300, 100)), 299, 10),
    (steps((0, 10), (300, 100)), 300, 100),
    (waves(low=10, high=110), 0, 10),               # the trough at the start of the day
    (waves(low=10, high=110), 43200, 110),          # the peak at noon
    (waves(low=10, high=110), 21600, 60),           # halfway up at 6 h
])
def test_schedules(schedule, t, rps):
    assert schedule(t) == pytest.approx(rps)


def test_a_deleted_service_fails_every_request(cluster):
    load = LoadGenerator(cluster, "web", rps=10).start()
    cluster.delete("service", "web")
    cluster.run(10)
    assert (load.samples[-1].failed, load.samples[-1].backends) == (10, 0)

"""Quota usage of single objects (pkg/quota/v1/evaluator/core: pods.go, services.go,
persistent_volume_claims.go) and the resource-list arithmetic (apiserver quota/v1/resources.go)."""
from datetime import datetime, timedelta, timezone

import pytest

from kubelab.quota.evaluators import PodEvaluator, PVCEvaluator, ServiceEvaluator
from kubelab.quota.resources import format_list, less_than_or_equal, parse_list, pod_limits, pod_requests

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def ctr(requests=None, limits=None, **extra):
    return dict({"name": "c", "image": "x", "resources": {"requests": requests or {}, "limits": limits or {}}},
                **extra)


def test_pod_requests_take_the_larger_of_the_containers_and_any_init_container():
    # resourcehelper.PodRequests worked example: containers 200m + 300m, a sidecar 100m,
    # a plain init container 1: max(200m + 300m + 100m, 1 + 100m) = 1100m
    pod = {"spec": {"containers": [ctr({"cpu": "200m"}), ctr({"cpu": "300m"})],
                    "initContainers": [ctr({"cpu": "100m"}, restartPolicy="Always"), ctr({"cpu": "1"})]}}
    assert format_list(pod_requests(pod)) == {"cpu": "1100m"}


def test_overhead_is_added_to_requests_and_to_limits_that_exist():
    pod = {"spec": {"containers": [ctr({"cpu": "1"}, {"cpu": "1"})], "overhead": {"cpu": "250m", "memory": "120Mi"}}}
    assert format_list(pod_requests(pod)) == {"cpu": "1250m", "memory": "120Mi"}
    assert format_list(pod_limits(pod)) == {"cpu": "1250m"}
    assert format_list(pod_requests(pod, overhead=False)) == {"cpu": "1"}


@pytest.mark.parametrize("requests,limits,want", [
    # podComputeUsageHelper: a request counts as both "cpu" and "requests.cpu"
    ({"cpu": "500m"}, {}, {"count/pods": "1", "cpu": "500m", "pods": "1", "requests.cpu": "500m"}),
    ({}, {"memory": "1Gi"}, {"count/pods": "1", "limits.memory": "1Gi", "pods": "1"}),
    # extended resources are only quotable as requests.<name>
    ({"nvidia.com/gpu": "1"}, {}, {"count/pods": "1", "pods": "1", "requests.nvidia.com/gpu": "1"}),
])
def test_pod_usage_follows_the_pod_evaluator(requests, limits, want):
    pod = {"metadata": {}, "spec": {"containers": [ctr(requests, limits)]}, "status": {"phase": "Pending"}}
    assert format_list(PodEvaluator().usage(pod, NOW)) == want


@pytest.mark.parametrize("phase,deleted_ago,grace,counts", [
    ("Running", None, None, True),
    ("Succeeded", None, None, False),                 # terminal Pods release compute and "pods"
    ("Failed", None, None, False),
    ("Running", 10, 30, True),                        # within its grace period it still counts
    ("Running", 40, 30, False),                       # stuck past deletionTimestamp + grace
])
def test_only_live_pods_are_charged_compute(phase, deleted_ago, grace, counts):
    meta = {}
    if deleted_ago is not None:
        meta = {"deletionTimestamp": (NOW - timedelta(seconds=deleted_ago)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "deletionGracePeriodSeconds": grace}
    pod = {"metadata": meta, "spec": {"containers": [ctr({"cpu": "1"})]}, "status": {"phase": phase}}
    usage = PodEvaluator().usage(pod, NOW)
    assert ("pods" in usage) is counts
    assert "count/pods" in usage


@pytest.mark.parametrize("spec,nodeports,loadbalancers", [
    ({"type": "ClusterIP", "ports": [{"port": 80}]}, "0", "0"),
    ({"type": "NodePort", "ports": [{"port": 80}, {"port": 443}]}, "2", "0"),      # one per port
    ({"type": "LoadBalancer", "ports": [{"port": 80}]}, "1", "1"),
    # allocateLoadBalancerNodePorts: false -> only ports that still name a nodePort
    ({"type": "LoadBalancer", "allocateLoadBalancerNodePorts": False, "ports": [{"port": 80}]}, "0", "1"),
])
def test_service_usage_counts_node_ports_and_load_balancers(spec, nodeports, loadbalancers):
    usage = format_list(ServiceEvaluator().usage({"spec": spec}, NOW))
    assert (usage["services"], usage["services.nodeports"], usage["services.loadbalancers"]) == \
        ("1", nodeports, loadbalancers)


def test_claim_usage_is_counted_per_storage_class_too():
    pvc = {"spec": {"storageClassName": "gold", "resources": {"requests": {"storage": "5Gi"}}}}
    assert format_list(PVCEvaluator().usage(pvc, NOW)) == {
        "count/persistentvolumeclaims": "1", "gold.storageclass.storage.k8s.io/persistentvolumeclaims": "1",
        "gold.storageclass.storage.k8s.io/requests.storage": "5Gi", "persistentvolumeclaims": "1",
        "requests.storage": "5Gi"}


def test_less_than_or_equal_compares_only_names_both_lists_have():
    ok, exceeded = less_than_or_equal(parse_list({"cpu": "2", "memory": "1Gi", "pods": "3"}),
                                      parse_list({"cpu": "1", "pods": "5"}))
    assert (ok, exceeded) == (False, ["cpu"])

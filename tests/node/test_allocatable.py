"""Node allocatable (https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/):
[Allocatable] = [Capacity] - [kube-reserved] - [system-reserved] - [hard eviction threshold]."""
import pytest

import kubelab as kl
from kubelab.node.registration import allocatable


@pytest.mark.parametrize("reserved,eviction,want", [
    # defaults: memory.available<100Mi and nodefs.available<10% only
    (None, None, {"cpu": "4", "memory": "16284Mi", "ephemeral-storage": "90Gi"}),
    # the docs' example shape: reservations add up, then the eviction threshold
    ({"cpu": "600m", "memory": "1536Mi"}, {"memory.available": "500Mi", "nodefs.available": "10%"},
     {"cpu": "3400m", "memory": "14348Mi", "ephemeral-storage": "90Gi"}),
    # a percentage threshold is a share of capacity, in whole bytes:
    # 17179869184 - 17179869184 * 5 // 100 = 17179869184 - 858993459 = 16320875725
    (None, {"memory.available": "5%"}, {"cpu": "4", "memory": "16320875725", "ephemeral-storage": "100Gi"}),
])
def test_allocatable_subtracts_reservations_and_the_hard_eviction_threshold(reserved, eviction, want):
    capacity = {"cpu": "4", "memory": "16Gi", "ephemeral-storage": "100Gi"}
    assert allocatable(capacity, reserved, eviction) == want


def test_a_node_manifest_takes_its_kubelet_reservations():
    c = kl.Cluster(nodes=[{"metadata": {"name": "small"}, "status": {"capacity": {"cpu": "2", "memory": "4Gi"}},
                           "kubelet": {"systemReserved": {"cpu": "500m", "memory": "512Mi"},
                                       "kubeReserved": {"cpu": "500m", "memory": "512Mi"},
                                       "evictionHard": {"memory.available": "1Gi"}}}])
    node = c.get("node", "small")
    assert (node["status"]["capacity"]["memory"], node["status"]["allocatable"]["memory"]) == ("4Gi", "2Gi")
    assert node["status"]["allocatable"]["cpu"] == "1"
    # the scheduler fits Pods against allocatable, not capacity: 3Gi fits in 4Gi but not in 2Gi
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"},
             "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"memory": "3Gi"}}}]}})
    c.run(5)
    assert [e["message"] for e in c.events() if e["reason"] == "FailedScheduling"][0].startswith(
        "0/1 nodes are available: 1 Insufficient memory.")

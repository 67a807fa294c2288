"""The eviction manager uses the node's own hard threshold (KubeletConfiguration evictionHard).

kubernetes.io "Node-pressure Eviction": hard thresholds are quantities or percentages of
capacity (memory.available<10%), the default is memory.available<100Mi, and "if you change
the value of any parameter, then the values of other parameters will not be inherited as
the default values and will be set to zero". The eviction message (pkg/kubelet/eviction
evictionMessage) shows "Threshold quantity" only for a threshold given as a quantity.
"""
import pytest

import kubelab as kl

MiB = 1024 * 1024


def cluster(eviction_hard=None):
    node = {"metadata": {"name": "node-1"}, "status": {"capacity": {"memory": "2Gi", "cpu": "4"}}}
    if eviction_hard is not None:
        node["kubelet"] = {"evictionHard": eviction_hard}
    c = kl.Cluster(nodes=[node])
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "hog"},
             "spec": {"containers": [{"name": "stress", "image": "polinux/stress", "command": ["stress"],
                                      "args": ["--vm", "1", "--vm-bytes", "1600M", "--vm-hang", "1"]}]}})
    c.run(25)
    return c


@pytest.mark.parametrize("eviction_hard,evicted,threshold", [
    # 2048Mi - 1601Mi in use = 447Mi available: above the default 100Mi ...
    (None, False, 100 * MiB),
    # ... below a 500Mi threshold, and below 25% of 2Gi (512Mi)
    ({"memory.available": "500Mi"}, True, 500 * MiB),
    ({"memory.available": "25%"}, True, 512 * MiB),
    # a map without memory.available: no memory threshold at all
    ({"nodefs.available": "10%"}, False, 0),
])
def test_the_node_evicts_below_its_own_memory_threshold(eviction_hard, evicted, threshold):
    c = cluster(eviction_hard)
    assert c.kubelets["node-1"].eviction.threshold_bytes == threshold
    status = c.get("pod", "hog")["status"]
    assert (status.get("reason") == "Evicted") == evicted


def test_a_quantity_threshold_is_named_in_the_eviction_message_and_a_percentage_is_not():
    quantity = cluster({"memory.available": "500Mi"}).get("pod", "hog")["status"]["message"]
    assert quantity == ("The node was low on resource: memory. Threshold quantity: 500Mi, available: 447Mi. "
                        "Container stress was using 1601Mi, request is 0, has larger consumption of memory. ")
    percentage = cluster({"memory.available": "25%"}).get("pod", "hog")["status"]["message"]
    assert percentage == ("The node was low on resource: memory. Container stress was using 1601Mi, request is 0, "
                          "has larger consumption of memory. ")

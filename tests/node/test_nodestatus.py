"""Node registration, Lease heartbeats and node status, through a cluster.

kubernetes.io "Nodes / Heartbeats": the kubelet renews its Lease in kube-node-lease
(every 10 s: a quarter of leaseDurationSeconds 40) and updates the Node's status when
it changes or every 5 minutes (nodeStatusReportFrequency); when the kubelet stops, the
node lifecycle controller marks the node's conditions Unknown after 50 s
("Kubelet stopped posting node status.").
"""
import kubelab as kl


def conditions(c, node="node-1"):
    return {x["type"]: x for x in c.get("node", node, namespace=None)["status"]["conditions"]}


def test_a_kubelet_registers_a_ready_node_with_capacity_and_allocatable():
    c = kl.Cluster(nodes=1)
    node = c.get("node", "node-1", namespace=None)
    assert node["status"]["capacity"] == {"cpu": "4", "ephemeral-storage": "100Gi", "memory": "16Gi", "pods": "110"}
    assert node["status"]["allocatable"]["memory"] == "16284Mi"    # minus the 100Mi hard eviction threshold
    conds = conditions(c)
    assert [(t, conds[t]["status"], conds[t]["reason"]) for t in ("MemoryPressure", "DiskPressure", "PIDPressure",
                                                                   "Ready")] == [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID"),
        ("Ready", "True", "KubeletReady")]
    assert conds["Ready"]["message"] == "kubelet is posting ready status"


def test_the_lease_is_renewed_every_ten_seconds():
    c = kl.Cluster(nodes=1)
    lease = c.get("lease", "node-1", namespace="kube-node-lease")
    assert lease["spec"]["holderIdentity"] == "node-1"
    assert lease["spec"]["leaseDurationSeconds"] == 40
    assert lease["metadata"]["ownerReferences"][0]["kind"] == "Node"
    c.run(25)
    lease = c.get("lease", "node-1", namespace="kube-node-lease")
    assert lease["spec"]["renewTime"] == "2025-01-01T00:00:20.000000Z"


def test_an_unchanged_status_is_reported_every_five_minutes():
    c = kl.Cluster(nodes=1)
    c.run(290)
    assert conditions(c)["Ready"]["lastHeartbeatTime"] == "2025-01-01T00:00:00Z"
    c.run(20)
    assert conditions(c)["Ready"]["lastHeartbeatTime"] == "2025-01-01T00:05:00Z"
    assert conditions(c)["Ready"]["lastTransitionTime"] == "2025-01-01T00:00:00Z"


def test_a_stopped_kubelet_stops_heartbeating_and_its_node_turns_unknown():
    c = kl.Cluster(nodes=1)
    c.run(5)
    c.kubelets["node-1"].stop()
    c.run(30)
    assert conditions(c)["Ready"]["status"] == "True"
    c.run(20)
    ready = conditions(c)["Ready"]
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
    lease = c.get("lease", "node-1", namespace="kube-node-lease")
    assert lease["spec"]["renewTime"] == "2025-01-01T00:00:00.000000Z"
    c.kubelets["node-1"].start()
    c.run(1)
    assert conditions(c)["Ready"]["status"] == "True"


def test_a_restarted_kubelet_picks_up_its_running_pods():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
             "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})
    c.run(10)
    kubelet = c.kubelets["node-1"]
    kubelet.stop()
    c.run(10)
    kubelet.start()
    c.run(5)
    cs = c.get("pod", "web")["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 0 and cs["ready"] is True
    assert c.api.exec("web", "default", "app", ["hostname"]) == ("web\n", 0)


def test_nodes_of_a_5000_node_cluster_get_distinct_valid_addresses_and_pod_cidrs():
    # Kubernetes supports clusters of 5,000 nodes; each needs its own InternalIP and a /24
    # podCIDR from the cluster CIDR that overlaps neither another node's nor the Services'
    import ipaddress

    from kubelab.node.registration import node_manifest
    nodes = [node_manifest(f"node-{i}", i) for i in range(5000)]
    ips = [ipaddress.ip_address(n["status"]["addresses"][0]["address"]) for n in nodes]
    cidrs = [ipaddress.ip_network(n["spec"]["podCIDR"]) for n in nodes]
    assert len(set(ips)) == len(set(cidrs)) == 5000
    assert all(ip in ipaddress.ip_network("172.18.0.0/16") for ip in ips)
    services = ipaddress.ip_network("10.96.0.0/12")
    assert all(c.prefixlen == 24 and c.subnet_of(ipaddress.ip_network("10.128.0.0/9"))
               and not c.overlaps(services) for c in cidrs)
    assert (str(cidrs[0]), str(cidrs[1])) == ("10.244.0.0/24", "10.244.1.0/24")    # kind's first /24s

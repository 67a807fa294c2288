"""Resource limits and node-pressure eviction, through a cluster.

kubernetes.io "Assign Memory Resources to Containers" (memory-demo: stress holding 150M
under a 200Mi limit runs; memory-demo-2: 250M over a 100Mi limit is OOMKilled, exit
137), "Assign CPU Resources" (cpu-demo: vish/stress -cpus 2 under a 1 CPU limit is
throttled to 1 CPU), and "Node-pressure Eviction" (memory.available<100Mi; BestEffort
and Burstable Pods using more than they request go first; the evicted Pod is Failed
with reason Evicted and a DisruptionTarget condition; MemoryPressure lasts 5 minutes).
"""
import kubelab as kl

MiB = 1024 * 1024


def stress(name, vm_bytes, requests=None, limits=None, priority=None):
    ctr = {"name": "stress", "image": "polinux/stress", "command": ["stress"],
           "args": ["--vm", "1", "--vm-bytes", vm_bytes, "--vm-hang", "1"],
           "resources": {k: v for k, v in (("requests", requests), ("limits", limits)) if v}}
    spec = {"containers": [ctr]}
    if priority is not None:
        spec["priority"] = priority
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def test_a_container_over_its_memory_limit_is_oom_killed():
    c = kl.Cluster(nodes=1)
    c.apply([stress("memory-demo", "150M", {"memory": "100Mi"}, {"memory": "200Mi"}),
             stress("memory-demo-2", "250M", {"memory": "50Mi"}, {"memory": "100Mi"})])
    c.run(20)
    ok = c.get("pod", "memory-demo")["status"]["containerStatuses"][0]
    assert "running" in ok["state"] and ok["restartCount"] == 0
    usage = c.kubelets["node-1"].pod_usage()[("default", "memory-demo")]["stress"]
    assert usage[1] == 151 * MiB          # 150 MiB of hog plus stress itself
    oom = c.get("pod", "memory-demo-2")["status"]["containerStatuses"][0]
    assert oom["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert oom["lastState"]["terminated"]["exitCode"] == 137
    assert oom["restartCount"] >= 1


def test_cpu_above_the_limit_is_throttled():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cpu-demo"},
             "spec": {"containers": [{"name": "cpu-demo-ctr", "image": "vish/stress", "args": ["-cpus", "2"],
                                      "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "0.5"}}}]}})
    c.run(10)
    cpu, _ = c.kubelets["node-1"].pod_usage()[("default", "cpu-demo")]["cpu-demo-ctr"]
    assert cpu == 1000
    assert c.api.logs("cpu-demo", "default").splitlines()[1].endswith("main.go:39] Spawning a thread to consume CPU")


def small_node_cluster():
    return kl.Cluster(nodes=[{"metadata": {"name": "small"}, "status": {"capacity": {"memory": "1Gi", "cpu": "4"}}}])


def test_memory_pressure_evicts_the_pod_furthest_over_its_request_first():
    c = small_node_cluster()
    c.apply([stress("guaranteed", "100M", {"memory": "200Mi"}, {"memory": "200Mi"}),
             stress("burstable", "350M", {"memory": "300Mi"}),
             stress("besteffort", "600M")])
    c.run(5)
    assert c.kubelets["small"].eviction.memory_available() < 100 * MiB
    c.run(10)
    evicted = c.get("pod", "besteffort")
    assert evicted["status"]["phase"] == "Failed"
    assert evicted["status"]["reason"] == "Evicted"
    message = evicted["status"]["message"]
    assert message.startswith("The node was low on resource: memory. Threshold quantity: 100Mi, available: ")
    assert message.endswith("Container stress was using 601Mi, request is 0, has larger consumption of memory. ")
    target = next(x for x in evicted["status"]["conditions"] if x["type"] == "DisruptionTarget")
    assert (target["status"], target["reason"]) == ("True", "TerminationByKubelet")
    assert [e["message"] for e in c.events() if e["reason"] == "Evicted"] == [message]
    node = c.get("node", "small", namespace=None)
    pressure = next(x for x in node["status"]["conditions"] if x["type"] == "MemoryPressure")
    assert (pressure["status"], pressure["reason"]) == ("True", "KubeletHasInsufficientMemory")
    for name in ("guaranteed", "burstable"):
        assert c.get("pod", name)["status"]["phase"] == "Running"


def test_memory_pressure_clears_five_minutes_after_the_last_observation():
    c = small_node_cluster()
    c.apply(stress("hog", "1000M"))
    c.run(15)
    assert c.get("pod", "hog")["status"]["reason"] == "Evicted"
    c.run(290)
    conds = {x["type"]: x["status"] for x in c.get("node", "small", namespace=None)["status"]["conditions"]}
    assert conds["MemoryPressure"] == "True"
    c.run(20)
    conds = {x["type"]: x["status"] for x in c.get("node", "small", namespace=None)["status"]["conditions"]}
    assert conds["MemoryPressure"] == "False"


def test_a_pod_that_does_not_fit_is_rejected_by_the_kubelet():
    # kubelet admission (lifecycle/predicate.go): a Pod with spec.nodeName skips the scheduler,
    # but not the kubelet's own resource check
    c = kl.Cluster(nodes=1)
    big = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"},
           "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "nginx:1.27",
                                                          "resources": {"requests": {"cpu": "8"}}}]}}
    c.apply(big)
    c.run(5)
    status = c.get("pod", "big")["status"]
    assert (status["phase"], status["reason"]) == ("Failed", "OutOfcpu")
    assert status["message"] == \
        "Pod was rejected: Node didn't have enough resource: cpu, requested: 8000, used: 0, capacity: 4000"
    assert [(e["type"], e["reason"]) for e in c.events() if e["involvedObject"]["name"] == "big"] == [
        ("Warning", "OutOfcpu")]

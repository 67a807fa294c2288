"""Cluster autoscaler scale-up, through kl.Cluster.

cluster-autoscaler FAQ ("How does scale-up work?"): every 10 s (--scan-interval) it
looks for Pods the scheduler marked PodScheduled=False/Unschedulable, checks whether
they would fit on a new node of a node group (the scheduler's predicates on the group's
template), estimates how many nodes (binpacking) and asks the cloud for them; "it
almost entirely depends on the cloud provider" how long the nodes take to register.
"""
import kubelab as kl
from kubelab.autoscaler import ClusterAutoscaler, NodeGroup

SMALL = {"cpu": "2", "memory": "8Gi", "pods": "110"}


def deployment(name, replicas, cpu="1", **spec):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                                           "resources": {"requests": {"cpu": cpu}}}], **spec}}}}


def ca_events(c, reason):
    return [e for e in c.events(None) if e["source"]["component"] == "cluster-autoscaler" and e["reason"] == reason]


def pending(c):
    return sorted(p["metadata"]["name"] for p in c.get("pods") if not p["spec"].get("nodeName"))


def test_an_unschedulable_pod_gets_a_new_node_after_the_boot_delay():
    c = kl.Cluster(nodes=0, seed=1)
    ClusterAutoscaler(c, [NodeGroup("workers", max_size=5, size=1, capacity=SMALL, boot_delay=60)])
    c.apply(deployment("web", 3))             # two 1-cpu Pods fit the 2-cpu node, the third does not
    c.run(11)                                 # the first loop, at 10 s, asks for one node
    [scaled] = ca_events(c, "ScaledUpGroup")
    assert scaled["message"] == "Scale-up: setting group workers size to 2 instead of 1 (max: 5)"
    assert scaled["involvedObject"]["name"] == "cluster-autoscaler-status"
    [triggered] = ca_events(c, "TriggeredScaleUp")
    assert triggered["message"] == "pod triggered scale-up: [{workers 1->2 (max: 5)}]"
    c.run(58)                                 # 69 s: the machine is still booting
    assert len(c.get("nodes")) == 1 and len(pending(c)) == 1
    c.run(5)                                  # 74 s: it registered at 70 s and the Pod runs there
    assert len(c.get("nodes")) == 2 and pending(c) == []
    assert all(n["metadata"]["labels"]["kubelab.io/node-group"] == "workers" for n in c.get("nodes"))


def test_the_binpacking_estimator_asks_for_all_the_nodes_at_once_and_booting_nodes_count():
    c = kl.Cluster(nodes=0, seed=1)
    ca = ClusterAutoscaler(c, [NodeGroup("workers", max_size=10, capacity=SMALL, boot_delay=120)])
    c.apply(deployment("web", 5))             # five 1-cpu Pods on 2-cpu nodes: 3 nodes
    c.run(60)
    # later loops see the three machines on their way and ask for nothing more
    assert [e["message"] for e in ca_events(c, "ScaledUpGroup")] == \
        ["Scale-up: setting group workers size to 3 instead of 0 (max: 10)"]
    assert ca.groups["workers"].target_size() == 3
    c.run(80)
    assert len(c.get("nodes")) == 3 and pending(c) == []


def test_a_pod_no_group_can_run_does_not_trigger_a_scale_up_and_says_why():
    c = kl.Cluster(nodes=0, seed=1)
    ClusterAutoscaler(c, [NodeGroup("small", max_size=5, size=1, capacity=SMALL),
                          NodeGroup("full", max_size=1, size=1, capacity={"cpu": "16", "memory": "64Gi"})])
    c.apply(deployment("big", 2, cpu="12"))   # one fits the 16-cpu node; "full" is at its maximum
    c.run(11)
    [event] = ca_events(c, "NotTriggerScaleUp")
    # one reason per node group, counted (core/scaleup ReasonsMessage)
    assert event["message"] == "pod didn't trigger scale-up: 1 Insufficient cpu, 1 max node group size reached"
    assert ca_events(c, "ScaledUpGroup") == []


def test_the_template_node_honours_selectors_and_taints():
    c = kl.Cluster(nodes=0, seed=1)
    gpu = NodeGroup("gpu", max_size=3, capacity=SMALL, labels={"accelerator": "nvidia"},
                    taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}])
    ClusterAutoscaler(c, [NodeGroup("cpu", max_size=3, capacity=SMALL), gpu])
    c.apply(deployment("train", 1, nodeSelector={"accelerator": "nvidia"},
                       tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]))
    c.apply(deployment("web", 1))
    c.run(11)
    # two scale-ups are needed; one node group grows per loop
    c.run(10)
    messages = sorted(e["message"] for e in ca_events(c, "ScaledUpGroup"))
    assert messages == ["Scale-up: setting group cpu size to 1 instead of 0 (max: 3)",
                        "Scale-up: setting group gpu size to 1 instead of 0 (max: 3)"]
    c.run(70)
    train = next(p for p in c.get("pods") if p["metadata"]["labels"]["app"] == "train")
    assert train["spec"]["nodeName"].startswith("gpu-")


def test_expanders_choose_between_node_groups_that_would_help():
    # FAQ "What are Expanders?": most-pods picks the group that would run the most Pods,
    # least-waste the one left with the least idle cpu (then memory), priority the highest
    # priority whose pattern matches the group's name
    def grown(expander, **options):
        c = kl.Cluster(nodes=0, seed=3)
        ClusterAutoscaler(c, [NodeGroup("large", max_size=5, capacity={"cpu": "16", "memory": "64Gi"},
                                        labels={"tier": "big"}),
                              NodeGroup("medium", max_size=5, capacity={"cpu": "4", "memory": "16Gi"})],
                          expander=expander, **options)
        c.apply(deployment("web", 3))          # fits one medium node (1 cpu idle) or one large (12 idle)
        c.apply(deployment("db", 1, nodeSelector={"tier": "big"}))      # only a large node will do
        c.run(11)
        [event] = ca_events(c, "ScaledUpGroup")
        return event["message"].split()[3]
    assert grown("most-pods") == "large"       # 4 Pods against 3
    assert grown("least-waste") == "medium"    # 1/4 idle cpu against 12/16
    assert grown("priority", expander_priorities={10: [".*"], 50: ["large"]}) == "large"
    assert grown("priority", expander_priorities={10: ["large"], 50: ["med.*"]}) == "medium"


def test_the_status_configmap_reports_the_scale_up_in_progress():
    c = kl.Cluster(nodes=0, seed=1)
    ClusterAutoscaler(c, [NodeGroup("workers", max_size=5, capacity=SMALL, boot_delay=60)])
    c.apply(deployment("web", 1))
    c.run(21)
    import yaml
    cm = c.get("configmap", "cluster-autoscaler-status", namespace="kube-system")
    status = yaml.safe_load(cm["data"]["status"])
    assert list(status) == ["time", "autoscalerStatus", "clusterWide", "nodeGroups"]
    assert status["time"] == "2025-01-01 00:00:20 +0000 UTC"
    assert cm["metadata"]["annotations"]["cluster-autoscaler.kubernetes.io/last-updated"] == status["time"]
    assert status["clusterWide"]["scaleUp"]["status"] == "InProgress"
    [group] = status["nodeGroups"]
    assert (group["name"], group["health"]["cloudProviderTarget"], group["health"]["maxSize"]) == ("workers", 1, 5)
    assert group["health"]["nodeCounts"]["unregistered"] == 1

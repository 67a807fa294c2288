"""kube-scheduler end to end through kl.Cluster: messages, preemption, gangs,
custom plugins and explain(). Expected strings are Kubernetes 1.32's
(FitError.Error in pkg/scheduler/framework/types.go, preemption.go)."""
import pytest

import kubelab as kl
from kubelab.api.meta import format_time
from kubelab.node.registration import node_conditions, node_manifest
from kubelab.scheduler import Status


def pod(name, cpu="100m", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": spec.pop("labels", {})},
            "spec": {"containers": [{"name": "c", "image": "nginx",
                                     "resources": {"requests": {"cpu": cpu}}}], **spec}}


def gpu_node(name):
    return {"metadata": {"name": name}, "spec": {"taints": [{"key": "dedicated", "value": "gpu",
                                                              "effect": "NoSchedule"}]}}


def failed_scheduling(c, name):
    return [e["message"] for e in c.events() if e["reason"] == "FailedScheduling"
            and e["involvedObject"]["name"] == name]


def node_of(c, name):
    return c.get("pod", name)["spec"].get("nodeName")


def test_a_pod_that_fits_nowhere_reports_kubernetes_fit_error_and_a_toleration_fixes_it():
    c = kl.Cluster(nodes=[{"metadata": {"name": "node-1"}}, gpu_node("node-2"), gpu_node("node-3")])
    c.apply(pod("busy", cpu="3"))
    c.run()
    c.apply(pod("web-0", cpu="2"))
    c.run()
    # node-1 lacks cpu (Unschedulable: preemption may help, but "busy" has the same
    # priority); the tainted nodes are UnschedulableAndUnresolvable for preemption
    expected = ("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. "
                "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
                "2 Preemption is not helpful for scheduling.")
    assert failed_scheduling(c, "web-0") == [expected]
    condition = next(x for x in c.get("pod", "web-0")["status"]["conditions"] if x["type"] == "PodScheduled")
    assert (condition["status"], condition["reason"], condition["message"]) == ("False", "Unschedulable", expected)

    c.delete("pod", "web-0")
    c.apply(pod("web-0", cpu="2", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu",
                                                "effect": "NoSchedule"}]))
    c.run()
    assert node_of(c, "web-0") in ("node-2", "node-3")
    assert f'Successfully assigned default/web-0 to {node_of(c, "web-0")}' in [e["message"] for e in c.events()]


def test_when_every_node_is_unresolvable_preemption_is_not_helpful_anywhere():
    c = kl.Cluster(nodes=[gpu_node("node-1"), gpu_node("node-2"), gpu_node("node-3")])
    c.apply(pod("web-0"))
    c.run()
    assert failed_scheduling(c, "web-0") == [
        "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."]


def priority_classes(c):
    c.apply([{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "low"},
              "value": 100},
             {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
              "value": 1000},
             {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "polite"},
              "value": 1000, "preemptionPolicy": "Never"}])


def test_a_high_priority_pod_preempts_a_low_priority_one():
    c = kl.Cluster(nodes=1)
    priority_classes(c)
    c.apply(pod("batch", cpu="3", priorityClassName="low"))
    c.run()
    assert node_of(c, "batch") == "node-1"
    watch = c.api.watch("pods", namespace="default", resource_version=c.get("pod", "batch")["metadata"]["resourceVersion"])
    c.apply(pod("urgent", cpu="3", priorityClassName="high"))
    c.run(1)
    urgent = c.get("pod", "urgent")
    assert urgent["status"]["nominatedNodeName"] == "node-1"
    victim = [e["object"] for e in watch.take() if e["object"]["metadata"]["name"] == "batch"][-1]
    assert victim["metadata"]["deletionTimestamp"]                      # deleted gracefully
    target = next(x for x in victim["status"]["conditions"] if x["type"] == "DisruptionTarget")
    assert (target["reason"], target["message"]) == (
        "PreemptionByScheduler", "default-scheduler: preempting to accommodate a higher priority pod")
    assert f'Preempted by pod {urgent["metadata"]["uid"]} on node node-1' in [e["message"] for e in c.events()]
    # the first attempt failed: its message is the plain fit error (preemption succeeded, so no suffix)
    assert failed_scheduling(c, "urgent") == ["0/1 nodes are available: 1 Insufficient cpu."]
    if c.get("pods", selector=None) and "batch" in [p["metadata"]["name"] for p in c.get("pods")] \
            and not getattr(c, "kubelets", None):
        c.delete("pod", "batch", grace_period_seconds=0)    # no kubelet to finish the termination
    c.run()
    assert node_of(c, "urgent") == "node-1"
    assert "batch" not in [p["metadata"]["name"] for p in c.get("pods")]


def test_preemption_policy_never_waits_instead_of_preempting():
    c = kl.Cluster(nodes=1)
    priority_classes(c)
    c.apply(pod("batch", cpu="3", priorityClassName="low"))
    c.run()
    c.apply(pod("patient", cpu="3", priorityClassName="polite"))
    c.run()
    assert failed_scheduling(c, "patient") == [
        "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."]
    assert not c.get("pod", "batch")["metadata"].get("deletionTimestamp")
    c.delete("pod", "batch", grace_period_seconds=0)
    c.run()                                      # the freed cpu moves it out of unschedulablePods
    assert node_of(c, "patient") == "node-1"


GANG_CONFIG = {"profiles": [{"schedulerName": "default-scheduler", "plugins": {
    "multiPoint": {"enabled": [{"name": "Coscheduling"}]},
    "queueSort": {"enabled": [{"name": "Coscheduling"}], "disabled": [{"name": "*"}]}},
    "pluginConfig": [{"name": "Coscheduling", "args": {"permitWaitingTimeSeconds": 10}}]}]}


def gang(c, size, min_member, gated=()):
    c.apply({"apiVersion": "scheduling.x-k8s.io/v1alpha1", "kind": "PodGroup", "metadata": {"name": "train"},
             "spec": {"minMember": min_member}})
    for i in range(size):                      # 3 cpu each: one per 4-cpu node
        extra = {"schedulingGates": [{"name": "hold"}]} if i in gated else {}
        c.apply(pod(f"train-{i}", cpu="3", labels={"scheduling.x-k8s.io/pod-group": "train"}, **extra))


def test_a_gang_of_four_that_fits_only_three_stays_pending_whole_until_a_node_is_added():
    c = kl.Cluster(nodes=3, scheduler_config=GANG_CONFIG)
    gang(c, 4, 4)
    c.run(30)
    assert [node_of(c, f"train-{i}") for i in range(4)] == [None] * 4
    messages = {m for i in range(4) for m in failed_scheduling(c, f"train-{i}")}
    # the 4th member fits nowhere, so Coscheduling's PostFilter rejects the 3 waiting at Permit
    assert "0/1 nodes are available: 1 optimistic rejection in PostFilter." in messages
    assert ("0/3 nodes are available: pre-filter pod train-0 cannot find enough sibling pods, current pods "
            "number: 1, minMember of group: 4. preemption: 0/3 nodes are available: 3 Preemption is not helpful "
            "for scheduling., PodGroup default/train gets rejected due to Pod train-0 is unschedulable even "
            "after PostFilter") in messages
    node = node_manifest("node-4", 4)
    node["status"]["conditions"] = node_conditions(format_time(c.now))
    c.api.create(node)
    c.run(60)
    nodes = [node_of(c, f"train-{i}") for i in range(4)]
    assert None not in nodes and len(set(nodes)) == 4
    assert c.get("podgroup", "train")["status"]["phase"] == "Scheduled"


def test_gang_members_waiting_at_permit_are_released_when_the_timeout_expires():
    c = kl.Cluster(nodes=3, scheduler_config=GANG_CONFIG)
    gang(c, 4, 4, gated={3})                   # the 4th member exists but is not ready to schedule
    c.run(5)
    assert len(c.scheduler.waiting) == 3 and [node_of(c, f"train-{i}") for i in range(3)] == [None] * 3
    c.run(10)                                  # released after 10 s, then they try (and wait) again
    assert [node_of(c, f"train-{i}") for i in range(4)] == [None] * 4
    messages = {m for i in range(3) for m in failed_scheduling(c, f"train-{i}")}
    assert "0/1 nodes are available: 1 rejected due to timeout after waiting 10s at plugin Coscheduling." in messages


class OnlyNodeTwo:
    name = "OnlyNodeTwo"

    def filter(self, state, pod, node_info):
        if node_info.name != "node-2":
            return Status.unschedulable("node(s) are not node-2")
        return None


def test_a_custom_filter_plugin_registered_on_a_cluster_decides_and_shows_in_explain():
    c = kl.Cluster(nodes=3)
    c.scheduler.register_plugin(OnlyNodeTwo)
    c.apply(pod("web-0"))
    c.run()
    assert node_of(c, "web-0") == "node-2"
    c.apply(pod("filler", cpu="3", nodeName="node-2"))
    c.apply(pod("big", cpu="2"))
    c.run()
    # filters run in plugin order: the learner's plugin comes after the defaults
    assert failed_scheduling(c, "big")[0].startswith(
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) are not node-2.")
    rows = {r["node"]: r["filter"] for r in c.explain("big").rows}
    assert rows == {"node-1": "OnlyNodeTwo: node(s) are not node-2", "node-2": "NodeResourcesFit: Insufficient cpu",
                    "node-3": "OnlyNodeTwo: node(s) are not node-2"}


def test_explain_shows_every_nodes_verdict_and_weighted_scores():
    c = kl.Cluster(nodes=[{"metadata": {"name": "node-1"}}, {"metadata": {"name": "node-2"}}, gpu_node("node-3")])
    c.apply(pod("filler", cpu="2", nodeName="node-1"))
    c.apply(pod("web-0", cpu="1"))
    c.run()
    e = c.explain("web-0")
    assert e.chosen == "node-2" == node_of(c, "web-0")
    rows = {r["node"]: r for r in e.rows}
    assert rows["node-3"]["filter"] == "TaintToleration: node(s) had untolerated taint {dedicated: gpu}"
    fit = rows["node-2"]["scores"]["NodeResourcesFit"]
    # LeastAllocated on node-2: cpu (4000-1000)*100/4000 = 75; memory: 200Mi default of
    # 16284Mi allocatable -> 98; (75 + 98) / 2 = 86
    assert (fit["raw"], fit["normalized"], fit["weight"]) == (86, 86, 1)
    assert rows["node-1"]["scores"]["NodeResourcesFit"]["raw"] == 61     # (25 + 98) / 2
    taint = rows["node-2"]["scores"]["TaintToleration"]
    assert (taint["raw"], taint["normalized"], taint["weighted"]) == (0, 100, 300)
    text = str(e)
    assert text.splitlines()[0] == "Pod default/web-0, attempt at 2025-01-01T00:00:00Z, profile default-scheduler: scheduled to node-2"
    assert "node-2 *" in text and "0→100×3" in text
    assert str(c.explain("web-0")) == text and "<table>" in e._repr_html_()


def test_pods_for_another_scheduler_name_are_left_alone():
    c = kl.Cluster(nodes=1)
    c.apply(pod("mine", schedulerName="my-scheduler"))
    c.run()
    assert node_of(c, "mine") is None and failed_scheduling(c, "mine") == []


def test_a_second_profile_schedules_pods_that_name_it_with_its_own_plugins():
    config = {"profiles": [{"schedulerName": "default-scheduler"},
                           {"schedulerName": "packer", "plugins": {"score": {
                               "enabled": [{"name": "NodeResourcesFit", "weight": 2}], "disabled": [{"name": "*"}]}},
                            "pluginConfig": [{"name": "NodeResourcesFit",
                                              "args": {"scoringStrategy": {"type": "MostAllocated"}}}]}]}
    c = kl.Cluster(nodes=3, scheduler_config=config)
    c.apply(pod("first", cpu="1", nodeName="node-3"))
    c.apply(pod("packed", cpu="1", schedulerName="packer"))
    c.run()
    assert node_of(c, "packed") == "node-3"               # MostAllocated: the busiest node
    assert list(c.explain("packed").attempt.scores) == ["NodeResourcesFit"]


@pytest.mark.parametrize("nodes", [0])
def test_no_nodes_means_no_nodes_available(nodes):
    c = kl.Cluster(nodes=nodes)
    c.apply(pod("web-0"))
    c.run()
    assert failed_scheduling(c, "web-0") == ["no nodes available to schedule pods"]

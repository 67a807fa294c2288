"""The node lifecycle controller's NoSchedule tainting pass for cordoned nodes, checked
against Kubernetes v1.32.

Where the expected behaviour comes from: pkg/controller/nodelifecycle/
node_lifecycle_controller.go, doNoScheduleTaintingPass ("if node.Spec.Unschedulable {
taints = append(taints, v1.Taint{Key: v1.TaintNodeUnschedulable, Effect:
v1.TaintEffectNoSchedule})}", run for every node the informer adds or updates), and
pkg/controller/util/node SwapNodeControllerTaint, which stamps ``timeAdded`` on every
taint it adds; the scheduler's filter order (NodeUnschedulable before TaintToleration)
and the DaemonSet controller's toleration of the taint (util.AddOrUpdateDaemonPodTolerations).
"""
import kubelab as kl
from kubelab.controllers.nodelifecycle import UNSCHEDULABLE

DS = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
      "spec": {"selector": {"matchLabels": {"app": "agent"}},
               "template": {"metadata": {"labels": {"app": "agent"}},
                            "spec": {"containers": [{"name": "agent", "image": "busybox",
                                                     "command": ["sleep", "3600"]}]}}}}


def taints(c, node="node-1"):
    return (c.get("node", node).get("spec") or {}).get("taints")


def test_cordon_taints_the_node_unschedulable_and_uncordon_removes_the_taint():
    c = kl.Cluster(nodes=2, seed=0)
    c.run(3)
    c.kubectl("cordon node-1")
    c.run(1)
    assert taints(c) == [{"key": UNSCHEDULABLE, "effect": "NoSchedule", "timeAdded": "2025-01-01T00:00:03Z"}]
    assert "Taints:             node.kubernetes.io/unschedulable:NoSchedule\nUnschedulable:      true\n" in \
        c.kubectl("describe node node-1")
    assert taints(c, "node-2") is None
    c.kubectl("uncordon node-1")
    c.run(1)
    assert taints(c) is None


def test_the_taint_leaves_the_nodes_other_taints_alone():
    c = kl.Cluster(nodes=1, seed=0)
    c.kubectl("taint node node-1 dedicated=gpu:NoSchedule")
    c.kubectl("cordon node-1")
    c.run(1)
    assert [(t["key"], t["effect"]) for t in taints(c)] == [("dedicated", "NoSchedule"), (UNSCHEDULABLE, "NoSchedule")]
    c.kubectl("uncordon node-1")
    c.run(1)
    assert taints(c) == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]


def test_a_spec_written_cordoned_gets_the_taint_too():
    # the controller reacts to the node's spec, however it was set (kubectl cordon patches it)
    c = kl.Cluster(nodes=1, seed=0)
    c.api.patch("nodes", "node-1", {"spec": {"unschedulable": True}}, patch_type="merge")
    c.run(1)
    assert [t["key"] for t in taints(c)] == [UNSCHEDULABLE]


def test_the_scheduler_still_says_the_node_was_unschedulable():
    # NodeUnschedulable runs before TaintToleration and filtering stops at the first rejection
    c = kl.Cluster(nodes=1, seed=0)
    c.kubectl("cordon node-1")
    c.run(1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
             "spec": {"containers": [{"name": "web", "image": "nginx"}]}})
    c.run(5)
    assert [e["message"] for e in c.events() if e.get("reason") == "FailedScheduling"][-1] == (
        "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: "
        "1 Preemption is not helpful for scheduling.")


def test_daemonset_pods_tolerate_the_taint_and_still_run_on_a_cordoned_node():
    c = kl.Cluster(nodes=2, seed=0)
    c.kubectl("cordon node-2")
    c.run(1)
    c.apply(DS)
    c.run(30)
    pods = c.get("pods", selector="app=agent")
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["node-1", "node-2"]
    assert {"key": UNSCHEDULABLE, "operator": "Exists", "effect": "NoSchedule"} in pods[0]["spec"]["tolerations"]


def test_the_taints_of_a_failed_node_carry_the_time_they_were_added():
    # SwapNodeControllerTaint stamps timeAdded on the NoSchedule taint as on the NoExecute one
    c = kl.Cluster(nodes=2, seed=0)
    c.run(10)
    c.fail_node("node-2")
    c.run(70)
    unreachable = [t for t in taints(c, "node-2") if t["key"] == "node.kubernetes.io/unreachable"]
    assert [t["effect"] for t in unreachable] == ["NoSchedule", "NoExecute"]
    assert all(t.get("timeAdded") for t in unreachable)

"""The DaemonSet controller (https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/,
pkg/controller/daemon). Only kube-controller-manager runs: the tests bind each daemon Pod
to the node its affinity pins it to (as the default scheduler does) and write Pod status
(as the kubelet would), the way Kubernetes' controller tests do. The end-to-end test at
the bottom lets the real scheduler and kubelets do it."""
import copy

import pytest
from fake_kubelet import controllers_only, set_status

import kubelab as kl
from kubelab.api.manifests import load_manifests
from kubelab.api.meta import format_time
from kubelab.controllers.controller_utils import is_pod_ready
from kubelab.controllers.daemon_pods import node_should_run, target_node
from kubelab.node.registration import node_conditions, node_manifest

DS = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "fluentd:1"}]
"""


def node(name="node-1", taints=(), labels=None):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"taints": list(taints)}}


def daemonset(**template_spec):
    ds = load_manifests(DS)[0]
    ds["spec"]["template"]["spec"].update(template_spec)
    return ds


def taint(key, effect, value=None):
    return {"key": key, "effect": effect, **({"value": value} if value else {})}


# (case, node, DaemonSet template additions, (should run, should continue running));
# NodeShouldRunDaemonPod and the tolerations every daemon Pod gets
# (https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/#taints-and-tolerations)
SHOULD_RUN = [
    ("a plain node", node(), {}, (True, True)),
    ("an untolerated NoSchedule taint", node(taints=[taint("dedicated", "NoSchedule", "gpu")]), {}, (False, True)),
    ("an untolerated NoExecute taint", node(taints=[taint("dedicated", "NoExecute", "gpu")]), {}, (False, False)),
    ("a PreferNoSchedule taint", node(taints=[taint("dedicated", "PreferNoSchedule")]), {}, (True, True)),
    ("a tolerated taint", node(taints=[taint("dedicated", "NoSchedule", "gpu")]),
     {"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]},
     (True, True)),
    ("a cordoned node", node(taints=[taint("node.kubernetes.io/unschedulable", "NoSchedule")]), {}, (True, True)),
    ("memory pressure", node(taints=[taint("node.kubernetes.io/memory-pressure", "NoSchedule")]), {}, (True, True)),
    ("an unreachable node (NoExecute)", node(taints=[taint("node.kubernetes.io/unreachable", "NoExecute")]), {},
     (True, True)),
    ("a not-ready node (NoSchedule)", node(taints=[taint("node.kubernetes.io/not-ready", "NoSchedule")]), {},
     (False, True)),
    ("network unavailable, pod network", node(taints=[taint("node.kubernetes.io/network-unavailable", "NoSchedule")]),
     {}, (False, True)),
    ("network unavailable, host network", node(taints=[taint("node.kubernetes.io/network-unavailable", "NoSchedule")]),
     {"hostNetwork": True}, (True, True)),
    ("a nodeSelector the node lacks", node(), {"nodeSelector": {"disk": "ssd"}}, (False, False)),
    ("a nodeSelector the node has", node(labels={"disk": "ssd"}), {"nodeSelector": {"disk": "ssd"}}, (True, True)),
    ("required node affinity", node(labels={"zone": "b"}), {"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["a"]}]}]}}}}, (False, False)),
    ("spec.nodeName naming another node", node(), {"nodeName": "node-2"}, (False, False)),
]


@pytest.mark.parametrize("case, node_, template, expected", SHOULD_RUN, ids=[c[0] for c in SHOULD_RUN])
def test_which_nodes_should_run_a_daemon_pod(case, node_, template, expected):
    assert node_should_run(node_, daemonset(**template)) == expected


# -- the controller in a cluster ----------------------------------------------------------

def add_node(c, name, taints=()):
    manifest = node_manifest(name, len(c.get("nodes", namespace=None)) + 1, taints=list(taints))
    manifest["status"]["conditions"] = node_conditions(format_time(c.now))
    c.api.create(manifest)
    c.run(seconds=1)


@pytest.fixture
def c():
    cluster = controllers_only(seed=0)
    for name, taints in (("node-1", ()), ("node-2", ()), ("gpu-1", [taint("dedicated", "NoSchedule", "gpu")])):
        add_node(cluster, name, taints)
    return cluster


def apply(c, ds=None, **template_spec):
    c.apply(ds or daemonset(**template_spec))
    c.run(seconds=1)
    return c.get("ds", "agent")


def pods(c):
    return sorted(c.get("pods"), key=target_node)


def placement(c):
    return {target_node(p): p["spec"]["containers"][0]["image"] for p in c.get("pods")
            if not p["metadata"].get("deletionTimestamp")}


def ready_all(c):
    """Play the scheduler and the kubelets: Pods are bound to their pinned node, start and
    turn Ready; Pods being deleted stop."""
    for pod in c.get("pods"):
        m = pod["metadata"]
        if m.get("deletionTimestamp"):
            c.api.delete("pods", m["name"], grace_period_seconds=0)
            continue
        if not pod["spec"].get("nodeName"):
            c.api.create({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": m["name"]},
                          "target": {"kind": "Node", "name": target_node(pod)}})
        if pod["status"].get("phase") == "Pending":
            set_status(c, pod)
    c.run(seconds=1)


def events(c, name="agent"):
    return [(e["reason"], e["message"]) for e in c.events() if e["involvedObject"]["name"] == name]


def test_one_pod_runs_on_every_node_it_tolerates_pinned_by_node_affinity(c):
    ds = apply(c)
    assert sorted(placement(c)) == ["node-1", "node-2"]           # gpu-1's taint is not tolerated
    pod = pods(c)[0]
    assert pod["metadata"]["name"].startswith("agent-")
    assert pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]}]}
    assert [(t["key"], t["effect"], t.get("tolerationSeconds")) for t in pod["spec"]["tolerations"]] == [
        ("node.kubernetes.io/not-ready", "NoExecute", None), ("node.kubernetes.io/unreachable", "NoExecute", None),
        ("node.kubernetes.io/disk-pressure", "NoSchedule", None),
        ("node.kubernetes.io/memory-pressure", "NoSchedule", None),
        ("node.kubernetes.io/pid-pressure", "NoSchedule", None),
        ("node.kubernetes.io/unschedulable", "NoSchedule", None)]
    (revision,) = c.get("controllerrevisions")
    hash_ = pod["metadata"]["labels"]["controller-revision-hash"]
    assert (revision["metadata"]["name"], revision["revision"]) == (f"agent-{hash_}", 1)
    assert revision["data"]["spec"]["template"]["$patch"] == "replace"
    assert ds["status"] == {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberMisscheduled": 0,
                            "numberReady": 0, "updatedNumberScheduled": 2, "numberUnavailable": 2,
                            "observedGeneration": 1}
    assert [reason for reason, _ in events(c)] == ["SuccessfulCreate", "SuccessfulCreate"]


def test_a_new_node_gets_a_daemon_pod_and_readiness_shows_in_the_status(c):
    apply(c)
    add_node(c, "node-3")
    assert sorted(placement(c)) == ["node-1", "node-2", "node-3"]
    ready_all(c)
    status = c.get("ds", "agent")["status"]
    assert (status["desiredNumberScheduled"], status["numberReady"], status["numberAvailable"]) == (3, 3, 3)
    assert "numberUnavailable" not in status


def test_a_toleration_lets_the_daemonset_onto_a_tainted_node(c):
    apply(c, tolerations=[{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}])
    assert sorted(placement(c)) == ["gpu-1", "node-1", "node-2"]


def test_a_node_that_stops_matching_the_node_selector_loses_its_pod(c):
    for name in ("node-1", "node-2"):
        c.api.patch("nodes", name, {"metadata": {"labels": {"logging": "on"}}}, namespace=None)
    apply(c, nodeSelector={"logging": "on"})
    c.api.patch("nodes", "node-2", {"metadata": {"labels": {"logging": None}}}, namespace=None, patch_type="merge")
    c.run(seconds=1)
    assert sorted(placement(c)) == ["node-1"]
    assert events(c)[-1][0] == "SuccessfulDelete"


def test_a_noexecute_taint_evicts_the_daemon_pod_but_noschedule_only_stops_new_ones(c):
    apply(c)
    c.api.patch("nodes", "node-1", {"spec": {"taints": [taint("maintenance", "NoSchedule")]}},
                namespace=None, patch_type="merge")
    c.run(seconds=1)
    assert sorted(placement(c)) == ["node-1", "node-2"]             # may continue running ...
    assert c.get("ds", "agent")["status"]["numberMisscheduled"] == 1  # ... but is not wanted there
    c.api.patch("nodes", "node-2", {"spec": {"taints": [taint("maintenance", "NoExecute")]}},
                namespace=None, patch_type="merge")
    c.run(seconds=1)
    assert sorted(placement(c)) == ["node-1"]


def test_a_failed_daemon_pod_is_deleted_and_replaced(c):
    apply(c)
    failed = pods(c)[0]
    set_status(c, failed, ready=False, phase="Failed")
    c.run(seconds=2)
    assert ("FailedDaemonPod", f'Found failed daemon pod default/{failed["metadata"]["name"]} on node node-1, '
            "will try to kill it") in events(c)
    assert sorted(placement(c)) == ["node-1", "node-2"]
    assert failed["metadata"]["name"] not in [p["metadata"]["name"] for p in c.get("pods")]


def update_image(c, image, **rolling):
    ds = c.get("ds", "agent")
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = image
    if rolling:
        ds["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": rolling}
    c.api.update(ds)
    c.run(seconds=0.5)


def test_a_rolling_update_replaces_one_unavailable_pod_at_a_time(c):
    apply(c)
    add_node(c, "node-3")
    ready_all(c)
    update_image(c, "fluentd:2")
    unavailable = []
    for _ in range(8):
        ready_all(c)
        ready = [p for p in c.get("pods") if is_pod_ready(p) and not p["metadata"].get("deletionTimestamp")]
        unavailable.append(3 - len(ready))
    # maxUnavailable 1 (the default): one node at a time is without a ready daemon Pod
    assert max(unavailable) == 1 and unavailable[-1] == 0
    assert sorted(placement(c).values()) == ["fluentd:2"] * 3
    revisions = sorted((r["revision"], r["metadata"]["name"]) for r in c.get("controllerrevisions"))
    assert [n for n, _ in revisions] == [1, 2]
    status = c.get("ds", "agent")["status"]
    assert (status["updatedNumberScheduled"], status["numberAvailable"], status["observedGeneration"]) == (3, 3, 2)


def test_a_surging_rolling_update_starts_the_new_pod_before_deleting_the_old(c):
    apply(c)
    ready_all(c)
    update_image(c, "fluentd:2", maxSurge=1, maxUnavailable=0)
    images = sorted(p["spec"]["containers"][0]["image"] for p in c.get("pods"))
    assert images == ["fluentd:1", "fluentd:1", "fluentd:2"]        # one extra Pod, nothing taken down
    ready_all(c)
    ready_all(c)
    ready_all(c)
    assert sorted(placement(c).values()) == ["fluentd:2", "fluentd:2"]


def test_on_delete_updates_only_pods_someone_deletes(c):
    ds = daemonset()
    ds["spec"]["updateStrategy"] = {"type": "OnDelete"}
    apply(c, ds)
    ready_all(c)
    update_image(c, "fluentd:2")
    c.run(seconds=2)
    assert sorted(placement(c).values()) == ["fluentd:1", "fluentd:1"]
    victim = pods(c)[0]
    c.api.delete("pods", victim["metadata"]["name"], grace_period_seconds=0)
    c.run(seconds=1)
    assert placement(c) == {"node-1": "fluentd:2", "node-2": "fluentd:1"}


def test_daemon_pods_tolerate_an_unavailable_network_only_with_host_network(c):
    apply(c, hostNetwork=True)
    keys = [t["key"] for t in pods(c)[0]["spec"]["tolerations"]]
    assert keys[-1] == "node.kubernetes.io/network-unavailable"


def test_the_templates_own_node_affinity_is_replaced_by_the_pin(c):
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-1", "node-2"]}]}]}}}
    template = copy.deepcopy(affinity)
    apply(c, affinity=template)
    assert sorted(placement(c)) == ["node-1", "node-2"]
    terms = pods(c)[0]["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"] == [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                            "values": ["node-1"]}]}]
    assert c.get("ds", "agent")["spec"]["template"]["spec"]["affinity"] == affinity


def test_old_revisions_beyond_the_history_limit_are_deleted_unless_a_pod_uses_them(c):
    ds = daemonset()
    ds["spec"]["revisionHistoryLimit"] = 1
    apply(c, ds)
    ready_all(c)
    for image in ("fluentd:2", "fluentd:3", "fluentd:4"):
        update_image(c, image)
        for _ in range(5):
            ready_all(c)
    revisions = sorted(r["revision"] for r in c.get("controllerrevisions"))
    assert revisions == [3, 4]                # the current one and one old one
    assert sorted(placement(c).values()) == ["fluentd:4", "fluentd:4"]


# -- end to end: the scheduler places the daemon Pods, the kubelets run them ---------------------

def test_end_to_end_a_daemonset_covers_every_tolerated_node_including_new_ones():
    c = kl.Cluster(nodes=[{"metadata": {"name": "node-1"}}, {"metadata": {"name": "node-2"}},
                          {"metadata": {"name": "gpu-1"}, "spec": {"taints": [taint("dedicated", "NoSchedule", "gpu")]}}],
                   seed=0)
    c.apply(daemonset(containers=[{"name": "agent", "image": "nginx:1.25"}]))
    c.run(seconds=20)
    running = {p["spec"]["nodeName"]: p["status"]["phase"] for p in c.get("pods")}
    assert running == {"node-1": "Running", "node-2": "Running"}          # not on the tainted node
    status = c.get("ds", "agent")["status"]
    assert (status["desiredNumberScheduled"], status["numberReady"], status["numberAvailable"]) == (2, 2, 2)
    add_node(c, "node-3")                    # a Node object only: no kubelet runs its Pods
    c.run(seconds=1)
    placed = {p["spec"].get("nodeName") for p in c.get("pods")}
    assert placed == {"node-1", "node-2", "node-3"}                        # the scheduler bound it there

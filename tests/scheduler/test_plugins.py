"""Default plugins, table-driven: Filter verdicts with Kubernetes' reason
strings and Score arithmetic from pkg/scheduler/framework/plugins (v1.32)."""
import pytest

from kubelab.node.registration import node_manifest
from kubelab.scheduler import CycleState, NodeInfo, PodInfo, Status
from kubelab.scheduler.cache import Cache
from kubelab.scheduler.plugins import (BalancedAllocation, InterPodAffinity, NodeAffinity, NodeName, NodePorts,
                                       NodeResourcesFit, NodeUnschedulable, PodTopologySpread, TaintToleration)
from kubelab.scheduler.plugins.helper import default_normalize_score
from kubelab.scheduler.resources import pod_requests

GI = 2**30
MI = 2**20


def make_pod(name="p", cpu=None, memory=None, labels=None, namespace="default", **spec):
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    containers = spec.pop("containers", [{"name": "c", "image": "nginx", "resources": {"requests": requests}}])
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}", "labels": labels or {}},
            "spec": {"containers": containers, **spec}, "status": {"phase": "Pending"}}


def make_node(name="node-1", cpu="4", memory="16Gi", pods="110", labels=None, taints=None, unschedulable=False):
    node = node_manifest(name, 1, capacity={"cpu": cpu, "memory": memory, "pods": pods}, labels=labels,
                         taints=taints)
    node["status"]["allocatable"] = dict(node["status"]["capacity"])     # no reservations: round numbers
    if unschedulable:
        node["spec"]["unschedulable"] = True
    return node


class FakeHandle:
    def __init__(self, *node_infos):
        self.snapshot = Cache()
        for ni in node_infos:
            self.snapshot.add_node(ni.node)
            for pi in ni.pods.values():
                self.snapshot.add_pod(pi, ni.name)

    def namespace_labels(self, namespace):
        return {}


def node_info(node=None, *pods):
    ni = NodeInfo(node or make_node())
    for p in pods:
        ni.add_pod(PodInfo(dict(p, spec=dict(p["spec"], nodeName=ni.name))))
    return ni


def run_filter(plugin, pod, ni, handle=None):
    plugin.handle = handle or FakeHandle(ni)
    state = CycleState()
    if hasattr(plugin, "pre_filter"):
        status = plugin.pre_filter(state, pod)
        if status is not None and status.code == Status.skip().code:
            return "skip"
    return plugin.filter(state, pod, ni)


# -- resources ------------------------------------------------------------------
@pytest.mark.parametrize("containers, init, overhead, cpu_m", [
    # plain containers add up
    ([("200m", None), ("300m", None)], [], None, 500),
    # an init container's peak wins when larger: max(500m, 1)
    ([("200m", None), ("300m", None)], [("1", None)], None, 1000),
    # KEP-753: a sidecar (restartPolicy Always) runs with the containers and with the init containers
    # after it: max(200m+300m+100m, 1000m+100m) = 1100m
    ([("200m", None), ("300m", None)], [("100m", "Always"), ("1", None)], None, 1100),
    # pod overhead is added on top
    ([("200m", None)], [], {"cpu": "250m"}, 450),
])
def test_pod_requests_follow_the_init_container_and_sidecar_rules(containers, init, overhead, cpu_m):
    spec = {"containers": [{"name": f"c{i}", "resources": {"requests": {"cpu": c}}} for i, (c, _) in enumerate(containers)],
            "initContainers": [dict({"name": f"i{i}", "resources": {"requests": {"cpu": c}}},
                                    **({"restartPolicy": r} if r else {})) for i, (c, r) in enumerate(init)]}
    if overhead:
        spec["overhead"] = overhead
    assert pod_requests({"spec": spec}).milli_cpu == cpu_m


def test_containers_without_requests_count_as_100m_and_200mi_only_for_scoring():
    # schedutil.DefaultMilliCPURequest / DefaultMemoryRequest
    p = make_pod(containers=[{"name": "a"}, {"name": "b", "resources": {"requests": {"cpu": "0"}}}])
    assert (pod_requests(p).milli_cpu, pod_requests(p).memory) == (0, 0)
    assert (pod_requests(p, non_zero=True).milli_cpu, pod_requests(p, non_zero=True).memory) == (100, 400 * MI)


# -- NodeResourcesFit -------------------------------------------------------------------
@pytest.mark.parametrize("pod, node, existing, reasons", [
    (make_pod(cpu="1"), make_node(cpu="4"), [make_pod("a", cpu="3")], None),
    (make_pod(cpu="2"), make_node(cpu="4"), [make_pod("a", cpu="3")], ["Insufficient cpu"]),
    (make_pod(cpu="2", memory="2Gi"), make_node(cpu="4", memory="1Gi"), [make_pod("a", cpu="3")],
     ["Insufficient cpu", "Insufficient memory"]),
    (make_pod(), make_node(pods="1"), [make_pod("a")], ["Too many pods"]),
    (make_pod(containers=[{"name": "c", "resources": {"requests": {"nvidia.com/gpu": "1"}}}]), make_node(), [],
     ["Insufficient nvidia.com/gpu"]),
])
def test_node_resources_fit_reasons(pod, node, existing, reasons):
    status = run_filter(NodeResourcesFit(), pod, node_info(node, *existing))
    assert status == (Status.unschedulable(*reasons) if reasons else None)


def score_with(plugin, pod, *node_infos):
    plugin.handle = FakeHandle(*node_infos)
    state = CycleState()
    plugin.pre_score(state, pod, list(node_infos))
    return plugin.score_nodes(state, pod, list(node_infos))


def test_least_allocated_scores_the_emptier_node_higher():
    # leastRequestedScore = (capacity - requested) * 100 / capacity, averaged with weights 1:1.
    # node-1 (1 cpu used): cpu (4000-1500)*100/4000 = 62, memory (16Gi-2Gi)*100/16Gi = 87 -> (62+87)/2 = 74
    # node-2 (empty):      cpu (4000-500)*100/4000 = 87,  memory (16Gi-1Gi)*100/16Gi = 93   -> 90
    pod = make_pod(cpu="500m", memory="1Gi")
    busy = node_info(make_node("node-1"), make_pod("a", cpu="1", memory="1Gi"))
    assert score_with(NodeResourcesFit(), pod, busy, node_info(make_node("node-2"))) == [74, 90]


def test_most_allocated_prefers_the_busier_node():
    # mostRequestedScore = requested * 100 / capacity: node-1 cpu 1500*100/4000 = 37, memory 12 -> 24;
    # node-2 cpu 12, memory 6 -> 9
    args = {"scoringStrategy": {"type": "MostAllocated"}}
    pod = make_pod(cpu="500m", memory="1Gi")
    busy = node_info(make_node("node-1"), make_pod("a", cpu="1", memory="1Gi"))
    assert score_with(NodeResourcesFit(args), pod, busy, node_info(make_node("node-2"))) == [24, 9]


def test_balanced_allocation_prefers_equal_cpu_and_memory_use():
    # fractions cpu (1000+1000)/4000 = 0.5, memory (1Gi+2Gi)/16Gi = 0.1875; std = 0.15625;
    # int((1 - 0.15625) * 100) = 84. Empty node: 0.25 vs 0.125 -> int(93.75) = 93
    pod = make_pod(cpu="1", memory="2Gi")
    busy = node_info(make_node("node-1"), make_pod("a", cpu="1", memory="1Gi"))
    assert score_with(BalancedAllocation(), pod, busy, node_info(make_node("node-2"))) == [84, 93]


# -- TaintToleration, NodeUnschedulable, NodeName, NodeAffinity, NodePorts ---------------------------------
GPU = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]


@pytest.mark.parametrize("tolerations, expected", [
    ([], Status.unresolvable("node(s) had untolerated taint {dedicated: gpu}")),
    ([{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}], None),
    ([{"operator": "Exists"}], None),
    ([{"key": "dedicated", "operator": "Equal", "value": "cpu"}],
     Status.unresolvable("node(s) had untolerated taint {dedicated: gpu}")),
])
def test_taint_toleration_filter(tolerations, expected):
    assert run_filter(TaintToleration(), make_pod(tolerations=tolerations),
                      node_info(make_node(taints=GPU))) == expected


def test_taint_toleration_scores_fewest_intolerable_prefer_no_schedule_taints_best():
    prefer = [{"key": f"k{i}", "value": "v", "effect": "PreferNoSchedule"} for i in range(2)]
    nodes = [node_info(make_node("node-1")), node_info(make_node("node-2", taints=prefer[:1])),
             node_info(make_node("node-3", taints=prefer))]
    raw = score_with(TaintToleration(), make_pod(), *nodes)
    # counts 0, 1, 2; DefaultNormalizeScore(reverse): 100 - 100*count/2
    assert raw == [0, 1, 2] and default_normalize_score(100, True, raw) == [100, 50, 0]


def test_node_unschedulable_and_node_name_reasons():
    cordoned = node_info(make_node(unschedulable=True))
    assert run_filter(NodeUnschedulable(), make_pod(), cordoned) == Status.unresolvable("node(s) were unschedulable")
    tolerant = make_pod(tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                                      "effect": "NoSchedule"}])
    assert run_filter(NodeUnschedulable(), tolerant, cordoned) is None
    assert run_filter(NodeName(), make_pod(nodeName="node-9"), node_info()) == \
        Status.unresolvable("node(s) didn't match the requested node name")
    assert run_filter(NodeName(), make_pod(), node_info()) == "skip"


@pytest.mark.parametrize("spec, fits", [
    ({"nodeSelector": {"disk": "ssd"}}, True),
    ({"nodeSelector": {"disk": "hdd"}}, False),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["hdd"]}]},
        {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["8"]}]}]}}}}, True),   # ORed terms
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "disk", "operator": "NotIn", "values": ["ssd"]}]}]}}}}, False),
])
def test_node_affinity_filter(spec, fits):
    ni = node_info(make_node(labels={"disk": "ssd", "cores": "16"}))
    expected = None if fits else Status.unresolvable("node(s) didn't match Pod's node affinity/selector")
    assert run_filter(NodeAffinity(), make_pod(**spec), ni) == expected


def test_host_ports_conflict_on_the_same_protocol_and_port():
    holder = make_pod("a", containers=[{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080}]}])
    ni = node_info(make_node(), holder)
    want = make_pod(containers=[{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080}]}])
    udp = make_pod(containers=[{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}]}])
    assert run_filter(NodePorts(), want, ni) == Status.unschedulable(
        "node(s) didn't have free ports for the requested pod ports")
    assert run_filter(NodePorts(), udp, ni) is None
    assert run_filter(NodePorts(), make_pod(), ni) == "skip"


# -- PodTopologySpread, InterPodAffinity -------------------------------------------------------------
def zone_nodes(counts):
    """One node per zone, with ``count`` pods labelled app=web on it."""
    out = []
    for i, (zone, count) in enumerate(counts.items()):
        pods = [make_pod(f"{zone}-{j}", labels={"app": "web"}) for j in range(count)]
        out.append(node_info(make_node(f"node-{i}", labels={"topology.kubernetes.io/zone": zone}), *pods))
    return out


def test_topology_spread_rejects_the_domain_that_would_exceed_max_skew():
    # zones a, b, c hold 2, 1, 0 matching pods; maxSkew 1; global min 0:
    # a: 2 + 1 - 0 = 3 > 1 (rejected), b: 1 + 1 - 0 = 2 > 1 (rejected), c: 0 + 1 - 0 = 1 (fits)
    nodes = zone_nodes({"a": 2, "b": 1, "c": 0})
    pod = make_pod(labels={"app": "web"}, topologySpreadConstraints=[{
        "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "web"}}}])
    plugin = PodTopologySpread()
    plugin.handle = FakeHandle(*nodes)
    state = CycleState()
    plugin.pre_filter(state, pod)
    verdicts = [plugin.filter(state, pod, ni) for ni in nodes]
    reject = Status.unschedulable("node(s) didn't match pod topology spread constraints")
    assert verdicts == [reject, reject, None]
    unlabelled = node_info(make_node("node-x"))
    assert plugin.filter(state, pod, unlabelled) == Status.unresolvable(
        "node(s) didn't match pod topology spread constraints (missing required label)")


def test_inter_pod_anti_affinity_and_affinity_reasons():
    nodes = zone_nodes({"a": 1, "b": 0})
    term = {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "topology.kubernetes.io/zone"}
    anti = make_pod(affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}})
    near = make_pod(affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}})
    plugin = InterPodAffinity()
    plugin.handle = FakeHandle(*nodes)
    for pod, expected in ((anti, [Status.unschedulable("node(s) didn't match pod anti-affinity rules"), None]),
                          (near, [None, Status.unresolvable("node(s) didn't match pod affinity rules")])):
        state = CycleState()
        plugin.pre_filter(state, pod)
        assert [plugin.filter(state, pod, ni) for ni in nodes] == expected

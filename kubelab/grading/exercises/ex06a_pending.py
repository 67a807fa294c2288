"""ex06a.pending (chapter 6, scheduling): three Pending Pods, fixed by changing only their manifests.

The cluster is fixed: two general nodes (node-1 with ``disk=ssd``, node-2 with
``disk=hdd``, each already running 1 CPU of other work) and a GPU node
(``accelerator=nvidia-t4``, tainted ``dedicated=gpu:NoSchedule``). Three Pods
are Pending, each for a different reason: ``trainer`` (a taint), ``cache`` (an
affinity) and ``report`` (its requests). The answer is the three manifests,
fixed so that each runs where it is meant to, by the scheduler's own decision.
"""
from __future__ import annotations

from .. import scenario
from ..framework import Exercise, Fail

PODS = ("trainer", "cache", "report")

#: the Pending Pods as the learner gets them (the notebook shows the same YAML)
BROKEN = """\
apiVersion: v1
kind: Pod
metadata: {name: trainer}
spec:
  nodeSelector: {accelerator: nvidia-t4}
  containers:
  - name: train
    image: registry.k8s.io/pause:3.10
    resources: {requests: {cpu: "2", memory: 4Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: cache}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: disktype, operator: In, values: [ssd]}
  containers:
  - name: redis
    image: redis:7.4
    resources: {requests: {cpu: 500m, memory: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: report}
spec:
  containers:
  - name: report
    image: registry.k8s.io/pause:3.10
    resources: {requests: {cpu: "6", memory: 2Gi}}   # it peaks at 2.5 CPUs
"""

MIN_REPORT_CPU = 2500          # millicores the report job uses at peak


def nodes(*, cordon: tuple[str, ...] = ()) -> list[dict]:
    def node(name, labels, cpu, memory, taints=()):
        return {"metadata": {"name": name, "labels": labels},
                "spec": {"taints": list(taints), "unschedulable": name in cordon},
                "status": {"capacity": {"cpu": cpu, "memory": memory, "pods": "110"}}}
    return [node("node-1", {"disk": "ssd"}, "4", "16Gi"), node("node-2", {"disk": "hdd"}, "4", "16Gi"),
            node("gpu-1", {"accelerator": "nvidia-t4"}, "8", "32Gi",
                 [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])]


def _cluster(cordon: tuple[str, ...] = ()):
    c = scenario.cluster(nodes(cordon=cordon))
    for name in ("node-1", "node-2"):        # the work already running there
        scenario.apply(c, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"busy-{name}"},
                           "spec": {"nodeName": name, "containers": [{
                               "name": "busy", "image": "registry.k8s.io/pause:3.10",
                               "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]}})
    return c


def _prepare(answer) -> dict:
    objects = scenario.load(answer)
    pods = {o.get("metadata", {}).get("name"): o for o in objects if o.get("kind") == "Pod"}
    missing = [p for p in PODS if p not in pods]
    if missing or len(objects) != len(PODS):
        raise Fail(f"the answer must hold exactly the Pods {', '.join(PODS)}; missing: {', '.join(missing) or '-'}",
                   "Keep the three Pods' names; change their manifests only.")
    scenario.apply(_cluster(), list(pods.values()))
    return pods


def _placed(pods: dict, cordon: tuple[str, ...] = ()):
    c = _cluster(cordon)
    scenario.apply(c, [pods[p] for p in PODS])
    c.run(30)
    return c


def _node_of(c, name: str) -> str | None:
    return c.get("pod", name)["spec"].get("nodeName")


def _require_on(c, name: str, allowed: tuple[str, ...]) -> None:
    node = _node_of(c, name)
    if node is None:
        raise Fail(scenario.scheduling_failure(c, name))
    if node not in allowed:
        raise Fail(f"pod/{name} runs on {node}, which it is not meant for")


EXERCISE = Exercise("ex06a.pending", "three Pending Pods", chapter="06-scheduling", prepare=_prepare,
                    playground=lambda answer: _placed(_prepare(answer if answer is not None else BROKEN)))


@EXERCISE.check("trainer", "trainer runs on the GPU node",
                hint="The GPU node is tainted dedicated=gpu:NoSchedule: a Pod must tolerate the taint "
                     "(key, operator Equal, value, effect) to be placed there.")
def trainer(pods):
    _require_on(_placed(pods), "trainer", ("gpu-1",))


@EXERCISE.check("cache", "cache runs on the SSD node",
                hint="Compare the affinity's key with the nodes' labels (kubectl get nodes --show-labels).")
def cache(pods):
    _require_on(_placed(pods), "cache", ("node-1",))


@EXERCISE.check("report", "report runs on a general node",
                hint="A Pod fits a node only if its requests fit the node's allocatable minus what is "
                     "already requested there (kubectl describe node: Allocated resources). Request what "
                     "the job uses.")
def report(pods):
    _require_on(_placed(pods), "report", ("node-1", "node-2"))


@EXERCISE.check("no-shortcuts", "the scheduler places all three, with no blanket tolerations", hidden=True,
                hint="spec.nodeName skips the scheduler (and its checks); a toleration with operator Exists "
                     "and no key tolerates every taint. Fix the cause instead.")
def no_shortcuts(pods):
    c = _placed(pods)
    for name in PODS:
        _require_on(c, name, ("node-1", "node-2", "gpu-1"))
        spec = pods[name].get("spec") or {}
        if spec.get("nodeName"):
            raise Fail(f"pod/{name} sets spec.nodeName, so the scheduler never decided")
        if any(t.get("operator") == "Exists" and not t.get("key") for t in spec.get("tolerations") or []):
            raise Fail(f"pod/{name} tolerates every taint")


@EXERCISE.check("same-intent", "each Pod still asks for what it needs", hidden=True,
                hint="Keep each Pod's intent: trainer only on GPU nodes, cache only on SSD nodes, report "
                     "requesting the CPU it uses at peak.")
def same_intent(pods):
    c = _placed(pods, cordon=("gpu-1", "node-1"))     # where trainer and cache belong is full
    for name in ("trainer", "cache"):
        if _node_of(c, name):
            raise Fail(f"with its own node unavailable, pod/{name} ran on {_node_of(c, name)} instead")
    _require_on(c, "report", ("node-2",))
    cpu = _millicores(((pods["report"]["spec"]["containers"][0].get("resources") or {}).get("requests") or {})
                      .get("cpu", "0"))
    if cpu < MIN_REPORT_CPU:
        raise Fail(f"pod/report requests {cpu}m CPU, less than the {MIN_REPORT_CPU}m it uses at peak")


def _millicores(value) -> int:
    from ...api.quantity import parse_quantity

    return int(parse_quantity(str(value)).milli_value())

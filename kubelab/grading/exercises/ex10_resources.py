"""ex10.resources (chapter 10, Resource management): requests and limits under a quota and a LimitRange.

Namespace ``team-a`` has a ResourceQuota ``compute`` and a LimitRange ``bounds``
(given, not the learner's), and two nodes that other teams already use. It runs
two Deployments of ``registry.example.com/shop`` (:mod:`kubelab.node.labapps`):
``api`` (3 replicas, 250m CPU, 200 MiB of memory that peaks at 300 MiB for 10 s
of every minute) and ``batch`` (2 replicas, 100m CPU, 150 MiB). The answer is
the two Deployments with their containers' ``resources``; the checks take those
(nothing else) and put them on the exercise's own Deployments.

What Kubernetes (v1.32) does with them, and the checks watch: the LimitRanger
admission plugin fills in the range's defaults and refuses a container outside
its min, max or maxLimitRequestRatio (``memory max limit to request ratio per
Container is 2, but provided ratio is 4.000000``); the ResourceQuota plugin
refuses a Pod that would take a namespace total over ``hard`` (``exceeded quota:
compute, requested: ..., used: ..., limited: ...``), and the ReplicaSet
controller reports both as ``FailedCreate``; a Pod whose every container has
limits equal to its requests for CPU and memory is Guaranteed
(``ComputePodQOS``); memory above the limit is OOM-killed and CPU above it
throttled; the scheduler counts requests against what is left on a node; the
kubelet evicts under memory pressure the Pods using more than they request
first (``rankMemoryPressure``); a rolling update's surge Pod is charged against
the quota like any other.
"""
from __future__ import annotations

import copy

from ...api.quantity import QuantityError, parse_quantity
from .. import scenario
from ..framework import Exercise, Fail

NAMESPACE = "team-a"
IMAGE = "registry.example.com/shop:1.4"
REPLICAS = {"api": 3, "batch": 2}
#: what the two programs use (the env of registry.example.com/shop)
BEHAVIOUR = {"api": {"CPU": "250m", "MEMORY": "200Mi", "MEMORY_PEAK": "300Mi"},
             "batch": {"CPU": "100m", "MEMORY": "150Mi"}}
API_CPU, API_PEAK = 250, 300            # millicores, MiB

QUOTA = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "compute", "namespace": NAMESPACE},
         "spec": {"hard": {"requests.cpu": "2", "requests.memory": "2Gi", "limits.cpu": "4",
                           "limits.memory": "3Gi", "pods": "8"}}}
LIMIT_RANGE = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "bounds", "namespace": NAMESPACE},
               "spec": {"limits": [{"type": "Container",
                                    "min": {"cpu": "50m", "memory": "64Mi"},
                                    "max": {"cpu": "1", "memory": "1Gi"},
                                    "maxLimitRequestRatio": {"cpu": "4", "memory": "2"},
                                    "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                                    "default": {"cpu": "200m", "memory": "256Mi"}}]}}
#: the other teams' Pods on each node: 800m CPU is left for team-a per node
OTHERS = {"cpu": "1200m", "memory": "1Gi"}

QUOTA_HINT = ("The quota caps the namespace's totals: every line of `kubectl describe quota compute -n team-a` "
              "must hold the requests (and limits) of all five Pods together.")
RATIO_HINT = ("The LimitRange's maxLimitRequestRatio bounds limit ÷ request per container: memory at most 2×, "
              "CPU at most 4×.")
RANGE_HINT = "Each container's requests and limits must lie between the LimitRange's min and max."
DEFAULT_HINT = ("A container that sets a request but no limit gets the LimitRange's default limit; a request "
                "above that default is invalid. Set both.")
QOS_HINT = ("A Pod is Guaranteed only if every container has CPU and memory limits and its requests equal "
            "them (requests left out default to the limits).")
OOM_HINT = ("Memory is not compressible: a container over its memory limit is OOM-killed, however briefly. "
            "The limit must cover the peak, not the average.")
CPU_HINT = ("CPU above the limit is throttled: the kernel gives the container only its limit's worth of each "
            "100 ms period. For a Guaranteed Pod the request is the limit, so request what the api uses.")
SCHEDULING_HINT = ("The scheduler places a Pod only where its requests fit in what the node has left "
                   "(kubectl describe node: Allocated resources). Request what the app uses, not more.")


# -- the answer ------------------------------------------------------------------
def _prepare(answer) -> dict:
    objects = scenario.load(answer)
    deployments = {(o.get("metadata") or {}).get("name"): o for o in objects if o.get("kind") == "Deployment"}
    missing = [name for name in REPLICAS if name not in deployments]
    if missing:
        found = ", ".join(f"{o.get('kind')} {(o.get('metadata') or {}).get('name')}" for o in objects)
        raise Fail(f"the answer holds {found}; it must hold the Deployments api and batch",
                   "Keep the two given Deployments, api and batch; change only their containers' resources.")
    resources = {name: _resources(deployments[name], name) for name in REPLICAS}
    if not any(resources.values()):
        raise Fail("neither api nor batch sets any resources yet: the answer is still the stub",
                   "Set resources.requests and resources.limits for the api container (and think about batch's).")
    scenario.apply(_team_a([], others=False), [_deployment(name, resources[name]) for name in REPLICAS],
                   what="your Deployments")
    return resources


def _resources(deployment: dict, name: str) -> dict:
    spec = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
    containers = spec.get("containers") or []
    if len(containers) != 1 or not isinstance(containers[0], dict):
        raise Fail(f"Deployment {name} must have exactly one container (the given one)",
                   "Keep the given container; change only its resources.")
    resources = containers[0].get("resources") or {}
    if not isinstance(resources, dict) or set(resources) - {"requests", "limits"}:
        raise Fail(f"Deployment {name}: resources must hold only requests and limits, not {sorted(resources)}",
                   "resources: {requests: {cpu: ..., memory: ...}, limits: {cpu: ..., memory: ...}}")
    for part in ("requests", "limits"):
        values = resources.get(part) or {}
        if not isinstance(values, dict):
            raise Fail(f"Deployment {name}: resources.{part} must be a map such as {{cpu: 250m, memory: 256Mi}}")
        for key, value in values.items():
            try:
                parse_quantity(str(value))
            except QuantityError:
                raise Fail(f"Deployment {name}: resources.{part}.{key}: {value!r} is not a quantity",
                           "Quantities look like 250m or 0.25 (CPU) and 256Mi or 1Gi (memory).") from None
    return {k: dict(v) for k, v in resources.items() if v}


def _deployment(name: str, resources: dict, *, replicas: int | None = None, env: dict | None = None) -> dict:
    behaviour = dict(BEHAVIOUR[name], WARMUP_SECONDS="3", **(env or {}))
    container = {"name": name, "image": IMAGE, "env": [{"name": k, "value": v} for k, v in sorted(behaviour.items())],
                 "resources": copy.deepcopy(resources)}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"replicas": REPLICAS[name] if replicas is None else replicas,
                     "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}}}}


# -- the cluster -----------------------------------------------------------------
def _nodes(memory: str = "4Gi", count: int = 2, cpu: str = "2") -> list[dict]:
    return [{"metadata": {"name": f"node-{i}"}, "status": {"capacity": {"cpu": cpu, "memory": memory, "pods": "110"}}}
            for i in range(1, count + 1)]


def _team_a(nodes=None, *, others: bool = True):
    """A cluster with namespace team-a, its quota and LimitRange, and the other teams' Pods."""
    c = scenario.cluster(nodes if nodes is not None else _nodes())
    c.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in (NAMESPACE, "ops")])
    c.apply([QUOTA, LIMIT_RANGE])
    if others:
        for node in c.get("nodes"):
            name = node["metadata"]["name"]
            c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"monitoring-{name}", "namespace": "ops"},
                     "spec": {"nodeName": name, "containers": [{"name": "agent", "image": "registry.k8s.io/pause:3.10",
                                                                "resources": {"requests": OTHERS}}]}})
    c.run(5)                              # the quota controller fills in status.used
    return c


def _running(resources: dict, c=None, **deployments):
    """Apply both Deployments (``deployments`` overrides: name -> _deployment kwargs) and let them start."""
    c = c or _team_a()
    scenario.apply(c, [_deployment(name, resources[name], **deployments.get(name, {})) for name in REPLICAS],
                   what="your Deployments")
    c.run(30)
    return c


def _pods(c, name: str) -> list[dict]:
    return scenario.running_pods(c, NAMESPACE, selector=f"app={name}")


def _failed_create(c, deployment: str, replica_set: str | None = None) -> str:
    """The ReplicaSet controller's last FailedCreate message for the Deployment's (or one
    of its ReplicaSets') Pods."""
    def ours(name: str) -> bool:
        return name == replica_set if replica_set else name.startswith(deployment + "-")
    messages = [e["message"] for e in c.events(NAMESPACE) if e["reason"] == "FailedCreate"
                and ours(e["involvedObject"]["name"])]
    text = messages[-1] if messages else ""
    return text.removeprefix("(combined from similar events): ").removeprefix("Error creating: ")


def _admission_hint(message: str) -> str | None:
    if "exceeded quota" in message:
        return QUOTA_HINT
    if "limit to request ratio" in message:
        return RATIO_HINT
    if "usage per Container" in message:
        return RANGE_HINT
    if "must be less than or equal to" in message:
        return DEFAULT_HINT
    return None


def _require_admitted(c, wanted: dict = REPLICAS) -> None:
    for name, replicas in wanted.items():
        pods = _pods(c, name)
        if len(pods) < replicas:
            message = _failed_create(c, name)
            raise Fail(f"deployment/{name} has {len(pods)} of its {replicas} Pods"
                       + (f"; the ReplicaSet controller says: {message}" if message else ""), _admission_hint(message))


def _require_scheduled(c) -> None:
    for name in REPLICAS:
        for pod in _pods(c, name):
            if not pod["spec"].get("nodeName"):
                raise Fail(scenario.scheduling_failure(c, pod["metadata"]["name"], NAMESPACE), SCHEDULING_HINT)


def _require_no_restarts(c, pod: dict) -> None:
    """Fail with ``kubectl describe``'s Last State of a container that was restarted."""
    cs = next(iter((pod.get("status") or {}).get("containerStatuses") or []), {})
    if not cs.get("restartCount"):
        return
    last = (cs.get("lastState") or {}).get("terminated") or {}
    raise Fail(f"{scenario.pod_line(pod)}; Last State: Terminated, Reason: {last.get('reason')}, Exit Code: "
               f"{last.get('exitCode')}; its resources: {_resources_of(c, pod)}",
               OOM_HINT if last.get("reason") == "OOMKilled" else None)


def _resources_of(c, pod: dict) -> str:
    """The container's resources as the API server stored them (LimitRange defaults included)."""
    return c.kubectl(f"get pod {pod['metadata']['name']} -n {NAMESPACE} -o jsonpath={{.spec.containers[0].resources}}")


def _millis(value) -> int:
    return parse_quantity(str(value)).milli_value()


def _playground(answer=None):
    """Both Deployments in team-a with the answer's resources (none for the stub), 30 s in."""
    try:
        resources = _prepare(answer)
    except Fail as f:
        if answer is not None and "still the stub" not in f.reason:
            raise
        resources = {name: {} for name in REPLICAS}
    return _running(resources)


EXERCISE = Exercise("ex10.resources", "requests and limits for two workloads under a quota",
                    chapter="10-resource-management", prepare=_prepare, playground=_playground)


@EXERCISE.check("admitted", "all five Pods pass the LimitRange and fit in the quota", hint=QUOTA_HINT)
def admitted(resources):
    _require_admitted(_running(resources))


@EXERCISE.check("guaranteed", "the api Pods are in the Guaranteed QoS class", hint=QOS_HINT)
def guaranteed(resources):
    c = _running(resources)
    _require_admitted(c)
    for pod in _pods(c, "api"):
        qos = (pod.get("status") or {}).get("qosClass")
        if qos != "Guaranteed":
            raise Fail(f"pod/{pod['metadata']['name']} is {qos}; its resources, as admitted: {_resources_of(c, pod)}")


@EXERCISE.check("peak", f"the api gets through its {API_PEAK} MiB memory peak and its {API_CPU}m of CPU "
                        "without being OOM-killed or throttled", hint=OOM_HINT)
def peak(resources):
    c = _running(resources)
    _require_admitted(c)
    _require_scheduled(c)
    c.run(60)                               # the api's first memory peak: 60 s after it opened, for 10 s
    for name in REPLICAS:
        for pod in _pods(c, name):
            _require_no_restarts(c, pod)
    pod = _pods(c, "api")[0]
    limit = ((pod["spec"]["containers"][0].get("resources") or {}).get("limits") or {}).get("cpu")
    if limit is not None and _millis(limit) < API_CPU:
        top = c.kubectl(f"top pod {pod['metadata']['name']} -n {NAMESPACE}").splitlines()[-1]
        raise Fail(f"the api wants {API_CPU}m of CPU but its limit is {limit}: `kubectl top pod` shows "
                   f"`{' '.join(top.split())}`, the rest of each 100 ms period it is throttled", CPU_HINT)


@EXERCISE.check("schedulable", "every Pod finds room on the two nodes (800m CPU is left on each)",
                hint=SCHEDULING_HINT)
def schedulable(resources):
    c = _running(resources)
    _require_admitted(c)
    _require_scheduled(c)


@EXERCISE.check("pressure", "when batch grows to its memory limit on a full node, the kubelet evicts batch, "
                            "never api", hidden=True,
                hint="Under memory pressure the kubelet evicts first the Pods that use more than they request, "
                     "then by priority, then by how far over their request they are. A Pod that stays within its "
                     "requests is the last candidate.")
def pressure(resources):
    requested = _requests(resources)
    batch_limit = _batch_memory_limit(resources)
    # one node that fits one api Pod and both batch Pods by their requests, and no more
    memory = requested["api"] + 2 * requested["batch"] + (100 + 32) * 2**20
    c = _team_a(_nodes(memory=str(memory), count=1, cpu="8"), others=False)
    grow = {"MEMORY": str(max(batch_limit - 8 * 2**20, 150 * 2**20))}
    c = _running(resources, c, api={"replicas": 1}, batch={"env": grow})
    _require_admitted(c, {"api": 1, "batch": 2})
    c.run(120)
    for event in c.events(NAMESPACE):
        if event["reason"] == "Evicted" and event["involvedObject"]["name"].startswith("api-"):
            raise Fail(f"pod/{event['involvedObject']['name']} was evicted: {event['message'].strip()}")
    for pod in _pods(c, "api"):
        _require_no_restarts(c, pod)


def _requests(resources: dict) -> dict:
    """Each Pod's memory request in bytes, as admitted (LimitRange defaults filled in)."""
    c = _team_a([], others=False)
    scenario.apply(c, [_deployment(name, resources[name], replicas=1) for name in REPLICAS])
    c.run(10)
    out = {}
    for name in REPLICAS:
        pods = _pods(c, name)
        if not pods:                    # refused: say so as the public checks do
            _require_admitted(_running(resources))
            _require_admitted(c, {"api": 1, "batch": 1})
        requests = (pods[0]["spec"]["containers"][0].get("resources") or {}).get("requests") or {}
        out[name] = parse_quantity(requests.get("memory", "0")).value()
    return out


def _batch_memory_limit(resources: dict) -> int:
    limits = (resources.get("batch") or {}).get("limits") or {}
    return parse_quantity(limits.get("memory") or LIMIT_RANGE["spec"]["limits"][0]["default"]["memory"]).value()


@EXERCISE.check("rollout", "a rolling update of api goes through: its surge Pod fits too", hidden=True,
                hint="A rolling update adds a new Pod before it removes an old one (maxSurge: 25% of 3 rounds "
                     "up to 1), and the quota and the nodes count that Pod like any other. Leave room for it.")
def rollout(resources):
    c = _running(resources)
    _require_admitted(c)
    _require_scheduled(c)
    c.kubectl(f"set image deployment/api api={IMAGE.rsplit(':', 1)[0]}:1.4.3 -n {NAMESPACE}")
    c.run(120)
    status = c.get("deployment", "api", namespace=NAMESPACE).get("status") or {}
    if status.get("updatedReplicas") == status.get("replicas") == status.get("availableReplicas") == REPLICAS["api"]:
        return
    stuck = [p for p in _pods(c, "api") if not p["spec"].get("nodeName")]
    message = _failed_create(c, "api", _new_replica_set(c))
    if message:
        why = f"the ReplicaSet controller says: {message}"
    elif stuck:
        why = scenario.scheduling_failure(c, stuck[0]["metadata"]["name"], NAMESPACE)
    else:
        why = c.kubectl(f"rollout status deployment/api -n {NAMESPACE} --timeout=1s").strip()
    raise Fail(f"2 minutes after `kubectl set image deployment/api`, the rollout is stuck at "
               f"{status.get('updatedReplicas', 0)} of {REPLICAS['api']} new Pods; {why}")


def _new_replica_set(c) -> str:
    sets = c.get("replicasets", namespace=NAMESPACE, selector="app=api")
    newest = max(sets, key=lambda rs: int(rs["metadata"].get("annotations", {})
                                          .get("deployment.kubernetes.io/revision", "0")))
    return newest["metadata"]["name"]


"""ex13.survive (chapter 13, high availability): a service that survives a zone outage,
node maintenance and the loss of control-plane machines.

Concepts: topology spread across failure domains (``topology.kubernetes.io/zone``),
readiness probes, PodDisruptionBudgets and the Eviction API (``kubectl drain``),
and etcd's quorum (⌊n/2⌋ + 1 of n members).

The cluster has six nodes in three zones of unequal size (zone-a: 3 nodes,
zone-b: 2, zone-c: 1). The app ``checkout`` (a given container that warms up
for about a minute before it listens on 8080) must keep at least 4 Pods **serving**
at every moment. The answer is ``{"manifests": YAML, "etcd_members": n}``: a
Deployment ``checkout``, a Service ``checkout`` and whatever else it needs (a
PodDisruptionBudget), and the size of a stacked control plane (one etcd member
per control-plane machine) that keeps accepting writes with any two machines
down, and is no larger than that needs.

What "serving" means here, precisely: an endpoint of Service ``checkout`` that
its EndpointSlice marks ready (kube-proxy sends it traffic) *and* whose Pod
really listens on the endpoint's port (the Pod's sandbox is alive and its server
is up). The checks count serving endpoints at every Pod and EndpointSlice event,
and right after every failure they inject.
"""
from __future__ import annotations

from ...api.labels import selector_from_label_selector
from ...client import Informer
from ...store.quorum import QuorumStore
from .. import scenario
from ..framework import Exercise, Fail

APP = "checkout"
NEEDED = 4                      # Pods that must serve at every moment
TOLERATED = 2                   # control-plane machines that may be down at once
ZONE = "topology.kubernetes.io/zone"
ZONES = {"zone-a": ("node-a1", "node-a2", "node-a3"), "zone-b": ("node-b1", "node-b2"), "zone-c": ("node-c1",)}
IMAGE = "python:3.12"
COMMAND = ["sh", "-c", "sleep 60; exec python -m http.server 8080"]
DRAIN = "--ignore-daemonsets --delete-emptydir-data --timeout=300s"
SETTLE = 120                    # seconds for the Deployment to come up (image pull, warm-up, probes)
# The node lifecycle controller notices a dead node after --node-monitor-grace-period (50 s);
# taint eviction removes its Pods after their 300 s toleration for node.kubernetes.io/unreachable.
ZONE_OUTAGE = 420

SPREAD_HINT = ("Spread the Pods over the zones, not only over the nodes: a topologySpreadConstraint on "
               f"{ZONE} with maxSkew 1 (whenUnsatisfiable: DoNotSchedule) keeps the zones within one Pod "
               "of each other, however many nodes each zone has.")
READINESS_HINT = ("A Pod without a readiness probe is Ready as soon as its container starts, before the app "
                  "listens; the Service sends it traffic and the PodDisruptionBudget counts it as healthy. "
                  "Probe the port the app serves (httpGet on 8080).")
PDB_HINT = ("kubectl drain evicts through the Eviction API, which refuses (429) only what a "
            "PodDisruptionBudget forbids: one that selects checkout's Pods and keeps at least 4 of them "
            "available (minAvailable, or maxUnavailable counted from the replicas).")
QUORUM_HINT = ("etcd serves only while a quorum, floor(n/2) + 1 of its n members, is up: n members tolerate "
               "n - quorum failures. Count how many members must stay up when two are down.")


def pods(n: int, what: str = "") -> str:
    """``1 checkout Pod``, ``3 checkout Pods``."""
    return f"{n} {what}Pod{'' if n == 1 else 's'}"


def serve(n: int, what: str) -> str:
    """``1 checkout Pod serves``, ``3 checkout Pods serve``."""
    return f"{pods(n, what)} {'serves' if n == 1 else 'serve'}"


def nodes() -> list[dict]:
    return [{"metadata": {"name": name, "labels": {ZONE: zone}}}
            for zone, names in ZONES.items() for name in names]


def _zone_of(node: str) -> str:
    return next(zone for zone, names in ZONES.items() if node in names)


# -- reading the answer ---------------------------------------------------------------

def _prepare(answer) -> dict:
    if answer is None or answer is ...:
        raise Fail("`answer` is still the stub: there is nothing to check yet",
                   'Set answer = {"manifests": <YAML>, "etcd_members": <a number>}.')
    if not isinstance(answer, dict) or set(answer) - {"manifests", "etcd_members"}:
        raise Fail(f"`answer` must be a dict with the keys manifests and etcd_members, not {_shape(answer)}",
                   'Set answer = {"manifests": <YAML>, "etcd_members": <a number>}.')
    objects = scenario.load(answer.get("manifests"), what="answer['manifests']")
    by_kind = {(o.get("kind"), (o.get("metadata") or {}).get("name")): o for o in objects}
    deployment = by_kind.get(("Deployment", APP))
    if deployment is None:
        raise Fail("answer['manifests'] holds no Deployment named checkout",
                   "Keep the Deployment checkout from the stub and complete it.")
    container = next((x for x in ((deployment.get("spec") or {}).get("template") or {}).get("spec", {})
                      .get("containers") or [] if x.get("name") == APP), None)
    if container is None or container.get("image") != IMAGE or container.get("command") != COMMAND:
        raise Fail("container checkout is not the one given (its image and command must stay as in the stub)",
                   "Keep the checkout container's image and command; add to it (probes), do not replace it.")
    if ("Service", APP) not in by_kind:
        raise Fail("answer['manifests'] holds no Service named checkout yet",
                   "Add a Service checkout that sends port 80 to the Pods' port 8080.")
    members = answer.get("etcd_members")
    if members is None or members is ...:
        raise Fail("etcd_members is not set yet", "Give the number of etcd members (control-plane machines).")
    if not isinstance(members, int) or isinstance(members, bool) or not 1 <= members <= 15:
        raise Fail(f"etcd_members must be a whole number from 1 to 15, not {members!r}",
                   "Give the number of etcd members (control-plane machines).")
    scenario.apply(scenario.cluster(nodes()), objects, what="answer['manifests']")
    return {"objects": objects, "etcd_members": members}


def _shape(answer) -> str:
    return f"a dict with the keys {sorted(answer)}" if isinstance(answer, dict) else f"a {type(answer).__name__}"


# -- watching what serves ---------------------------------------------------------------

def serving(c, service: str = APP, namespace: str = "default", slices=None) -> tuple[list[str], list[str]]:
    """The endpoints of ``service`` that serve (ready and listening) and those that are ready
    but do not listen, as ``pod (ip:port)``, sorted."""
    items = slices.list(namespace) if slices is not None else c.get("endpointslices", namespace=namespace)
    up, deaf = [], []
    for s in items:
        if (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name") != service:
            continue
        ports = [p.get("port") for p in s.get("ports") or [] if p.get("port")]
        for e in s.get("endpoints") or []:
            if not (e.get("conditions") or {}).get("ready"):
                continue
            pod = (e.get("targetRef") or {}).get("name", "?")
            for ip in e.get("addresses") or []:
                sandbox = c.network.sandboxes.get(ip)
                listening = sandbox is not None and bool(ports) and all(p in sandbox.listeners for p in ports)
                (up if listening else deaf).append(f"{pod} ({ip}:{','.join(map(str, ports)) or '-'})")
    return sorted(up), sorted(deaf)


class Watch:
    """The fewest serving endpoints of a Service at any Pod or EndpointSlice event (and whenever
    :meth:`look` is called), with the moment and what served then."""

    def __init__(self, c, service: str = APP, *, namespace: str = "default"):
        self.c, self.service, self.namespace = c, service, namespace
        self.start = c.clock.seconds
        self.fewest: int | None = None
        self.when, self.phase, self.where, self.deaf, self.up = "", "", "", [], []
        self.slices = Informer(c.api, "endpointslices", loop=c.loop, owner="grader", namespace=namespace)
        self.pods = Informer(c.api, "pods", loop=c.loop, owner="grader", namespace=namespace)
        for informer in (self.slices, self.pods):
            informer.start()
        c.run(0)
        for informer in (self.slices, self.pods):
            informer.add_handler(self.look, lambda old, new: self.look(), self.look)
        self.look()

    def look(self, *_) -> None:
        up, deaf = serving(self.c, self.service, self.namespace, self.slices)
        if self.fewest is None or len(up) < self.fewest:
            self.fewest, self.up, self.deaf = len(up), up, deaf
            self.when = f"{self.c.clock.seconds - self.start:.0f} s"
            self.where = self.phase


# -- the scenarios ---------------------------------------------------------------------

def _deployed(objects: list[dict], *, seconds: float = SETTLE):
    c = scenario.cluster(nodes())
    scenario.apply(c, objects, what="answer['manifests']")
    c.run(seconds)
    return c


def app_pods(c, name: str = APP) -> list[dict]:
    """The Pods Deployment ``name`` selects, not being deleted, sorted by name."""
    selector = selector_from_label_selector((c.get("deployment", name).get("spec") or {}).get("selector"))
    return [p for p in scenario.running_pods(c) if selector.matches(p["metadata"].get("labels") or {})]


def _per_zone(c) -> dict[str, int]:
    """Ready checkout Pods per zone."""
    counts = {zone: 0 for zone in ZONES}
    for pod in app_pods(c):
        if pod["spec"].get("nodeName") and scenario.is_ready(pod):
            counts[_zone_of(pod["spec"]["nodeName"])] += 1
    return counts


def _zones_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{zone} {n}" for zone, n in counts.items())


def _require_running(c) -> None:
    want = (c.get("deployment", APP).get("spec") or {}).get("replicas", 1)
    owned = app_pods(c)
    for pod in owned:
        if not pod["spec"].get("nodeName"):
            why = scenario.scheduling_failure(c, pod["metadata"]["name"])
            raise Fail(why, "A required rule that no node can meet leaves Pods Pending: required podAntiAffinity "
                            "per zone allows one Pod per zone, 3 in all; spread with maxSkew instead."
                       if "anti-affinity" in why else None)
        if not scenario.is_ready(pod):
            raise Fail(f"{scenario.pod_line(pod)}: {scenario.container_trouble(c, pod)}")
    up, deaf = serving(c)
    if deaf and not up:
        raise Fail(f"Service checkout has {len(deaf)} ready endpoints, but nothing listens on their port: "
                   f"{deaf[0]}", "The Service's targetPort must be the port the app listens on (8080).")
    if len(up) < min(want, len(owned)):
        raise Fail(f"{serve(len(up), 'checkout ')} behind Service checkout ({pods(len(owned))}, {want} replicas)",
                   "The Service's selector must match the Pods' labels, and its targetPort the app's 8080.")
    if len(up) < NEEDED:
        raise Fail(f"{serve(len(up), 'checkout ')} behind Service checkout; the load needs {NEEDED}",
                   f"Run enough replicas: {NEEDED} must serve even when some are lost.")


def _zone_outage(objects):
    """Fail every node of the zone serving the most Pods; watch for the next seven minutes."""
    c = _deployed(objects)
    _require_running(c)
    counts = _per_zone(c)
    zone = max(counts, key=lambda z: (counts[z], -list(ZONES).index(z)))
    watch = Watch(c)
    watch.phase = zone
    for node in ZONES[zone]:
        c.fail_node(node)
    watch.look()
    c.run(ZONE_OUTAGE)
    return c, watch, zone, counts


def _maintained(objects):
    c = _deployed(objects)
    _require_running(c)
    watch = Watch(c)
    drains = []
    for node in [n for names in ZONES.values() for n in names]:
        watch.phase = f"kubectl drain {node}"
        out = c.kubectl(f"drain {node} {DRAIN}")
        if out.returncode:
            drains.append((node, out.stderr.strip().splitlines()[-1]))
        c.kubectl(f"uncordon {node}")
    c.run(30)
    return c, watch, drains


def _budgets(c) -> list[dict]:
    """The PodDisruptionBudgets whose selector matches a checkout Pod."""
    running = app_pods(c)
    return [b for b in c.get("poddisruptionbudgets")
            if any(selector_from_label_selector(b["spec"].get("selector")).matches(p["metadata"].get("labels") or {})
                   for p in running)]


# -- the control plane -------------------------------------------------------------------

def _control_plane(members: int):
    """A stacked control plane: machine i runs kube-apiserver-i, kube-scheduler-i,
    kube-controller-manager-i and etcd member i. Two machines fail, the leader's first;
    after each, a write (kubectl scale). Returns (writes that failed, what kubectl said)."""
    store = QuorumStore(members)
    c = scenario.cluster(1, store=store, control_plane_replicas=members) if members > 1 else \
        scenario.cluster(1, store=store)
    scenario.apply(c, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": APP},
                       "spec": {"replicas": 1, "selector": {"matchLabels": {"app": APP}},
                                "template": {"metadata": {"labels": {"app": APP}},
                                             "spec": {"containers": [{"name": APP, "image": "nginx:1.27"}]}}}})
    c.run(5)
    said = []
    for k in range(1, TOLERATED + 1):
        if store.up == 0:
            said.append((k, "every control-plane machine is down"))
            break
        machine = store.leader if store.leader is not None else min(set(range(members)) - store.down)
        if members > 1:
            for component in ("kube-apiserver", "kube-scheduler", "kube-controller-manager"):
                c.stop(f"{component}-{machine}")
        store.stop(machine)
        if members == 1:
            said.append((k, "the only control-plane machine is down: there is no API server to ask"))
            break
        out = c.kubectl(f"scale deployment {APP} --replicas={k + 1}")
        if out.returncode:
            said.append((k, str(out).strip()))
            break
    return said


def _require_survives(members: int) -> None:
    failed = _control_plane(members)
    if failed:
        k, text = failed[0]
        raise Fail(f"with {k} of {members} control-plane machines down, a write failed: {text}")


# -- the exercise ----------------------------------------------------------------------

def _playground(answer):
    return _deployed(_prepare(answer)["objects"])


EXERCISE = Exercise("ex13.survive", "a service that survives failures", chapter="13-high-availability",
                    prepare=_prepare, playground=_playground)


@EXERCISE.check("runs", f"checkout's Pods are Ready and at least {NEEDED} serve behind Service checkout",
                hint="Check the Service's selector and targetPort, and that every Pod can be scheduled.")
def runs(answer):
    c = _deployed(answer["objects"])
    _require_running(c)


@EXERCISE.check("spread", "no zone holds more than one checkout Pod more than another", hint=SPREAD_HINT)
def spread(answer):
    c = _deployed(answer["objects"])
    _require_running(c)
    counts = _per_zone(c)
    if max(counts.values()) - min(counts.values()) > 1:
        raise Fail(f"Ready checkout Pods per zone: {_zones_text(counts)} (zone-a has 3 nodes, zone-b 2, "
                   "zone-c 1)")


@EXERCISE.check("zone-outage", f"with a whole zone down, at least {NEEDED} Pods keep serving",
                hint=f"Once a zone is gone, the other zones alone must hold {NEEDED} Pods: count the Pods the "
                     "fullest zone takes with it.")
def zone_outage(answer):
    c, watch, zone, counts = _zone_outage(answer["objects"])
    if watch.fewest < NEEDED:
        hint = SPREAD_HINT if max(counts.values()) - min(counts.values()) > 1 else None
        raise Fail(f"Ready checkout Pods per zone were {_zones_text(counts)}; with every node of {zone} failed, "
                   f"only {pods(watch.fewest)} served at one moment ({watch.when} after the failure): "
                   f"{', '.join(watch.up) or 'none'}", hint)


@EXERCISE.check("maintenance", f"draining the nodes one after another keeps at least {NEEDED} Pods serving",
                hint=PDB_HINT)
def maintenance_check(answer):
    c, watch, _ = _maintained(answer["objects"])
    if watch.fewest >= NEEDED:
        return
    reason = (f"during `{watch.where}`, only {pods(watch.fewest, 'checkout ')} served at one moment "
              f"({watch.when} into the maintenance)")
    if watch.deaf:
        reason += f"; Ready but not listening yet: {', '.join(watch.deaf)}"
    budgets = _budgets(c)
    if not budgets:
        raise Fail(reason + "; no PodDisruptionBudget selects checkout's Pods", PDB_HINT)
    if watch.deaf:
        raise Fail(reason, READINESS_HINT)
    raise Fail(reason + f"; PodDisruptionBudget {budgets[0]['metadata']['name']} allowed it", PDB_HINT)


@EXERCISE.check("drains-finish", "every drain of the maintenance finishes", hidden=True,
                hint="A budget that allows no disruption at all (minAvailable equal to the replicas, or "
                     "maxUnavailable 0) makes every drain wait forever: a node could never be maintained. Leave "
                     "room for the Pods you can spare.")
def drains_finish(answer):
    c, _, drains = _maintained(answer["objects"])
    if drains:
        node, said = drains[0]
        budgets = _budgets(c)
        extra = ""
        if budgets:
            b = budgets[0]
            status = b.get("status") or {}
            extra = (f"; PodDisruptionBudget {b['metadata']['name']}: {status.get('currentHealthy', 0)} healthy, "
                     f"{status.get('desiredHealthy', 0)} desired, {status.get('disruptionsAllowed', 0)} "
                     "disruptions allowed")
        raise Fail(f"`kubectl drain {node} --timeout=300s` gave up: {said}{extra}")


@EXERCISE.check("quorum", f"the control plane keeps accepting writes with {TOLERATED} machines down",
                hint=QUORUM_HINT)
def quorum(answer):
    _require_survives(answer["etcd_members"])


@EXERCISE.check("smallest", "and no smaller control plane would do",
                hint="An even number of members tolerates no more failures than the odd number just below "
                     "it (4 members need 3 up, and so do 5), and every extra member makes the quorum each write "
                     "waits for larger. Take the smallest size that survives.")
def smallest(answer):
    members = answer["etcd_members"]
    _require_survives(members)
    if members > 1 and not _control_plane(members - 1):
        raise Fail(f"a control plane of {members - 1} machines also keeps accepting writes with {TOLERATED} "
                   f"down; the {members}th etcd member buys nothing")

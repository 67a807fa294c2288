"""ex09.probes (chapter 9, Monitoring): startup, readiness and liveness probes for a slow, sometimes stuck app.

Deployment ``shop`` runs two replicas of ``registry.example.com/shop`` (the lab's
own web shop, :mod:`kubelab.node.labapps`) behind Service ``shop``. The shop
loads its catalogue for 45 to 90 s (usually about 60) before its port 8080
answers; now and then its request workers deadlock, and then ``/healthz`` stops
answering while the process stays up; ``/ready`` answers 503 while a replica is
drained (``touch /tmp/drain``). The answer is the Deployment with the container's
three probes. The checks take those probes, and nothing else, put them on the
shop's own Deployment with the warm-up and deadlock each scenario needs, and
watch the Pods, their restarts and the Service's endpoints.

The semantics are the kubelet's (pkg/kubelet/prober/worker.go, v1.32): until a
startupProbe succeeds, liveness and readiness probes do not run; a result flips
after failureThreshold failures (successThreshold successes) in a row; a
liveness or startup failure kills the container ("Container shop failed liveness
probe, will be restarted"); a readiness failure only marks the Pod not Ready,
which takes it out of the Service's endpoints. An httpGet probe that gets no
answer within timeoutSeconds fails ("context deadline exceeded"); a hung server
still accepts TCP connections, so a tcpSocket probe passes.
"""
from __future__ import annotations

import copy

from ...api.meta import parse_time
from ...client import Informer
from .. import scenario
from ..framework import Exercise, Fail

IMAGE = "registry.example.com/shop:1.4"
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
#: the warm-up: usually TYPICAL seconds, never more than SLOWEST; FAST and SLOW are the checks' variants
TYPICAL, SLOWEST, FAST, SLOW = 60, 90, 45, 88
#: the deadlock comes DEADLOCK s after the shop opened (QUICK_DEADLOCK in the hidden check)
DEADLOCK, QUICK_DEADLOCK = 30, 20
#: the bounds the exercise states: restart after a deadlock, Ready after it answers, out when drained
RESTART_WITHIN, READY_WITHIN, DRAIN_WITHIN = 60, 30, 40

WARMUP_HINT = ("Until a startupProbe succeeds, the kubelet runs neither the liveness nor the readiness "
               "probe. Without one, a liveness probe starts after initialDelaySeconds and kills a shop "
               "that is still warming up.")
STARTUP_HINT = ("A startupProbe gives the container failureThreshold × periodSeconds (after "
                "initialDelaySeconds) to start; after that many failures in a row the kubelet kills it. "
                "Make that budget cover the slowest warm-up the exercise states.")
READY_HINT = ("A readiness probe must ask the shop where it says it is ready: which port does it listen "
              "on, and which path reports readiness?")
LIVENESS_HINT = ("Only a failing liveness (or startup) probe makes the kubelet restart a container; a "
                 "readiness failure just takes the Pod out of the Service.")
TCP_HINT = ("A deadlocked server still holds its listening socket, and the kernel still accepts connections "
            "for it: a tcpSocket probe passes. Ask the shop a question it has to answer.")


def _prepare(answer) -> dict:
    objects = scenario.load(answer)
    deployments = [o for o in objects if o.get("kind") == "Deployment"]
    if len(deployments) != 1 or (deployments[0].get("metadata") or {}).get("name") != "shop":
        found = ", ".join(f"{o.get('kind')} {(o.get('metadata') or {}).get('name')}" for o in objects)
        raise Fail(f"the answer holds {found}; the exercise asks for the Deployment shop",
                   "Keep the given Deployment shop and add the probes to its container.")
    spec = ((deployments[0].get("spec") or {}).get("template") or {}).get("spec") or {}
    container = next((x for x in spec.get("containers") or [] if isinstance(x, dict) and x.get("name") == "shop"), None)
    if container is None:
        raise Fail("Deployment shop has no container named shop", "Keep the given container shop as it is.")
    probes = {k: container[k] for k in PROBES if container.get(k) is not None}
    if not probes:
        raise Fail("container shop has no probes yet: the answer is still the stub",
                   "Add a startupProbe, a readinessProbe and a livenessProbe to container shop.")
    scenario.apply(scenario.cluster(0), [_deployment(probes, warmup=TYPICAL), SERVICE],
                   what="the Deployment with your probes")
    return probes


SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop"},
           "spec": {"selector": {"app": "shop"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}


def _deployment(probes: dict, *, warmup: int, deadlock: int | None = None) -> dict:
    env = [{"name": "WARMUP_SECONDS", "value": str(warmup)}]
    if deadlock is not None:
        env.append({"name": "DEADLOCK_AFTER", "value": str(deadlock)})
    container = {"name": "shop", "image": IMAGE, "ports": [{"name": "http", "containerPort": 8080}], "env": env}
    container.update(copy.deepcopy(probes))
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "shop"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "shop"}},
                     "template": {"metadata": {"labels": {"app": "shop"}}, "spec": {"containers": [container]}}}}


def _run(probes: dict, *, warmup: int, deadlock: int | None = None):
    c = scenario.cluster(1)
    scenario.apply(c, [_deployment(probes, warmup=warmup, deadlock=deadlock), SERVICE])
    return c


# -- what the cluster shows -----------------------------------------------------
def _pods(c) -> list[dict]:
    return scenario.running_pods(c, selector="app=shop")


def _status(pod: dict) -> dict:
    return next(iter((pod.get("status") or {}).get("containerStatuses") or []), {})


def _at(c, stamp: str) -> float:
    """A timestamp as seconds on the cluster's clock."""
    return (parse_time(stamp) - c.clock.start).total_seconds()


def _started(c, pod: dict) -> float:
    """When the Pod's current shop container started (not yet: now)."""
    state = _status(pod).get("state") or {}
    stamp = (state.get("running") or state.get("terminated") or {}).get("startedAt")
    return _at(c, stamp) if stamp else c.clock.seconds


def _story(c, pod: dict) -> str:
    """``pod/shop-...: Running, 0/1 ready, 2 restarts``, then the kubelet's last word on it."""
    name = pod["metadata"]["name"]
    last = {}
    for e in c.events():
        if e["involvedObject"].get("name") == name and e["reason"] in ("Killing", "Unhealthy"):
            last[e["reason"]] = e["message"].strip()
    said = "; ".join(f"{reason}: {message}" for reason, message in sorted(last.items()))
    return scenario.pod_line(pod) + (f" ({said})" if said else "")


def _endpoints(c) -> str:
    """``kubectl get endpoints shop``'s ENDPOINTS column."""
    line = c.kubectl("get endpoints shop").splitlines()[-1].split()
    return line[1] if len(line) == 3 else "<none>"


def _ready_in_service(c) -> set[str]:
    """The Pods endpoints/shop sends traffic to."""
    ep = c.get("endpoints", "shop")
    return {a["targetRef"]["name"] for s in ep.get("subsets") or [] for a in s.get("addresses") or []
            if a.get("targetRef")}


def _require_no_restarts(c, when: str) -> None:
    for pod in _pods(c):
        if _status(pod).get("restartCount", 0):
            story = _story(c, pod)
            raise Fail(f"{when}, {story}", STARTUP_HINT if "failed startup probe" in story else WARMUP_HINT)


def _require_ready(c, when: str) -> None:
    for pod in _pods(c):
        if not scenario.is_ready(pod):
            raise Fail(f"{when}, {_story(c, pod)}; endpoints/shop: {_endpoints(c)}", READY_HINT)


class _EndpointWatch:
    """When each Pod first appeared among endpoints/shop's ready addresses."""

    def __init__(self, c):
        self.c, self.first = c, {}
        self.informer = Informer(c.api, "endpoints", loop=c.loop, owner="grader")
        self.informer.start()
        self.informer.add_handler(self._look, lambda old, new: self._look(new), None)

    def _look(self, ep: dict) -> None:
        if ep["metadata"]["name"] != "shop":
            return
        for subset in ep.get("subsets") or []:
            for address in subset.get("addresses") or []:
                name = (address.get("targetRef") or {}).get("name")
                self.first.setdefault(name, self.c.clock.seconds)


class _FirstLife:
    """Each Pod's first shop container, as its status reported it once it had ended."""

    def __init__(self, c):
        self.c, self.ended = c, {}
        self.informer = Informer(c.api, "pods", loop=c.loop, owner="grader")
        self.informer.start()
        self.informer.add_handler(self._look, lambda old, new: self._look(new), None)

    def _look(self, pod: dict) -> None:
        terminated = (_status(pod).get("lastState") or {}).get("terminated")
        if terminated:
            self.ended.setdefault(pod["metadata"]["name"], terminated)

    def span(self, pod: dict) -> tuple[float, float | None]:
        """(when the first container started, when it was killed or None)."""
        first = self.ended.get(pod["metadata"]["name"])
        if first is None:
            return _started(self.c, pod), None
        return _at(self.c, first["startedAt"]), _at(self.c, first["finishedAt"])


def _survives_warmup(probes: dict, warmup: int) -> None:
    c = _run(probes, warmup=warmup)
    c.run(warmup + 45)
    when = f"{warmup + 45} s after the Deployment was created (the shop answers after a {warmup} s warm-up)"
    _require_no_restarts(c, when)
    _require_ready(c, when)


def _restarted_in_time(probes: dict, warmup: int, deadlock: int) -> None:
    c = _run(probes, warmup=warmup, deadlock=deadlock)
    life = _FirstLife(c)
    c.run(warmup + deadlock + RESTART_WITHIN + 15)
    for pod in _pods(c):
        started, killed = life.span(pod)
        stuck = started + warmup + deadlock
        if killed is not None and killed < stuck:
            raise Fail(f"the shop was killed before it deadlocked: {_story(c, pod)}", WARMUP_HINT)
        if killed is not None and killed - stuck <= RESTART_WITHIN:
            continue
        if killed is None:
            what = f"{c.clock.seconds - stuck:.0f} s after its /healthz stopped answering, nothing has restarted it"
        else:
            what = f"the kubelet restarted it only {killed - stuck:.0f} s after its /healthz stopped answering"
        raise Fail(f"the shop in pod/{pod['metadata']['name']} deadlocked {warmup + deadlock} s after it started; "
                   f"{what}: {_story(c, pod)}", _deadlock_hint(probes.get("livenessProbe")))


def _deadlock_hint(liveness: dict | None) -> str:
    if not liveness:
        return LIVENESS_HINT
    if "tcpSocket" in liveness:
        return TCP_HINT
    if liveness.get("initialDelaySeconds", 0) > FAST:
        return ("initialDelaySeconds holds a liveness probe back for that long after every start, however fast "
                "the shop warms up this time; a startupProbe hands over to liveness as soon as the shop answers.")
    return ("Once it runs, a liveness probe needs failureThreshold failures in a row, periodSeconds apart, "
            "before the kubelet kills the container; a request gets timeoutSeconds to be answered.")


def _playground(answer=None):
    """The shop with the answer's probes (none for the stub), 90 s in; it deadlocks 120 s after it opens."""
    try:
        probes = _prepare(answer)
    except Fail as f:
        if answer is not None and "no probes yet" not in f.reason:
            raise
        probes = {}
    c = _run(probes, warmup=TYPICAL, deadlock=120)
    return c.run(TYPICAL + 30)


EXERCISE = Exercise("ex09.probes", "probes for a slow starter that sometimes gets stuck", chapter="09-monitoring",
                    prepare=_prepare, playground=_playground)


@EXERCISE.check("warm-up", f"the shop survives its usual {TYPICAL} s warm-up and then becomes Ready",
                hint=WARMUP_HINT)
def warm_up(probes):
    _survives_warmup(probes, TYPICAL)


@EXERCISE.check("no-early-traffic", f"a Pod joins the Service only once the shop answers, and within "
                                    f"{READY_WITHIN} s of that", hint=READY_HINT)
def no_early_traffic(probes):
    c = _run(probes, warmup=TYPICAL)
    watch = _EndpointWatch(c)
    c.run(TYPICAL + 45)
    _require_no_restarts(c, f"{TYPICAL + 45} s after the Deployment was created")
    for pod in _pods(c):
        name, opened = pod["metadata"]["name"], _started(c, pod) + TYPICAL
        joined = watch.first.get(name)
        if joined is not None and joined < opened:
            raise Fail(f"pod/{name} was among endpoints/shop {opened - joined:.0f} s before the shop in it "
                       f"answered on port 8080, so the Service sent it requests it could not serve",
                       "A container without a readiness probe counts as ready as soon as it runs (or, with a "
                       "startupProbe, as soon as that succeeds). Ask the shop itself whether it is ready.")
        if joined is None:
            raise Fail(f"{c.clock.seconds - opened:.0f} s after the shop in pod/{name} answered on port 8080, "
                       f"the Pod had not joined endpoints/shop: {_story(c, pod)}")
        if joined - opened > READY_WITHIN:
            raise Fail(f"pod/{name} joined endpoints/shop only {joined - opened:.0f} s after the shop in it "
                       f"answered on port 8080", "How long after the shop answers can the first success of "
                       "each probe that gates readiness come? Each runs every periodSeconds.")


@EXERCISE.check("deadlock", f"a deadlocked shop is restarted within {RESTART_WITHIN} s", hint=LIVENESS_HINT)
def deadlock(probes):
    _restarted_in_time(probes, TYPICAL, DEADLOCK)


@EXERCISE.check("drain", f"a drained replica leaves the Service within {DRAIN_WITHIN} s, is not restarted, "
                         "and comes back when undrained",
                hint="Readiness is the probe that decides whether a Pod gets traffic; /ready is what the shop "
                     "says about that. Liveness is for what only a restart can fix.")
def drain(probes):
    c = _run(probes, warmup=FAST)
    c.run(FAST + 45)
    when = f"{FAST + 45} s after the Deployment was created (the shop answers after a {FAST} s warm-up)"
    _require_no_restarts(c, when)
    _require_ready(c, when)
    drained, other = (p["metadata"]["name"] for p in _pods(c))
    out, code = scenario.exec_in(c, drained, "shop", ["touch", "/tmp/drain"])
    if code:
        raise Fail(f"`kubectl exec {drained} -- touch /tmp/drain` failed: {out.strip()}")
    c.run(DRAIN_WITHIN)
    pod = c.get("pod", drained)
    if _status(pod).get("restartCount", 0):
        raise Fail(f"after `touch /tmp/drain` (/ready answers 503, /healthz still 200), {_story(c, pod)}",
                   "A liveness failure restarts the container. Is a drained shop broken, or only not taking "
                   "traffic? Which of its endpoints says which?")
    if drained in _ready_in_service(c):
        raise Fail(f"{DRAIN_WITHIN} s after `touch /tmp/drain` in pod/{drained} (its /ready answers 503), "
                   f"endpoints/shop still sends it traffic: {_endpoints(c)}")
    if other not in _ready_in_service(c):
        raise Fail(f"draining pod/{drained} also took pod/{other} out of the Service: {_story(c, c.get('pod', other))}")
    scenario.exec_in(c, drained, "shop", ["rm", "/tmp/drain"])
    c.run(DRAIN_WITHIN)
    if drained not in _ready_in_service(c):
        raise Fail(f"{DRAIN_WITHIN} s after `rm /tmp/drain` in pod/{drained} (its /ready answers 200 again), "
                   f"it is still out of the Service: {_story(c, c.get('pod', drained))}",
                   "A Pod out of the Service comes back after successThreshold successes in a row, "
                   "periodSeconds apart.")


@EXERCISE.check("slow-start", f"a slow {SLOW} s warm-up (within the stated {SLOWEST} s) is survived too",
                hidden=True, hint=STARTUP_HINT)
def slow_start(probes):
    _survives_warmup(probes, SLOW)


@EXERCISE.check("quick-deadlock", f"a fast start that deadlocks soon after is also restarted within "
                                  f"{RESTART_WITHIN} s", hidden=True, hint=LIVENESS_HINT)
def quick_deadlock(probes):
    _restarted_in_time(probes, FAST, QUICK_DEADLOCK)

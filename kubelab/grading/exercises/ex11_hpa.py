"""ex11.hpa (chapter 11, Autoscaling): tune a HorizontalPodAutoscaler so a load wave is served
without flapping and without paying for idle Pods.

Deployment ``web`` (nginx, requesting 200m of CPU, limited to 500m) sits behind Service
``web``. A load generator replays a 30-minute wave at it, each request costing 10m of CPU:
a quiet start, a ramp, a plateau, a noisy phase whose short dips tempt the HPA to scale
down, and a drop. The answer is an ``autoscaling/v2`` HorizontalPodAutoscaler for ``web``:
minReplicas, maxReplicas, a CPU utilization target and ``behavior``. The checks replay the
wave on fresh clusters and read what ``kubectl get hpa`` and the HPA's events show. The
HPA is the lab's controller, which follows kube-controller-manager's
(``desired = ceil(ready Pods × utilization / target)``, the 0.1 tolerance, a sync every
15 s, the documented default behavior, and the conservative handling of Pods that are not
ready yet or have no metrics).
"""
from __future__ import annotations

import copy
from typing import NamedTuple

from ...metrics import LoadGenerator
from .. import scenario
from ..framework import Exercise, Fail

REQUEST, LIMIT, COST_PER_REQUEST = "200m", "500m", "10m"
SLO = 90                    # percent of the CPU request the Pods may use, on average
SLO_SECONDS = 60            # how long in all the utilization may be above SLO during a rise
QUOTA = 20                  # web Pods the team may run
BUDGET = 350                # Pod-minutes for the whole main wave
SCALE_IN = 600              # seconds after the drop by which the count must be back at minReplicas
SETTLE = 60                 # seconds between applying the HPA and starting the load
STEP = 5                    # seconds between two looks at the cluster (the load generator's tick)

APP = f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        resources: {{requests: {{cpu: {REQUEST}}}, limits: {{cpu: {LIMIT}}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80}}]
"""


class Phase(NamedTuple):
    name: str
    seconds: float
    start: float            # requests per second at the phase's start
    end: float              # ... and at its end (a ramp when they differ)


#: the short dips of the noisy phase: (seconds, requests per second)
NOISE = ((60, 160), (45, 70), (45, 160), (90, 70), (30, 160), (120, 70), (60, 160), (30, 70))

#: the wave the public checks replay (30 minutes)
MAIN = (Phase("quiet", 60, 10, 10), Phase("ramp", 180, 10, 160), Phase("plateau", 300, 160, 160),
        *(Phase("noisy", s, r, r) for s, r in NOISE), Phase("drop", 780, 10, 10))

#: the hidden check's wave: a sudden jump instead of a ramp
SPIKE = (Phase("quiet", 60, 10, 10), Phase("spike", 240, 200, 200))


def schedule(phases) -> callable:
    """Requests per second at ``t`` seconds into the wave (for ``LoadGenerator(rps=...)``)."""
    def rate(t: float) -> float:
        at = 0.0
        for phase in phases:
            if t < at + phase.seconds:
                return phase.start + (phase.end - phase.start) * (t - at) / phase.seconds
            at += phase.seconds
        return float(phases[-1].end)
    return rate


def window(phases, *names: str) -> tuple[float, float]:
    """(start, end) seconds into the wave of the named phases (contiguous)."""
    at, found = 0.0, []
    for phase in phases:
        if phase.name in names:
            found.append((at, at + phase.seconds))
        at += phase.seconds
    return found[0][0], found[-1][1]


def length(phases) -> float:
    return sum(p.seconds for p in phases)


def clock(seconds: float) -> str:
    """``9m45s`` into the wave."""
    return f"{int(seconds) // 60}m{int(seconds) % 60:02d}s"


# -- reading the answer ---------------------------------------------------------------------
def _todos(value, path: str = "") -> list[str]:
    """Field paths still holding the stub's placeholders."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _todos(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _todos(v, f"{path}[{i}]")]
    if value is ... or (isinstance(value, str) and value.strip() in ("TODO", "...")):
        return [path]
    return []


def _cpu_target(hpa: dict) -> int | None:
    """averageUtilization of the HPA's CPU Resource metric (None if it has none)."""
    for metric in hpa["spec"].get("metrics") or []:
        source = metric.get("resource") or {}
        target = source.get("target") or {}
        if metric.get("type") == "Resource" and source.get("name") == "cpu" and target.get("type") == "Utilization":
            return target.get("averageUtilization")
    return None


def _prepare(answer) -> dict:
    objects = scenario.load(answer)
    kinds = ", ".join(f"{o.get('kind')} {(o.get('metadata') or {}).get('name')}" for o in objects)
    if len(objects) != 1 or objects[0].get("kind") != "HorizontalPodAutoscaler":
        raise Fail(f"the answer holds {kinds}; the exercise asks for one HorizontalPodAutoscaler",
                   "The Deployment and the Service are given: write only the HorizontalPodAutoscaler.")
    hpa = copy.deepcopy(objects[0])
    todo = _todos(hpa)
    if todo:
        what = " and ".join(todo) if len(todo) <= 2 else f"{len(todo)} fields, from {todo[0]} on,"
        raise Fail(f"{what} {'is' if len(todo) == 1 else 'are'} still TODO",
                   "Replace every TODO with a value: numbers for the replica counts and the target, "
                   "policies and windows under behavior (or delete a direction to keep its defaults).")
    if hpa.get("apiVersion") != "autoscaling/v2":
        raise Fail(f"apiVersion is {hpa.get('apiVersion')!r}; behavior and metrics need autoscaling/v2",
                   "Use apiVersion: autoscaling/v2.")
    meta = hpa.get("metadata") if isinstance(hpa.get("metadata"), dict) else {}
    if meta.get("namespace") not in (None, "default"):
        raise Fail(f"the HPA is in namespace {meta['namespace']!r}; deployment/web is in default",
                   "An HPA scales a target in its own namespace: leave metadata.namespace out.")
    try:
        scenario.apply(scenario.cluster(0), hpa, what="your HorizontalPodAutoscaler")
    except Fail as f:
        raise Fail(f.reason, "Fix the field the API server names (kubectl explain hpa.spec describes each "
                             "one); maxReplicas must be at least minReplicas.") from None
    ref = hpa["spec"]["scaleTargetRef"]
    if (ref.get("kind"), ref.get("name")) != ("Deployment", "web") or ref.get("apiVersion") != "apps/v1":
        raise Fail(f"spec.scaleTargetRef is {ref}; it must point at deployment/web",
                   "scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}")
    if _cpu_target(hpa) is None:
        raise Fail("spec.metrics has no CPU utilization target",
                   "Add a Resource metric: {type: Resource, resource: {name: cpu, target: "
                   "{type: Utilization, averageUtilization: <percent>}}}.")
    return hpa


# -- replaying a wave -------------------------------------------------------------------------
class Sample(NamedTuple):
    at: float               # seconds into the wave
    offered: float          # requests per second sent
    failed: float           # requests per second that failed
    replicas: int           # deployment/web's spec.replicas (what the HPA set)
    pods: int               # deployment/web's status.replicas (Pods that exist: what is paid for)
    utilization: int | None  # the CPU utilization the HPA last reported (kubectl get hpa's TARGETS)


class Rescale(NamedTuple):
    at: float
    old: int
    new: int
    message: str            # the HPA's SuccessfulRescale event


class Trace(NamedTuple):
    """What one replay of a wave showed: a sample every 5 s and every rescale."""

    hpa: dict
    samples: tuple
    rescales: tuple
    conditions: dict        # the HPA's conditions at SCALE_IN seconds after the drop (main wave)

    def over(self, start: float, end: float) -> tuple[float, Sample | None]:
        """Seconds in [start, end) with the utilization above SLO, and the worst sample."""
        hot = [s for s in self.samples if start <= s.at < end and (s.utilization or 0) > SLO]
        worst = max(hot, key=lambda s: (s.utilization, -s.at), default=None)
        return STEP * len(hot), worst

    def failed(self, start: float, end: float) -> int:
        return round(sum(STEP * s.failed for s in self.samples if start <= s.at < end))

    def targets(self, sample: Sample) -> str:
        """kubectl get hpa's TARGETS and REPLICAS for one sample."""
        return f"TARGETS cpu: {sample.utilization}%/{_cpu_target(self.hpa)}% with {sample.replicas} replicas"


def _cluster(hpa: dict):
    c = scenario.cluster(3)
    scenario.apply(c, APP, what="the exercise's Deployment")
    scenario.apply(c, copy.deepcopy(hpa), what="your HorizontalPodAutoscaler")
    c.run(SETTLE)
    return c


def _utilization(hpa: dict) -> int | None:
    for metric in (hpa.get("status") or {}).get("currentMetrics") or []:
        resource = metric.get("resource") or {}
        if metric.get("type") == "Resource" and resource.get("name") == "cpu":
            return (resource.get("current") or {}).get("averageUtilization")
    return None


def _replay(hpa: dict, phases, *, conditions_at: float | None = None) -> Trace:
    """Replay ``phases`` against deployment/web with ``hpa`` on a fresh cluster."""
    c = _cluster(hpa)
    name = hpa["metadata"]["name"]
    load = LoadGenerator(c, "web", rps=schedule(phases), cpu_per_request=COST_PER_REQUEST).start()
    start, samples, rescales, conditions = c.clock.seconds, [], [], {}
    replicas = c.get("deployment", "web")["spec"]["replicas"]
    for _ in range(int(length(phases) // STEP)):
        c.run(STEP)
        at = c.clock.seconds - start
        deployment, current = c.get("deployment", "web"), c.get("hpa", name)
        if deployment["spec"]["replicas"] != replicas:
            new = deployment["spec"]["replicas"]
            rescales.append(Rescale(at, replicas, new, _rescale_message(c, name, new)))
            replicas = new
        tick = load.samples[-1]
        samples.append(Sample(at, tick.offered, tick.failed, replicas,
                              (deployment.get("status") or {}).get("replicas", 0), _utilization(current)))
        if conditions_at is not None and not conditions and at >= conditions_at:
            conditions = {x["type"]: x for x in (current.get("status") or {}).get("conditions") or []}
    load.stop()
    return Trace(hpa, tuple(samples), tuple(rescales), conditions)


def _rescale_message(c, name: str, new: int) -> str:
    for event in reversed(c.events()):
        if event.get("reason") == "SuccessfulRescale" and event["involvedObject"].get("name") == name \
                and event.get("message", "").startswith(f"New size: {new};"):
            return event["message"]
    return f"New size: {new}"


def _main(hpa: dict) -> Trace:
    return _replay(hpa, MAIN, conditions_at=window(MAIN, "drop")[0] + SCALE_IN)


# -- the checks -----------------------------------------------------------------------------
MAX_HINT = ("The HPA never goes above maxReplicas (kubectl describe hpa: ScalingLimited True, TooManyReplicas). "
            "Work out the Pods the busiest moment needs: requests per second × 10m each, divided by the "
            "share of a 200m request your target allows.")
TARGET_HINT = ("The HPA holds utilization near its target, give or take the 10% tolerance, and new Pods need "
               "time before they count; a target close to the limit leaves no headroom. Aim lower.")
SPEED_HINT = ("How fast the count follows a rise is set by behavior.scaleUp: its policies (Pods or Percent per "
              "periodSeconds; selectPolicy Max takes the most generous) and its stabilizationWindowSeconds, "
              "which delays every increase.")


def _rise_hint(trace: Trace, start: float, end: float) -> str:
    spec = trace.hpa["spec"]
    if any(s.replicas >= spec["maxReplicas"] for s in trace.samples if start <= s.at < end):
        return MAX_HINT
    if (_cpu_target(trace.hpa) or 0) >= 75:       # little headroom left under the SLO
        return TARGET_HINT
    return SPEED_HINT


def _require_keeps_up(trace: Trace, phases, names: tuple[str, ...], what: str) -> None:
    start, end = window(phases, *names)
    seconds, worst = trace.over(start, end)
    if seconds > SLO_SECONDS:
        failed = trace.failed(start, end)
        raise Fail(f"{what}, the Pods' CPU was above {SLO}% of their request for {seconds:.0f} s in all "
                   f"(at most {SLO_SECONDS} s are allowed); at worst, {clock(worst.at)} into the wave, "
                   f"kubectl get hpa showed {trace.targets(worst)}"
                   + (f"; {failed} requests failed" if failed else ""),
                   _rise_hint(trace, start, end))


def _playground(answer):
    c = _cluster(_prepare(answer))
    LoadGenerator(c, "web", rps=schedule(MAIN), cpu_per_request=COST_PER_REQUEST).start()
    return c


EXERCISE = Exercise("ex11.hpa", "an HPA that serves a load wave without flapping", chapter="11-autoscaling",
                    prepare=_prepare, playground=_playground)


@EXERCISE.check("keeps-up", f"through the ramp and the plateau, CPU stays at or below {SLO}% of the request "
                            f"(at most {SLO_SECONDS} s above)",
                hint=SPEED_HINT)
def keeps_up(hpa):
    _require_keeps_up(_main(hpa), MAIN, ("ramp", "plateau"), "from the ramp's start to the plateau's end")


@EXERCISE.check("no-flapping", "the noisy phase's short dips do not make the HPA scale down and back up",
                hint="A scale-down happens only when every recommendation within "
                     "behavior.scaleDown.stabilizationWindowSeconds was lower; a window shorter than the "
                     "load's dips follows each dip down, and the Pods come back at the next rise.")
def no_flapping(hpa):
    trace = _main(hpa)
    start, end = window(MAIN, "noisy")
    changes = [r for r in trace.rescales if start <= r.at < end]
    flaps = [(a, b) for a, b in zip(changes, changes[1:]) if a.new < a.old and b.new > b.old]
    if flaps:
        down, up = flaps[0]
        raise Fail(f"while the load jumped between 70 and 160 requests per second, the HPA scaled deployment/web "
                   f"down and back up {len(flaps)} time{'s' if len(flaps) > 1 else ''}; first {down.old} → "
                   f"{down.new} at {clock(down.at)} ({down.message}), then {up.old} → {up.new} at {clock(up.at)} "
                   f"({up.message})")


@EXERCISE.check("scales-in", f"after the drop, the count is back at minReplicas within {SCALE_IN // 60} minutes",
                hint="After a drop the HPA first waits out behavior.scaleDown.stabilizationWindowSeconds, then "
                     "removes Pods as fast as the scaleDown policies allow (Pods or Percent per periodSeconds). "
                     "The two add up.")
def scales_in(hpa):
    trace = _main(hpa)
    drop = window(MAIN, "drop")[0]
    minimum = hpa["spec"].get("minReplicas", 1)
    late = [s for s in trace.samples if s.at >= drop + SCALE_IN and s.replicas != minimum]
    if late:
        seen = late[0]
        why = "; ".join(f"{kind} {c['status']} ({c['reason']}: {c['message']})" for kind, c in
                        sorted(trace.conditions.items()) if kind in ("AbleToScale", "ScalingLimited"))
        hint = None
        if (hpa["spec"].get("behavior") or {}).get("scaleDown", {}).get("selectPolicy") == "Disabled":
            hint = "selectPolicy: Disabled turns scaling in that direction off altogether."
        raise Fail(f"{clock(seen.at - drop)} after the load fell to 10 requests per second, deployment/web "
                   f"still had {seen.replicas} replicas (minReplicas is {minimum})"
                   + (f"; kubectl describe hpa: {why}" if why else ""), hint)


@EXERCISE.check("cost", f"at most {QUOTA} Pods, and at most {BUDGET} Pod-minutes for the whole wave",
                hint="Idle Pods cost as much as busy ones: minReplicas is paid for all the time, and a low "
                     "target buys headroom with more Pods on every busy minute.")
def cost(hpa):
    if hpa["spec"]["maxReplicas"] > QUOTA:
        raise Fail(f"maxReplicas is {hpa['spec']['maxReplicas']}; the team's quota is {QUOTA} web Pods",
                   f"maxReplicas is a promise to the cluster: keep it within the quota ({QUOTA}).")
    trace = _main(hpa)
    total = sum(STEP * s.pods for s in trace.samples) / 60
    if total > BUDGET:
        parts = []
        for names, what in ((("quiet",), "before the ramp"), (("ramp", "plateau"), "in the ramp and the plateau"),
                            (("noisy",), "in the noisy phase"), (("drop",), "after the drop")):
            start, end = window(MAIN, *names)
            minutes = sum(STEP * s.pods for s in trace.samples if start <= s.at < end) / 60
            parts.append(f"{minutes:.0f} {what}")
        raise Fail(f"the wave cost {total:.0f} Pod-minutes (deployment/web's Pods, summed over the "
                   f"{length(MAIN) / 60:.0f}-minute wave): {', '.join(parts)}; the budget is {BUDGET}")


@EXERCISE.check("spike", "a sudden jump from 10 to 200 requests per second is served as well", hidden=True,
                hint="A jump needs room to scale up at once: scaleUp policies that allow big steps each "
                     "period (the defaults: double, or 4 Pods, every 15 s), no long scaleUp window, and a "
                     "maxReplicas that covers the peak, not just the plateau.")
def spike(hpa):
    trace = _replay(hpa, SPIKE)
    _require_keeps_up(trace, SPIKE, ("spike",), "when the load jumped from 10 to 200 requests per second")

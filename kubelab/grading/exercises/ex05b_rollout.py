"""ex05b.rollout (chapter 5, controllers): maxSurge and maxUnavailable for a safe, quick rollout.

Deployment ``web`` runs 10 replicas on three nodes that fit 12 of its Pods.
The answer is ``{"maxSurge": ..., "maxUnavailable": ...}`` (numbers or
percentages) such that a rollout never has fewer than 9 Pods available, never
more than 12 Pods, and replaces Pods as fast as those two limits allow. The
checks roll the Deployment to a new image and watch every Pod event.
"""
from __future__ import annotations

from ...client import Informer
from .. import scenario
from ..framework import Exercise, Fail

REPLICAS, MIN_AVAILABLE, MAX_PODS = 10, 9, 12
IMAGES = ("nginx:1.26", "nginx:1.27", "nginx:stable")


def _deployment(strategy: dict, image: str = IMAGES[0]) -> dict:
    container = {"name": "web", "image": image, "resources": {"requests": {"cpu": "1"}},
                 "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 2}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": REPLICAS, "selector": {"matchLabels": {"app": "web"}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": strategy},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}}}


def _prepare(answer) -> dict:
    if answer is None or answer is ... or not isinstance(answer, dict):
        raise Fail("`answer` is still the stub: there is nothing to check yet" if answer in (None, ...)
                   else f"`answer` is a {type(answer).__name__}, not a dict",
                   'Set answer = {"maxSurge": ..., "maxUnavailable": ...} with numbers or percentages.')
    strategy = {k: answer.get(k) for k in ("maxSurge", "maxUnavailable")}
    unset = [k for k, v in strategy.items() if v is None or v is ...]
    if unset:
        raise Fail(f"{' and '.join(unset)} {'is' if len(unset) == 1 else 'are'} not set yet",
                   "Give both: an integer (Pods) or a percentage string such as '25%'.")
    scenario.apply(scenario.cluster(0), _deployment(strategy), what="the Deployment with your strategy")
    return strategy


class _Watch:
    """Every Pod event of the rollout: the fewest Pods ready and the most Pods existing."""

    def __init__(self, c):
        self.fewest, self.most, self.when, self.clock = REPLICAS, 0, "", c.clock
        self.start = c.clock.seconds
        self.informer = Informer(c.api, "pods", loop=c.loop, owner="grader")
        self.informer.start()
        c.run(0)
        self.informer.add_handler(self._look, lambda old, new: self._look(), self._look)

    def _look(self, *_):
        pods = [p for p in self.informer.list() if not p["metadata"].get("deletionTimestamp")]
        ready = sum(1 for p in pods if scenario.is_ready(p))
        if ready < self.fewest:
            self.fewest, self.when = ready, f"{self.clock.seconds - self.start:.0f}s into the rollout"
        self.most = max(self.most, len(pods))


def _rollout(strategy: dict, images=IMAGES[1:2], *, between: float = 0):
    """Settle at the first image, then roll to each of ``images`` (``between`` seconds apart)."""
    c = scenario.cluster(3)
    scenario.apply(c, _deployment(strategy))
    c.run(120)
    watch = _Watch(c)
    for image in images:
        c.kubectl(f"set image deployment/web web={image}")
        c.run(between)
    for _ in range(600):
        status = c.get("deployment", "web").get("status") or {}
        if status.get("updatedReplicas") == status.get("availableReplicas") == status.get("replicas") == REPLICAS:
            return c, watch
        c.run(1)
    raise Fail(f"the rollout did not finish within 10 minutes: {c.kubectl('rollout status deployment/web --timeout=1s').strip()}")


def _require_available(watch: _Watch, what: str) -> None:
    if watch.fewest < MIN_AVAILABLE:
        raise Fail(f"{what}, only {watch.fewest} Pods were available at one moment ({watch.when}); "
                   f"at least {MIN_AVAILABLE} must be",
                   f"maxUnavailable is how many of the {REPLICAS} Pods may be unavailable during a rollout; "
                   "a percentage is rounded down.")


def _require_room(watch: _Watch, what: str) -> None:
    if watch.most > MAX_PODS:
        raise Fail(f"{what}, {watch.most} Pods existed at one moment; the nodes fit {MAX_PODS}",
                   f"maxSurge is how many Pods above the {REPLICAS} replicas a rollout may add; "
                   "a percentage is rounded up.")


def _playground(answer):
    c = scenario.cluster(3)
    scenario.apply(c, _deployment(_prepare(answer)))
    return c.run(120)


EXERCISE = Exercise("ex05b.rollout", "a rollout that keeps 9 of 10 Pods available", chapter="05-controllers",
                    prepare=_prepare, playground=_playground)


@EXERCISE.check("availability", f"at least {MIN_AVAILABLE} Pods stay available during a rollout",
                hint="maxUnavailable counts down from the replicas: 10 - maxUnavailable Pods stay available.")
def availability(strategy):
    _, watch = _rollout(strategy)
    _require_available(watch, "during the rollout")


@EXERCISE.check("capacity", f"a rollout never has more than {MAX_PODS} Pods",
                hint="maxSurge counts up from the replicas: at most 10 + maxSurge Pods exist at once.")
def capacity(strategy):
    _, watch = _rollout(strategy)
    _require_room(watch, "during the rollout")


@EXERCISE.check("whole-budget", "the rollout uses both limits fully, so it replaces Pods as fast as allowed",
                hint="Use the whole budget: the largest maxSurge and maxUnavailable that keep the limits "
                     "(maxSurge percentages round up, maxUnavailable ones round down).")
def whole_budget(strategy):
    _, watch = _rollout(strategy)
    _require_available(watch, "during the rollout")
    _require_room(watch, "during the rollout")
    if watch.most < MAX_PODS:
        raise Fail(f"the rollout never went above {watch.most} Pods; it could have surged to {MAX_PODS}")
    if watch.fewest > MIN_AVAILABLE:
        raise Fail(f"the rollout kept {watch.fewest} Pods available throughout; it could take "
                   f"{watch.fewest - MIN_AVAILABLE} more down at a time")


@EXERCISE.check("rollover", "a second update in the middle of a rollout keeps both limits", hidden=True,
                hint="The limits hold across all of the Deployment's ReplicaSets, old and new; if they hold "
                     "for one rollout they should hold here, unless they are only just met by rounding.")
def rollover(strategy):
    _, watch = _rollout(strategy, IMAGES[1:], between=4)
    what = "during a rollout interrupted by a second one"
    _require_available(watch, what)
    _require_room(watch, what)

"""ex05.reconcile (chapter 5, controllers): a reconcile function for a custom resource.

The custom resource is a PodSet (``lab.kubelab.dev/v1``): ``spec.replicas``
copies of a Pod running ``spec.image``. The answer is ``reconcile(ctl, key)``;
the harness below is the rest of the controller (client-go's shape: informers
whose handlers queue keys, a worker calling ``reconcile`` per key). ``ctl.api``
is the API server, ``ctl.podsets`` and ``ctl.pods`` are informer caches,
``key`` is ``"namespace/name"``.

The checks inject the failures a controller meets: duplicated events (the
harness calls reconcile twice in a row, before the cache has seen the first
call's writes), deleted Pods, a controller restart with changes made while it
was down, Pods it does not own, and the PodSet's deletion.

simplified: a restart is a new controller instance with fresh informers and
queue; the learner's module-level variables survive it (a real restart would
clear them too).
"""
from __future__ import annotations

import inspect

from ... import errors
from ...api.kinds import REGISTRY, ResourceType, UnknownResource
from ...controllers.base import Controller
from ...sim.loop import NotSettled
from .. import scenario
from ..framework import Exercise, Fail

PODSET = ResourceType("PodSet", "podsets", group="lab.kubelab.dev", version="v1", custom=True,
                      subresources=("status",))


def register_kind(registry=REGISTRY) -> ResourceType:
    """Serve PodSets (what applying a CustomResourceDefinition does); idempotent."""
    try:
        return registry.resolve("podsets.lab.kubelab.dev")
    except UnknownResource:
        return registry.register(PODSET)


def controller_of(obj: dict) -> dict | None:
    """The ownerReference with ``controller: true``, if any (metav1.GetControllerOf)."""
    return next((r for r in obj["metadata"].get("ownerReferences") or [] if r.get("controller")), None)


class PodSetController(Controller):
    """The harness: informers on PodSets and Pods, a queue, and ``reconcile`` per key."""

    name = "podset-controller"

    def __init__(self, api, loop, reconcile, *, duplicate: bool = False):
        super().__init__(api, loop)
        self.reconcile, self.duplicate = reconcile, duplicate
        self.last_error: errors.ApiError | None = None
        self.podsets = self.informer("podsets")
        self.pods = self.informer("pods")
        self.enqueue_on_change(self.podsets)
        self.pods.add_handler(self._pod_changed, lambda old, new: self._pod_changed(new), self._pod_changed)

    def _pod_changed(self, pod: dict) -> None:
        ref = controller_of(pod)
        if ref and ref.get("kind") == "PodSet":
            self.queue.add(f"{pod['metadata']['namespace']}/{ref['name']}")

    def sync(self, key: str) -> None:
        try:
            self.reconcile(self, key)
            if self.duplicate:              # the same key again, on the same stale cache
                self.reconcile(self, key)
        except errors.ApiError as e:        # returned errors are retried with back-off
            self.last_error = e
            raise


def _start(answer, *, duplicate: bool = False):
    c = scenario.cluster(2)
    register_kind(c.api.registry)       # installing the CRD in this cluster
    ctl = PodSetController(c.api, c.loop, answer, duplicate=duplicate)
    ctl.start()
    c.run(0)
    return c, ctl


def _podset(name: str, replicas: int, image: str = "nginx:1.27") -> dict:
    return {"apiVersion": "lab.kubelab.dev/v1", "kind": "PodSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "image": image}}


def _scale(c, name: str, replicas: int) -> None:
    # kubectl apply patches custom resources with a JSON merge patch; so does this
    c.api.patch("podsets", name, {"spec": {"replicas": replicas}}, namespace="default", patch_type="merge")


def _run(c, ctl, seconds: float = 30) -> None:
    try:
        c.run(seconds)
    except NotSettled as e:
        raise Fail(f"the controller never settled: {e}",
                   "Write only when something differs: an update that changes nothing still wakes "
                   "the controller again through the watch.") from None


def _owned(c, name: str) -> list[dict]:
    uid = c.get("podsets", name)["metadata"]["uid"]
    return [p for p in scenario.running_pods(c) if (controller_of(p) or {}).get("uid") == uid]


def _expect_pods(c, ctl, name: str, want: int, image: str = "nginx:1.27") -> list[dict]:
    owned = _owned(c, name)
    if len(owned) != want:
        others = [p["metadata"]["name"] for p in scenario.running_pods(c) if p not in owned]
        detail = f"; other Pods: {', '.join(others)}" if others else ""
        error = f"; reconcile last failed with: {ctl.last_error.message}" if ctl.last_error else ""
        raise Fail(f"podset/{name} wants {want} Pod{'s' * (want != 1)} but owns {len(owned)}"
                   f" ({', '.join(p['metadata']['name'] for p in owned) or 'none'}){detail}{error}")
    for pod in owned:
        images = [x.get("image") for x in pod["spec"]["containers"]]
        if images != [image] or (pod["metadata"].get("labels") or {}).get("podset") != name:
            raise Fail(f"pod/{pod['metadata']['name']} runs {images} with labels "
                       f"{pod['metadata'].get('labels') or {}}; want [{image!r}] and podset={name}",
                       "Each Pod runs one container with spec.image and carries the label podset=<name>.")
    return owned


def _prepare(answer):
    if answer is None or answer is ...:
        raise Fail("`answer` is still the stub: there is nothing to check yet",
                   "Write reconcile(ctl, key), then set answer = reconcile.")
    if not callable(answer):
        raise Fail(f"`answer` is a {type(answer).__name__}, not a function", "Set answer = reconcile.")
    try:
        inspect.signature(answer).bind(None, "default/web")
    except (TypeError, ValueError):
        raise Fail("reconcile must take two arguments: (ctl, key)",
                   "def reconcile(ctl, key): ... where key is 'namespace/name'.") from None
    return answer


def _playground(answer):
    c, _ = _start(_prepare(answer))
    return c


EXERCISE = Exercise("ex05.reconcile", "a reconcile function for PodSets", chapter="05-controllers",
                    prepare=_prepare, playground=_playground)

OWNER_HINT = ("Give each Pod a controller ownerReference to its PodSet (apiVersion, kind, name, uid, "
              "controller: true) and count only the Pods that carry it.")


@EXERCISE.check("creates", "a new PodSet gets spec.replicas Pods, owned by it",
                hint="Compare spec.replicas with the Pods the PodSet owns and create the missing ones "
                     "(image spec.image, label podset=<name>, a controller ownerReference).")
def creates(answer):
    c, ctl = _start(answer)
    scenario.apply(c, _podset("web", 3))
    _run(c, ctl)
    _expect_pods(c, ctl, "web", 3)


@EXERCISE.check("scales", "scaling spec.replicas down and up deletes and creates Pods",
                hint="Delete the Pods beyond spec.replicas (any of them) and create the missing ones.")
def scales(answer):
    c, ctl = _start(answer)
    scenario.apply(c, _podset("web", 3))
    _run(c, ctl)
    for replicas in (1, 4):
        _scale(c, "web", replicas)
        _run(c, ctl, 60)
        _expect_pods(c, ctl, "web", replicas)


@EXERCISE.check("status", "status.replicas and status.readyReplicas report the owned Pods",
                hint="Write the counts with ctl.api.patch('podsets', name, {'status': {...}}, "
                     "namespace=..., subresource='status', patch_type='merge').")
def status(answer):
    c, ctl = _start(answer)
    scenario.apply(c, _podset("web", 3))
    _run(c, ctl, 60)
    _expect_pods(c, ctl, "web", 3)
    got = c.get("podsets", "web").get("status") or {}
    if got.get("replicas") != 3 or got.get("readyReplicas") != 3:
        raise Fail(f"podset/web has 3 ready Pods but its status says {got or 'nothing'}")


@EXERCISE.check("heals", "a deleted Pod is replaced", hint=OWNER_HINT)
def heals(answer):
    c, ctl = _start(answer)
    scenario.apply(c, _podset("web", 3))
    _run(c, ctl)
    victim = _expect_pods(c, ctl, "web", 3)[0]["metadata"]["name"]
    c.delete("pod", victim)
    _run(c, ctl, 60)
    _expect_pods(c, ctl, "web", 3)


@EXERCISE.check("duplicate-events", "the same key handled twice in a row makes no extra Pods", hidden=True,
                hint="The cache can lag behind your own writes. Make creation idempotent: deterministic "
                     "Pod names (<podset>-0, -1, ...) with AlreadyExists treated as done, or read the Pods "
                     "from the API server (ctl.api.list) instead of the cache.")
def duplicate_events(answer):
    c, ctl = _start(answer, duplicate=True)
    scenario.apply(c, _podset("web", 3))
    _run(c, ctl)
    _expect_pods(c, ctl, "web", 3)
    _scale(c, "web", 5)
    _run(c, ctl, 60)
    _expect_pods(c, ctl, "web", 5)
    created = [a.name for a in c.api.audit if a.verb == "create" and a.resource == "pods"]
    if len(created) != 5:
        raise Fail(f"reaching 3 and then 5 Pods took {len(created)} Pod creations "
                   f"(the extra ones were deleted again): {', '.join(created)}")


@EXERCISE.check("restart", "after a controller restart, changes made while it was down are reconciled",
                hidden=True, hint="Reconcile from what the API shows now (level-triggered), not from what "
                                  "you remember or from which event arrived.")
def restart(answer):
    c, ctl = _start(answer)
    scenario.apply(c, _podset("web", 2))
    _run(c, ctl)
    victim = _expect_pods(c, ctl, "web", 2)[0]["metadata"]["name"]
    ctl.stop()
    c.delete("pod", victim)
    _scale(c, "web", 4)
    _run(c, ctl, 60)
    fresh = PodSetController(c.api, c.loop, answer)
    fresh.start()
    _run(c, fresh, 60)
    _expect_pods(c, fresh, "web", 4)


@EXERCISE.check("ownership", "Pods owned by another PodSet, or by none, are left alone", hidden=True,
                hint=OWNER_HINT)
def ownership(answer):
    c, ctl = _start(answer)
    stray = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray", "labels": {"podset": "a"}},
             "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]}}
    scenario.apply(c, [stray, _podset("a", 2), _podset("b", 3)])
    _run(c, ctl, 60)
    _expect_pods(c, ctl, "a", 2)
    _expect_pods(c, ctl, "b", 3)
    if not any(p["metadata"]["name"] == "stray" for p in scenario.running_pods(c)):
        raise Fail("pod/stray, which no PodSet owns, was deleted")
    got = c.get("podsets", "a").get("status") or {}
    if got.get("replicas") != 2:
        raise Fail(f"podset/a owns 2 Pods but its status says {got or 'nothing'}")


@EXERCISE.check("deletion", "deleting a PodSet garbage-collects its Pods, and reconcile copes", hidden=True,
                hint="When ctl.podsets.get(...) returns None the PodSet is gone: return. The garbage "
                     "collector deletes Pods whose controller ownerReference points to it.")
def deletion(answer):
    c, ctl = _start(answer)
    scenario.apply(c, [_podset("a", 2), _podset("b", 1)])
    _run(c, ctl)
    doomed = {p["metadata"]["name"] for p in _expect_pods(c, ctl, "a", 2)}
    c.delete("podsets", "a")
    _run(c, ctl, 90)
    left = sorted(doomed & {p["metadata"]["name"] for p in c.get("pods")})
    if left:
        raise Fail(f"podset/a was deleted but its Pods are still there: {', '.join(left)}")
    _expect_pods(c, ctl, "b", 1)

"""ex06b.gpu (chapter 6, scheduling): a Filter and a Score plugin that place GPU Pods.

The nodes advertise GPUs only as labels (``example.com/gpu-count``,
``example.com/gpu-model``); a Pod asks with labels ``example.com/gpus: "N"``
and, optionally, ``example.com/gpu-model``. The answer is a list of plugin
classes (a Filter and a Score, or one class with both): the Filter rejects
nodes without enough free GPUs (``Insufficient gpus``) or of another model
(``node(s) didn't have the requested GPU model``); the Score is
``100 * (free GPUs after placing the Pod) // (the node's GPUs)``, 0 for Pods
asking none or nodes without GPUs. The checks register the classes on fresh
clusters (Score weight 10, as the exercise's scheduler configuration says).
"""
from __future__ import annotations

from .. import scenario
from ..framework import Exercise, Fail

COUNT, MODEL, ASK = "example.com/gpu-count", "example.com/gpu-model", "example.com/gpus"
WEIGHT = 10
MODEL_REASON = "node(s) didn't have the requested GPU model"


def gpu_node(name: str, count: int | None = None, model: str | None = None) -> dict:
    labels = {COUNT: str(count), MODEL: model} if count is not None else {}
    return {"metadata": {"name": name, "labels": labels}}


def gpu_pod(name: str, gpus: int = 0, model: str | None = None) -> dict:
    labels = {"app": name, **({ASK: str(gpus)} if gpus else {}), **({MODEL: model} if model else {})}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "work", "image": "registry.k8s.io/pause:3.10"}]}}


def _prepare(answer) -> list[type]:
    if answer is None or answer is ...:
        raise Fail("`answer` is still the stub: there is nothing to check yet",
                   "Write the plugin classes, then set answer = [GpuFit, GpuSpread].")
    classes = list(answer) if isinstance(answer, (list, tuple)) else [answer]
    if not all(isinstance(c, type) for c in classes):
        raise Fail("`answer` must be a plugin class or a list of them", "answer = [GpuFit, GpuSpread]")
    for cls in classes:
        if not isinstance(getattr(cls, "name", None), str):
            raise Fail(f"plugin class {cls.__name__} has no `name`", 'Give it one: name = "GpuFit".')
    for method in ("filter", "score"):
        if not any(callable(getattr(cls, method, None)) for cls in classes):
            raise Fail(f"none of the plugins has a `{method}` method",
                       "A Filter plugin has filter(self, state, pod, node_info); a Score plugin "
                       "score(self, state, pod, node_info).")
    return classes


def _cluster(classes, nodes) -> object:
    c = scenario.cluster(nodes)
    for cls in classes:
        c.scheduler.register_plugin(cls, weight=WEIGHT)
    return c


def _submit(c, *pods) -> None:
    for pod in pods:
        scenario.apply(c, pod)
        c.run(5)


def _gpus_on(c) -> dict[str, int]:
    used: dict[str, int] = {}
    for pod in scenario.running_pods(c):
        node = pod["spec"].get("nodeName")
        if node:
            used[node] = used.get(node, 0) + int((pod["metadata"].get("labels") or {}).get(ASK, "0"))
    return used


def _require_no_overcommit(c) -> None:
    for node, used in sorted(_gpus_on(c).items()):
        count = int((c.get("node", node, namespace=None)["metadata"].get("labels") or {}).get(COUNT, "0"))
        if used > count:
            raise Fail(f"node {node} has {count} GPUs but its Pods ask for {used}")


def _require_pending(c, name: str, reason: str) -> None:
    node = c.get("pod", name)["spec"].get("nodeName")
    if node:
        raise Fail(f"pod/{name} was placed on {node}, where it does not fit")
    message = scenario.scheduling_failure(c, name)
    if reason not in message:
        raise Fail(f"{message} (the message should say {reason!r})",
                   f"Return Status.unschedulable({reason!r}) from filter for such nodes.")


def _score_plugin(classes) -> str:
    return next(cls.name for cls in classes if callable(getattr(cls, "score", None)))


EXERCISE = Exercise("ex06b.gpu", "Filter and Score plugins for GPU Pods", chapter="06-scheduling",
                    prepare=_prepare,
                    playground=lambda answer: _cluster(_prepare(answer), [
                        gpu_node("gpu-a", 8, "a100"), gpu_node("gpu-b", 8, "a100"),
                        gpu_node("gpu-c", 4, "t4"), gpu_node("cpu-1")]))

FIT_HINT = ("Free GPUs on a node = its example.com/gpu-count label minus the GPUs asked by the Pods "
            "already on it (node_info.pods); reject the node when that is less than the Pod asks.")


@EXERCISE.check("fits", "GPU Pods go where enough GPUs are free, and never overcommit a node", hint=FIT_HINT)
def fits(classes):
    c = _cluster(classes, [gpu_node("gpu-a", 8, "a100"), gpu_node("gpu-b", 8, "a100"),
                           gpu_node("gpu-c", 4, "t4"), gpu_node("cpu-1")])
    _submit(c, gpu_pod("six-1", 6), gpu_pod("six-2", 6), gpu_pod("three", 3), gpu_pod("four", 4))
    _require_no_overcommit(c)
    for name in ("six-1", "six-2", "three"):
        if not c.get("pod", name)["spec"].get("nodeName"):
            raise Fail(scenario.scheduling_failure(c, name))
    _require_pending(c, "four", "Insufficient gpus")


@EXERCISE.check("model", "a Pod that names a GPU model only goes to nodes of that model",
                hint="Compare the Pod's example.com/gpu-model label (when it has one) with the node's.")
def model(classes):
    c = _cluster(classes, [gpu_node("gpu-a", 8, "a100"), gpu_node("gpu-c", 4, "t4")])
    _submit(c, gpu_pod("big", 8, "a100"), gpu_pod("small", 2, "t4"), gpu_pod("more", 2, "a100"))
    _require_no_overcommit(c)
    placed = {n: c.get("pod", n)["spec"].get("nodeName") for n in ("big", "small")}
    if placed != {"big": "gpu-a", "small": "gpu-c"}:
        raise Fail(f"pod/big (8 a100) went to {placed['big']} and pod/small (2 t4) to {placed['small']}")
    _require_pending(c, "more", MODEL_REASON)


@EXERCISE.check("spread", "GPU Pods spread by the score asked for",
                hint="score = 100 * (free GPUs after placing the Pod) // (the node's GPUs); 0 when the Pod "
                     "asks for no GPUs or the node has none.")
def spread(classes):
    c = _cluster(classes, [gpu_node("gpu-a", 8, "a100"), gpu_node("gpu-b", 8, "a100"), gpu_node("cpu-1")])
    _submit(c, *[gpu_pod(f"one-{i}", 1) for i in range(4)])
    used = _gpus_on(c)
    if used.get("gpu-a") != 2 or used.get("gpu-b") != 2:
        raise Fail(f"four 1-GPU Pods landed as {dict(sorted(used.items()))}; spreading puts two on each GPU node")
    _submit(c, gpu_pod("two", 2))
    plugin = _score_plugin(classes)
    explained = {row["node"]: row["scores"].get(plugin, {}).get("raw") for row in c.explain("two").rows}
    want = 100 * (8 - 2 - 2) // 8
    for node in ("gpu-a", "gpu-b"):
        if explained.get(node) != want:
            raise Fail(f"for pod/two (2 GPUs), {plugin} scored {node} {explained.get(node)} with 6 of 8 GPUs "
                       f"free; the formula gives {want}")


@EXERCISE.check("plain-nodes", "nodes without GPU labels take ordinary Pods but no GPU Pods", hidden=True,
                hint="A node without the example.com/gpu-count label has 0 GPUs; a Pod without "
                     "example.com/gpus asks for 0 and fits anywhere. Read labels with .get().")
def plain_nodes(classes):
    c = _cluster(classes, [gpu_node("cpu-1"), gpu_node("cpu-2")])
    _submit(c, gpu_pod("web"), gpu_pod("train", 1))
    if not c.get("pod", "web")["spec"].get("nodeName"):
        raise Fail(scenario.scheduling_failure(c, "web"))
    _require_pending(c, "train", "Insufficient gpus")


@EXERCISE.check("frees-up", "GPUs a deleted Pod held are free again", hidden=True,
                hint="Compute free GPUs from node_info.pods on every call; the plugin instance lives "
                     "across cycles, so a counter kept in it goes stale when Pods go away.")
def frees_up(classes):
    c = _cluster(classes, [gpu_node("gpu-a", 4, "a100"), gpu_node("cpu-1")])
    _submit(c, gpu_pod("first", 4), gpu_pod("second", 4))
    _require_pending(c, "second", "Insufficient gpus")
    c.delete("pod", "first")
    c.run(60)
    if c.get("pod", "second")["spec"].get("nodeName") != "gpu-a":
        raise Fail(f"after pod/first went away, {scenario.scheduling_failure(c, 'second')}")

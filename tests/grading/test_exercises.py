"""Every exercise: the reference solution gets full marks, the untouched stub gets zero with a
hint, and plausible wrong answers are rejected by the right check with the right hint."""
import pytest
from classroom import FILES, notebook, tagged

import kubelab as kl
from kubelab.grading.exercises import IDS, load
from kubelab.grading.framework import grade
from kubelab.grading.scenario import is_ready
from kubelab.scheduler import Status


def answer_of(exercise_id: str, *, solution: bool):
    """`answer` as the notebook defines it: its code cells run up to the answer cell."""
    nb = notebook(exercise_id, solution=solution)
    ns = {"__name__": f"notebook_{exercise_id.replace('.', '_')}"}
    for cell in nb.cells[:tagged(nb, "answer") + 1]:
        if cell.cell_type == "code":
            exec(cell.source, ns)
    return ns["answer"]


def test_every_exercise_has_a_student_notebook_and_a_solution():
    assert sorted(FILES) == sorted(IDS) and len(IDS) >= 6


@pytest.mark.parametrize("exercise_id", list(IDS))
def test_the_reference_solution_gets_full_marks(exercise_id):
    result = grade(load(exercise_id), answer_of(exercise_id, solution=True))
    assert result.passed, str(result)


@pytest.mark.parametrize("exercise_id", list(IDS))
def test_the_untouched_stub_gets_zero_and_a_hint_for_every_check(exercise_id):
    result = grade(load(exercise_id), answer_of(exercise_id, solution=False))
    assert result.score == 0, str(result)
    assert all(c.reason and c.hint for c in result.checks)


def solution(exercise_id):
    return answer_of(exercise_id, solution=True)


def edited(exercise_id, old, new):
    text = solution(exercise_id)
    assert old in text
    return text.replace(old, new)


# -- wrong answers: (exercise, answer factory, the check that must fail, words its hint must hold) --

def naive_reconcile(ctl, key):
    """generateName and the cache: the duplicated key makes extra Pods."""
    namespace, name = key.split("/")
    podset = ctl.podsets.get(name, namespace)
    if podset is None:
        return
    uid = podset["metadata"]["uid"]
    pods = [p for p in ctl.pods.list(namespace) if not p["metadata"].get("deletionTimestamp")
            and any(r["uid"] == uid for r in p["metadata"].get("ownerReferences") or [])]
    ref = {"apiVersion": podset["apiVersion"], "kind": "PodSet", "name": name, "uid": uid, "controller": True}
    for _ in range(podset["spec"]["replicas"] - len(pods)):
        ctl.api.create({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"generateName": name + "-", "namespace": namespace,
                                     "labels": {"podset": name}, "ownerReferences": [ref]},
                        "spec": {"containers": [{"name": "main", "image": podset["spec"]["image"]}]}})
    for pod in pods[podset["spec"]["replicas"]:]:
        ctl.api.delete("pods", pod["metadata"]["name"], namespace=namespace)
    status = {"replicas": len(pods), "readyReplicas": sum(is_ready(p) for p in pods)}
    if podset.get("status") != status:
        ctl.api.patch("podsets", name, {"status": status}, namespace=namespace, subresource="status",
                      patch_type="merge")


def unowned_reconcile(ctl, key):
    """Labels instead of ownerReferences: deleted Pods are never noticed, nothing is collected."""
    namespace, name = key.split("/")
    podset = ctl.podsets.get(name, namespace)
    if podset is None:
        return
    have = {p["metadata"]["name"] for p in ctl.pods.list(namespace)
            if (p["metadata"].get("labels") or {}).get("podset") == name}
    for i in range(podset["spec"]["replicas"]):
        if f"{name}-{i}" not in have:
            try:
                ctl.api.create({"apiVersion": "v1", "kind": "Pod",
                                "metadata": {"name": f"{name}-{i}", "namespace": namespace,
                                             "labels": {"podset": name}},
                                "spec": {"containers": [{"name": "main", "image": podset["spec"]["image"]}]}})
            except kl.errors.AlreadyExists:
                pass


def fragile_reconcile(ctl, key):
    """The solution without its `if podset is None` guard."""
    namespace, name = key.split("/")
    podset = ctl.podsets.get(name, namespace)
    solution("ex05.reconcile")(ctl, key) if podset["spec"] else None


class CountingFit:
    """Keeps its own count of GPUs in use: never decremented when a Pod goes away."""
    name = "CountingFit"
    used: dict = {}

    def filter(self, state, pod, node_info):
        asked = int(pod["metadata"].get("labels", {}).get("example.com/gpus", "0"))
        if not asked:
            return None
        total = int(node_info.labels.get("example.com/gpu-count", "0"))
        if total - self.used.get(node_info.name, 0) < asked:
            return Status.unschedulable("Insufficient gpus")
        return None

    def reserve(self, state, pod, node_name):
        self.used[node_name] = self.used.get(node_name, 0) + \
            int(pod["metadata"].get("labels", {}).get("example.com/gpus", "0"))


def most_free_score():
    """Scores absolute free GPUs (clamped to 100) rather than the fraction asked for."""
    fit, _ = solution("ex06b.gpu")

    class MostFree:
        name = "MostFree"

        def score(self, state, pod, node_info):
            total = int(node_info.labels.get("example.com/gpu-count", "0"))
            return min(100, total - len(node_info.pods))
    return [fit, MostFree]


def strict_labels():
    """Reads node labels with [] and crashes on nodes that have none."""
    fit, spread = solution("ex06b.gpu")

    class StrictFit(fit):
        name = "StrictFit"

        def filter(self, state, pod, node_info):
            int(node_info.labels["example.com/gpu-count"])
            return super().filter(state, pod, node_info)
    return [StrictFit, spread]


def with_key(answer, key, value):
    return dict(answer, **{key: value})


WRONG = [
    ("ex01.priorities", lambda: edited("ex01.priorities", "preemptionPolicy: Never\n", ""),
     "batch-waits", "preemptionPolicy: Never"),
    ("ex01.priorities", lambda: edited("ex01.priorities", "globalDefault: true\n", ""), "default", "globalDefault"),
    ("ex01.priorities", lambda: edited("ex01.priorities", "value: 1000000\n", "value: 2000000000\n"),
     "classes", "1000000000"),
    ("ex03.follow", lambda: with_key(solution("ex03.follow"), "pod_creator", "deployment-controller"),
     "pod_creator", "resource 'pods'"),
    ("ex03.follow", lambda: with_key(solution("ex03.follow"), "first_binding_revision",
                                     solution("ex03.follow")["first_binding_revision"] + 1),
     "first_binding_revision", "pods/binding"),
    ("ex04.sidecar", lambda: edited("ex04.sidecar", '"8080"', '"80"'), "runs", "one network namespace"),
    ("ex04.sidecar", lambda: edited("ex04.sidecar", "    - name: html\n      mountPath: /pages",
                                    "    - name: pages\n      mountPath: /pages").replace(
        "  - name: html\n    emptyDir: {}\n", "  - name: html\n    emptyDir: {}\n  - name: pages\n    emptyDir: {}\n"),
     "shares-files", "two emptyDir volumes are two separate directories"),
    ("ex04.sidecar", lambda: edited("ex04.sidecar", "emptyDir: {}", "hostPath: {path: /srv/html}"),
     "private-files", "hostPath"),
    ("ex05.reconcile", lambda: naive_reconcile, "duplicate-events", "idempotent"),
    ("ex05.reconcile", lambda: unowned_reconcile, "heals", "controller ownerReference"),
    ("ex05.reconcile", lambda: fragile_reconcile, "deletion", "returns None"),
    ("ex05b.rollout", lambda: {"maxSurge": "25%", "maxUnavailable": "25%"}, "availability", "rounded down"),
    ("ex05b.rollout", lambda: {"maxSurge": "25%", "maxUnavailable": "25%"}, "capacity", "rounded up"),
    ("ex05b.rollout", lambda: {"maxSurge": 1, "maxUnavailable": 1}, "whole-budget", "whole budget"),
    ("ex06a.pending", lambda: edited("ex06a.pending", "  nodeSelector: {accelerator: nvidia-t4}\n",
                                     "  nodeName: gpu-1\n"), "no-shortcuts", "spec.nodeName"),
    ("ex06a.pending", lambda: edited("ex06a.pending", "cpu: 2500m", 'cpu: "1"'), "same-intent", "at peak"),
    ("ex06a.pending", lambda: edited("ex06a.pending", "key: disk,", "key: disktype,"), "cache", "labels"),
    ("ex06b.gpu", lambda: [CountingFit, solution("ex06b.gpu")[1]], "frees-up", "stale"),
    ("ex06b.gpu", most_free_score, "spread", "100 * (free GPUs after placing the Pod)"),
    ("ex06b.gpu", strict_labels, "plain-nodes", ".get()"),
    ("ex06c.explain", lambda: with_key(solution("ex06c.explain"), "chosen", "node-1"), "chosen", "marked with *"),
    ("ex06c.explain", lambda: with_key(solution("ex06c.explain"), "decisive", "NodeResourcesFit"),
     "decisive", "plugin by plugin"),
]


def test_every_exercise_has_at_least_two_wrong_answers_below():
    assert all(sum(w[0] == i for w in WRONG) >= 2 for i in IDS)


@pytest.mark.parametrize("exercise_id, make, check_id, hint_words", WRONG,
                         ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_a_plausible_wrong_answer_is_rejected_by_the_right_check_with_the_right_hint(
        exercise_id, make, check_id, hint_words):
    result = grade(load(exercise_id), make())
    check = next(c for c in result.checks if c.id == check_id)
    assert not check.passed and not result.passed, str(result)
    assert hint_words in check.hint, str(result)

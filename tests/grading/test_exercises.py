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


def statefulset_volumes(volumes: str) -> str:
    """The ex08 solution with its claim template replaced by Pod-template ``volumes``."""
    text = solution("ex08.stateful")
    return text.replace(text[text.index("  volumeClaimTemplates:"):], volumes)


def shared_claim_statefulset() -> str:
    """One claim named in the Pod template, which every replica shares (a ReadWriteOnce disk)."""
    return statefulset_volumes("      volumes:\n      - name: data\n        persistentVolumeClaim:\n"
                               "          claimName: data\n") + \
        "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n" \
        "  accessModes: [ReadWriteOnce]\n  storageClassName: disk\n  resources:\n    requests:\n" \
        "      storage: 1Gi\n"


HPA_DEFAULT_UP = ("      - {type: Percent, value: 100, periodSeconds: 15}\n"
                  "      - {type: Pods, value: 4, periodSeconds: 15}\n")

DENY_SHOP_EGRESS = """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector: {}
"""


def shop_probes(block: str) -> str:
    """The ex09 solution with its three probes replaced by ``block``."""
    text = solution("ex09.probes")
    return text[:text.index("        startupProbe:")] + block


EX10_API = "          requests: {cpu: 250m, memory: 384Mi}\n          limits: {cpu: 250m, memory: 384Mi}\n"
EX10_BATCH = "          requests: {cpu: 100m, memory: 192Mi}\n          limits: {cpu: 400m, memory: 384Mi}\n"


def team_a(api: str | None = None, batch: str | None = None) -> str:
    """The ex10 solution with api's and batch's resources lines replaced."""
    text = edited("ex10.resources", EX10_API, api or EX10_API)
    assert EX10_BATCH in text
    return text.replace(EX10_BATCH, batch or EX10_BATCH)


def survive(old: str = "", new: str = "", **changes) -> dict:
    """The ex13 solution with its manifests edited and its other keys changed."""
    answer = dict(solution("ex13.survive"), **changes)
    assert old in answer["manifests"]
    return dict(answer, manifests=answer["manifests"].replace(old, new)) if old else answer


SURVIVE_SPREAD = """      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector:
          matchLabels: {app: checkout}
"""
READINESS_PROBE = "        readinessProbe:\n          httpGet: {path: /, port: 8080}\n          periodSeconds: 2\n"
CAPSTONE_RESOURCES = "          requests: {cpu: 100m, memory: 64Mi}\n          limits: {cpu: 500m, memory: 128Mi}\n"


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
    # -- ex07.cronjob (add this exercise's wrong answers below this line) --
    ("ex07.cronjob", lambda: edited("ex07.cronjob", '"*/15 * * * *"', '"15 * * * *"'), "schedule", "five fields"),
    ("ex07.cronjob", lambda: edited("ex07.cronjob", "concurrencyPolicy: Forbid", "concurrencyPolicy: Allow"),
     "no-overlap", "concurrencyPolicy"),
    ("ex07.cronjob", lambda: edited("ex07.cronjob", "      activeDeadlineSeconds: 1800\n", ""),
     "hung", "activeDeadlineSeconds"),
    ("ex07.cronjob", lambda: edited("ex07.cronjob", "failedJobsHistoryLimit: 2", "failedJobsHistoryLimit: 0"),
     "history", "0 keeps none"),
    ("ex07.cronjob", lambda: edited("ex07.cronjob", "backoffLimit: 3", "backoffLimit: 0"), "retries", "backoffLimit"),
    ("ex07.cronjob", lambda: edited("ex07.cronjob", "  startingDeadlineSeconds: 300\n", ""),
     "downtime", "startingDeadlineSeconds"),
    # -- ex08.stateful (add this exercise's wrong answers below this line) --
    ("ex08.stateful", lambda: statefulset_volumes("      volumes:\n      - name: data\n        emptyDir: {}\n"),
     "pod-deleted", "emptyDir"),
    ("ex08.stateful", shared_claim_statefulset, "runs", "one claim that every replica shares"),
    ("ex08.stateful", lambda: edited("ex08.stateful", "  serviceName: db\n",
                                     "  serviceName: db\n  persistentVolumeClaimRetentionPolicy:\n"
                                     "    whenScaled: Delete\n"), "scale", "whenScaled"),
    ("ex08.stateful", lambda: edited("ex08.stateful", "  serviceName: db\n", ""), "dns", "spec.serviceName"),
    ("ex08.stateful", lambda: edited("ex08.stateful", "      storageClassName: disk\n", ""),
     "node-lost", "node-local directory"),
    # -- ex09.probes (add this exercise's wrong answers below this line) --
    ("ex09.probes", lambda: shop_probes("        readinessProbe:\n          httpGet: {path: /ready, port: http}\n"
                                        "        livenessProbe:\n          httpGet: {path: /healthz, port: http}\n"
                                        "          initialDelaySeconds: 10\n"), "warm-up", "initialDelaySeconds"),
    ("ex09.probes", lambda: edited("ex09.probes", solution("ex09.probes")[
        solution("ex09.probes").index("        livenessProbe:"):], ""), "deadlock", "Only a failing liveness"),
    ("ex09.probes", lambda: edited("ex09.probes", "path: /ready,", "path: /readyz,"), "warm-up", "which path"),
    ("ex09.probes", lambda: edited("ex09.probes", "failureThreshold: 24", "failureThreshold: 15"),
     "slow-start", "slowest warm-up"),
    ("ex09.probes", lambda: edited("ex09.probes", "livenessProbe:\n          httpGet: {path: /healthz",
                                   "livenessProbe:\n          httpGet: {path: /ready"), "drain", "liveness failure"),
    ("ex09.probes", lambda: edited("ex09.probes", "livenessProbe:\n          httpGet: {path: /healthz, port: http}",
                                   "livenessProbe:\n          tcpSocket: {port: http}"), "deadlock", "tcpSocket"),
    ("ex09.probes", lambda: shop_probes("        readinessProbe:\n          httpGet: {path: /ready, port: http}\n"
                                        "        livenessProbe:\n          httpGet: {path: /healthz, port: http}\n"
                                        "          initialDelaySeconds: 100\n"),
     "quick-deadlock", "initialDelaySeconds holds"),
    # -- ex10.resources (add this exercise's wrong answers below this line) --
    ("ex10.resources", lambda: team_a(api="          requests: {cpu: 150m, memory: 200Mi}\n"),
     "guaranteed", "Guaranteed only if"),
    ("ex10.resources", lambda: team_a(api=EX10_API.replace("384Mi", "256Mi")), "peak", "OOM-killed"),
    ("ex10.resources", lambda: team_a(api=EX10_API.replace("384Mi", "768Mi")), "admitted", "quota caps"),
    ("ex10.resources", lambda: team_a(batch="          requests: {cpu: 100m, memory: 64Mi}\n"
                                            "          limits: {cpu: 400m, memory: 512Mi}\n"),
     "admitted", "maxLimitRequestRatio"),
    ("ex10.resources", lambda: team_a(api=EX10_API.replace("384Mi", "512Mi"),
                                      batch=EX10_BATCH.replace("192Mi", "128Mi").replace("384Mi", "256Mi")),
     "rollout", "maxSurge"),
    ("ex10.resources", lambda: team_a(api=EX10_API.replace("250m", "500m")), "schedulable", "what the node has left"),
    # -- ex11.hpa (add this exercise's wrong answers below this line) --
    ("ex11.hpa", lambda: edited("ex11.hpa", "stabilizationWindowSeconds: 300", "stabilizationWindowSeconds: 0"),
     "no-flapping", "stabilizationWindowSeconds"),
    ("ex11.hpa", lambda: edited("ex11.hpa", "maxReplicas: 20", "maxReplicas: 8"), "keeps-up", "maxReplicas"),
    ("ex11.hpa", lambda: edited("ex11.hpa", "minReplicas: 2", "minReplicas: 14"), "cost", "minReplicas"),
    ("ex11.hpa", lambda: edited("ex11.hpa", "averageUtilization: 60", "averageUtilization: 100"),
     "keeps-up", "10% tolerance"),
    ("ex11.hpa", lambda: edited("ex11.hpa", HPA_DEFAULT_UP, "      - {type: Pods, value: 2, periodSeconds: 15}\n"),
     "spike", "behavior.scaleUp"),
    # -- ex12.netpol (add this exercise's wrong answers below this line) --
    ("ex12.netpol", lambda: edited("ex12.netpol", "    - podSelector:\n        matchLabels: {app: api}\n    ports:\n"
                                   "    - port: 5432", "    - podSelector: {}\n    ports:\n    - port: 5432"),
     "db-isolated", "`podSelector: {}`"),
    ("ex12.netpol", lambda: edited("ex12.netpol", "      podSelector:\n        matchLabels: {app: prometheus}",
                                   "    - podSelector:\n        matchLabels: {app: prometheus}"),
     "metrics-only", "ORed"),
    ("ex12.netpol", lambda: edited("ex12.netpol", "{app: prometheus}\n    ports:\n    - port: 9187",
                                   "{app: prometheus}\n    ports:\n    - port: 5432"),
     "allowed", "ports include"),
    ("ex12.netpol", lambda: edited("ex12.netpol", "matchLabels: {app: db}", "matchLabels: {app: database}"),
     "db-isolated", "--show-labels"),
    ("ex12.netpol", lambda: solution("ex12.netpol") + DENY_SHOP_EGRESS, "dns", "port 53"),
    ("ex12.netpol", lambda: edited("ex12.netpol", "matchLabels: {app: api}\n    ports:\n    - port: 5432",
                                   "matchLabels: {app: api, tier: backend}\n    ports:\n    - port: 5432"),
     "new-api-pod", "labels"),
    ("ex12.netpol", lambda: edited("ex12.netpol", "    - podSelector:\n        matchLabels: {app: api}\n    ports:\n"
                                   "    - port: 5432", "    - namespaceSelector: {}\n      podSelector:\n"
                                   "        matchLabels: {app: api}\n    ports:\n    - port: 5432"),
     "other-namespace", "every namespace"),
    # -- ex13.survive (add this exercise's wrong answers below this line) --
    ("ex13.survive", lambda: survive(SURVIVE_SPREAD, ""), "zone-outage", "topologySpreadConstraint"),
    ("ex13.survive", lambda: survive(SURVIVE_SPREAD, ""), "spread", "however many nodes each zone has"),
    ("ex13.survive", lambda: survive("replicas: 6 ", "replicas: 1 "), "runs", "enough replicas"),
    ("ex13.survive", lambda: survive(READINESS_PROBE, ""), "maintenance", "readiness probe"),
    ("ex13.survive", lambda: survive("  minAvailable: 4\n  selector:\n    matchLabels: {app: checkout}",
                                     "  minAvailable: 4\n  selector:\n    matchLabels: {app: check-out}"),
     "maintenance", "PodDisruptionBudget"),
    ("ex13.survive", lambda: survive("minAvailable: 4", "minAvailable: 6"), "drains-finish", "maxUnavailable 0"),
    ("ex13.survive", lambda: survive(etcd_members=4), "quorum", "floor(n/2) + 1"),
    ("ex13.survive", lambda: survive(etcd_members=6), "smallest", "even number"),
    # -- ex14.capstone (add this exercise's wrong answers below this line) --
    ("ex14.capstone", lambda: edited("ex14.capstone", READINESS_PROBE, ""), "rollout", "readiness probe"),
    ("ex14.capstone", lambda: edited("ex14.capstone", "maxUnavailable: 0}", 'maxUnavailable: "25%"}'), "rollout",
     "maxUnavailable"),
    ("ex14.capstone", lambda: edited("ex14.capstone", "kind: Deployment, name: guestbook}",
                                     "kind: Deployment, name: guestbook-frontend}"), "autoscaling", "scaleTargetRef"),
    ("ex14.capstone", lambda: edited("ex14.capstone", CAPSTONE_RESOURCES,
                                     "          requests: {memory: 64Mi}\n          limits: {memory: 128Mi}\n"),
     "autoscaling", "CPU request"),
    ("ex14.capstone", lambda: edited("ex14.capstone", "readinessProbe:", "readinesProbe:"), "valid",
     "--validate=strict"),
    ("ex14.capstone", lambda: edited("ex14.capstone", "  maxUnavailable: 1\n", "  maxUnavailable: 0\n"),
     "maintenance", "never none"),
    ("ex14.capstone", lambda: edited("ex14.capstone", "minReplicas: 4", "minReplicas: 2"), "steady", "minReplicas"),
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

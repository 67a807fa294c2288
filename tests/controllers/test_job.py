"""The Job controller and the TTL-after-finished controller
(https://kubernetes.io/docs/concepts/workloads/controllers/job/, pkg/controller/job).

Most tests run kube-controller-manager alone and play the kubelet through the
status subresource, as Kubernetes' own controller tests do; the end-to-end ones
at the bottom let the scheduler and the kubelets run the Pods.
"""
from datetime import datetime, timedelta, timezone

import pytest
from fake_kubelet import controllers_only

import kubelab as kl
from kubelab.api.manifests import load_manifests
from kubelab.api.meta import format_time
from kubelab.controllers.job_backoff import BackoffStore, remaining_backoff
from kubelab.controllers.job_indexes import Intervals

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)

# -- pure pieces ------------------------------------------------------------------------


# (failures since the last success, seconds since the last failure, seconds still to wait);
# 10 s doubling, capped at MaxJobPodFailureBackOff = 10 min (pkg/controller/job/job_controller.go)
BACKOFF = [(0, 0, 0), (1, 0, 10), (1, 4, 6), (1, 11, 0), (2, 0, 20), (3, 5, 35), (6, 0, 320), (7, 0, 600),
           (12, 0, 600)]


@pytest.mark.parametrize("failures, elapsed, wait", BACKOFF)
def test_the_pod_failure_backoff_doubles_from_10_seconds_up_to_10_minutes(failures, elapsed, wait):
    assert remaining_backoff(failures, T0, T0 + timedelta(seconds=elapsed)) == wait


def finished_pod(phase, at):
    return {"metadata": {"creationTimestamp": format_time(T0)},
            "status": {"phase": phase, "containerStatuses": [
                {"state": {"terminated": {"finishedAt": format_time(T0 + timedelta(seconds=at))}}}]}}


def test_a_success_resets_the_failure_count_except_for_failures_after_it():
    # newBackoffRecord (backoff_utils.go): only failures finishing after the last success count
    store = BackoffStore()
    record = store.new_record("ns/job", [], [finished_pod("Failed", 1), finished_pod("Failed", 2)])
    assert record.failures_after_last_success == 2
    store.update(record)
    record = store.new_record("ns/job", [finished_pod("Succeeded", 5)], [finished_pod("Failed", 4),
                                                                        finished_pod("Failed", 7)])
    assert (record.failures_after_last_success, record.last_failure_time) == (1, T0 + timedelta(seconds=7))


# (intervals, completedIndexes string), as orderedIntervals.String() writes them
# (indexed_job_utils.go: a run of two reads "5,6", longer runs "0-2")
INTERVALS = [((), ""), (((0, 0),), "0"), (((0, 2), (4, 4)), "0-2,4"), (((5, 6),), "5,6"),
             (((0, 1), (3, 7), (9, 9)), "0,1,3-7,9")]


@pytest.mark.parametrize("intervals, text", INTERVALS)
def test_completed_indexes_are_written_and_read_in_compressed_form(intervals, text):
    assert str(Intervals(intervals)) == text
    assert Intervals.parse(text, completions=10) == Intervals(intervals)


def test_parsing_completed_indexes_drops_those_beyond_completions():
    # parseIndexesFromString clips to the current completions (a Job scaled down)
    assert Intervals.parse("0-2,4-9", completions=6) == Intervals(((0, 2), (4, 5)))


# -- the controller in a cluster ------------------------------------------------------------

JOB = """
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: pi, image: perl, command: [perl, -e, print 1]}]
"""


@pytest.fixture
def c():
    return controllers_only(seed=0)       # no scheduler, no kubelets: the tests write Pod status


def run_job(c, settle=True, **spec):
    obj = load_manifests(JOB)[0]
    template = spec.pop("template", {})
    obj["spec"].update(spec)
    obj["spec"]["template"]["spec"].update(template)
    c.apply(obj)
    c.run(None if settle else 0)
    return c.get("job", "pi")


def pods(c, phase=None):
    return [p for p in c.get("pods") if phase is None or p["status"]["phase"] == phase]


def finish(c, pod, phase, exit_code=None):
    """Play the kubelet: the container terminated now, the pod is Succeeded or Failed."""
    code = exit_code if exit_code is not None else (0 if phase == "Succeeded" else 1)
    pod["status"] = {"phase": phase, "containerStatuses": [{"name": "pi", "restartCount": 0, "state": {
        "terminated": {"exitCode": code, "finishedAt": format_time(c.now)}}}]}
    c.api.update(pod, subresource="status")


def conditions(job):
    return [(cond["type"], cond["status"], cond.get("reason"), cond.get("message"))
            for cond in job["status"].get("conditions", [])]


def events(c, name="pi"):
    return [(e["type"], e["reason"], e["message"]) for e in c.events() if e["involvedObject"]["name"] == name]


def test_job_pods_carry_the_job_identity_and_the_tracking_finalizer(c):
    job = run_job(c)
    (pod,) = pods(c)
    uid = job["metadata"]["uid"]
    assert pod["metadata"]["name"].startswith("pi-") and len(pod["metadata"]["name"]) == len("pi-") + 5
    assert pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi"
    assert pod["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] == uid
    assert pod["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"]
    assert pod["metadata"]["ownerReferences"] == [{"apiVersion": "batch/v1", "kind": "Job", "name": "pi",
                                                   "uid": uid, "controller": True, "blockOwnerDeletion": True}]
    assert job["status"]["active"] == 1 and job["status"]["startTime"] == "2025-01-01T00:00:00Z"
    assert events(c) == [("Normal", "SuccessfulCreate", f'Created pod: {pod["metadata"]["name"]}')]


def test_a_job_keeps_parallelism_pods_running_until_completions_succeed(c):
    run_job(c, completions=3, parallelism=2)
    assert len(pods(c, "Pending")) == 2
    finish(c, pods(c, "Pending")[0], "Succeeded")
    c.run()
    assert len(pods(c, "Pending")) == 2              # one replacement: 3 - 1 still needed, 2 at a time
    for pod in pods(c, "Pending"):
        finish(c, pod, "Succeeded")
    c.run()
    job = c.get("job", "pi")
    assert len(pods(c)) == 3 and job["status"]["succeeded"] == 3 and "active" not in job["status"]
    # Kubernetes 1.31+: SuccessCriteriaMet first, then Complete once no Pod is left terminating
    assert conditions(job) == [("SuccessCriteriaMet", "True", "CompletionsReached",
                                "Reached expected number of succeeded pods"),
                               ("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods")]
    assert job["status"]["completionTime"] == job["status"]["conditions"][1]["lastTransitionTime"]
    assert job["status"]["uncountedTerminatedPods"] == {}
    assert all(not p["metadata"].get("finalizers") for p in pods(c))     # counted, then released
    assert events(c)[-1] == ("Normal", "Completed", "Job completed")


def test_failed_pods_are_replaced_after_the_backoff_until_the_backoff_limit(c):
    run_job(c, backoffLimit=2)
    failed_at = []
    while pods(c, "Pending"):
        failed_at.append(c.now)
        finish(c, pods(c, "Pending")[0], "Failed")
        c.run()
    created = sorted(datetime.fromisoformat(p["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
                     for p in pods(c))
    # backoffLimit 2: the first Pod and two retries, each 10 s, then 20 s after the failure
    assert [(t - f).total_seconds() for t, f in zip(created[1:], failed_at)] == [10, 20]
    job = c.get("job", "pi")
    assert job["status"]["failed"] == 3
    assert conditions(job) == [("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                               ("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")]
    assert events(c)[-1] == ("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit")


def test_with_restart_policy_on_failure_container_restarts_count_toward_the_backoff_limit(c):
    run_job(c, backoffLimit=2, template={"restartPolicy": "OnFailure"})
    (pod,) = pods(c)
    pod["status"] = {"phase": "Running", "containerStatuses": [{"name": "pi", "restartCount": 2,
                                                                "state": {"running": {}}}]}
    c.api.update(pod, subresource="status")
    c.run()
    job = c.get("job", "pi")
    # pastBackoffLimitOnFailure: 2 restarts >= backoffLimit 2; the running Pod is deleted and counted failed
    assert ("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit") in conditions(job)
    assert job["status"]["failed"] == 1 and pods(c) == []
    assert ("Normal", "SuccessfulDelete", f'Deleted pod: {pod["metadata"]["name"]}') in events(c)


def test_a_job_active_longer_than_its_deadline_fails_and_loses_its_pods(c):
    run_job(c, settle=False, activeDeadlineSeconds=30)
    c.run(seconds=29)
    assert len(pods(c)) == 1
    c.run()
    job = c.get("job", "pi")
    assert conditions(job) == [("FailureTarget", "True", "DeadlineExceeded", "Job was active longer than specified deadline"),
                               ("Failed", "True", "DeadlineExceeded", "Job was active longer than specified deadline")]
    # the target is set at the deadline; Failed follows once the deleted Pod is gone
    assert [cond["lastTransitionTime"] for cond in job["status"]["conditions"]] == ["2025-01-01T00:00:30Z",
                                                                                 "2025-01-01T00:00:31Z"]
    assert pods(c) == [] and job["status"]["failed"] == 1


def test_an_indexed_job_gives_each_pod_an_index_and_tracks_completed_indexes(c):
    run_job(c, completions=5, parallelism=3, completionMode="Indexed")
    by_index = {p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]: p for p in pods(c)}
    assert sorted(by_index) == ["0", "1", "2"]
    pod = by_index["1"]
    assert pod["metadata"]["name"].startswith("pi-1-")
    assert pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == "1"
    assert pod["spec"]["hostname"] == "pi-1"
    assert {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
        "apiVersion": "v1", "fieldPath": "metadata.labels['batch.kubernetes.io/job-completion-index']"}}} \
        in pod["spec"]["containers"][0]["env"]
    for index in "012":
        finish(c, by_index[index], "Succeeded")
    c.run()
    new = {p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]: p for p in pods(c, "Pending")}
    assert sorted(new) == ["3", "4"]
    finish(c, new["4"], "Succeeded")
    c.run()
    assert c.get("job", "pi")["status"]["completedIndexes"] == "0-2,4"
    finish(c, new["3"], "Succeeded")
    c.run()
    job = c.get("job", "pi")
    assert (job["status"]["completedIndexes"], job["status"]["succeeded"]) == ("0-4", 5)
    assert conditions(job)[-1][0] == "Complete"


def test_a_suspended_job_runs_nothing_until_resumed(c):
    job = run_job(c, suspend=True)
    assert pods(c) == [] and "startTime" not in job["status"]
    assert conditions(job) == [("Suspended", "True", "JobSuspended", "Job suspended")]
    c.run(seconds=60)
    resumed = format_time(c.now)
    c.api.patch("jobs", "pi", {"spec": {"suspend": False}}, patch_type="merge")
    c.run()
    job = c.get("job", "pi")
    assert len(pods(c)) == 1 and job["status"]["startTime"] == resumed      # the deadline clock restarts
    assert conditions(job) == [("Suspended", "False", "JobResumed", "Job resumed")]
    assert [e[1] for e in events(c)] == ["Suspended", "SuccessfulCreate", "Resumed"]   # manageJob runs first


def test_suspending_a_running_job_deletes_its_pods(c):
    run_job(c)
    c.api.patch("jobs", "pi", {"spec": {"suspend": True}}, patch_type="merge")
    c.run()
    assert pods(c) == [] and "active" not in c.get("job", "pi")["status"]
    assert ("Normal", "Suspended", "Job suspended") in events(c)


def test_a_finished_job_is_deleted_ttl_seconds_after_it_finished(c):
    run_job(c, ttlSecondsAfterFinished=100)
    finish(c, pods(c)[0], "Succeeded")
    c.run(seconds=2)
    finished = c.get("job", "pi")["status"]["completionTime"]
    c.run(seconds=97)
    assert c.get("jobs") != []
    c.run(seconds=2)
    c.run()
    # deleted with Foreground propagation: the Pods go first, then the Job
    assert (c.get("jobs"), pods(c)) == ([], [])
    assert finished == "2025-01-01T00:00:02Z"


def test_pods_orphaned_by_deleting_their_job_lose_the_tracking_finalizer(c):
    run_job(c, completions=2, parallelism=2)
    c.delete("jobs", "pi", propagation_policy="Orphan")
    c.run()
    left = pods(c)
    assert len(left) == 2
    assert all(not p["metadata"].get("finalizers") and not p["metadata"].get("ownerReferences") for p in left)


# -- end to end: the scheduler and the kubelets run the Pods --------------------------------

def job_manifest(name, command, **spec):
    obj = load_manifests(JOB)[0]
    obj["metadata"]["name"] = name
    obj["spec"].update(spec)
    obj["spec"]["template"]["spec"]["containers"][0].update(image="busybox", command=["sh", "-c", command])
    return obj


def created_and_finished(pod):
    state = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    return (datetime.fromisoformat(pod["metadata"]["creationTimestamp"].replace("Z", "+00:00")),
            datetime.fromisoformat(state["finishedAt"].replace("Z", "+00:00")))


def test_end_to_end_a_job_whose_pod_always_fails_ends_failed_after_backoff_limit_retries():
    c = kl.Cluster(nodes=2, seed=0)
    c.apply(job_manifest("pi", "echo computing; exit 1", backoffLimit=2))
    c.run(seconds=120)
    runs = sorted(created_and_finished(p) for p in c.get("pods"))
    assert [p["status"]["phase"] for p in c.get("pods")] == ["Failed"] * 3      # the first Pod and 2 retries
    # each replacement waits 10 s, then 20 s, counted from the previous container's exit
    assert [(nxt[0] - prev[1]).total_seconds() for prev, nxt in zip(runs, runs[1:])] == [10, 20]
    job = c.get("job", "pi")
    assert job["status"]["failed"] == 3
    assert [cond["type"] for cond in job["status"]["conditions"]] == ["FailureTarget", "Failed"]
    assert job["status"]["conditions"][1]["reason"] == "BackoffLimitExceeded"


def test_end_to_end_an_indexed_job_runs_each_index_once_with_its_hostname_and_env():
    c = kl.Cluster(nodes=2, seed=0)
    # the container fails unless its hostname is <job>-<index> and JOB_COMPLETION_INDEX matches
    c.apply(job_manifest("idx", 'sleep 2; test "$(hostname)" = "idx-$JOB_COMPLETION_INDEX"',
                         completions=3, parallelism=2, completionMode="Indexed"))
    c.run(seconds=60)
    job = c.get("job", "idx")
    assert (job["status"]["succeeded"], job["status"]["completedIndexes"]) == (3, "0-2")
    assert [cond["type"] for cond in job["status"]["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert sorted(p["metadata"]["name"][:6] for p in c.get("pods")) == ["idx-0-", "idx-1-", "idx-2-"]


def test_end_to_end_with_on_failure_the_kubelet_restarts_in_place_and_restarts_count_as_failures():
    c = kl.Cluster(nodes=1, seed=0)
    manifest = job_manifest("of", "exit 1", backoffLimit=3)
    manifest["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    c.apply(manifest)
    c.run(seconds=120)
    job = c.get("job", "of")
    # one Pod, restarted by the kubelet (crash-loop back-off) until 3 restarts reach backoffLimit 3
    assert [e["message"].split(":")[0] for e in c.events() if e["reason"] == "SuccessfulCreate"
            and e["involvedObject"]["name"] == "of"] == ["Created pod"]
    assert job["status"]["conditions"][-1]["reason"] == "BackoffLimitExceeded"
    assert job["status"]["failed"] == 1 and c.get("pods") == []

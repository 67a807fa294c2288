"""The CronJob controller: schedule arithmetic as pkg/controller/cronjob/utils.go does it,
and the controller's behaviour on the simulated clock
(https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/): with
kube-controller-manager alone (Jobs are finished by writing their status), and end to end."""
from datetime import datetime, timedelta, timezone

import pytest
from fake_kubelet import controllers_only

import kubelab as kl
from kubelab.api.manifests import load_manifests
from kubelab.api.meta import format_time
from kubelab.controllers.cronjob_schedule import (
    InvalidSchedule, Schedule, job_name, most_recent_schedule_time, next_schedule_delay,
)
from kubelab.sim import NotSettled

TOP = datetime(2016, 5, 19, 10, 0, tzinfo=timezone.utc)       # topOfTheHour() in utils_test.go


def at(**delta) -> datetime:
    return TOP + timedelta(**delta)


def cronjob(schedule, created=TOP, last=None, deadline=None, tz=None):
    cj = {"metadata": {"name": "cj", "creationTimestamp": format_time(created)},
          "spec": {"schedule": schedule}, "status": {}}
    if last is not None:
        cj["status"]["lastScheduleTime"] = format_time(last)
    if deadline is not None:
        cj["spec"]["startingDeadlineSeconds"] = deadline
    if tz is not None:
        cj["spec"]["timeZone"] = tz
    return cj


# Cases from TestMostRecentScheduleTime (pkg/controller/cronjob/utils_test.go):
# (name, cronjob, include startingDeadlineSeconds, now, earliest, most recent, missed kind)
MOST_RECENT = [
    ("now before next schedule", cronjob("0 * * * *"), False, at(seconds=30), TOP, None, "none"),
    ("now just after next schedule", cronjob("0 * * * *"), False, at(minutes=61), TOP, at(minutes=60), "none"),
    ("missed 5 schedules", cronjob("0 * * * *", created=at(seconds=10)), False, at(minutes=301),
     at(seconds=10), at(minutes=300), "few"),
    ("complex schedule", cronjob("30 6-16/4 * * 1-5", last=at(minutes=30)), False, at(hours=24, minutes=31),
     at(minutes=30), at(hours=24, minutes=30), "few"),
    ("another complex schedule", cronjob("30 10,11,12 * * 1-5", last=at(minutes=30)), False,
     at(hours=30, minutes=30), at(minutes=30), None, "few"),
    ("complex schedule with longer diff", cronjob("30 6-16/4 * * 1-5", last=at(minutes=30)), False,
     at(hours=96, minutes=31), at(minutes=30), at(hours=96, minutes=30), "few"),
    ("complex schedule with shorter diff", cronjob("30 6-16/4 * * 1-5"), False, at(hours=24, minutes=31),
     TOP, at(hours=24, minutes=30), "few"),
    ("@every schedule", cronjob("@every 1h", created=at(minutes=-59), last=at(minutes=1), deadline=10), False,
     at(days=7), at(minutes=1), at(days=6, hours=23, minutes=1), "many"),
    ("earliest is the last schedule time", cronjob("*/5 * * * *", last=at(minutes=30)), False, at(minutes=31),
     at(minutes=30), None, "none"),
    ("earliest moved up to the starting deadline", cronjob("*/5 * * * *", last=at(minutes=30), deadline=60),
     True, at(minutes=32), at(minutes=31), None, "none"),
]


def missed_kind(n: int) -> str:
    return "none" if n == 0 else "many" if n > 100 else "few"


@pytest.mark.parametrize("name, cj, include, now, earliest, recent, kind", MOST_RECENT, ids=[c[0] for c in MOST_RECENT])
def test_most_recent_schedule_time_matches_the_controllers_arithmetic(name, cj, include, now, earliest, recent, kind):
    got_earliest, got_recent, missed = most_recent_schedule_time(cj, now, Schedule.of(cj), include)
    assert (got_earliest, got_recent, missed_kind(missed)) == (earliest, recent, kind)


def test_a_schedule_that_can_never_run_is_invalid():
    cj = cronjob("59 23 31 2 *", created=at(seconds=10))       # "rogue cronjob": February 31st
    with pytest.raises(InvalidSchedule):
        most_recent_schedule_time(cj, at(hours=1), Schedule.of(cj), False)


# Cases from TestNextScheduleTimeDuration (utils_test.go); every delay has the 100 ms padding.
NEXT_DELAY = [
    ("complex schedule skipping weekend", cronjob("30 6-16/4 * * 1-5", last=at(minutes=30)),
     at(hours=24, minutes=31), timedelta(hours=3, minutes=59)),
    ("another complex schedule skipping weekend", cronjob("30 10,11,12 * * 1-5", last=at(minutes=30)),
     at(hours=30, minutes=30), timedelta(hours=66)),
    ("once a week, missed two runs", cronjob("0 12 * * 4", last=at(hours=2)), at(days=19, hours=1, minutes=30),
     timedelta(hours=48, minutes=30)),
    ("no previous run", cronjob("0 12 * * 5"), at(hours=6), timedelta(hours=20)),
]


@pytest.mark.parametrize("name, cj, now, delay", NEXT_DELAY, ids=[c[0] for c in NEXT_DELAY])
def test_the_controller_wakes_100ms_after_the_next_scheduled_time(name, cj, now, delay):
    assert next_schedule_delay(cj, now, Schedule.of(cj)) == pytest.approx(delay.total_seconds() + 0.1)


def test_the_time_zone_moves_the_schedule():
    # 09:00 in Tokyo is 00:00 UTC (no daylight saving there)
    schedule = Schedule.of(cronjob("0 9 * * *", tz="Asia/Tokyo"))
    assert schedule.next(datetime(2025, 1, 1, 0, 0, tzinfo=timezone.utc)) == datetime(2025, 1, 2, tzinfo=timezone.utc)


def test_job_names_count_minutes_since_the_epoch():
    # getTimeHashInMinutes: 2016-05-19T10:00:00Z is 1463652000 s = 24394200 min
    assert job_name(cronjob("* * * * *"), TOP) == "cj-24394200"


# -- the controller in a cluster ------------------------------------------------------

CRONJOB = """
apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: hello, image: busybox, command: [date]}]
"""


@pytest.fixture
def c():
    return controllers_only(seed=0)       # no scheduler, no kubelets: the tests write Pod status


def apply(c, **spec):
    obj = load_manifests(CRONJOB)[0]
    obj["spec"].update(spec)
    return c.apply(obj)[0]


def events(c, name="hello"):
    return [(e["reason"], e["message"]) for e in c.events() if e["involvedObject"]["name"] == name]


def jobs(c):
    return [j["metadata"]["name"] for j in c.get("jobs")]


def finish(c, name, outcome="Complete"):
    """Play the Job controller: mark a Job finished through the status subresource."""
    job = c.get("jobs", name)
    stamp = format_time(c.now)
    job["status"] = {"startTime": job["metadata"]["creationTimestamp"],
                     "conditions": [{"type": outcome, "status": "True", "lastTransitionTime": stamp}]}
    if outcome == "Complete":
        job["status"]["completionTime"] = stamp
    c.api.update(job, subresource="status")


def test_jobs_are_created_on_schedule_and_named_after_their_minute(c):
    apply(c)
    c.run(seconds=11 * 60)
    # 2025-01-01T00:05:00Z is minute 28928165 since the epoch
    assert jobs(c) == ["hello-28928165", "hello-28928170"]
    job = c.get("jobs", "hello-28928165")
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2025-01-01T00:05:00Z"
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    status = c.get("cronjob", "hello")["status"]
    assert status["lastScheduleTime"] == "2025-01-01T00:10:00Z"
    assert [ref["name"] for ref in status["active"]] == ["hello-28928165", "hello-28928170"]
    assert events(c)[:2] == [("SuccessfulCreate", "Created job hello-28928165"),
                             ("SuccessfulCreate", "Created job hello-28928170")]


def test_a_cluster_with_a_cronjob_never_settles(c):
    apply(c)
    with pytest.raises(NotSettled) as err:
        c.run()
    assert err.value.owner == "cronjob-controller"


def test_forbid_skips_runs_while_a_job_is_still_active_over_hours(c):
    apply(c, concurrencyPolicy="Forbid", schedule="0 * * * *")
    c.run(seconds=3 * 3600 + 60)          # 01:00, 02:00, 03:00 come and go; the first Job never ends
    assert jobs(c) == ["hello-28928220"]
    assert ("JobAlreadyActive", "Not starting job because prior execution is running and concurrency "
            "policy is Forbid") in events(c)
    finish(c, "hello-28928220")
    c.run(seconds=1)
    # the skipped times were never recorded as scheduled, so the most recent one (03:00)
    # still counts as missed and starts at once, as the real controller does
    assert jobs(c) == ["hello-28928220", "hello-28928340"]
    assert ("SawCompletedJob", "Saw completed job: hello-28928220, status: Complete") in events(c)
    status = c.get("cronjob", "hello")["status"]
    assert [ref["name"] for ref in status["active"]] == ["hello-28928340"]
    assert (status["lastScheduleTime"], status["lastSuccessfulTime"]) == ("2025-01-01T03:00:00Z",
                                                                          "2025-01-01T03:01:00Z")


def test_replace_deletes_the_running_job_for_the_new_one(c):
    apply(c, concurrencyPolicy="Replace")
    c.run(seconds=10 * 60 + 1)
    assert jobs(c) == ["hello-28928170"]
    assert ("SuccessfulDelete", "Deleted job hello-28928165") in events(c)


def test_history_limits_keep_the_newest_three_successful_and_one_failed_job(c):
    apply(c, schedule="* * * * *")
    c.run(seconds=1)
    for minute in range(1, 7):
        c.run(seconds=60)
        finish(c, jobs(c)[-1], "Complete" if minute % 2 else "Failed")
    c.run(seconds=1)
    kept = {j["metadata"]["name"]: j["status"]["conditions"][0]["type"] for j in c.get("jobs")}
    # successes at minutes 1, 3, 5 are all kept; of the failures (2, 4, 6) only the newest
    assert sorted(kept.values()) == ["Complete", "Complete", "Complete", "Failed"]
    assert kept["hello-28928166"] == "Failed"


def test_a_suspended_cronjob_starts_nothing(c):
    apply(c, suspend=True)
    c.run(seconds=3600)
    assert jobs(c) == []


def test_after_more_than_100_missed_times_the_controller_warns_and_starts_the_latest(c):
    apply(c, suspend=True, schedule="0 * * * *")
    c.run(seconds=200 * 3600 + 30)
    apply(c, suspend=False, schedule="0 * * * *")
    assert ("TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds "
            "or check clock skew") in events(c)
    assert jobs(c) == ["hello-28940160"]          # 2025-01-09T08:00:00Z, the most recent hour


def test_a_starting_deadline_bounds_how_far_back_the_controller_looks(c):
    apply(c, suspend=True, schedule="0 * * * *", startingDeadlineSeconds=600)
    c.run(seconds=200 * 3600 + 30)
    apply(c, suspend=False, schedule="0 * * * *", startingDeadlineSeconds=600)
    assert "TooManyMissedTimes" not in [reason for reason, _ in events(c)]
    assert jobs(c) == ["hello-28940160"]


def test_a_start_missed_by_more_than_the_deadline_is_reported_and_skipped(c):
    apply(c, suspend=True, schedule="0 * * * *", startingDeadlineSeconds=10)
    c.run(seconds=3600 + 30)                       # 01:00 passed 30 s ago
    apply(c, suspend=False, schedule="0 * * * *", startingDeadlineSeconds=10)
    assert jobs(c) == []


def test_a_time_zone_shifts_the_runs_and_the_scheduled_annotation(c):
    apply(c, schedule="0 9 * * *", timeZone="Asia/Tokyo")
    c.run(seconds=24 * 3600 + 1)
    job = c.get("jobs")[0]
    assert job["metadata"]["name"] == "hello-28929600"             # 2025-01-02T00:00:00Z
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == \
        "2025-01-02T09:00:00+09:00"


def test_an_active_job_deleted_by_hand_is_reported_missing(c):
    apply(c)
    c.run(seconds=5 * 60 + 1)
    c.delete("jobs", "hello-28928165")
    c.run(seconds=1)
    assert ("MissingJob", "Active job went missing: hello-28928165") in events(c)
    assert "active" not in c.get("cronjob", "hello")["status"]


def test_a_job_it_did_not_create_is_reported_unexpected(c):
    cj = apply(c)
    job = load_manifests(CRONJOB)[0]["spec"]["jobTemplate"]
    c.api.create({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "adhoc", "ownerReferences": [
        {"apiVersion": "batch/v1", "kind": "CronJob", "name": "hello", "uid": cj["metadata"]["uid"],
         "controller": True}]}, "spec": job["spec"]})
    c.run(seconds=1)
    assert ("UnexpectedJob", "Saw a job that the controller did not create or forgot: adhoc") in events(c)


# -- end to end: the scheduler and the kubelets run the Jobs' Pods ----------------------------

def test_end_to_end_forbid_never_overlaps_runs_over_simulated_hours():
    c = kl.Cluster(nodes=1, seed=0)
    cj = load_manifests(CRONJOB)[0]
    cj["spec"].update(schedule="0 * * * *", concurrencyPolicy="Forbid")
    cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"] = ["sh", "-c", "sleep 5400"]
    c.apply(cj)
    active = []
    for _ in range(12):                       # six hours, looked at every half hour
        c.run(seconds=1800)
        active.append(sum(1 for j in c.get("jobs") if j["status"].get("active")))
    assert max(active) == 1                   # a 90-minute Job an hour: never two at once
    # 01:00 runs until 02:30, so 02:00 is skipped; the missed 02:00 slot starts when it ends
    assert jobs(c)[:2] == ["hello-28928220", "hello-28928280"]
    reasons = [reason for reason, _ in events(c)]
    assert "JobAlreadyActive" in reasons and "SawCompletedJob" in reasons

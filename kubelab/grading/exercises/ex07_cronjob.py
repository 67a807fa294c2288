"""ex07.cronjob (chapter 7, Workloads): a CronJob for a database backup that behaves on bad nights.

The answer is a CronJob ``backup`` whose container ``backup`` (busybox) dumps
the database in about two minutes. The checks run it on the simulated clock
of a fresh one-node lab cluster (created at 00:00), with the CronJob and Job
controllers of kube-controller-manager, and swap the container's command for
worse nights: a slow dump (24 minutes, longer than the 15-minute interval), a
hung one (never ends), a broken one (fails every time), a flaky first attempt
(its process is killed), and the controller manager being down at a
scheduled time.

What Kubernetes v1.32 does, and the checks rely on (pkg/controller/cronjob,
pkg/controller/job; https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/):

* a CronJob created at 00:00 with ``*/15 * * * *`` first runs at 00:15 (the next
  time strictly after its creation), then every 15 minutes;
* ``concurrencyPolicy: Forbid`` skips a run while the previous Job is active
  (``JobAlreadyActive``); when that Job finishes, the controller looks again and
  starts the most recent missed run unless it is later than
  ``startingDeadlineSeconds`` (``tooLate = scheduledTime + deadline < now``:
  ``MissSchedule``); the docs: "when the previous Job run finishes,
  .spec.startingDeadlineSeconds is still taken into account and may result in a
  new Job run". ``Allow`` starts the new Job next to the old one, ``Replace``
  deletes the old one;
* a restarted controller manager starts the most recent missed run, again
  unless it is past ``startingDeadlineSeconds`` (without one, however late);
* a Job's ``activeDeadlineSeconds`` counts from its startTime; past it the Job
  fails with reason ``DeadlineExceeded`` and its running Pods are killed;
* ``backoffLimit`` counts failed Pods (``restartPolicy: Never``) or container
  restarts (``OnFailure``: the Job fails once the restarts reach the limit);
* the controller keeps the newest ``successfulJobsHistoryLimit`` Complete and
  ``failedJobsHistoryLimit`` Failed Jobs and deletes older ones.
"""
from __future__ import annotations

import copy
from datetime import timedelta

from ...api.meta import parse_time
from ...client import Informer
from .. import scenario
from ..framework import Exercise, Fail

#: what the backup does on a normal night (the stub's command), and on worse ones
NORMAL = "echo dumping the database; sleep 120; echo backup complete"
SLOW = "echo dumping the database, a big one tonight; sleep 1440; echo backup complete"
HUNG = "echo waiting for a table lock; sleep 86400"
BROKEN = "echo dumping the database; sleep 5; echo 'error: connection to the database refused'; exit 1"

INTERVAL = 15 * 60          # a run every 15 minutes
HUNG_AFTER = 30 * 60        # a run still going 30 minutes after it started is hung
START_WITHIN = 5 * 60       # a run starts within 5 minutes of its scheduled time, or not at all
MAX_RETRIES = 3
KEEP_SUCCEEDED, KEEP_FAILED = 2, 2

SCHEDULE_HINT = ("A cron schedule has five fields: minute, hour, day of month, month, day of week. "
                 "`15 * * * *` is minute 15 of every hour; a step in the minute field (`*/N`) repeats.")


def _stamp(c, seconds: float | None = None) -> str:
    """``00:15:00``: a time on the lab's clock (it starts at 00:00), by default now."""
    return (c.clock.start + timedelta(seconds=c.clock.seconds if seconds is None else seconds)).strftime("%H:%M:%S")


# -- reading the answer ----------------------------------------------------------------------

def _todo(value, path: str = "") -> str | None:
    """The path of the first field still holding TODO, if any."""
    if isinstance(value, str):
        return path if "TODO" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _todo(item, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key)
        if found:
            return found
    return None


def _prepare(answer) -> dict:
    objects = scenario.load(answer)
    if len(objects) != 1 or objects[0].get("kind") != "CronJob":
        kinds = ", ".join(f"{o.get('kind')} {(o.get('metadata') or {}).get('name')}" for o in objects)
        raise Fail(f"the answer holds {kinds}; the exercise asks for one CronJob",
                   "Write a single CronJob named backup.")
    cronjob = objects[0]
    if (cronjob.get("metadata") or {}).get("name") != "backup":
        raise Fail(f"the CronJob is named {(cronjob.get('metadata') or {}).get('name')!r}, not 'backup'",
                   "Name the CronJob backup.")
    todo = _todo(cronjob)
    if todo:
        raise Fail(f"{todo} is still TODO: the answer is still the stub",
                   "Fill in every TODO of the stub: the schedule, the CronJob's policies, the Job's limits "
                   "and the Pod's restartPolicy.")
    if _container(cronjob) is None:
        raise Fail("the Pod template has no container named backup",
                   "Keep the given container backup (busybox) as it is; the checks run it.")
    scenario.apply(scenario.cluster(0), cronjob, what="the CronJob")
    return cronjob


def _container(cronjob: dict) -> dict | None:
    job = ((cronjob.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}
    pod = (job.get("template") or {}).get("spec") or {}
    return next((x for x in pod.get("containers") or [] if x.get("name") == "backup"), None)


def _with_command(cronjob: dict, command: str) -> dict:
    """The CronJob with the backup container running ``command`` instead."""
    out = copy.deepcopy(cronjob)
    container = _container(out)
    container["command"] = ["sh", "-c", command]
    container.pop("args", None)
    return out


# -- watching what happens ---------------------------------------------------------------------

class _Watch:
    """Every Job and Pod event of a check: when each Job was created (and for which time),
    how it ended, and the most backup Pods of different Jobs running at one moment."""

    def __init__(self, c):
        self.c = c
        self.created: dict[str, float] = {}          # Job name -> seconds on the clock
        self.scheduled: dict[str, str] = {}          # Job name -> its scheduled time, HH:MM:SS
        self.ended: dict[str, tuple[str, str, float]] = {}   # Job name -> (Complete|Failed, reason, seconds)
        self.started: dict[str, float] = {}          # Job name -> status.startTime, seconds
        self.decided: dict[str, float] = {}          # Job name -> when it was found failed (FailureTarget)
        self.deleted: dict[str, float] = {}
        self.containers: dict[str, set[str]] = {}    # Job name -> container ids seen (its attempts)
        self.overlap: tuple[str, ...] = ()
        self.overlap_at = 0.0
        self.jobs = Informer(c.api, "jobs", loop=c.loop, owner="grader")
        self.pods = Informer(c.api, "pods", loop=c.loop, owner="grader")
        self.jobs.add_handler(self._job, lambda old, new: self._job(new), self._job_deleted)
        self.pods.add_handler(self._pod, lambda old, new: self._pod(new), lambda pod: self._pod(pod))
        self.jobs.start()
        self.pods.start()

    def _seconds(self, stamp: str) -> float:
        return (parse_time(stamp) - self.c.clock.start).total_seconds()

    def _job(self, job: dict) -> None:
        name = job["metadata"]["name"]
        if name not in self.created:
            self.created[name] = self._seconds(job["metadata"]["creationTimestamp"])
            when = (job["metadata"].get("annotations") or {}).get("batch.kubernetes.io/cronjob-scheduled-timestamp")
            self.scheduled[name] = _stamp(self.c, self._seconds(when)) if when else "?"   # in UTC
        status = job.get("status") or {}
        if status.get("startTime") and name not in self.started:
            self.started[name] = self._seconds(status["startTime"])
        for cond in status.get("conditions") or []:
            if cond.get("status") != "True":
                continue
            if cond.get("type") == "FailureTarget" and name not in self.decided:
                self.decided[name] = self._seconds(cond["lastTransitionTime"])
            if cond.get("type") in ("Complete", "Failed") and name not in self.ended:
                self.ended[name] = (cond["type"], cond.get("reason", ""), self._seconds(cond["lastTransitionTime"]))

    def _job_deleted(self, job: dict) -> None:
        self._job(job)
        self.deleted.setdefault(job["metadata"]["name"], self.c.clock.seconds)

    def _pod(self, pod: dict) -> None:
        job = (pod["metadata"].get("labels") or {}).get("batch.kubernetes.io/job-name")
        if job is None:
            return
        ids = self.containers.setdefault(job, set())
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            for state in (cs.get("state") or {}, cs.get("lastState") or {}):
                for detail in state.values():
                    if detail.get("containerID"):
                        ids.add(detail["containerID"])
        running: dict[str, str] = {}
        for p in sorted(self.pods.list(), key=lambda p: p["metadata"]["name"]):
            owner = (p["metadata"].get("labels") or {}).get("batch.kubernetes.io/job-name")
            if owner and (p.get("status") or {}).get("phase") == "Running":
                gone = p["metadata"].get("deletionTimestamp") or owner in self.deleted
                running[owner] = owner + (" (its Job deleted, the Pod still stopping)" if gone else "")
        if len(running) > len(self.overlap):
            self.overlap, self.overlap_at = tuple(running[k] for k in sorted(running)), self.c.clock.seconds

    # -- what the learner reads
    def job_line(self, name: str) -> str:
        """``job backup-28928175 (for 00:15:00, created 00:15:00)``."""
        return f"job {name} (for {self.scheduled.get(name, '?')}, created {_stamp(self.c, self.created[name])})"

    def by_time(self) -> list[str]:
        return sorted(self.created, key=lambda n: (self.created[n], n))


def _run(cronjob: dict, command: str = NORMAL, *, until: float, nodes: int = 1):
    """A fresh cluster running the CronJob (with ``command``) until ``until`` seconds past 00:00."""
    c = scenario.cluster(nodes)
    watch = _Watch(c)
    scenario.apply(c, _with_command(cronjob, command), what="the CronJob")
    c.run(until - c.clock.seconds)
    return c, watch


def _require_quarter_hours(cronjob: dict) -> None:
    """The later checks assume the schedule is right; if it is not, say so rather than puzzle."""
    from ...controllers.cronjob_schedule import Schedule
    from ...sim.clock import Clock
    t, times = Clock().now(), []
    schedule = Schedule.of(cronjob)
    for _ in range(4):
        t = schedule.next(t)
        if t is None:
            break
        times.append(t.strftime("%H:%M"))
    if times != ["00:15", "00:30", "00:45", "01:00"]:
        raise Fail(f"schedule {cronjob['spec']['schedule']!r} runs at {', '.join(times) or 'no time at all'} "
                   "after 00:00, not every 15 minutes (see the first check)", SCHEDULE_HINT)


def _kubectl_jobs(c) -> str:
    lines = c.kubectl("get jobs").strip().splitlines()
    return "; ".join(" ".join(line.split()[:2]) for line in lines[1:]) or "no Jobs"


# -- the checks --------------------------------------------------------------------------------

def _playground(answer):
    c = scenario.cluster(1)
    scenario.apply(c, _prepare(answer))
    return c.run(INTERVAL + 180)


EXERCISE = Exercise("ex07.cronjob", "a backup CronJob that behaves on bad nights", chapter="07-workloads",
                    prepare=_prepare, playground=_playground)


@EXERCISE.check("schedule", "a backup starts every 15 minutes, on the quarter hour, and completes",
                hint=SCHEDULE_HINT)
def schedule(cronjob):
    c, watch = _run(cronjob, until=4 * INTERVAL + 180)       # 00:00 to 01:03
    created = [watch.created[n] for n in watch.by_time()]
    want = [k * INTERVAL for k in range(1, 5)]
    if [round(s) for s in created] != want:
        said = ", ".join(_stamp(c, s) for s in created) or "none at all"
        raise Fail(f"created at 00:00, the CronJob started Jobs at: {said} (in its first 63 minutes)")
    for name in watch.by_time():
        ended = watch.ended.get(name)
        if ended is None or ended[0] != "Complete":
            what = f"ended {ended[0]} ({ended[1]})" if ended else "had not completed by " + _stamp(c)
            raise Fail(f"{watch.job_line(name)} {what}; a normal backup takes about 2 minutes",
                       "Keep the backup container's command as given; check the Job's limits.")


@EXERCISE.check("no-overlap", "a slow run (24 minutes) never overlaps the next one, and finishes",
                hint="concurrencyPolicy decides what happens when a run is due while the previous one is still "
                     "going: Allow starts another, Forbid skips the new one, Replace kills the old one.")
def no_overlap(cronjob):
    _require_quarter_hours(cronjob)
    c, watch = _run(cronjob, SLOW, until=3 * INTERVAL + 25 * 60)       # 00:00 to 01:10
    if len(watch.overlap) > 1:
        raise Fail(f"at {_stamp(c, watch.overlap_at)} backup Pods of {len(watch.overlap)} Jobs were running at once: "
                   + ", ".join(watch.overlap))
    first = watch.by_time()[0] if watch.created else None
    if first is None:
        raise Fail("no Job was created in 70 minutes")
    ended = watch.ended.get(first)
    if first in watch.deleted and (ended is None or watch.deleted[first] < ended[2]):
        raise Fail(f"{watch.job_line(first)} was deleted at {_stamp(c, watch.deleted[first])}, before it finished: "
                   "the CronJob controller replaced it with the next run")
    if ended is None or ended[0] != "Complete":
        what = f"failed: {ended[1]}" if ended else "had not completed by " + _stamp(c)
        raise Fail(f"{watch.job_line(first)}, a 24-minute backup, {what}",
                   "A slow backup is not a hung one: the Job's deadline must leave room for a 25-minute run "
                   "(it counts from the Job's start, retries included).")


@EXERCISE.check("retries", "a failed attempt is retried and the backup completes; a broken backup gives up "
                f"after at most {MAX_RETRIES} retries",
                hint="backoffLimit is the number of retries before the Job is marked Failed. Under restartPolicy "
                     "OnFailure the container's restarts count against it; under Never, the failed Pods.")
def retries(cronjob):
    _require_quarter_hours(cronjob)
    c, watch = _run(cronjob, until=INTERVAL + 30)           # the first attempt has run for ~30 s
    name = watch.by_time()[0] if watch.created else None
    pods = [p for p in scenario.running_pods(c) if (p["metadata"].get("labels") or {}).get(
        "batch.kubernetes.io/job-name") == name]
    if name is None or not pods or (pods[0].get("status") or {}).get("phase") != "Running":
        raise Fail(f"30 seconds after 00:15 no backup Pod was running: {_kubectl_jobs(c)}")
    c.kill_container(pods[0]["metadata"]["name"], "backup")          # the database dropped the connection
    c.run(INTERVAL - 60)
    ended = watch.ended.get(name)
    if ended is None or ended[0] != "Complete":
        what = f"failed ({ended[1]})" if ended else "had not completed by " + _stamp(c)
        raise Fail(f"the first attempt of {watch.job_line(name)} was killed (exit code 137); the Job {what} "
                   f"after {len(watch.containers.get(name, ()))} attempt(s)")
    c, watch = _run(cronjob, BROKEN, until=2 * INTERVAL - 60)         # 00:00 to 00:29
    name = watch.by_time()[0] if watch.created else None
    ended = watch.ended.get(name) if name else None
    attempts = len(watch.containers.get(name, ())) if name else 0
    if ended is None or ended[0] != "Failed":
        raise Fail(f"a broken backup (it fails every time) was still being retried 14 minutes later: "
                   f"{watch.job_line(name)} made {attempts} attempts" if name else "no Job was created by 00:29",
                   f"Give up after at most {MAX_RETRIES} retries: set the Job's backoffLimit.")
    if attempts > MAX_RETRIES + 1:
        raise Fail(f"a broken backup made {attempts} attempts before its Job failed ({ended[1]}); "
                   f"at most {MAX_RETRIES + 1} (the first and {MAX_RETRIES} retries) were wanted",
                   "backoffLimit is the number of retries; the default is 6.")


@EXERCISE.check("hung", "a hung run is stopped 30 minutes after it started at the latest",
                hint="A Job's activeDeadlineSeconds bounds its whole run, retries included: past it the Job fails "
                     "with reason DeadlineExceeded and its Pods are killed. It belongs to the Job's spec.")
def hung(cronjob):
    _require_quarter_hours(cronjob)
    c, watch = _run(cronjob, HUNG, until=INTERVAL + HUNG_AFTER + 5 * 60)     # 00:00 to 00:50
    name = watch.by_time()[0] if watch.created else None
    if name is None:
        raise Fail("no Job was created by 00:50")
    ended = watch.ended.get(name)
    started = watch.started.get(name, watch.created[name])
    if ended is None and name in watch.deleted:
        raise Fail(f"{watch.job_line(name)}, hung, ran until the CronJob controller deleted it at "
                   f"{_stamp(c, watch.deleted[name])} to start the next run; no deadline ended it")
    if ended is None:
        raise Fail(f"{watch.job_line(name)}, hung, was still active at {_stamp(c)}, "
                   f"{(c.clock.seconds - started) / 60:.0f} minutes after it started")
    if ended[0] != "Failed" or ended[1] != "DeadlineExceeded":
        raise Fail(f"{watch.job_line(name)}, hung, ended {ended[0]} with reason {ended[1]}, not DeadlineExceeded")
    stopped = watch.decided.get(name, ended[2])          # the Failed condition waits for the Pods to stop
    if stopped - started > HUNG_AFTER + 5:
        raise Fail(f"{watch.job_line(name)}, hung, was stopped only {(stopped - started) / 60:.0f} minutes "
                   "after it started (DeadlineExceeded)")
    alive = [p["metadata"]["name"] for p in scenario.running_pods(c)
             if (p["metadata"].get("labels") or {}).get("batch.kubernetes.io/job-name") == name
             and (p.get("status") or {}).get("phase") == "Running"]
    if alive:
        raise Fail(f"{watch.job_line(name)} failed (DeadlineExceeded), but its Pod {alive[0]} was still running")


@EXERCISE.check("history", f"the last {KEEP_SUCCEEDED} successful and the last {KEEP_FAILED} failed Jobs are kept, "
                "older ones deleted",
                hint="successfulJobsHistoryLimit and failedJobsHistoryLimit say how many finished Jobs (and so their "
                     "Pods and logs) the CronJob controller keeps; the defaults are 3 and 1, and 0 keeps none.")
def history(cronjob):
    _require_quarter_hours(cronjob)
    c, watch = _run(cronjob, until=3 * INTERVAL + 5 * 60)          # 00:15, 00:30, 00:45 succeed
    _require_kept(c, watch, "Complete", KEEP_SUCCEEDED, "successful")
    scenario.apply(c, _with_command(cronjob, BROKEN), what="the CronJob")   # the database breaks
    for _ in range(8 * INTERVAL // 60):                        # until three runs have failed
        c.run(60)
        if sum(1 for e in watch.ended.values() if e[0] == "Failed") >= 3:
            break
    c.run(60)
    _require_kept(c, watch, "Failed", KEEP_FAILED, "failed")
    _require_kept(c, watch, "Complete", KEEP_SUCCEEDED, "successful")


def _require_kept(c, watch: _Watch, outcome: str, keep: int, what: str) -> None:
    done = [n for n in watch.by_time() if watch.ended.get(n, ("",))[0] == outcome]
    kept = [n for n in done if n not in watch.deleted]
    want = done[-keep:]
    if kept != want:
        shown = ", ".join(kept) or "none of them"
        raise Fail(f"at {_stamp(c)}, {len(done)} {what} Jobs had finished and `kubectl get jobs` still listed "
                   f"{shown}; the newest {keep} were to be kept")


@EXERCISE.check("downtime", "after the controller manager was down, a run at most 5 minutes late starts, "
                "a later one is skipped", hidden=True,
                hint="After a missed time the CronJob controller starts the most recent missed run when it can, "
                     "however late, unless startingDeadlineSeconds says how late is too late.")
def downtime(cronjob):
    _require_quarter_hours(cronjob)
    c = scenario.cluster(1)
    watch = _Watch(c)
    scenario.apply(c, _with_command(cronjob, NORMAL), what="the CronJob")
    for down, up in ((2 * INTERVAL - 2 * 60, 2 * INTERVAL + 2 * 60),          # 00:28 to 00:32
                     (3 * INTERVAL - 2 * 60, 3 * INTERVAL + 7 * 60)):         # 00:43 to 00:52
        c.run(down - c.clock.seconds)
        c.stop("kube-controller-manager")
        c.run(up - c.clock.seconds)
        c.start("kube-controller-manager")
    c.run(3 * INTERVAL + 9 * 60 - c.clock.seconds)                             # 00:54
    by_time = {watch.scheduled[n]: n for n in watch.created}
    late = by_time.get("00:30:00")
    if late is None:
        raise Fail("the controller manager was down from 00:28 to 00:32; the run due at 00:30 never started, "
                   "though it was only 2 minutes late when the controller came back")
    skipped = by_time.get("00:45:00")
    if skipped is not None:
        raise Fail(f"the controller manager was down from 00:43 to 00:52; when it came back it started "
                   f"{watch.job_line(skipped)}, {(watch.created[skipped] - 3 * INTERVAL) / 60:.0f} minutes late")


@EXERCISE.check("late-after-slow", "after a slow run, a run more than 5 minutes late is skipped, not started late",
                hidden=True,
                hint="With Forbid, a skipped run is not forgotten: when the slow Job finishes, the controller starts "
                     "the most recent missed run, unless it is past startingDeadlineSeconds.")
def late_after_slow(cronjob):
    _require_quarter_hours(cronjob)
    c, watch = _run(cronjob, SLOW, until=3 * INTERVAL - 60)                 # 00:00 to 00:44
    for name in watch.by_time():
        due = watch.scheduled[name]
        if due == "?":
            continue
        seconds = int(due[:2]) * 3600 + int(due[3:5]) * 60
        if watch.created[name] - seconds > START_WITHIN:
            raise Fail(f"{watch.job_line(name)} started {(watch.created[name] - seconds) / 60:.0f} minutes after "
                       "its scheduled time, once the slow run before it had finished")

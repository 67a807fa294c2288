"""When a CronJob should run (pkg/controller/cronjob/utils.go).

The schedule is parsed as cron.ParseStandard does (five fields, names such as
MON or JAN, ``@hourly``/``@daily``/``@weekly``/``@monthly``/``@yearly``, ``@every``)
and evaluated in ``spec.timeZone`` (UTC when unset) on the simulated clock.

The controller looks back from "now" to the last time it scheduled a Job (or
the CronJob's creation) and starts only the most recent missed time. It
counts the missed times roughly, as ``elapsed / interval + 1``; more than 100
is reported as TooManyMissedTimes. ``startingDeadlineSeconds`` limits how far
back it looks. Worked example for ``*/5 * * * *``, last scheduled 12:00, now
12:17: the times missed are 12:05, 12:10, 12:15; the Job for 12:15 is created
and the controller wakes again at 12:20:00.1.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..api.meta import parse_time
from ..api.validation_workloads import CronError, CronSchedule, parse_schedule

__all__ = ["CronError", "InvalidSchedule", "NEXT_SCHEDULE_DELTA", "Schedule", "TOO_MANY_MISSED", "job_name",
           "load_zone", "most_recent_schedule_time", "next_schedule_delay"]

TOO_MANY_MISSED = 100
NEXT_SCHEDULE_DELTA = 0.1       # nextScheduleDelta: wake 100 ms after the scheduled time


class InvalidSchedule(ValueError):
    """A schedule that parses but can never run sensibly (``59 23 31 2 *``)."""


def load_zone(name: str | None) -> tzinfo:
    """time.LoadLocation: "" or None is UTC; raises ZoneInfoNotFoundError for unknown names."""
    if not name or name == "UTC":
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise ZoneInfoNotFoundError(f"unknown time zone {name}") from None


@dataclass(frozen=True)
class Schedule:
    """A cron schedule evaluated in a time zone (robfig/cron's SpecSchedule with a Location)."""

    cron: CronSchedule
    zone: tzinfo

    @classmethod
    def of(cls, cronjob: dict) -> "Schedule":
        """formatSchedule + cron.ParseStandard for a CronJob; raises CronError or
        ZoneInfoNotFoundError. A ``TZ=``/``CRON_TZ=`` prefix in the schedule wins."""
        spec = cronjob["spec"]
        text, zone = spec["schedule"], spec.get("timeZone")
        if text.startswith(("TZ=", "CRON_TZ=")):
            zone = text.split(" ", 1)[0].split("=", 1)[1]
        return cls(parse_schedule(text), load_zone(zone))

    def next(self, after: datetime) -> datetime | None:
        """The first activation strictly after ``after`` (UTC), None if none in five years."""
        t = self.cron.next(after.astimezone(self.zone))
        return None if t is None else t.astimezone(timezone.utc)


def job_name(cronjob: dict, scheduled: datetime) -> str:
    """getJobName: ``<cronjob>-<scheduled time in minutes since the epoch>``."""
    return f'{cronjob["metadata"]["name"]}-{int(scheduled.timestamp()) // 60}'


def most_recent_schedule_time(cronjob: dict, now: datetime, schedule: Schedule,
                              include_deadline: bool) -> tuple[datetime, datetime | None, int]:
    """mostRecentScheduleTime: (earliest time considered, the most recent missed
    time or None, the rough number of missed times). Raises InvalidSchedule."""
    status, spec = cronjob.get("status") or {}, cronjob["spec"]
    earliest = parse_time(status.get("lastScheduleTime") or cronjob["metadata"]["creationTimestamp"])
    if include_deadline and spec.get("startingDeadlineSeconds") is not None:
        deadline = now - timedelta(seconds=spec["startingDeadlineSeconds"])
        earliest = max(earliest, deadline)
    t1 = schedule.next(earliest)
    t2 = schedule.next(t1) if t1 is not None else None
    if t1 is None or t2 is None:
        raise InvalidSchedule("time difference between two schedules is less than 1 second")
    if now < t1:
        return earliest, None, 0
    if now < t2:
        return earliest, t1, 0
    interval = round((t2 - t1).total_seconds())
    if interval < 1:
        raise InvalidSchedule("time difference between two schedules is less than 1 second")
    missed = int((now - t1).total_seconds()) // interval + 1
    # go back one interval more than the estimate, then walk the schedule forward to now
    t = schedule.next(t1 + timedelta(seconds=(missed - 2) * interval))
    recent = None
    while t is not None and t <= now:
        recent, t = t, schedule.next(t)
    return earliest, recent, missed


def next_schedule_delay(cronjob: dict, now: datetime, schedule: Schedule) -> float | None:
    """nextScheduleTimeDuration: seconds until 100 ms after the next scheduled time
    (None when the schedule has no next time)."""
    try:
        earliest, recent, missed = most_recent_schedule_time(cronjob, now, schedule, False)
        base = recent if recent is not None else (earliest if missed == 0 else now)
    except InvalidSchedule:
        base = now
    following = schedule.next(base)
    if following is None:
        return None
    return (following - now).total_seconds() + NEXT_SCHEDULE_DELTA


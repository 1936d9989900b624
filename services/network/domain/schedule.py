"""A meeting's schedule expanded to its occurrences: once, weekly or monthly in Danish time.

Wall-clock times stay put across daylight saving (Thursdays 10-12 are 10-12 in winter and summer),
so the rule runs on local times (python-dateutil's rrule, RFC 5545 semantics) and each occurrence
is converted to UTC afterwards. Occurrences are keyed by their original start in UTC (iCalendar's
RECURRENCE-ID form), so a moved or cancelled occurrence keeps its identity."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from runtime.domain import InvalidValue

DANISH_TIME = ZoneInfo("Europe/Copenhagen")
MAX_OCCURRENCES = 120


def occurrence_key(starts_at: datetime) -> str:
    return starts_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _local_starts(schedule: dict) -> list[datetime]:
    first = schedule["starts_at"].astimezone(DANISH_TIME).replace(tzinfo=None)
    if schedule["frequency"] == "once":
        return [first]
    count, until = schedule.get("count"), schedule.get("until")
    if count is None and until is None:
        raise InvalidValue.field("schedule.count", "a recurring meeting ends: give count or until")
    if until is not None and until < first.date():
        raise InvalidValue.field("schedule.until", "before the first occurrence")
    options = {"dtstart": first, "interval": schedule.get("interval") or 1, "count": count,
               "until": datetime.combine(until, time(23, 59, 59)) if until else None}
    if schedule["frequency"] == "weekly":
        rule = rrule(WEEKLY, **options)
    elif schedule.get("monthly_by") == "weekday_of_month":
        nth = (first.day - 1) // 7 + 1  # the 1st..4th such weekday of the month; a 5th means the last
        rule = rrule(MONTHLY, byweekday=weekday(first.weekday(), nth if nth < 5 else -1), **options)
    else:
        rule = rrule(MONTHLY, bymonthday=first.day, **options)
    starts = list(islice(rule, MAX_OCCURRENCES + 1))
    if len(starts) > MAX_OCCURRENCES:
        raise InvalidValue.field("schedule", f"more than {MAX_OCCURRENCES} occurrences; schedule a shorter period")
    return starts


def expand(schedule: dict) -> list[dict]:
    """The occurrences of `schedule` (the contract's Schedule, loaded): [{occurrence, starts_at, ends_at}] in UTC."""
    duration = timedelta(minutes=schedule["duration_minutes"])
    occurrences = []
    for local in _local_starts(schedule):
        starts = local.replace(tzinfo=DANISH_TIME).astimezone(timezone.utc)
        occurrences.append({"occurrence": occurrence_key(starts), "starts_at": starts.isoformat(),
                            "ends_at": (starts + duration).isoformat()})
    return occurrences


def local_date(value: datetime):
    return value.astimezone(DANISH_TIME).date()

"""Meeting times that suit both people, and friendly checks on a time someone proposes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.core.working_hours import (
    WorkingHours,
    as_utc,
    describe,
    describe_date,
    local_date,
    working_period_at,
)

Interval = tuple[datetime, datetime]


def candidate_slots(
    a: WorkingHours,
    b: WorkingHours,
    *,
    after: datetime,
    duration: timedelta,
    count: int = 3,
    step: timedelta = timedelta(minutes=30),
    horizon_days: int = 14,
    not_after: datetime | None = None,
    busy: Sequence[Interval] = (),
) -> list[datetime]:
    """Up to `count` UTC start times inside both people's working hours, spread over days.

    Fewer (possibly none) come back when the two never overlap within the horizon.
    """
    if count <= 0 or step <= timedelta(0):
        return []
    after = as_utc(after)
    latest_end = after + timedelta(days=horizon_days)
    if not_after is not None:
        latest_end = min(latest_end, as_utc(not_after))
    busy_utc = [(as_utc(start), as_utc(end)) for start, end in busy]

    fitting: list[datetime] = []
    start = _round_up_strictly(after, step)
    while start + duration <= latest_end:
        end = start + duration
        if _fits(a, start, end) and _fits(b, start, end) and not _clashes(start, end, busy_utc):
            fitting.append(start)
        start += step
    return _spread_over_days(fitting, a, count)


def validate_proposed_time(
    a: WorkingHours,
    b: WorkingHours,
    start: datetime,
    duration: timedelta,
    *,
    now: datetime,
    not_after: datetime | None = None,
    a_name: str | None = None,
    b_name: str | None = None,
) -> str | None:
    """A friendly reason the proposed time will not work, or None when it is fine."""
    start = as_utc(start)
    end = start + duration
    if start <= as_utc(now):
        return "That time is in the past."
    if not_after is not None and end > as_utc(not_after):
        # not_after is the first instant after the programme: its last day is the one before.
        last_day = local_date(a, as_utc(not_after) - timedelta(microseconds=1))
        return f"That's after the programme ends on {describe_date(last_day)}."
    for hours, owner in (
        (a, _possessive(a_name, "your")),
        (b, _possessive(b_name, "your partner's")),
    ):
        if not _fits(hours, start, end):
            when = describe(start, hours.time_zone)
            return f"That's outside {owner} working hours (it would be {when})."
    return None


def _possessive(name: str | None, fallback: str) -> str:
    return f"{name}'s" if name else fallback


def _round_up_strictly(instant: datetime, step: timedelta) -> datetime:
    """The first step boundary (counted from the epoch) strictly after the instant."""
    epoch = datetime(1970, 1, 1, tzinfo=instant.tzinfo)
    steps_done = (instant - epoch) // step
    return epoch + (steps_done + 1) * step


def _fits(hours: WorkingHours, start: datetime, end: datetime) -> bool:
    period = working_period_at(hours, start)
    return period is not None and end <= period[1]


def _clashes(start: datetime, end: datetime, busy: list[Interval]) -> bool:
    return any(start < busy_end and end > busy_start for busy_start, busy_end in busy)


def _spread_over_days(fitting: list[datetime], hours: WorkingHours, count: int) -> list[datetime]:
    """First choice on each distinct day (in the proposer's zone), then fill in time order."""
    chosen: list[datetime] = []
    days_used: set[date] = set()
    for start in fitting:
        day = local_date(hours, start)
        if day not in days_used:
            days_used.add(day)
            chosen.append(start)
            if len(chosen) == count:
                return sorted(chosen)
    for start in fitting:
        if start not in chosen:
            chosen.append(start)
            if len(chosen) == count:
                break
    return sorted(chosen)

"""Working hours in a person's own time zone, and the pure time arithmetic built on them.

Everything here takes and returns aware UTC datetimes; local wall-clock time only exists
inside these functions, so DST is handled in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
DEFAULT_START_MINUTE = 9 * 60
DEFAULT_END_MINUTE = 17 * 60 + 30
WEEKDAYS = frozenset({0, 1, 2, 3, 4})
# Longest run of non-working days we look across; a week always contains every weekday.
_SEARCH_DAYS = 8

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class WorkingHours:
    time_zone: str = "UTC"
    start_minute: int = DEFAULT_START_MINUTE  # minutes after local midnight
    end_minute: int = DEFAULT_END_MINUTE
    days: frozenset[int] = WEEKDAYS  # Monday=0
    # Set by from_strings when the stored zone was unusable and UTC was used instead,
    # so the caller can ask the person to fix their profile.
    time_zone_fallback: bool = field(default=False, compare=False)
    range_fallback: bool = field(default=False, compare=False)

    @classmethod
    def from_strings(
        cls,
        time_zone: str | None,
        start_minute: int | None,
        end_minute: int | None,
        days: list[str],
    ) -> WorkingHours:
        zone_ok = bool(time_zone) and _load_zone(time_zone) is not None
        start, end = start_minute, end_minute
        range_ok = (
            isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= MINUTES_PER_DAY
        )
        return cls(
            time_zone=time_zone if zone_ok else "UTC",
            start_minute=start if range_ok else DEFAULT_START_MINUTE,
            end_minute=end if range_ok else DEFAULT_END_MINUTE,
            days=_parse_days(days),
            time_zone_fallback=not zone_ok,
            range_fallback=not range_ok,
        )


def _parse_days(days: list[str]) -> frozenset[int]:
    parsed: set[int] = set()
    for raw in days or []:
        text = str(raw).strip().lower()
        if text.isdigit() and int(text) < 7:
            parsed.add(int(text))
        elif text[:3] in _DAY_NAMES:
            parsed.add(_DAY_NAMES.index(text[:3]))
    # Garbage in should not silently mean "never works": that would mute them forever.
    if days and not parsed:
        return WEEKDAYS
    return frozenset(parsed)


@lru_cache(maxsize=512)
def _load_zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        return None


def zone_of(hours_or_name: WorkingHours | str) -> ZoneInfo:
    name = hours_or_name if isinstance(hours_or_name, str) else hours_or_name.time_zone
    return _load_zone(name) or ZoneInfo("UTC")


def as_utc(instant: datetime) -> datetime:
    """Naive datetimes are taken to be UTC, the convention everywhere in Tandem."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def local_date(hours: WorkingHours, instant: datetime) -> date:
    return as_utc(instant).astimezone(zone_of(hours)).date()


def working_period(hours: WorkingHours, on: date) -> tuple[datetime, datetime] | None:
    """The UTC start and end of the working period on a local date, or None on a day off."""
    if on.weekday() not in hours.days:
        return None
    midnight = datetime.combine(on, time(), tzinfo=zone_of(hours))
    # Adding to an aware datetime is wall-clock arithmetic, which is what DST needs.
    start = midnight + timedelta(minutes=hours.start_minute)
    end = midnight + timedelta(minutes=hours.end_minute)
    return start.astimezone(UTC), end.astimezone(UTC)


def working_period_at(hours: WorkingHours, instant: datetime) -> tuple[datetime, datetime] | None:
    """The working period containing the instant, if any."""
    instant = as_utc(instant)
    period = working_period(hours, local_date(hours, instant))
    if period and period[0] <= instant < period[1]:
        return period
    return None


def is_working_time(hours: WorkingHours, instant: datetime) -> bool:
    return working_period_at(hours, instant) is not None


def next_working_time(hours: WorkingHours, instant: datetime) -> datetime:
    instant = as_utc(instant)
    today = local_date(hours, instant)
    for offset in range(_SEARCH_DAYS):
        period = working_period(hours, today + timedelta(days=offset))
        if period and period[1] > instant:
            return max(period[0], instant)
    return instant  # no working days at all: never hold things back forever


def next_working_morning(hours: WorkingHours, after: datetime) -> datetime:
    """Start of the first working day after the local date of `after`."""
    return _walk_working_days(hours, as_utc(after), 1, step=1)


def add_working_days(hours: WorkingHours, instant: datetime, n: int) -> datetime:
    """Start of the nth working day after the instant's local date (n=0: next working time)."""
    if n < 0:
        return working_days_before(hours, instant, -n)
    if n == 0:
        return next_working_time(hours, instant)
    return _walk_working_days(hours, as_utc(instant), n, step=1)


def working_days_before(hours: WorkingHours, instant: datetime, n: int) -> datetime:
    """Start of the nth working day before the instant's local date."""
    if n <= 0:
        return as_utc(instant)
    return _walk_working_days(hours, as_utc(instant), n, step=-1)


def _walk_working_days(hours: WorkingHours, instant: datetime, n: int, *, step: int) -> datetime:
    day = local_date(hours, instant)
    remaining = n
    for _ in range(n * _SEARCH_DAYS):
        day += timedelta(days=step)
        period = working_period(hours, day)
        if period:
            remaining -= 1
            if remaining == 0:
                return period[0]
    return instant


def utc_window_minutes(hours: WorkingHours, on: date) -> tuple[int, int]:
    """Working hours as UTC minutes-of-day on a reference date; end < start means it wraps."""
    midnight = datetime.combine(on, time(), tzinfo=zone_of(hours))
    start = (midnight + timedelta(minutes=hours.start_minute)).astimezone(UTC)
    end = (midnight + timedelta(minutes=hours.end_minute)).astimezone(UTC)
    length = int((end - start).total_seconds() // 60)
    if length >= MINUTES_PER_DAY:
        return 0, MINUTES_PER_DAY
    start_minute = start.hour * 60 + start.minute
    end_minute = start_minute + length
    if end_minute > MINUTES_PER_DAY:
        end_minute -= MINUTES_PER_DAY
    return start_minute, end_minute


def overlap_minutes(a: WorkingHours, b: WorkingHours, on: date) -> int:
    """Shared daily working minutes, with UTC offsets as they are on the reference date.

    Which weekdays each person works is ignored (beyond having any): matching cares
    about the daily window, and a weekend reference date should not zero everyone out.
    """
    if not a.days or not b.days:
        return 0
    return sum(
        max(0, min(a_end, b_end) - max(a_start, b_start))
        for a_start, a_end in _unwrapped(utc_window_minutes(a, on))
        for b_start, b_end in _unwrapped(utc_window_minutes(b, on))
    )


def _unwrapped(window: tuple[int, int]) -> list[tuple[int, int]]:
    start, end = window
    if end >= start:
        return [(start, end)]
    return [(start, MINUTES_PER_DAY), (0, end)]


def describe(instant: datetime, time_zone: str) -> str:
    """E.g. "Tue 13 Jan, 14:00 (Europe/London)"; English names whatever the server locale."""
    zone = zone_of(time_zone)
    local = as_utc(instant).astimezone(zone)
    return f"{describe_date(local.date())}, {local:%H:%M} ({zone.key})"


def describe_date(day: date) -> str:
    return f"{_DAY_NAMES[day.weekday()].title()} {day.day} {_MONTH_NAMES[day.month - 1]}"

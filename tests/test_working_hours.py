from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.working_hours import (
    WorkingHours,
    add_working_days,
    describe,
    is_working_time,
    next_working_morning,
    next_working_time,
    overlap_minutes,
    utc_window_minutes,
    working_days_before,
)
from storage.models import Person

LONDON = WorkingHours(time_zone="Europe/London")
NEW_YORK = WorkingHours(time_zone="America/New_York")
LOS_ANGELES = WorkingHours(time_zone="America/Los_Angeles")
SYDNEY = WorkingHours(time_zone="Australia/Sydney")
TOKYO = WorkingHours(time_zone="Asia/Tokyo")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_unknown_time_zone_falls_back_to_utc_and_says_so() -> None:
    hours = WorkingHours.from_strings("Mars/Olympus_Mons", 540, 1050, ["mon", "tue"])
    assert hours.time_zone == "UTC"
    assert hours.time_zone_fallback
    assert is_working_time(hours, utc(2026, 1, 5, 9, 0))


def test_valid_profile_is_kept_as_given() -> None:
    hours = WorkingHours.from_strings("Asia/Tokyo", 600, 1080, ["Monday", "wed", "4"])
    assert hours == WorkingHours("Asia/Tokyo", 600, 1080, frozenset({0, 2, 4}))
    assert not hours.time_zone_fallback
    assert not hours.range_fallback


def test_a_persons_stored_profile_gives_their_working_hours() -> None:
    person = Person(
        time_zone="Asia/Tokyo", work_start_minute=600, work_end_minute=1080, work_days=["0", "2"]
    )
    assert person.working_hours() == WorkingHours("Asia/Tokyo", 600, 1080, frozenset({0, 2}))
    person.time_zone = "Mars/Olympus_Mons"
    assert person.working_hours().time_zone_fallback


@pytest.mark.parametrize(("start", "end"), [(1000, 900), (-5, 600), (600, 2000), (None, 600)])
def test_bad_range_falls_back_to_default_hours(start: int | None, end: int) -> None:
    hours = WorkingHours.from_strings("Europe/London", start, end, ["mon"])
    assert hours.range_fallback
    assert (hours.start_minute, hours.end_minute) == (
        WorkingHours().start_minute,
        WorkingHours().end_minute,
    )


def test_unreadable_days_mean_weekdays_not_never() -> None:
    hours = WorkingHours.from_strings("UTC", 540, 1050, ["someday", ""])
    assert hours.days == WorkingHours().days


def test_working_time_boundaries_in_london_winter() -> None:
    monday = (2026, 1, 5)
    assert is_working_time(LONDON, utc(*monday, 9, 0))
    assert not is_working_time(LONDON, utc(*monday, 8, 59))
    assert is_working_time(LONDON, utc(*monday, 17, 29))
    assert not is_working_time(LONDON, utc(*monday, 17, 30))
    assert not is_working_time(LONDON, utc(2026, 1, 10, 12, 0))  # Saturday


def test_working_time_follows_london_summer_time() -> None:
    # 08:30 UTC is 09:30 BST in July, but only 08:30 GMT in January.
    assert is_working_time(LONDON, utc(2026, 7, 6, 8, 30))
    assert not is_working_time(LONDON, utc(2026, 1, 5, 8, 30))


def test_next_working_time_is_now_when_already_working() -> None:
    instant = utc(2026, 1, 6, 11, 17)
    assert next_working_time(LONDON, instant) == instant


def test_next_working_time_across_london_spring_forward_weekend() -> None:
    friday_evening = local("Europe/London", 2026, 3, 27, 18, 0)
    # Clocks go forward on Sun 29 March: Monday 09:00 is BST, i.e. 08:00 UTC.
    assert next_working_time(LONDON, friday_evening) == utc(2026, 3, 30, 8, 0)


def test_next_working_time_across_london_fall_back_weekend() -> None:
    friday_evening = local("Europe/London", 2026, 10, 23, 18, 0)
    assert next_working_time(LONDON, friday_evening) == utc(2026, 10, 26, 9, 0)


def test_next_working_time_across_new_york_spring_forward() -> None:
    before = next_working_time(NEW_YORK, utc(2026, 3, 6, 23, 0))  # Friday evening
    assert before == local("America/New_York", 2026, 3, 9, 9, 0)
    assert before.hour == 13  # EDT, one hour earlier in UTC than the winter 14:00


def test_next_working_time_across_new_york_fall_back() -> None:
    result = next_working_time(NEW_YORK, utc(2026, 10, 31, 12, 0))  # Saturday
    assert result == utc(2026, 11, 2, 14, 0)


def test_quiet_hours_in_tokyo_wait_for_monday_morning() -> None:
    friday_evening = local("Asia/Tokyo", 2026, 1, 9, 18, 0)
    saturday = local("Asia/Tokyo", 2026, 1, 10, 12, 0)
    monday_nine = local("Asia/Tokyo", 2026, 1, 12, 9, 0)
    assert next_working_time(TOKYO, friday_evening) == monday_nine
    assert next_working_time(TOKYO, saturday) == monday_nine
    assert monday_nine == utc(2026, 1, 12, 0, 0)


def test_next_working_time_without_working_days_does_not_hold_forever() -> None:
    nobody = WorkingHours(days=frozenset())
    instant = utc(2026, 1, 10, 3, 0)
    assert next_working_time(nobody, instant) == instant


def test_next_working_morning_skips_the_weekend() -> None:
    thursday_session = utc(2026, 1, 8, 10, 0)
    friday_session = utc(2026, 1, 9, 10, 0)
    assert next_working_morning(LONDON, thursday_session) == utc(2026, 1, 9, 9, 0)
    assert next_working_morning(LONDON, friday_session) == utc(2026, 1, 12, 9, 0)


def test_next_working_morning_uses_the_local_date() -> None:
    # 01:00 UTC Tuesday is still Monday afternoon in Los Angeles.
    session = utc(2026, 1, 13, 1, 0)
    assert next_working_morning(LOS_ANGELES, session) == local(
        "America/Los_Angeles", 2026, 1, 13, 9, 0
    )


def test_working_days_before_skips_the_weekend() -> None:
    monday_session = utc(2026, 1, 12, 14, 0)
    assert working_days_before(LONDON, monday_session, 2) == utc(2026, 1, 8, 9, 0)  # Thursday
    assert working_days_before(LONDON, monday_session, 1) == utc(2026, 1, 9, 9, 0)  # Friday


def test_add_working_days_skips_the_weekend() -> None:
    friday = utc(2026, 1, 9, 15, 0)
    assert add_working_days(LONDON, friday, 1) == utc(2026, 1, 12, 9, 0)
    assert add_working_days(LONDON, friday, 3) == utc(2026, 1, 14, 9, 0)
    assert add_working_days(LONDON, friday, -2) == working_days_before(LONDON, friday, 2)


def test_utc_window_follows_dst_and_can_wrap_midnight() -> None:
    winter, summer = date(2026, 1, 14), date(2026, 7, 15)
    assert utc_window_minutes(LONDON, winter) == (9 * 60, 17 * 60 + 30)
    assert utc_window_minutes(LONDON, summer) == (8 * 60, 16 * 60 + 30)
    start, end = utc_window_minutes(LOS_ANGELES, winter)  # 17:00 to 01:30 UTC
    assert (start, end) == (17 * 60, 90)
    assert end < start


def test_overlap_is_small_eight_hours_apart_and_none_across_the_globe() -> None:
    winter = date(2026, 1, 14)
    assert overlap_minutes(LONDON, LOS_ANGELES, winter) == 30
    assert overlap_minutes(LONDON, SYDNEY, winter) == 0
    assert overlap_minutes(LONDON, NEW_YORK, winter) == 210
    assert overlap_minutes(LONDON, LONDON, winter) == 510


def test_overlap_changes_in_the_weeks_when_only_one_side_has_moved_clocks() -> None:
    # US clocks go forward on 8 March, UK on 29 March: three weeks with an extra hour.
    assert overlap_minutes(LONDON, NEW_YORK, date(2026, 3, 16)) == 270


@pytest.mark.parametrize("on", [date(2026, 1, 14), date(2026, 3, 16), date(2026, 7, 15)])
def test_overlap_is_symmetric(on: date) -> None:
    people = [LONDON, NEW_YORK, LOS_ANGELES, SYDNEY, TOKYO, WorkingHours("Asia/Kolkata", 480, 1200)]
    for a in people:
        for b in people:
            assert overlap_minutes(a, b, on) == overlap_minutes(b, a, on)


def test_describe_in_the_readers_zone() -> None:
    assert describe(utc(2026, 1, 13, 14, 0), "Europe/London") == "Tue 13 Jan, 14:00 (Europe/London)"
    assert describe(utc(2026, 7, 7, 14, 0), "Europe/London") == "Tue 7 Jul, 15:00 (Europe/London)"
    assert describe(utc(2026, 1, 13, 14, 0), "Asia/Tokyo") == "Tue 13 Jan, 23:00 (Asia/Tokyo)"
    assert describe(utc(2026, 1, 13, 14, 0), "Not/AZone").endswith("14:00 (UTC)")


def test_full_day_window_is_not_mistaken_for_empty() -> None:
    always = WorkingHours("Europe/London", 0, 24 * 60, frozenset(range(7)))
    assert utc_window_minutes(always, date(2026, 7, 15)) == (0, 24 * 60)
    assert is_working_time(always, utc(2026, 7, 11, 23, 30) + timedelta(minutes=1))

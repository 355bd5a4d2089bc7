from datetime import UTC, datetime, timedelta

from bot.core.working_hours import WorkingHours, is_working_time, local_date
from flows.booking.times import candidate_slots, validate_proposed_time

LONDON = WorkingHours(time_zone="Europe/London")
NEW_YORK = WorkingHours(time_zone="America/New_York")
LOS_ANGELES = WorkingHours(time_zone="America/Los_Angeles")
SYDNEY = WorkingHours(time_zone="Australia/Sydney")
HOUR = timedelta(hours=1)
HALF_HOUR = timedelta(minutes=30)
MONDAY_MORNING = datetime(2026, 1, 5, 7, 45, tzinfo=UTC)


def inside_both(a: WorkingHours, b: WorkingHours, start: datetime, duration: timedelta) -> bool:
    last_minute = start + duration - timedelta(minutes=1)
    return all(
        is_working_time(hours, moment) and local_date(hours, moment) == local_date(hours, start)
        for hours in (a, b)
        for moment in (start, last_minute)
    )


def test_slots_lie_inside_both_windows_and_in_the_future() -> None:
    for other in (LONDON, NEW_YORK, LOS_ANGELES):
        slots = candidate_slots(LONDON, other, after=MONDAY_MORNING, duration=HALF_HOUR)
        assert len(slots) == 3
        for start in slots:
            assert start > MONDAY_MORNING
            assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
            assert inside_both(LONDON, other, start, HALF_HOUR)


def test_eight_hours_apart_fits_only_a_short_meeting() -> None:
    half_hours = candidate_slots(LONDON, LOS_ANGELES, after=MONDAY_MORNING, duration=HALF_HOUR)
    hours = candidate_slots(LONDON, LOS_ANGELES, after=MONDAY_MORNING, duration=HOUR)
    assert half_hours
    assert all(start.hour == 17 and start.minute == 0 for start in half_hours)
    assert hours == []


def test_no_overlap_gives_no_slots() -> None:
    assert candidate_slots(LONDON, SYDNEY, after=MONDAY_MORNING, duration=HALF_HOUR) == []


def test_slots_are_spread_over_different_days() -> None:
    slots = candidate_slots(LONDON, LONDON, after=MONDAY_MORNING, duration=HOUR)
    days = {local_date(LONDON, start) for start in slots}
    assert len(days) == len(slots) == 3
    assert all(start.weekday() < 5 for start in slots)


def test_slots_fill_one_day_when_only_one_day_is_left() -> None:
    end_of_monday = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)
    slots = candidate_slots(
        LONDON, LONDON, after=MONDAY_MORNING, duration=HOUR, not_after=end_of_monday
    )
    assert len(slots) == 3
    assert len(set(slots)) == 3
    assert all(start + HOUR <= end_of_monday for start in slots)


def test_start_is_strictly_after_and_on_the_step() -> None:
    on_the_hour = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    slots = candidate_slots(
        LONDON, LONDON, after=on_the_hour, duration=HALF_HOUR, count=40, horizon_days=1
    )
    assert slots[0] == on_the_hour + HALF_HOUR
    assert all(start.minute in (0, 30) and start.second == 0 for start in slots)


def test_weekend_is_skipped() -> None:
    friday_evening = datetime(2026, 1, 9, 18, 0, tzinfo=UTC)
    slots = candidate_slots(LONDON, NEW_YORK, after=friday_evening, duration=HOUR, count=1)
    assert slots == [datetime(2026, 1, 12, 14, 0, tzinfo=UTC)]


def test_busy_intervals_are_avoided() -> None:
    monday = (datetime(2026, 1, 5, 0, 0, tzinfo=UTC), datetime(2026, 1, 6, 0, 0, tzinfo=UTC))
    tuesday_morning = (
        datetime(2026, 1, 6, 9, 0, tzinfo=UTC),
        datetime(2026, 1, 6, 11, 15, tzinfo=UTC),
    )
    slots = candidate_slots(
        LONDON, LONDON, after=MONDAY_MORNING, duration=HOUR, busy=[monday, tuesday_morning]
    )
    assert len(slots) == 3
    for start in slots:
        for busy_start, busy_end in (monday, tuesday_morning):
            assert start + HOUR <= busy_start or start >= busy_end
    assert datetime(2026, 1, 6, 11, 30, tzinfo=UTC) in slots


def test_nothing_after_the_programme_ends() -> None:
    ends = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    assert (
        candidate_slots(LONDON, LONDON, after=MONDAY_MORNING, duration=HOUR, not_after=ends) == []
    )


def test_slots_follow_the_weeks_when_only_america_has_moved_clocks() -> None:
    winter = candidate_slots(
        LONDON, NEW_YORK, after=MONDAY_MORNING, duration=HALF_HOUR, count=100, horizon_days=5
    )
    march = candidate_slots(
        LONDON,
        NEW_YORK,
        after=datetime(2026, 3, 9, 7, 0, tzinfo=UTC),
        duration=HALF_HOUR,
        count=100,
        horizon_days=5,
    )
    assert min(start.hour for start in winter) == 14  # New York 09:00 EST
    assert min(start.hour for start in march) == 13  # New York 09:00 EDT, London still GMT


def test_proposed_time_in_the_past() -> None:
    now = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
    message = validate_proposed_time(LONDON, LONDON, now - HOUR, HOUR, now=now)
    assert message == "That time is in the past."


def test_proposed_time_outside_someones_hours_names_them() -> None:
    now = MONDAY_MORNING
    early_for_la = datetime(2026, 1, 6, 10, 0, tzinfo=UTC)
    message = validate_proposed_time(
        LONDON, LOS_ANGELES, early_for_la, HALF_HOUR, now=now, a_name="Priya", b_name="Sam"
    )
    assert message is not None
    assert message.startswith("That's outside Sam's working hours")
    assert "02:00 (America/Los_Angeles)" in message


def test_proposed_time_running_past_the_end_of_the_day_is_outside_hours() -> None:
    late = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)
    message = validate_proposed_time(LONDON, LONDON, late, HOUR, now=MONDAY_MORNING)
    assert message is not None and message.startswith("That's outside your working hours")


def test_proposed_time_after_the_programme_ends() -> None:
    ends = datetime(2026, 1, 30, 17, 0, tzinfo=UTC)
    message = validate_proposed_time(
        LONDON,
        LONDON,
        datetime(2026, 2, 2, 10, 0, tzinfo=UTC),
        HOUR,
        now=MONDAY_MORNING,
        not_after=ends,
    )
    assert message == "That's after the programme ends on Fri 30 Jan."


def test_a_good_time_is_accepted() -> None:
    good = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)
    assert validate_proposed_time(LONDON, LOS_ANGELES, good, HALF_HOUR, now=MONDAY_MORNING) is None


def test_offered_slots_always_pass_validation() -> None:
    slots = candidate_slots(LONDON, NEW_YORK, after=MONDAY_MORNING, duration=HOUR, count=10)
    assert slots
    for start in slots:
        assert validate_proposed_time(LONDON, NEW_YORK, start, HOUR, now=MONDAY_MORNING) is None

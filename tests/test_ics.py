from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from flows.meetings.ics import PRODID, build_invite, cancel_invite

START = datetime(2026, 7, 14, 15, 0, tzinfo=ZoneInfo("Europe/London"))
END = START + timedelta(minutes=45)
PEOPLE = [("Priya Shah", "priya@example.com"), ("Sam Lee", "")]


def invite(**overrides: object) -> bytes:
    fields: dict[str, object] = {
        "uid": "session-42@tandem",
        "start": START,
        "end": END,
        "summary": "Mentoring: Priya & Sam",
        "description": "Topic: giving feedback",
        "organizer_email": "tandem@example.com",
        "attendees": PEOPLE,
    }
    fields.update(overrides)
    return build_invite(**fields)  # type: ignore[arg-type]


def parse(raw: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_invite_parses_back_with_utc_times() -> None:
    calendar, event = parse(invite())
    assert str(calendar["prodid"]) == PRODID
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == "session-42@tandem"
    assert event.decoded("dtstart") == datetime(2026, 7, 14, 14, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 7, 14, 14, 45, tzinfo=UTC)
    assert b"DTSTART:20260714T140000Z" in invite()
    assert str(event["status"]) == "CONFIRMED"
    assert int(event["sequence"]) == 0
    assert str(event["summary"]) == "Mentoring: Priya & Sam"


def test_only_people_with_an_email_are_invited() -> None:
    _, event = parse(invite())
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == ["mailto:priya@example.com"]
    assert attendees[0].params["CN"] == "Priya Shah"
    assert str(event["organizer"]) == "mailto:tandem@example.com"


def test_reminder_thirty_minutes_before_invites_preparation() -> None:
    _, event = parse(invite())
    alarms = event.walk("VALARM")
    assert len(alarms) == 1
    assert alarms[0].decoded("trigger") == -timedelta(minutes=30)
    assert "prepare" in str(alarms[0]["description"]).lower()


def test_reschedule_keeps_uid_and_bumps_sequence() -> None:
    moved = START + timedelta(days=1)
    _, first = parse(invite())
    _, second = parse(invite(start=moved, end=moved + timedelta(minutes=45), sequence=1))
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) > int(first["sequence"])
    assert second.decoded("dtstart") == moved.astimezone(UTC)


def test_cancel_marks_the_event_cancelled() -> None:
    raw = cancel_invite(
        uid="session-42@tandem",
        start=START,
        end=END,
        summary="Mentoring: Priya & Sam",
        organizer_email="tandem@example.com",
        attendees=PEOPLE,
        sequence=2,
    )
    calendar, event = parse(raw)
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == "session-42@tandem"
    assert int(event["sequence"]) == 2
    assert event.walk("VALARM") == []


def test_optional_parts_are_left_out_cleanly() -> None:
    raw = invite(organizer_email=None, location="", attendees=[])
    _, event = parse(raw)
    assert "organizer" not in event
    assert "location" not in event
    _, with_place = parse(invite(location="Room 3 / Teams"))
    assert str(with_place["location"]) == "Room 3 / Teams"


def test_dtstamp_is_the_given_stamp_in_utc() -> None:
    stamp = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    _, event = parse(invite(stamp=stamp))
    assert event.decoded("dtstamp") == stamp

"""iCalendar invites for booked sessions.

Rescheduling re-sends the same UID with a higher SEQUENCE so calendars update the
existing event instead of adding a second one; cancelling does the same with METHOD:CANCEL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress

from bot.core.working_hours import as_utc

PRODID = "-//Tandem//Mentoring//EN"
PREP_REMINDER = timedelta(minutes=30)
PREP_REMINDER_TEXT = (
    "Your mentoring session starts in 30 minutes. "
    "Block this half hour to prepare: re-read your notes and pick one thing to ask."
)


def build_invite(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    description: str,
    organizer_email: str | None,
    attendees: list[tuple[str, str]],
    sequence: int = 0,
    method: str = "REQUEST",
    location: str = "",
    stamp: datetime | None = None,
) -> bytes:
    """attendees are (name, email) pairs; people without an email are left off the invite."""
    method = method.upper()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", as_utc(stamp) if stamp else datetime.now(UTC))
    event.add("dtstart", as_utc(start))
    event.add("dtend", as_utc(end))
    event.add("summary", summary)
    event.add("description", description)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    if location:
        event.add("location", location)
    if organizer_email:
        event.add("organizer", _address(organizer_email, "Tandem"), encode=False)
    for name, email in attendees:
        if email:
            attendee = _address(email, name)
            attendee.params["ROLE"] = "REQ-PARTICIPANT"
            attendee.params["PARTSTAT"] = "NEEDS-ACTION"
            attendee.params["RSVP"] = "TRUE"
            event.add("attendee", attendee, encode=False)
    if method != "CANCEL":
        event.add_component(_prep_alarm())

    calendar.add_component(event)
    return calendar.to_ical()


def cancel_invite(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    organizer_email: str | None,
    attendees: list[tuple[str, str]],
    sequence: int,
    description: str = "This session has been cancelled.",
    stamp: datetime | None = None,
) -> bytes:
    """Cancels the event with this UID; pass a sequence higher than the last one sent."""
    return build_invite(
        uid=uid,
        start=start,
        end=end,
        summary=summary,
        description=description,
        organizer_email=organizer_email,
        attendees=attendees,
        sequence=sequence,
        method="CANCEL",
        stamp=stamp,
    )


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    return address


def _prep_alarm() -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -PREP_REMINDER)
    alarm.add("description", PREP_REMINDER_TEXT)
    return alarm

"""Booking a meeting for a pair: pick one of three times that suit both, or propose another;
the other person accepts; both get the time in their own zone and a calendar link.

One engine for every kind of meeting. A `BookingSpec` says what differs (the chemistry
meeting in flows/chemistry/meeting.py, mentoring sessions in flows/sessions/cadence.py): its action ids,
words, which pairs may book, how long it lasts and what happens once it is booked.

A proposal is a Meeting in status "proposed". Accepting schedules it through the meeting
engine (so the 30-minute nudges apply); accepting a new time while a meeting of the same
kind is booked moves that meeting instead, so the calendar event keeps its UID.

This module holds the spec and what every step shares; the steps are
flows/booking/offer.py (offer times), flows/booking/proposal.py (propose one to the partner)
and flows/booking/confirm.py (accept, confirm with a calendar link, cancel).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from bot.core.outbound import Button, Buttons, ButtonStyle
from bot.core.working_hours import zone_of
from storage.models import Enrolment, Meeting, Pair, Person, Programme
from storage.uow import UnitOfWork

NOTICE = timedelta(hours=2)
GONE = "This pairing isn't active any more, so there's nothing to book. Type `status` to check."


@dataclass
class Booking:
    """The pair as seen by the person who clicked."""

    pair: Pair
    programme: Programme
    me: Person
    partner: Person

    @property
    def not_after(self) -> datetime:
        """The end of the programme's last day (`ends_on`) wherever it ends first for the two
        of them, so no meeting falls on a day after the programme for either person."""
        day_after = self.programme.ends_on + timedelta(days=1)
        return min(
            datetime.combine(day_after, time(), tzinfo=zone_of(person.time_zone)).astimezone(UTC)
            for person in (self.me, self.partner)
        )


Hook = Callable[[UnitOfWork, Meeting, Booking, datetime], Awaitable[None]]


async def _nothing(uow: UnitOfWork, meeting: Meeting, b: Booking, now: datetime) -> None:
    return None


@dataclass(frozen=True)
class BookingSpec:
    kind: str  # Meeting.kind
    prefix: str  # action ids are prefix_book, prefix_slot, ...; the form is prefix_time
    label: str  # "chemistry meeting"
    book_label: str  # the button that starts booking
    bookable: tuple[str, ...]  # pair statuses that may book
    minutes: Callable[[Programme], int]
    # Why this pair can't book now, in words for the person (beyond `bookable`), or None.
    refuse: Callable[[Booking, Sequence[Meeting], datetime], str | None] = lambda b, m, now: None
    # The earliest start worth offering, given the pair's meetings of this kind.
    earliest: Callable[[Booking, Sequence[Meeting], datetime], datetime] = lambda b, m, now: (
        now + NOTICE
    )
    after_booked: Hook = _nothing  # new or moved: plan follow-ups (fit check, prep, polls)
    after_cancelled: Hook = _nothing
    booked_note: str = "I'll nudge you 30 minutes before."
    extra_buttons: Callable[[Booking], tuple[Button, ...]] = lambda b: ()
    cancel_states: tuple[str, ...] = field(default=())  # pair statuses that may cancel
    # Whether a booked meeting that has already happened is still "the booking" to move.
    move_past: bool = False

    def action(self, step: str) -> str:
        return f"{self.prefix}_{step}"

    @property
    def form_id(self) -> str:
        return f"{self.prefix}_time"

    @property
    def title(self) -> str:
        return self.label[:1].upper() + self.label[1:]


async def load_booking(uow: UnitOfWork, pair_id: int, user_id: str) -> Booking | None:
    """The pair, if the user is one of its two people."""
    pair = await uow.pairs.get(pair_id)
    me = await uow.people.by_user_id(user_id)
    if pair is None or me is None:
        return None
    people: list[Person] = []
    for enrolment_id in (pair.mentor_enrolment_id, pair.mentee_enrolment_id):
        enrolment: Enrolment | None = await uow.enrolments.get(enrolment_id)
        person = await uow.people.get(enrolment.person_id) if enrolment else None
        if person is None:
            return None
        people.append(person)
    if me.id not in {p.id for p in people}:
        return None
    partner = people[1] if people[0].id == me.id else people[0]
    programme = await uow.programmes.get(pair.programme_id)
    assert programme is not None
    return Booking(pair, programme, me, partner)


async def of_kind(uow: UnitOfWork, spec: BookingSpec, pair_id: int) -> list[Meeting]:
    return [m for m in await uow.meetings.for_pair(pair_id) if m.kind == spec.kind]


def booked(spec: BookingSpec, meetings: Sequence[Meeting], now: datetime) -> Meeting | None:
    """The booked meeting a newly accepted time would move."""
    live = [m for m in meetings if m.status == "scheduled" and (spec.move_past or m.ends_at > now)]
    return live[0] if live else None


def duration(spec: BookingSpec, b: Booking) -> timedelta:
    return timedelta(minutes=spec.minutes(b.programme))


def parse_id(value: str) -> int:
    return int(value) if value.isdigit() else 0


def show_times(spec: BookingSpec, pair_id: int) -> Buttons:
    return Buttons((Button("Show times", spec.action("book"), str(pair_id), ButtonStyle.PRIMARY),))

"""Booking a meeting for a pair: pick one of three times that suit both, or propose another;
the other person accepts; both get the time in their own zone and a calendar link.

One engine for every kind of meeting. A `BookingSpec` says what differs (the chemistry
meeting in flows/chemistry.py, mentoring sessions in flows/sessions.py): its action ids,
words, which pairs may book, how long it lasts and what happens once it is booked.

A proposal is a Meeting in status "proposed". Accepting schedules it through the meeting
engine (so the 30-minute nudges apply); accepting a new time while a meeting of the same
kind is booked moves that meeting instead, so the calendar event keeps its UID.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import update

from bot.context import FlowContext
from bot.events import ButtonClicked, FormSubmitted
from bot.outbound import (
    Button,
    Buttons,
    ButtonStyle,
    Context,
    FieldKind,
    Form,
    FormField,
    Message,
    Text,
)
from bot.working_hours import WorkingHours, describe, describe_date, zone_of
from flows.calendar_links import link_for
from flows.form_values import FormValues, one
from flows.meetings import cancel_meeting, reschedule_meeting, schedule_meeting
from flows.people import name_of
from flows.slots import candidate_slots, validate_proposed_time
from storage.models import Enrolment, Meeting, Pair, Person, Programme
from storage.uow import UnitOfWork

NOTICE = timedelta(hours=2)
# How far ahead candidate times are searched (flows/slots.candidate_slots' horizon).
SEARCH = timedelta(days=14)
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
        return datetime.combine(self.programme.ends_on + timedelta(days=1), time(), tzinfo=UTC)


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


def hours_of(person: Person) -> WorkingHours:
    return WorkingHours.from_strings(
        person.time_zone, person.work_start_minute, person.work_end_minute, person.work_days
    )


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


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0


def show_times(spec: BookingSpec, pair_id: int) -> Buttons:
    return Buttons((Button("Show times", spec.action("book"), str(pair_id), ButtonStyle.PRIMARY),))


# --- step 1: choose a time ---


async def book(ctx: FlowContext, click: ButtonClicked, spec: BookingSpec) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        b = await load_booking(uow, _int(click.value.split(":")[0]), ctx.user.user_id)
        meetings = await of_kind(uow, spec, b.pair.id) if b else []
        refusal = spec.refuse(b, meetings, now) if b else None
        if b is not None and refusal:
            await ctx.reply_text(refusal)
            return
        if b is None or b.pair.status not in spec.bookable:
            await ctx.reply_text(GONE)
            return
    current = booked(spec, meetings, now)
    mine, theirs = hours_of(b.me), hours_of(b.partner)
    length = duration(spec, b)
    after = max(now + NOTICE, spec.earliest(b, meetings, now))
    slots = candidate_slots(
        mine, theirs, after=after, duration=length, count=3, not_after=b.not_after
    )
    partner = name_of(b.partner)
    intro = (
        f"You're booked for {describe(current.starts_at, mine.time_zone)}. Pick a new time to "
        f"suggest to {partner}; the booking stays until they accept."
        if current
        else f"Pick a time for your {length.seconds // 60}-minute {spec.label} with {partner}."
    )
    buttons = [
        Button(describe(s, mine.time_zone), spec.action("slot"), f"{b.pair.id}:{s.isoformat()}")
        for s in slots
    ]
    buttons.append(Button("Propose another time", spec.action("other"), str(b.pair.id)))
    if slots:
        note = f"Each time fits both your working hours and is shown in your time zone ({mine.time_zone})."
    elif b.not_after < after + SEARCH:
        note = (
            f"The programme ends on {describe_date(b.programme.ends_on)}, so there's no time "
            "left in it to book. Thank you for all the sessions you've had."
        )
        buttons = []
    else:
        note = (
            f"I couldn't find a time in the next two weeks inside both your working hours "
            f"(yours {_clock(mine)} {mine.time_zone}, {partner}'s {_clock(theirs)} "
            f"{theirs.time_zone}). Propose a time that works for you both."
        )
    blocks = [Text(intro), Text(note)]
    if buttons:
        blocks.append(Buttons(tuple(buttons)))
    await ctx.reply(
        Message(summary=f"Pick a time for your {spec.label}", blocks=tuple(blocks)),
        kind=f"{spec.kind}_slots",
    )


def _clock(hours: WorkingHours) -> str:
    def hhmm(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"

    return f"{hhmm(hours.start_minute)}-{hhmm(hours.end_minute)}"


async def slot_chosen(ctx: FlowContext, click: ButtonClicked, spec: BookingSpec) -> None:
    pair_id, _, iso = click.value.partition(":")
    try:
        start = datetime.fromisoformat(iso)
    except ValueError:
        await ctx.reply_text("That time button has expired. Click *Book* again for fresh times.")
        return
    problem = await propose(ctx, _int(pair_id), start, spec)
    if problem:
        await ctx.reply(
            Message(
                summary=problem,
                blocks=(
                    Text(f"{problem} Please pick another time."),
                    show_times(spec, _int(pair_id)),
                ),
            ),
            kind=f"{spec.kind}_problem",
        )


async def other_time(ctx: FlowContext, click: ButtonClicked, spec: BookingSpec) -> None:
    async with ctx.uow() as uow:
        b = await load_booking(uow, _int(click.value), ctx.user.user_id)
    if b is None or b.pair.status not in spec.bookable:
        await ctx.reply_text(GONE)
        return
    zone = hours_of(b.me).time_zone
    await ctx.open_form(
        Form(
            form_id=spec.form_id,
            title="Propose a time",
            intro=f"{name_of(b.partner)} will be asked to accept it.",
            fields=(
                FormField(
                    "when",
                    "Date and time",
                    FieldKind.DATETIME,
                    hint=f"In your time zone ({zone}), inside both your working hours.",
                ),
            ),
            submit_label="Propose",
            context=str(b.pair.id),
        )
    )


def validate_time(values: FormValues) -> dict[str, str]:
    raw = one(values, "when")
    if not raw:
        return {"when": "Please choose a date and time."}
    try:
        datetime.fromisoformat(raw)
    except ValueError:
        return {"when": "I couldn't read that date and time."}
    return {}


async def time_submitted(
    ctx: FlowContext, form: FormSubmitted, spec: BookingSpec
) -> dict[str, str] | None:
    async with ctx.uow() as uow:
        me = await uow.people.by_user_id(ctx.user.user_id)
    start = datetime.fromisoformat(one(form.values, "when"))
    if start.tzinfo is None:
        # A bare date and time is read in the proposer's own zone, as the form says.
        start = start.replace(tzinfo=zone_of(me.time_zone if me else "UTC"))
    problem = await propose(ctx, _int(form.context), start.astimezone(UTC), spec)
    return {"when": problem} if problem else None


# --- step 2: propose it to the partner ---


async def propose(ctx: FlowContext, pair_id: int, start: datetime, spec: BookingSpec) -> str | None:
    """Offer a time to the partner. Returns a friendly problem instead when it won't work."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        b = await load_booking(uow, pair_id, ctx.user.user_id)
        if b is None or b.pair.status not in spec.bookable:
            return GONE
        if refusal := spec.refuse(b, await of_kind(uow, spec, pair_id), now):
            return refusal
        length = duration(spec, b)
        problem = validate_proposed_time(
            hours_of(b.me),
            hours_of(b.partner),
            start,
            length,
            now=now,
            not_after=b.not_after,
            b_name=name_of(b.partner),
        )
        if problem:
            return problem
        await uow.session.execute(
            update(Meeting)
            .where(
                Meeting.workspace_id == uow.workspace_id,
                Meeting.pair_id == pair_id,
                Meeting.kind == spec.kind,
                Meeting.status == "proposed",
            )
            .values(status="cancelled", updated_at=now)
        )
        meeting = Meeting(
            pair_id=pair_id,
            kind=spec.kind,
            starts_at=start,
            ends_at=start + length,
            status="proposed",
            proposed_by_person_id=b.me.id,
            created_at=now,
            updated_at=now,
        )
        uow.meetings.add(meeting)
        await uow.session.flush()
        meeting_id = meeting.id
        await uow.commit()
    me, partner = name_of(b.me), name_of(b.partner)
    theirs = describe(start, hours_of(b.partner).time_zone)
    await ctx.dm(
        b.partner.platform_user_id,
        Message(
            summary=f"{me} suggests {theirs} for your {spec.label}",
            blocks=(
                Text(f"{me} suggests *{theirs}* for your {spec.label}."),
                Buttons(
                    (
                        Button(
                            "Accept", spec.action("accept"), str(meeting_id), ButtonStyle.PRIMARY
                        ),
                        Button("Propose another time", spec.action("other"), str(pair_id)),
                    )
                ),
                Context("The time is shown in your time zone."),
            ),
        ),
        kind=f"{spec.kind}_proposal",
        key=f"{spec.prefix}_proposal:{meeting_id}:{b.partner.id}",
    )
    await ctx.reply_text(
        f"I've suggested {describe(start, hours_of(b.me).time_zone)} to {partner}. "
        "I'll let you know when they accept."
    )
    return None


# --- step 3: accept ---


async def accept(ctx: FlowContext, click: ButtonClicked, spec: BookingSpec) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        proposal = await uow.meetings.get(_int(click.value))
        b = await load_booking(uow, proposal.pair_id, ctx.user.user_id) if proposal else None
        if proposal is None or b is None or b.pair.status not in spec.bookable:
            await ctx.reply_text(GONE)
            return
        if proposal.proposed_by_person_id == b.me.id and proposal.status == "proposed":
            await ctx.reply_text(f"Waiting for {name_of(b.partner)} to accept your suggestion.")
            return
        current = booked(spec, await of_kind(uow, spec, b.pair.id), now)
        if proposal.status == "scheduled" or (
            current is not None and current.starts_at == proposal.starts_at
        ):
            await ctx.reply_text(
                f"That's already booked for {describe(proposal.starts_at, b.me.time_zone)}."
            )
            return
        if proposal.status != "proposed":
            await ctx.reply_text(
                "That suggestion was replaced or cancelled. Type `status` to see the latest."
            )
            return
        if proposal.starts_at <= now:
            await ctx.reply(
                Message(
                    summary="That time has already passed",
                    blocks=(
                        Text("That time has already passed. Please pick another."),
                        show_times(spec, b.pair.id),
                    ),
                ),
                kind=f"{spec.kind}_problem",
            )
            return
        # Claim the proposal in one conditional update, so a double click books once.
        claimed = await uow.session.execute(
            update(Meeting)
            .where(Meeting.id == proposal.id, Meeting.status == "proposed")
            .values(status="cancelled" if current else "scheduled", updated_at=now)
        )
        if not claimed.rowcount:
            await ctx.reply_text("That's already booked.")
            return
        if current:
            await reschedule_meeting(uow, current, proposal.starts_at, now=now)
            meeting = current
        else:
            await uow.session.refresh(proposal)
            await schedule_meeting(uow, proposal, now=now)
            meeting = proposal
        await spec.after_booked(uow, meeting, b, now)
        meeting_id, starts_at = meeting.id, meeting.starts_at
        await uow.commit()
    link = await link_for(ctx.db, ctx.workspace_id, meeting_id)
    for person, other in ((b.me, b.partner), (b.partner, b.me)):
        await ctx.dm(
            person.platform_user_id,
            confirmation(spec, b, person, other, meeting_id, starts_at, link, moved=bool(current)),
            kind=f"{spec.kind}_booked",
            key=f"{spec.prefix}_booked:{meeting_id}:{person.id}:{starts_at.isoformat()}",
        )


def confirmation(
    spec: BookingSpec,
    b: Booking,
    person: Person,
    other: Person,
    meeting_id: int,
    starts_at: datetime,
    link: str,
    *,
    moved: bool,
) -> Message:
    when = describe(starts_at, hours_of(person).time_zone)
    verb = "moved to" if moved else "booked for"
    return Message(
        summary=f"{spec.title} with {name_of(other)} {verb} {when}",
        blocks=(
            Text(
                f"Your {spec.label} with *{name_of(other)}* is {verb} *{when}* "
                f"({duration(spec, b).seconds // 60} minutes)."
            ),
            Buttons(
                (
                    Button("Add to calendar", spec.action("ics"), str(meeting_id), url=link),
                    Button("Reschedule", spec.action("book"), str(b.pair.id)),
                    Button("Cancel", spec.action("cancel"), str(meeting_id), ButtonStyle.DANGER),
                    *spec.extra_buttons(b),
                )
            ),
            Context(spec.booked_note),
        ),
    )


async def calendar_clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    """Link buttons also report a click on some platforms; the browser does the work."""


# --- cancel ---


async def cancel(ctx: FlowContext, click: ButtonClicked, spec: BookingSpec) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        meeting = await uow.meetings.get(_int(click.value))
        b = await load_booking(uow, meeting.pair_id, ctx.user.user_id) if meeting else None
        if meeting is None or b is None:
            await ctx.reply_text(GONE)
            return
        if meeting.status != "scheduled" or b.pair.status not in spec.cancel_states:
            await ctx.reply_text(
                "That meeting isn't booked any more, so there's nothing to cancel."
            )
            return
        await cancel_meeting(uow, meeting, now=now)
        await spec.after_cancelled(uow, meeting, b, now)
        starts_at = meeting.starts_at
        await uow.commit()
    again = Buttons(
        (Button(spec.book_label, spec.action("book"), str(b.pair.id), ButtonStyle.PRIMARY),)
    )
    await ctx.reply(
        Message(
            summary=f"{spec.title} cancelled",
            blocks=(
                Text(
                    f"Cancelled. I've let {name_of(b.partner)} know. Book another time when you're ready."
                ),
                again,
            ),
        ),
        kind=f"{spec.kind}_cancelled",
    )
    await ctx.dm(
        b.partner.platform_user_id,
        Message(
            summary=f"Your {spec.label} was cancelled",
            blocks=(
                Text(
                    f"{name_of(b.me)} had to cancel your {spec.label} on "
                    f"{describe(starts_at, hours_of(b.partner).time_zone)}. "
                    "Book another time when it suits you both."
                ),
                again,
            ),
        ),
        kind=f"{spec.kind}_cancelled",
        key=f"{spec.prefix}_cancelled:{meeting.id}:{b.partner.id}:{starts_at.isoformat()}",
    )

"""Booking the chemistry meeting: pick one of three times that suit both, or propose
another; the other person accepts; both get the time in their own zone and a calendar link.

A proposal is a Meeting in status "proposed". Accepting schedules it through the meeting
engine (so the 30-minute nudges apply); accepting a new time for a booked pair moves the
booked meeting instead, so the calendar event keeps its UID.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from bot.working_hours import WorkingHours, describe, zone_of
from flows import fit_check
from flows.calendar_links import link_for
from flows.form_values import FormValues, one
from flows.introductions import chemistry_minutes
from flows.meetings import cancel_meeting, reschedule_meeting, schedule_meeting
from flows.people import name_of
from flows.slots import candidate_slots, validate_proposed_time
from storage.models import Enrolment, Meeting, Pair, Person, Programme
from storage.uow import UnitOfWork

FORM_ID = "chem_time"
NOTICE = timedelta(hours=2)
BOOKABLE = ("introduced", "chemistry_booked")
GONE = "This pairing isn't active any more, so there's nothing to book. Type `status` to check."


@dataclass
class Booking:
    """The pair as seen by the person who clicked."""

    pair: Pair
    programme: Programme
    me: Person
    partner: Person

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=chemistry_minutes(self.programme))

    @property
    def not_after(self) -> datetime:
        return datetime.combine(self.programme.ends_on + timedelta(days=1), time(), tzinfo=UTC)


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


async def _booked(uow: UnitOfWork, pair_id: int) -> Meeting | None:
    for meeting in await uow.meetings.for_pair(pair_id):
        if meeting.kind == "chemistry" and meeting.status == "scheduled":
            return meeting
    return None


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0


# --- step 1: choose a time ---


async def book(ctx: FlowContext, click: ButtonClicked) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        b = await load_booking(uow, _int(click.value.split(":")[0]), ctx.user.user_id)
        if b is not None and b.pair.status == "confirmed":
            await ctx.reply_text("You've had your chemistry meeting and are confirmed as a pair.")
            return
        if b is None or b.pair.status not in BOOKABLE:
            await ctx.reply_text(GONE)
            return
        booked = await _booked(uow, b.pair.id)
    mine, theirs = hours_of(b.me), hours_of(b.partner)
    slots = candidate_slots(
        mine, theirs, after=now + NOTICE, duration=b.duration, count=3, not_after=b.not_after
    )
    partner = name_of(b.partner)
    intro = (
        f"You're booked for {describe(booked.starts_at, mine.time_zone)}. Pick a new time to "
        f"suggest to {partner}; the booking stays until they accept."
        if booked
        else f"Pick a time for your {b.duration.seconds // 60}-minute chemistry meeting with "
        f"{partner}."
    )
    buttons = [
        Button(describe(s, mine.time_zone), "chem_slot", f"{b.pair.id}:{s.isoformat()}")
        for s in slots
    ]
    buttons.append(Button("Propose another time", "chem_other", str(b.pair.id)))
    if slots:
        note = f"Each time fits both your working hours and is shown in your time zone ({mine.time_zone})."
    else:
        note = (
            f"I couldn't find a time in the next two weeks inside both your working hours "
            f"(yours {_clock(mine)} {mine.time_zone}, {partner}'s {_clock(theirs)} "
            f"{theirs.time_zone}). Propose a time that works for you both."
        )
    await ctx.reply(
        Message(
            summary="Pick a time for your chemistry meeting",
            blocks=(Text(intro), Text(note), Buttons(tuple(buttons))),
        ),
        kind="chemistry_slots",
    )


def _clock(hours: WorkingHours) -> str:
    def hhmm(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"

    return f"{hhmm(hours.start_minute)}-{hhmm(hours.end_minute)}"


async def slot_chosen(ctx: FlowContext, click: ButtonClicked) -> None:
    pair_id, _, iso = click.value.partition(":")
    try:
        start = datetime.fromisoformat(iso)
    except ValueError:
        await ctx.reply_text("That time button has expired. Click *Book* again for fresh times.")
        return
    problem = await propose(ctx, _int(pair_id), start)
    if problem:
        await ctx.reply(
            Message(
                summary=problem,
                blocks=(
                    Text(f"{problem} Please pick another time."),
                    Buttons((Button("Show times", "chem_book", pair_id, ButtonStyle.PRIMARY),)),
                ),
            ),
            kind="chemistry_problem",
        )


async def other_time(ctx: FlowContext, click: ButtonClicked) -> None:
    async with ctx.uow() as uow:
        b = await load_booking(uow, _int(click.value), ctx.user.user_id)
    if b is None or b.pair.status not in BOOKABLE:
        await ctx.reply_text(GONE)
        return
    zone = hours_of(b.me).time_zone
    await ctx.open_form(
        Form(
            form_id=FORM_ID,
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


async def time_submitted(ctx: FlowContext, form: FormSubmitted) -> dict[str, str] | None:
    async with ctx.uow() as uow:
        me = await uow.people.by_user_id(ctx.user.user_id)
    start = datetime.fromisoformat(one(form.values, "when"))
    if start.tzinfo is None:
        # A bare date and time is read in the proposer's own zone, as the form says.
        start = start.replace(tzinfo=zone_of(me.time_zone if me else "UTC"))
    problem = await propose(ctx, _int(form.context), start.astimezone(UTC))
    return {"when": problem} if problem else None


# --- step 2: propose it to the partner ---


async def propose(ctx: FlowContext, pair_id: int, start: datetime) -> str | None:
    """Offer a time to the partner. Returns a friendly problem instead when it won't work."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        b = await load_booking(uow, pair_id, ctx.user.user_id)
        if b is None or b.pair.status not in BOOKABLE:
            return GONE
        problem = validate_proposed_time(
            hours_of(b.me),
            hours_of(b.partner),
            start,
            b.duration,
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
                Meeting.kind == "chemistry",
                Meeting.status == "proposed",
            )
            .values(status="cancelled", updated_at=now)
        )
        meeting = Meeting(
            pair_id=pair_id,
            kind="chemistry",
            starts_at=start,
            ends_at=start + b.duration,
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
            summary=f"{me} suggests {theirs} for your chemistry meeting",
            blocks=(
                Text(f"{me} suggests *{theirs}* for your chemistry meeting."),
                Buttons(
                    (
                        Button("Accept", "chem_accept", str(meeting_id), ButtonStyle.PRIMARY),
                        Button("Propose another time", "chem_other", str(pair_id)),
                    )
                ),
                Context("The time is shown in your time zone."),
            ),
        ),
        kind="chemistry_proposal",
        key=f"chem_proposal:{meeting_id}:{b.partner.id}",
    )
    await ctx.reply_text(
        f"I've suggested {describe(start, hours_of(b.me).time_zone)} to {partner}. "
        "I'll let you know when they accept."
    )
    return None


# --- step 3: accept ---


async def accept(ctx: FlowContext, click: ButtonClicked) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        proposal = await uow.meetings.get(_int(click.value))
        b = await load_booking(uow, proposal.pair_id, ctx.user.user_id) if proposal else None
        if proposal is None or b is None or b.pair.status not in BOOKABLE:
            await ctx.reply_text(GONE)
            return
        if proposal.proposed_by_person_id == b.me.id and proposal.status == "proposed":
            await ctx.reply_text(f"Waiting for {name_of(b.partner)} to accept your suggestion.")
            return
        booked = await _booked(uow, b.pair.id)
        if proposal.status == "scheduled" or (
            booked is not None and booked.starts_at == proposal.starts_at
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
                        Buttons(
                            (
                                Button(
                                    "Show times", "chem_book", str(b.pair.id), ButtonStyle.PRIMARY
                                ),
                            )
                        ),
                    ),
                ),
                kind="chemistry_problem",
            )
            return
        # Claim the proposal in one conditional update, so a double click books once.
        claimed = await uow.session.execute(
            update(Meeting)
            .where(Meeting.id == proposal.id, Meeting.status == "proposed")
            .values(status="cancelled" if booked else "scheduled", updated_at=now)
        )
        if not claimed.rowcount:
            await ctx.reply_text("That's already booked.")
            return
        if booked:
            await reschedule_meeting(uow, booked, proposal.starts_at, now=now)
            meeting = booked
        else:
            await uow.session.refresh(proposal)
            await schedule_meeting(uow, proposal, now=now)
            meeting = proposal
        b.pair.status = "chemistry_booked"
        await fit_check.plan(uow, meeting, b.pair, (b.me, b.partner))
        meeting_id, starts_at = meeting.id, meeting.starts_at
        await uow.commit()
    link = await link_for(ctx.db, ctx.workspace_id, meeting_id)
    for person, other in ((b.me, b.partner), (b.partner, b.me)):
        await ctx.dm(
            person.platform_user_id,
            confirmation(b, person, other, meeting_id, starts_at, link, moved=booked is not None),
            kind="chemistry_booked",
            key=f"chem_booked:{meeting_id}:{person.id}:{starts_at.isoformat()}",
        )


def confirmation(
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
        summary=f"Chemistry meeting with {name_of(other)} {verb} {when}",
        blocks=(
            Text(
                f"Your chemistry meeting with *{name_of(other)}* is {verb} *{when}* "
                f"({b.duration.seconds // 60} minutes)."
            ),
            Buttons(
                (
                    Button("Add to calendar", "chem_ics", str(meeting_id), url=link),
                    Button("Reschedule", "chem_book", str(b.pair.id)),
                    Button("Cancel", "chem_cancel", str(meeting_id), ButtonStyle.DANGER),
                )
            ),
            Context(
                "I'll nudge you 30 minutes before. Afterwards I'll ask each of you, "
                "privately, whether it's a good fit."
            ),
        ),
    )


async def calendar_clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    """Link buttons also report a click on some platforms; the browser does the work."""


# --- cancel ---


async def cancel(ctx: FlowContext, click: ButtonClicked) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        meeting = await uow.meetings.get(_int(click.value))
        b = await load_booking(uow, meeting.pair_id, ctx.user.user_id) if meeting else None
        if meeting is None or b is None:
            await ctx.reply_text(GONE)
            return
        if meeting.status != "scheduled" or b.pair.status != "chemistry_booked":
            await ctx.reply_text(
                "That meeting isn't booked any more, so there's nothing to cancel."
            )
            return
        await cancel_meeting(uow, meeting, now=now)
        await fit_check.unplan(uow, meeting.id)
        b.pair.status = "introduced"
        starts_at = meeting.starts_at
        await uow.commit()
    again = Buttons(
        (Button("Book our chemistry meeting", "chem_book", str(b.pair.id), ButtonStyle.PRIMARY),)
    )
    await ctx.reply(
        Message(
            summary="Chemistry meeting cancelled",
            blocks=(
                Text(
                    f"Cancelled. I've let {name_of(b.partner)} know. Book another time when you're ready."
                ),
                again,
            ),
        ),
        kind="chemistry_cancelled",
    )
    await ctx.dm(
        b.partner.platform_user_id,
        Message(
            summary="Your chemistry meeting was cancelled",
            blocks=(
                Text(
                    f"{name_of(b.me)} had to cancel your chemistry meeting on "
                    f"{describe(starts_at, hours_of(b.partner).time_zone)}. "
                    "Book another time when it suits you both."
                ),
                again,
            ),
        ),
        kind="chemistry_cancelled",
        key=f"chem_cancelled:{meeting.id}:{b.partner.id}:{starts_at.isoformat()}",
    )

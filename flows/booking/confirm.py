"""Booking step 3: the partner accepts, both get a confirmation with a calendar link; or
either cancels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from bot.core.events import ButtonClicked
from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Text
from bot.core.working_hours import describe
from bot.runtime.context import FlowContext
from flows.booking.spec import (
    GONE,
    Booking,
    BookingSpec,
    booked,
    duration,
    load_booking,
    of_kind,
    parse_id,
    show_times,
)
from flows.common.people import name_of
from flows.meetings.calendar_links import link_for
from flows.meetings.schedule import cancel_meeting, reschedule_meeting, schedule_meeting
from storage.models import Meeting, Person


async def accept(ctx: FlowContext, click: ButtonClicked, spec: BookingSpec) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        proposal = await uow.meetings.get(parse_id(click.value))
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
    link = await link_for(ctx.db, meeting)
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
    when = describe(starts_at, person.working_hours().time_zone)
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


async def cancel(ctx: FlowContext, click: ButtonClicked, spec: BookingSpec) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        meeting = await uow.meetings.get(parse_id(click.value))
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
                    f"{describe(starts_at, b.partner.working_hours().time_zone)}. "
                    "Book another time when it suits you both."
                ),
                again,
            ),
        ),
        kind=f"{spec.kind}_cancelled",
        key=f"{spec.prefix}_cancelled:{meeting.id}:{b.partner.id}:{starts_at.isoformat()}",
    )

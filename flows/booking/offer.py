"""Booking step 1: offer three times that suit both people, in the clicker's own zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.events import ButtonClicked
from bot.core.outbound import Button, Buttons, Message, Text
from bot.core.working_hours import WorkingHours, describe, describe_date
from bot.runtime.context import FlowContext
from flows.booking.proposal import propose
from flows.booking.spec import (
    GONE,
    NOTICE,
    BookingSpec,
    booked,
    duration,
    load_booking,
    of_kind,
    parse_id,
    show_times,
)
from flows.booking.times import candidate_slots
from flows.common.people import name_of

# How far ahead candidate times are searched (flows/slots.candidate_slots' horizon).
SEARCH = timedelta(days=14)


async def book(ctx: FlowContext, click: ButtonClicked, spec: BookingSpec) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        b = await load_booking(uow, parse_id(click.value.split(":")[0]), ctx.user.user_id)
        meetings = await of_kind(uow, spec, b.pair.id) if b else []
        refusal = spec.refuse(b, meetings, now) if b else None
        if b is not None and refusal:
            await ctx.reply_text(refusal)
            return
        if b is None or b.pair.status not in spec.bookable:
            await ctx.reply_text(GONE)
            return
    current = booked(spec, meetings, now)
    mine, theirs = b.me.working_hours(), b.partner.working_hours()
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
    problem = await propose(ctx, parse_id(pair_id), start, spec)
    if problem:
        await ctx.reply(
            Message(
                summary=problem,
                blocks=(
                    Text(f"{problem} Please pick another time."),
                    show_times(spec, parse_id(pair_id)),
                ),
            ),
            kind=f"{spec.kind}_problem",
        )

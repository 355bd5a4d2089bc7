"""Booking step 2: propose a time to the partner, picked from the offer or typed in a form."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from bot.core.events import ButtonClicked, FormSubmitted
from bot.core.outbound import (
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
from bot.core.working_hours import describe, zone_of
from bot.runtime.context import FlowContext
from flows.booking.spec import (
    GONE,
    BookingSpec,
    duration,
    load_booking,
    of_kind,
    parse_id,
)
from flows.booking.times import validate_proposed_time
from flows.common.form_values import FormValues, one
from flows.common.people import name_of
from storage.models import Meeting


async def other_time(ctx: FlowContext, click: ButtonClicked, spec: BookingSpec) -> None:
    async with ctx.uow() as uow:
        b = await load_booking(uow, parse_id(click.value), ctx.user.user_id)
    if b is None or b.pair.status not in spec.bookable:
        await ctx.reply_text(GONE)
        return
    zone = b.me.working_hours().time_zone
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
    problem = await propose(ctx, parse_id(form.context), start.astimezone(UTC), spec)
    return {"when": problem} if problem else None


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
            b.me.working_hours(),
            b.partner.working_hours(),
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
    theirs = describe(start, b.partner.working_hours().time_zone)
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
        f"I've suggested {describe(start, b.me.working_hours().time_zone)} to {partner}. "
        "I'll let you know when they accept."
    )
    return None

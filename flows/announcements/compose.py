"""Champion announcements: `/mentoring announce` and its form.

Programme champions and admins only. Submitting the form stores one Announcement and plans
its delivery rows (flows/announcements/audience.py), sent now or at the chosen time within
each recipient's working hours, and a follow-up that reports back to the sender once every
row has an outcome (flows/announcements/report.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.events import Command, FormSubmitted
from bot.core.outbound import Choice, FieldKind, Form, FormField
from bot.core.working_hours import describe, zone_of
from bot.runtime.context import FlowContext
from flows.announcements.audience import audience_people, fan_out_rows
from flows.announcements.report import follow_up_row
from flows.common.form_values import FormValues, one, too_long
from flows.common.people import person_for
from flows.common.wording import plural
from storage.models import Announcement, Programme
from storage.repositories import deliveries

log = logging.getLogger(__name__)

FORM_ID = "announce"
MAX_LENGTH = 3000
ROLES = {"admin", "champion"}
NOT_ALLOWED = (
    "Sorry, only programme champions and admins can send announcements. "
    "If you'd like something shared, ask your programme's champion."
)


def _audience_choices(programmes: list[Programme]) -> tuple[Choice, ...]:
    choices = [
        Choice("Everyone enrolled in your programmes", "everyone"),
        Choice("Mentors", "mentors"),
        Choice("Mentees", "mentees"),
    ]
    choices += [Choice(f"Everyone in {p.name}", f"programme:{p.id}") for p in programmes]
    for wave in sorted({p.wave for p in programmes if p.wave}):
        choices.append(Choice(f"Cohort wave: {wave}", f"wave:{wave}"))
    choices.append(Choice("A channel (type it below)", "channel"))
    return tuple(choices)


def announce_form(programmes: list[Programme]) -> Form:
    return Form(
        FORM_ID,
        "Send an announcement",
        (
            FormField("message", "Message", FieldKind.LONG_TEXT, max_length=MAX_LENGTH),
            FormField(
                "audience",
                "Who should get it?",
                FieldKind.SELECT,
                options=_audience_choices(programmes),
            ),
            FormField(
                "channel",
                "Channel",
                required=False,
                hint="Only when posting in a channel, e.g. #mentoring",
                max_length=120,
            ),
            FormField(
                "when",
                "When",
                FieldKind.SELECT,
                options=(Choice("Now", "now"), Choice("At a time I choose", "later")),
                initial="now",
            ),
            FormField(
                "send_at",
                "Send at",
                FieldKind.DATETIME,
                required=False,
                hint="Only for a later send; in your time zone. People get it in their "
                "working hours.",
            ),
        ),
        submit_label="Send",
    )


async def start(ctx: FlowContext, command: Command) -> None:
    async with ctx.uow() as uow:
        person = await person_for(ctx, uow)
        programmes = await uow.programmes.programmes_where(person.id, ROLES)
        await uow.commit()
    if not programmes:
        await ctx.reply_text(NOT_ALLOWED)
        return
    await ctx.open_form(announce_form(programmes))


def _parse_when(raw: str, time_zone: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:  # a browser's datetime-local: the sender's wall clock
        when = when.replace(tzinfo=zone_of(time_zone) or ZoneInfo("UTC"))
    return when


def validate(values: FormValues) -> dict[str, str]:
    errors: dict[str, str] = {}
    message = one(values, "message")
    if not message:
        errors["message"] = "Write the message you want to send."
    elif problem := too_long(message, MAX_LENGTH):
        errors["message"] = problem
    if not one(values, "audience"):
        errors["audience"] = "Choose who should get it."
    elif one(values, "audience") == "channel" and not one(values, "channel"):
        errors["channel"] = "Type the channel to post in."
    if one(values, "when") == "later":
        raw = one(values, "send_at")
        if not raw:
            errors["send_at"] = "Choose when to send it."
        elif _parse_when(raw, "UTC") is None:
            errors["send_at"] = "That doesn't look like a date and time."
    return errors


async def submit(ctx: FlowContext, event: FormSubmitted) -> dict[str, str] | None:
    now = ctx.clock.now()
    values = event.values
    async with ctx.uow() as uow:
        person = await person_for(ctx, uow)
        programmes = await uow.programmes.programmes_where(person.id, ROLES)
        if not programmes:
            await ctx.reply_text(NOT_ALLOWED)
            return None
        send_at = now
        if one(values, "when") == "later":
            send_at = _parse_when(one(values, "send_at"), person.time_zone) or now
            if send_at < now - timedelta(minutes=1):
                return {"send_at": "That time has passed. Choose a time in the future."}
            send_at = max(send_at, now)
        audience = one(values, "audience")
        channel = one(values, "channel") if audience == "channel" else ""
        people = [] if channel else await audience_people(uow, programmes, audience)
        if not channel and not people:
            return {"audience": "Nobody is enrolled in that audience yet."}
        programme_id = audience.partition(":")[2] if audience.startswith("programme:") else ""
        announcement = Announcement(
            workspace_id=uow.workspace_id,
            programme_id=int(programme_id) if programme_id.isdigit() else None,
            sender_person_id=person.id,
            body=one(values, "message"),
            audience={"audience": audience, "channel": channel},
            send_at=send_at,
            status="scheduled",
            created_at=now,
        )
        uow.session.add(announcement)
        await uow.session.flush()
        rows = fan_out_rows(announcement, people, channel, now)
        await deliveries.plan(uow.session, [*rows, follow_up_row(announcement, now)])
        await uow.commit()
        announcement_id, zone = announcement.id, person.time_zone
    log.info(
        "announcement planned",
        extra={"announcement_id": announcement_id, "recipients": len(people) or 1},
    )
    ctx.sender.wake()
    where = f"in {channel}" if channel else f"to {plural(len(people), 'person')}"
    when = "now" if send_at <= now else f"at {describe(send_at, zone)}"
    await ctx.reply_text(
        f"Your announcement will go out {where} {when}, within each person's working hours. "
        "I'll send you a delivery report when it's done."
    )
    return None

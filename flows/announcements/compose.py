"""Champion announcements: a message to a channel or to an audience of enrolled people.

`/mentoring announce` (programme champions and admins only) opens a form; submitting it
stores one Announcement and fans it out as one delivery row per recipient, sent now or at
the chosen time within each recipient's working hours. When every row has an outcome the
sender gets a delivery report.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.core.clock import Clock
from bot.core.events import Command, FormSubmitted
from bot.core.outbound import Choice, Context, FieldKind, Form, FormField, Message, Text
from bot.core.refs import UserRef, WorkspaceRef
from bot.core.working_hours import describe, zone_of
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, WhenUnsure, send_late
from bot.delivery.sender import Sender
from bot.runtime.context import FlowContext
from flows.common.form_values import FormValues, one, too_long
from flows.common.people import name_of, person_for
from storage.models import Announcement, Enrolment, Person, Programme
from storage.repositories import deliveries
from storage.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

FORM_ID = "announce"
KIND = "announcement"
REPORT_KIND = "announcement_report"
MAX_LENGTH = 3000
ROLES = {"admin", "champion"}
NOT_ALLOWED = (
    "Sorry, only programme champions and admins can send announcements. "
    "If you'd like something shared, ask your programme's champion."
)
AUDIENCE_ROLES = {"mentors": ("mentor", "either"), "mentees": ("mentee", "either")}


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


async def audience_people(
    uow: UnitOfWork, programmes: list[Programme], audience: str
) -> list[Person]:
    """Active enrolments in the sender's own programmes, narrowed by the audience chosen."""
    kind, _, arg = audience.partition(":")
    chosen = programmes
    if kind == "programme":
        chosen = [p for p in programmes if str(p.id) == arg]
    elif kind == "wave":
        chosen = [p for p in programmes if p.wave == arg]
    elif kind not in ("everyone", *AUDIENCE_ROLES):
        return []
    query = (
        select(Person)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .where(
            Enrolment.workspace_id == uow.workspace_id,
            Enrolment.programme_id.in_([p.id for p in chosen]),
            Enrolment.status == "active",
        )
        .distinct()
        .order_by(Person.id)
    )
    if kind in AUDIENCE_ROLES:
        query = query.where(Enrolment.role.in_(AUDIENCE_ROLES[kind]))
    return list(await uow.session.scalars(query))


def fan_out_rows(announcement: Announcement, people: list[Person], channel: str, now: datetime):  # type: ignore[no-untyped-def]
    """One delivery row per recipient (or one for the channel), keyed so a retry adds none."""
    common = {
        "workspace_id": announcement.workspace_id,
        "kind": KIND,
        "due_at": announcement.send_at,
        "now": now,
        "announcement_id": announcement.id,
        "payload": {"announcement_id": announcement.id},
    }
    if channel:
        return [
            deliveries.row(key=f"{KIND}:{announcement.id}:{channel}", channel_id=channel, **common)
        ]
    return [
        deliveries.row(
            key=f"{KIND}:{announcement.id}:{p.id}",
            channel_id=f"@{p.platform_user_id}",
            person_id=p.id,
            **common,
        )
        for p in people
    ]


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
        await deliveries.plan(uow.session, fan_out_rows(announcement, people, channel, now))
        await uow.commit()
        announcement_id, zone = announcement.id, person.time_zone
    log.info(
        "announcement planned",
        extra={"announcement_id": announcement_id, "recipients": len(people) or 1},
    )
    ctx.sender.wake()
    where = (
        f"in {channel}"
        if channel
        else f"to {len(people):,} {'person' if len(people) == 1 else 'people'}"
    )
    when = "now" if send_at <= now else f"at {describe(send_at, zone)}"
    await ctx.reply_text(
        f"Your announcement will go out {where} {when}, within each person's working hours. "
        "I'll send you a delivery report when it's done."
    )
    return None


async def render(req: RenderRequest) -> Message | Drop:
    announcement_id = int(req.payload["announcement_id"])
    cache_key = f"{KIND}:{announcement_id}"
    if cache_key not in req.cache:
        announcement = await req.uow.session.get(Announcement, announcement_id)
        sender = (
            await req.uow.people.get(announcement.sender_person_id)
            if announcement and announcement.sender_person_id
            else None
        )
        req.cache[cache_key] = (announcement, name_of(sender) if sender else "the programme team")
    announcement, sender_name = req.cache[cache_key]
    if announcement is None or announcement.status == "cancelled":
        return Drop("announcement withdrawn")
    body = announcement.body
    return Message(
        summary=body[:150],
        blocks=(Text(body), Context(f"Announcement from {sender_name} via Tandem")),
    )


KINDS = (
    # Late is better than never for an announcement; if a crash leaves it unclear whether
    # one arrived, sending again beats a silent loss (Slack and the playground can tell).
    DeliveryKind(KIND, render, send_late, quiet_hours=True, when_unsure=WhenUnsure.RESEND),
)


def report_hook(
    db: Database,
    clock: Clock,
    sender: Sender,
    workspace_ref: Callable[[int], Awaitable[WorkspaceRef]],
) -> Callable[[], Awaitable[None]]:
    """After each dispatcher pass: a delivery report for every announcement now finished."""

    async def report_finished() -> None:
        async with db.sessions() as session:
            finished = await deliveries.finished_announcements(session)
            reports = [(a, await deliveries.outcome_counts(session, a.id)) for a in finished]
            senders = {
                p.id: p
                for p in await session.scalars(
                    select(Person).where(
                        Person.id.in_([a.sender_person_id for a in finished if a.sender_person_id])
                    )
                )
            }
        for announcement, counts in reports:
            author = senders.get(announcement.sender_person_id or 0)
            if author is not None:
                workspace = await workspace_ref(announcement.workspace_id)
                await sender.send_now(
                    announcement.workspace_id,
                    UserRef(workspace, author.platform_user_id),
                    report_message(announcement, counts),
                    kind=REPORT_KIND,
                    key=f"{REPORT_KIND}:{announcement.id}",
                )
            async with db.sessions() as session:
                await session.execute(
                    update(Announcement)
                    .where(Announcement.id == announcement.id, Announcement.status == "scheduled")
                    .values(status="done")
                )
                await session.commit()
            log.info("announcement done", extra={"announcement_id": announcement.id, **counts})

    return report_finished


def report_message(announcement: Announcement, counts: dict[str, int]) -> Message:
    sent, failed = counts.get("sent", 0), counts.get("failed", 0)
    unreachable = counts.get("unreachable", 0)
    skipped = counts.get("dropped", 0) + counts.get("cancelled", 0)
    channel = (announcement.audience or {}).get("channel")
    lines = [
        f"*Delivery report* for your announcement{f' in {channel}' if channel else ''}:",
        f"• Sent: {sent:,}",
        f"• Failed: {failed:,}",
        f"• Unreachable (left, or blocked the app): {unreachable:,}",
    ]
    if skipped:
        lines.append(f"• Not sent: {skipped:,}")
    return Message(
        summary=f"Your announcement: {sent:,} sent, {failed:,} failed, {unreachable:,} unreachable",
        blocks=(Text("\n".join(lines)),),
    )

"""Tell programme admins when Tandem's messages stop getting through in their workspace, and
when they get through again: one DM each way per outage, not one per failed message.

The `delivery_health` job checks every minute (bot/delivery/health.py keeps each workspace's
state). Its alerts are rows of the outbox like any message, so they wait for the admin's
working hours, and a key per admin and outage sends each once. When the workspace cannot be
reached at all (uninstalled, token revoked) no alert can reach it there either: the check logs
it loudly, /healthz and /metrics show it, and the admins hear the whole story once messages
get through again. A person who blocked Tandem is reported on its own
(flows/account/unreachable.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.outbound import Context, Message, Text
from bot.core.working_hours import as_utc, describe, describe_date, zone_of
from bot.delivery import health
from bot.delivery.kinds import DeliveryKind, Drop, Job, JobRun, RenderRequest, send_late
from bot.delivery.outages import state_of
from bot.delivery.when_unsure import WhenUnsure
from flows.account.unreachable import PLATFORM_NAMES
from storage.models import Person
from storage.repositories import deliveries
from storage.repositories.people import PeopleRepository
from storage.repositories.programmes import ProgrammeRepository

log = logging.getLogger(__name__)

KIND = "delivery_alert"
CHECK = "delivery_health"
CHECK_EVERY = timedelta(minutes=1)
FAILING, RECOVERED = "failing", "recovered"


async def check_delivery_health(run: JobRun) -> datetime | None:
    """Check, alert, and look again in a minute. The row is renewed each hour (JOBS), so a
    check that crashes costs at most the rest of that hour."""
    if await health.check(run.db, run.now, tell_admins):
        run.sender.wake()
    again = run.now + CHECK_EVERY
    return again if JOB.period_of(again) == JOB.period_of(run.now) else None


async def tell_admins(session: AsyncSession, change: health.Change, now: datetime) -> None:
    """Plan one DM to each admin in the workspace, in the check's transaction."""
    if change.failing and change.cause == health.UNREACHABLE:
        return  # the one way to reach them is what failed; the check logs it loudly
    event = FAILING if change.failing else RECOVERED
    payload = {
        "event": event,
        "platform": change.platform,
        "cause": change.cause,
        "reason": change.reason,
        "since": change.since.isoformat(),
        "last_failure_at": change.last_failure_at.isoformat(),
        "failures": change.failures,
    }
    rows = [
        deliveries.row(
            workspace_id=change.workspace_id,
            key=f"{KIND}:{event}:{change.since.isoformat()}:{admin.id}",
            kind=KIND,
            due_at=now,
            now=now,
            channel_id=f"@{admin.platform_user_id}",
            person_id=admin.id,
            payload=payload,
        )
        for admin in await admins_of(session, change.workspace_id)
    ]
    await deliveries.plan(session, rows)
    log.info(
        "delivery alerts planned",
        extra={"workspace_id": change.workspace_id, "event": event, "admins": len(rows)},
    )


async def admins_of(session: AsyncSession, workspace_id: int) -> list[Person]:
    """Everyone who runs a programme in the workspace and can be messaged."""
    programmes = ProgrammeRepository(session, workspace_id)
    people = PeopleRepository(session, workspace_id)
    ids: set[int] = set()
    for programme in await programmes.all():
        ids.update(await programmes.people_with_role(programme.id, "admin"))
    admins = [await people.get(person_id) for person_id in sorted(ids)]
    return [admin for admin in admins if admin is not None and admin.reachable]


async def render(req: RenderRequest) -> Message | Drop:
    payload = req.payload
    admin = await req.uow.people.get(req.delivery.person_id or 0)
    if admin is None:
        return Drop("admin no longer here")
    since = datetime.fromisoformat(payload["since"])
    if payload["event"] == FAILING:
        state = await state_of(req.uow.session, req.uow.workspace_id)
        if state is None or state.status != FAILING or state.since != since:
            # Held for working hours meanwhile: the recovery DM tells the whole story.
            return Drop("messages got through again before the alert went out")
    programmes = await req.uow.programmes.programmes_where(admin.id, {"admin"})
    if not programmes:
        return Drop("no longer runs a programme here")
    names = ", ".join(programme.name for programme in programmes)
    alert = Alert(
        platform=PLATFORM_NAMES.get(payload["platform"], ""),
        since=since,
        last_failure_at=datetime.fromisoformat(payload["last_failure_at"]),
        failures=int(payload["failures"]),
        cause=payload["cause"],
        reason=payload["reason"],
        time_zone=admin.time_zone,
        context=Context(f"You're getting this because you run {names} in Tandem."),
    )
    return failing_alert(alert) if payload["event"] == FAILING else recovered_notice(alert)


@dataclass(frozen=True, slots=True)
class Alert:
    """What an alert tells one admin, in their time zone."""

    platform: str  # its name as people know it, or "" for the playground
    since: datetime
    last_failure_at: datetime
    failures: int
    cause: str
    reason: str
    time_zone: str
    context: Context

    @property
    def where(self) -> str:
        return f"on {self.platform}" if self.platform else "here"

    @property
    def answering(self) -> str:
        return self.platform or "The platform"


def messages(count: int) -> str:
    return "1 message" if count == 1 else f"{count:,} messages"


def span(start: datetime, end: datetime, time_zone: str) -> str:
    """E.g. "between 09:00 and 09:40 on Mon 4 Jan (Europe/London)", or "at 09:00 on ..."."""
    zone = zone_of(time_zone)
    first, last = as_utc(start).astimezone(zone), as_utc(end).astimezone(zone)
    if first.date() != last.date():
        return f"between {describe(start, time_zone)} and {describe(end, time_zone)}"
    day = f"on {describe_date(first.date())} ({zone.key})"
    if f"{first:%H:%M}" == f"{last:%H:%M}":
        return f"at {first:%H:%M} {day}"
    return f"between {first:%H:%M} and {last:%H:%M} {day}"


def failing_alert(alert: Alert) -> Message:
    title = f"Tandem's messages aren't getting through {alert.where}"
    text = (
        f"*{title}.*\nSince {describe(alert.since, alert.time_zone)}, "
        f"{messages(alert.failures)} couldn't be delivered: {alert.answering} kept "
        f"answering with an error ({alert.reason}). Reminders, prompts and announcements "
        "for your programme are affected."
    )
    advice = (
        "This is usually an outage on the platform's side that passes by itself: nothing needs "
        "changing here, and I keep trying each new message. If it lasts more than an hour, "
        "tell whoever runs Tandem for your organisation and pass on the error above. "
        "I'll message you again once messages get through."
    )
    return Message(summary=title, blocks=(Text(text), Text(advice), alert.context))


def recovered_notice(alert: Alert) -> Message:
    title = f"Tandem's messages are getting through {alert.where} again"
    if alert.cause == health.UNREACHABLE:
        why = (
            "Tandem had lost its access to this workspace (it was uninstalled, or its token "
            f"revoked: {alert.reason}), so I couldn't tell you at the time either"
        )
    else:
        why = f"{alert.answering} kept answering with an error ({alert.reason})"
    when = span(alert.since, alert.last_failure_at, alert.time_zone)
    text = (
        f"*{title}.*\n{when[:1].upper()}{when[1:]}, {messages(alert.failures)} couldn't be "
        f"delivered: {why}."
    )
    advice = (
        "Those messages won't be sent again. Missed reminders and prompts are covered by the "
        "next ones; if you sent an announcement in that time, its delivery report shows how "
        "many didn't arrive, and you may want to send it again."
    )
    return Message(summary=title, blocks=(Text(text), Text(advice), alert.context))


KINDS = (DeliveryKind(KIND, render, send_late, when_unsure=WhenUnsure.RESEND),)
JOB = Job(CHECK, check_delivery_health, every=timedelta(hours=1))
JOBS = (JOB,)

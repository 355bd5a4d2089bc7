"""Shared steps for the scheduler, nudge and announcement tests: people, pairs, meetings,
and two test-only delivery kinds for the scheduler's own tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from adapters.playground.messenger import PLAYGROUND
from bot.core.outbound import Message, Poll, Text, from_json, to_json
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, send_late
from bot.runtime.host import Services
from flows.meetings.schedule import schedule_meeting
from storage.models import Delivery, Enrolment, Meeting, Pair, Person
from storage.repositories import deliveries as outbox
from storage.uow import UnitOfWork

# A message stored as it is ("send this at that time"), and a poll whose wording says so
# when it goes out late: kinds the engine treats like any other, known only to the tests.
NOTE = "note"
LATE_POLL = "late_poll"
POLL_LATE_AFTER = timedelta(minutes=15)
LATE_PREFIX = "Sorry this is late: "


async def workspace_id(services: Services) -> int:
    return await services.db.workspace_id(PLAYGROUND, "Playground")


async def enrol(services: Services, user_id: str, role: str, *, time_zone: str = "") -> int:
    """Enrol a demo person in the demo programme; returns the enrolment id."""
    ws = await workspace_id(services)
    now = services.clock.now()
    async with services.db.unit_of_work(ws) as uow:
        person = await uow.people.ensure(user_id, now, display_name=user_id.title())
        if time_zone:
            person.time_zone = time_zone
        programme = (await uow.programmes.all())[0]
        enrolment = Enrolment(
            programme_id=programme.id,
            person_id=person.id,
            role=role,
            goals=f"{user_id} wants to learn about inclusive leadership",
            consent_at=now,
            created_at=now,
            updated_at=now,
        )
        uow.enrolments.add(enrolment)
        await uow.session.flush()
        await uow.commit()
        return enrolment.id


async def make_pair(services: Services, mentor: str = "sam", mentee: str = "priya") -> int:
    ws = await workspace_id(services)
    mentor_id = await enrol(services, mentor, "mentor")
    mentee_id = await enrol(services, mentee, "mentee")
    async with services.db.unit_of_work(ws) as uow:
        programme = (await uow.programmes.all())[0]
        pair = Pair(
            programme_id=programme.id,
            mentor_enrolment_id=mentor_id,
            mentee_enrolment_id=mentee_id,
            status="confirmed",
            created_at=services.clock.now(),
        )
        uow.pairs.add(pair)
        await uow.session.flush()
        await uow.commit()
        return pair.id


async def book(services: Services, pair_id: int, starts_at: datetime, kind: str = "session") -> int:
    ws = await workspace_id(services)
    now = services.clock.now()
    async with services.db.unit_of_work(ws) as uow:
        meeting = Meeting(
            pair_id=pair_id,
            kind=kind,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            status="scheduled",
            created_at=now,
            updated_at=now,
        )
        uow.meetings.add(meeting)
        await schedule_meeting(uow, meeting, now=now)
        await uow.commit()
        return meeting.id


async def deliveries(services: Services, kind: str | None = None) -> list[Delivery]:
    async with services.db.sessions() as session:
        query = select(Delivery).order_by(Delivery.id)
        if kind:
            query = query.where(Delivery.kind == kind)
        return list(await session.scalars(query))


async def person(services: Services, user_id: str) -> Person:
    async with services.db.sessions() as session:
        found = await session.scalar(select(Person).where(Person.platform_user_id == user_id))
        assert found is not None
        return found


async def move_clock_to(services: Services, when: datetime) -> None:
    """Jump the clock without running anything: as if the process was down meanwhile."""
    services.clock.advance(when - services.clock.now())


async def enrol_in(
    services: Services, workspace_id: int, programme_id: int, user_id: str, role: str
) -> int:
    """Enrol any platform user (created if new) in a programme; returns the enrolment id."""
    now = services.clock.now()
    async with services.db.unit_of_work(workspace_id) as uow:
        person = await uow.people.ensure(user_id, now, display_name=user_id)
        enrolment = Enrolment(
            programme_id=programme_id,
            person_id=person.id,
            role=role,
            consent_at=now,
            created_at=now,
            updated_at=now,
        )
        uow.enrolments.add(enrolment)
        await uow.session.flush()
        await uow.commit()
        return enrolment.id


async def render_note(req: RenderRequest) -> Message | Drop:
    message = from_json(req.payload.get("message") or {})
    return message if isinstance(message, Message) else Drop("not a message")


async def render_late_poll(req: RenderRequest) -> Message | Drop:
    """The renderer is told how late it is: past 15 minutes, the poll apologises."""
    message = await render_note(req)
    if isinstance(message, Drop) or req.lateness <= POLL_LATE_AFTER:
        return message
    first, *rest = message.blocks
    assert isinstance(first, Text)
    late = LATE_PREFIX + first.text[:1].lower() + first.text[1:]
    return Message(summary=late, blocks=(Text(late), *rest))


TEST_KINDS = (
    DeliveryKind(NOTE, render_note, send_late),
    DeliveryKind(LATE_POLL, render_late_poll, send_late),
)


def with_test_kinds(services: Services) -> Services:
    """Teach this process's dispatcher the test-only kinds (as flows/kinds.py does for real)."""
    assert services.scheduler is not None
    for kind in TEST_KINDS:
        services.scheduler.dispatcher.kinds.add(kind)
    return services


async def plan_note(
    uow: UnitOfWork,
    *,
    key: str,
    message: Message,
    due_at: datetime,
    now: datetime,
    user_id: str,
    person_id: int | None = None,
    meeting_id: int | None = None,
    kind: str = NOTE,
) -> None:
    row = outbox.row(
        workspace_id=uow.workspace_id,
        key=key,
        kind=kind,
        due_at=due_at,
        now=now,
        channel_id=f"@{user_id}",
        person_id=person_id,
        meeting_id=meeting_id,
        payload={"message": to_json(message)},
    )
    await outbox.plan(uow.session, [row])


async def plan_late_poll(
    uow: UnitOfWork,
    *,
    key: str,
    poll: Poll,
    intro: str,
    due_at: datetime,
    now: datetime,
    user_id: str,
    person_id: int | None = None,
    meeting_id: int | None = None,
) -> None:
    await plan_note(
        uow,
        key=key,
        message=Message(summary=intro, blocks=(Text(intro), poll)),
        due_at=due_at,
        now=now,
        user_id=user_id,
        person_id=person_id,
        meeting_id=meeting_id,
        kind=LATE_POLL,
    )

"""Shared steps for the scheduler, nudge and announcement tests: people, pairs, meetings."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from adapters.playground.messenger import PLAYGROUND
from bot.runtime.host import Services
from flows.meetings.schedule import schedule_meeting
from storage.models import Delivery, Enrolment, Meeting, Pair, Person


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

"""The people and the work of the fault benchmark: an announcement's audience, pairs whose
session nudges fall due, and enrolled people who ask `/mentoring status` meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bench.outbox_common import add_people, add_programme, enrol_all, fresh_database, utcnow
from bench.pending import pairs_for
from bot.core.clock import SystemClock
from flows.announcements.audience import fan_out_rows
from flows.announcements.message import KIND as ANNOUNCEMENT
from flows.announcements.report import follow_up_row
from flows.meetings.nudges import NUDGE_BEFORE
from flows.meetings.schedule import schedule_meetings
from storage.models import Announcement, Delivery, Meeting, Person, Programme, ProgrammeRole
from storage.repositories import deliveries
from storage.uow import Database

BULK_KINDS = (ANNOUNCEMENT, NUDGE_BEFORE)


@dataclass(frozen=True, slots=True)
class Population:
    workspace_id: int
    programme_id: int
    champion_id: int
    baseline_audience: list[int]  # the fault-free announcement's, apart so no cache is warm
    audience: list[int]
    pairs: list[int]  # one session each, two nudges
    status_users: list[str]  # Slack user ids


async def populate(url: str, people: int, nudges: int, status_users: int) -> Population:
    now = utcnow()
    db, workspace_id = await fresh_database(url, now)
    ids = await add_people(db, workspace_id, 1 + 2 * people + status_users, now)
    champion_id, enrolled = ids[0], ids[1:]
    programme_id = await add_programme(db, workspace_id, now)
    await enrol_all(db, workspace_id, programme_id, enrolled, now)
    pairs = await pairs_for(db, workspace_id, programme_id, nudges // 2, now)
    async with db.unit_of_work(workspace_id) as uow:
        uow.session.add(
            ProgrammeRole(
                workspace_id=workspace_id,
                programme_id=programme_id,
                person_id=champion_id,
                role="champion",
            )
        )
        asking = enrolled[2 * people :]
        users = await uow.session.scalars(
            select(Person.platform_user_id).where(Person.id.in_(asking)).order_by(Person.id)
        )
        status = list(users)
        await uow.commit()
    await db.dispose()
    return Population(
        workspace_id,
        programme_id,
        champion_id,
        enrolled[:people],
        enrolled[people : 2 * people],
        pairs,
        status,
    )


def database(url: str) -> Database:
    return Database(url, SystemClock())


async def announce(db: Database, pop: Population, audience: list[int]) -> set[str]:
    """The champion's announcement to `audience`, due now. Returns its delivery keys."""
    now = utcnow()
    async with db.unit_of_work(pop.workspace_id) as uow:
        keys = await _announcement(uow, pop, audience, now)
        await uow.commit()
    return keys


async def announce_and_nudge(db: Database, pop: Population) -> set[str]:
    """The announcement and a session for every pair, starting one buffer from now so both
    nudges are due now: planned in one transaction, as a busy moment would bring them."""
    now = utcnow()
    async with db.unit_of_work(pop.workspace_id) as uow:
        keys = await _announcement(uow, pop, pop.audience, now)
        buffer = await uow.session.scalar(
            select(Programme.buffer_minutes).where(Programme.id == pop.programme_id)
        )
        starts = now + timedelta(minutes=int(buffer or 0))
        meetings = [
            Meeting(
                workspace_id=pop.workspace_id,
                pair_id=pair_id,
                kind="session",
                sequence=0,
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                status="scheduled",
                created_at=now,
                updated_at=now,
            )
            for pair_id in pop.pairs
        ]
        uow.session.add_all(meetings)
        await schedule_meetings(uow, meetings, now=now)
        nudged = await uow.session.scalars(
            select(Delivery.idempotency_key).where(
                Delivery.workspace_id == pop.workspace_id,
                Delivery.kind == NUDGE_BEFORE,
                Delivery.meeting_id.in_([m.id for m in meetings]),
            )
        )
        keys |= set(nudged)
        await uow.commit()
    return keys


async def _announcement(uow, pop: Population, audience: list[int], now: datetime) -> set[str]:  # type: ignore[no-untyped-def]
    announcement = Announcement(
        workspace_id=pop.workspace_id,
        programme_id=pop.programme_id,
        sender_person_id=pop.champion_id,
        body="The programme kick-off is on Thursday at 14:00. Everyone is welcome.",
        audience={"audience": "everyone", "channel": ""},
        send_at=now,
        status="scheduled",
        created_at=now,
    )
    uow.session.add(announcement)
    await uow.session.flush()
    people = list(await uow.session.scalars(select(Person).where(Person.id.in_(audience))))
    rows = fan_out_rows(announcement, people, "", now)
    await deliveries.plan(uow.session, [*rows, follow_up_row(announcement, now)])
    return {f"{ANNOUNCEMENT}:{announcement.id}:{pid}" for pid in audience}


async def open_rows(db: Database, kinds: tuple[str, ...]) -> int:
    """Rows of `kinds` due by now and not yet settled, in every replica's hands or none."""
    async with db.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.kind.in_(kinds),
                Delivery.state.in_(("pending", "sending")),
                Delivery.due_at <= utcnow(),
            )
        )
        return int(count or 0)


async def outcomes(db: Database, keys: set[str]) -> dict[str, int]:
    """How Tandem's own log settled the rows with these keys: sent, dropped, failed..."""
    async with db.sessions() as session:
        rows = await session.execute(
            select(Delivery.idempotency_key, Delivery.state).where(Delivery.kind.in_(BULK_KINDS))
        )
        counts: dict[str, int] = {}
        for key, state in rows:
            if key in keys:
                counts[state] = counts.get(state, 0) + 1
        return counts


async def replies(db: Database, kind: str) -> tuple[int, int]:
    """Immediate sends of `kind` so far, and how many of them are still in flight."""
    async with db.sessions() as session:
        rows = await session.execute(
            select(Delivery.state, func.count())
            .where(Delivery.kind == kind)
            .group_by(Delivery.state)
        )
        states = {state: int(n) for state, n in rows}
    return sum(states.values()), states.get("pending", 0) + states.get("sending", 0)

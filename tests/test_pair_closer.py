"""A pair that finished but never both chose how to close is closed for them after two weeks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.core.clock import OffsetClock
from bot.runtime.host import Services
from flows.sessions.pair_closer import close_finished_pairs
from storage.models import Delivery, Meeting, Pair, Programme
from tests.conftest import START
from tests.outbox_helpers import book, make_pair


async def pair_status(services: Services, pair_id: int) -> tuple[str, str]:
    async with services.db.sessions() as session:
        pair = await session.get(Pair, pair_id)
        assert pair is not None
        return pair.status, pair.end_reason


async def test_a_finished_pair_is_closed_two_weeks_after_its_final_session(
    services: Services, clock: OffsetClock
) -> None:
    pair_id = await make_pair(services)
    final = await book(services, pair_id, START + timedelta(days=1))
    unfinished = await make_pair(services, mentor="leo", mentee="ada")
    await book(services, unfinished, START + timedelta(days=1))
    async with services.db.sessions() as session:
        await session.execute(
            update(Meeting).where(Meeting.id == final).values(sequence=6, status="held")
        )
        await session.commit()
    stray = await book(services, pair_id, START + timedelta(days=40))

    clock.advance(timedelta(days=10))
    assert await close_finished_pairs(services.db, clock.now()) == 0
    assert await pair_status(services, pair_id) == ("confirmed", "")

    clock.advance(timedelta(days=6))
    assert await close_finished_pairs(services.db, clock.now()) == 1
    assert await pair_status(services, pair_id) == ("ended", "completed")
    assert await pair_status(services, unfinished) == ("confirmed", "")
    async with services.db.sessions() as session:
        stray_nudges = (
            await session.scalars(select(Delivery.state).where(Delivery.meeting_id == stray))
        ).all()
    assert stray_nudges and set(stray_nudges) == {"cancelled"}
    assert await close_finished_pairs(services.db, clock.now()) == 0


async def test_pairs_are_closed_once_their_programme_is_well_over(
    services: Services, clock: OffsetClock
) -> None:
    pair_id = await make_pair(services)
    async with services.db.sessions() as session:
        last_day = (
            await session.execute(
                select(Programme.ends_on).join(Pair, Pair.programme_id == Programme.id)
            )
        ).scalar_one()
    clock.advance(timedelta(days=(last_day - START.date()).days + 10))
    assert await close_finished_pairs(services.db, clock.now()) == 0
    clock.advance(timedelta(days=5))
    assert await close_finished_pairs(services.db, clock.now()) == 1
    assert await pair_status(services, pair_id) == ("ended", "completed")

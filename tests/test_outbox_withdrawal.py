"""Withdrawing messages still waiting in the outbox: only pending ones, only in one workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.core.clock import OffsetClock
from bot.core.refs import Platform, WorkspaceRef
from storage.db import upgrade
from storage.models import Delivery, Enrolment, Meeting, Pair
from storage.repositories import deliveries
from storage.uow import Database
from tests.conftest import START

SLACK_A = WorkspaceRef(Platform.SLACK, "T-A")
SLACK_B = WorkspaceRef(Platform.SLACK, "T-B")
SURVEY_KEY = "survey_invite:post:7"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    await upgrade(database_url)
    database = Database(database_url, OffsetClock(base=START))
    yield database
    await database.dispose()


async def _meeting_with_messages(db: Database, workspace: WorkspaceRef) -> tuple[int, int]:
    """A pair's meeting with a nudge and a fit check waiting, a nudge being sent right now,
    and a survey invitation planned under a fixed key. Returns (workspace id, meeting id)."""
    workspace_id = await db.workspace_id(workspace)
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.create(
            slug="pilot",
            name="Pilot",
            kind="reverse",
            starts_on=date(2027, 2, 1),
            ends_on=date(2027, 8, 1),
            now=START,
        )
        enrolments = []
        for user_id, role in (("U1", "mentor"), ("U2", "mentee")):
            person = await uow.people.ensure(user_id, START)
            enrolment = Enrolment(
                programme_id=programme.id,
                person_id=person.id,
                role=role,
                consent_at=START,
                created_at=START,
                updated_at=START,
            )
            uow.enrolments.add(enrolment)
            enrolments.append(enrolment)
        await uow.session.flush()
        pair = Pair(
            programme_id=programme.id,
            mentor_enrolment_id=enrolments[0].id,
            mentee_enrolment_id=enrolments[1].id,
            status="confirmed",
            created_at=START,
        )
        uow.pairs.add(pair)
        await uow.session.flush()
        meeting = Meeting(
            pair_id=pair.id,
            kind="session",
            starts_at=START + timedelta(days=7),
            ends_at=START + timedelta(days=7, hours=1),
            created_at=START,
            updated_at=START,
        )
        uow.meetings.add(meeting)
        await uow.session.flush()
        due = START + timedelta(days=6)
        rows = [
            deliveries.row(
                workspace_id=workspace_id,
                key=f"{kind}:{meeting.id}",
                kind=kind,
                due_at=due,
                now=START,
                channel_id="@U1",
                meeting_id=meeting.id,
            )
            for kind in ("meeting_nudge", "fit_check", "meeting_reflection")
        ]
        rows.append(
            deliveries.row(
                workspace_id=workspace_id,
                key=SURVEY_KEY,
                kind="survey_invite",
                due_at=due,
                now=START,
                channel_id="@U1",
            )
        )
        await deliveries.plan(uow.session, rows)
        await uow.session.flush()
        sending = await uow.session.scalar(
            select(Delivery).where(Delivery.idempotency_key == f"meeting_reflection:{meeting.id}")
        )
        assert sending is not None
        sending.state = "sending"
        await uow.commit()
        return workspace_id, meeting.id


async def _states(db: Database, workspace_id: int) -> dict[str, str]:
    async with db.sessions() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.workspace_id == workspace_id))
        return {r.kind: r.state for r in rows}


async def test_cancelling_a_meetings_messages_spares_what_is_already_going_out(
    db: Database,
) -> None:
    a, meeting = await _meeting_with_messages(db, SLACK_A)
    async with db.unit_of_work(a) as uow:
        await deliveries.cancel_pending(uow.session, a, [meeting])
        await uow.commit()
    assert await _states(db, a) == {
        "meeting_nudge": "cancelled",
        "fit_check": "cancelled",
        "meeting_reflection": "sending",
        "survey_invite": "pending",
    }


async def test_cancelling_one_kind_leaves_the_meetings_other_messages(db: Database) -> None:
    a, meeting = await _meeting_with_messages(db, SLACK_A)
    async with db.unit_of_work(a) as uow:
        await deliveries.cancel_pending(uow.session, a, [meeting], kind="fit_check")
        await uow.commit()
    states = await _states(db, a)
    assert (states["fit_check"], states["meeting_nudge"]) == ("cancelled", "pending")


async def test_withdrawing_never_reaches_into_another_workspace(db: Database) -> None:
    a, _ = await _meeting_with_messages(db, SLACK_A)
    b, meeting_b = await _meeting_with_messages(db, SLACK_B)
    before = await _states(db, b)
    async with db.unit_of_work(a) as uow:
        await deliveries.cancel_pending(uow.session, a, [meeting_b])
        await deliveries.release_pending(uow.session, a, [SURVEY_KEY])
        await uow.commit()
    assert await _states(db, b) == before
    assert "survey_invite" not in await _states(db, a)


async def test_releasing_keys_removes_only_what_is_still_waiting(db: Database) -> None:
    a, meeting = await _meeting_with_messages(db, SLACK_A)
    async with db.unit_of_work(a) as uow:
        # Sending now under a planned key would be skipped as a duplicate; released, it goes.
        keys = [SURVEY_KEY, f"meeting_reflection:{meeting}", "never:planned"]
        await deliveries.release_pending(uow.session, a, keys)
        await uow.commit()
    assert await _states(db, a) == {
        "meeting_nudge": "pending",
        "fit_check": "pending",
        "meeting_reflection": "sending",
    }

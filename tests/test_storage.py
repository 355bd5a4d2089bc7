"""The storage layer on a real SQLite file and on PostgreSQL: migrations, isolation, no duplicates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from sqlalchemy import inspect, select

from bot.core.clock import OffsetClock
from bot.core.refs import Platform, WorkspaceRef
from storage.db import upgrade
from storage.models import Delivery, Enrolment, Response
from storage.uow import Database
from tests.conftest import START

SLACK_A = WorkspaceRef(Platform.SLACK, "T-A")
SLACK_B = WorkspaceRef(Platform.SLACK, "T-B")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    await upgrade(database_url)
    database = Database(database_url, OffsetClock(base=START))
    yield database
    await database.dispose()


async def _programme(db: Database, workspace: WorkspaceRef, slug: str = "pilot") -> tuple[int, int]:
    workspace_id = await db.workspace_id(workspace)
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.create(
            slug=slug,
            name="Pilot",
            kind="reverse",
            starts_on=date(2027, 2, 1),
            ends_on=date(2027, 8, 1),
            now=START,
        )
        await uow.commit()
        return workspace_id, programme.id


async def test_migrations_create_the_whole_domain(db: Database) -> None:
    async with db.engine.connect() as conn:
        tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    assert {
        "workspaces",
        "people",
        "programmes",
        "programme_roles",
        "enrolments",
        "pairs",
        "meetings",
        "responses",
        "announcements",
        "deliveries",
        "processed_events",
    } <= tables


async def test_upgrade_twice_is_harmless(database_url: str, db: Database) -> None:
    await upgrade(database_url)
    assert await db.workspace_id(SLACK_A) == await db.workspace_id(SLACK_A)


async def test_programme_defaults_follow_the_usual_shape(db: Database) -> None:
    workspace_id, programme_id = await _programme(db, SLACK_A)
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.get(programme_id)
    assert programme is not None
    assert (programme.cadence, programme.session_count, programme.session_minutes) == (
        "monthly",
        6,
        60,
    )
    assert programme.buffer_minutes == 30 and programme.kind == "reverse"


async def test_tenants_never_see_each_others_rows(db: Database) -> None:
    a, programme_a = await _programme(db, SLACK_A)
    b, _ = await _programme(db, SLACK_B)
    async with db.unit_of_work(a) as uow:
        await uow.people.ensure("U1", START, display_name="Ada in A")
        await uow.commit()
    async with db.unit_of_work(b) as uow:
        assert await uow.people.by_user_id("U1") is None
        assert await uow.programmes.get(programme_a) is None
        assert [p.workspace_id for p in await uow.programmes.all()] == [b]
        person = await uow.people.ensure("U1", START, display_name="Ada in B")
        await uow.commit()
    async with db.unit_of_work(a) as uow:
        assert await uow.people.get(person.id) is None
        assert (await uow.people.by_user_id("U1")).display_name == "Ada in A"  # type: ignore[union-attr]


async def test_ensure_person_is_idempotent(db: Database) -> None:
    workspace_id = await db.workspace_id(SLACK_A)
    for _ in range(3):
        async with db.unit_of_work(workspace_id) as uow:
            await uow.people.ensure("U1", START, display_name="Ada")
            await uow.commit()
    async with db.unit_of_work(workspace_id) as uow:
        assert len(await uow.people.all()) == 1


async def test_one_enrolment_per_person_per_programme(db: Database) -> None:
    workspace_id, programme_id = await _programme(db, SLACK_A)
    async with db.unit_of_work(workspace_id) as uow:
        person = await uow.people.ensure("U1", START)
        for _ in range(2):
            uow.enrolments.add(
                Enrolment(
                    programme_id=programme_id,
                    person_id=person.id,
                    role="mentor",
                    consent_at=START,
                    created_at=START,
                    updated_at=START,
                )
            )
        with pytest.raises(Exception, match="(?i)unique|duplicate"):
            await uow.commit()
    async with db.unit_of_work(workspace_id) as uow:
        assert await uow.enrolments.in_programme(programme_id) == []


async def test_an_answer_given_twice_is_stored_once(db: Database) -> None:
    workspace_id, programme_id = await _programme(db, SLACK_A)
    async with db.unit_of_work(workspace_id) as uow:
        person = await uow.people.ensure("U1", START)
        uow.session.add(
            Response(
                workspace_id=workspace_id,
                person_id=person.id,
                programme_id=programme_id,
                kind="poll",
                subject="meeting:1",
                question="valuable",
                value_number=4,
                created_at=START,
                updated_at=START,
            )
        )
        await uow.commit()
    async with db.unit_of_work(workspace_id) as uow:
        uow.session.add(
            Response(
                workspace_id=workspace_id,
                person_id=person.id,
                programme_id=programme_id,
                kind="poll",
                subject="meeting:1",
                question="valuable",
                value_number=5,
                created_at=START,
                updated_at=START,
            )
        )
        with pytest.raises(Exception, match="(?i)unique|duplicate"):
            await uow.commit()


async def test_inbound_event_ids_are_claimed_once(db: Database) -> None:
    workspace_id = await db.workspace_id(SLACK_A)
    results = []
    for _ in range(2):
        async with db.unit_of_work(workspace_id) as uow:
            results.append(await uow.events.claim("Ev123", START))
            await uow.commit()
    assert results == [True, False]
    other = await db.workspace_id(SLACK_B)
    async with db.unit_of_work(other) as uow:
        assert await uow.events.claim("Ev123", START) is True


async def test_times_come_back_in_utc(db: Database) -> None:
    workspace_id = await db.workspace_id(SLACK_A)
    due = START + timedelta(hours=5, minutes=30)
    async with db.unit_of_work(workspace_id) as uow:
        uow.session.add(
            Delivery(
                workspace_id=workspace_id,
                idempotency_key="k",
                kind="nudge",
                due_at=due,
                created_at=START,
            )
        )
        await uow.commit()
    async with db.unit_of_work(workspace_id) as uow:
        row = await uow.session.scalar(select(Delivery))
    assert row is not None and row.due_at == due and row.due_at.utcoffset() == timedelta(0)


async def test_roles_are_recorded_once(db: Database) -> None:
    workspace_id, programme_id = await _programme(db, SLACK_A)
    async with db.unit_of_work(workspace_id) as uow:
        person = await uow.people.ensure("U1", START)
        await uow.programmes.add_role(programme_id, person.id, "admin")
        await uow.programmes.add_role(programme_id, person.id, "admin")
        await uow.programmes.add_role(programme_id, person.id, "champion")
        await uow.commit()
    async with db.unit_of_work(workspace_id) as uow:
        assert await uow.programmes.roles_of(programme_id, person.id) == {"admin", "champion"}
        assert await uow.programmes.people_with_role(programme_id, "admin") == [person.id]


async def test_database_errors_never_carry_what_people_wrote(db: Database) -> None:
    workspace_id, programme_id = await _programme(db, SLACK_A)
    secret = "my private reflection text"
    async with db.unit_of_work(workspace_id) as uow:
        person = await uow.people.ensure("U1", START)
        for _ in range(2):
            uow.session.add(
                Response(
                    workspace_id=workspace_id,
                    person_id=person.id,
                    programme_id=programme_id,
                    kind="reflection",
                    subject="meeting:1",
                    question="learned",
                    value_text=secret,
                    created_at=START,
                    updated_at=START,
                )
            )
        with pytest.raises(Exception) as failure:
            await uow.commit()
    assert secret not in str(failure.value)


async def test_programmes_a_person_runs_are_listed_once_per_programme(db: Database) -> None:
    """An admin who is also a champion sees the programme once; on PostgreSQL too, where a
    DISTINCT over the programme's JSON settings column is an error."""
    workspace_id, programme_id = await _programme(db, SLACK_A)
    _, other_id = await _programme(db, SLACK_A, slug="wave-2")
    async with db.unit_of_work(workspace_id) as uow:
        person = await uow.people.ensure("U-LEAD", START)
        await uow.programmes.add_role(programme_id, person.id, "admin")
        await uow.programmes.add_role(programme_id, person.id, "champion")
        await uow.programmes.add_role(other_id, person.id, "champion")
        await uow.commit()
        runs = await uow.programmes.programmes_where(person.id, {"admin", "champion"})
        admin_of = await uow.programmes.programmes_where(person.id, {"admin"})
    assert [p.id for p in runs] == [programme_id, other_id]
    assert [p.id for p in admin_of] == [programme_id]

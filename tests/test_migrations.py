"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text, update

from bot.core.clock import OffsetClock
from bot.core.refs import Platform, WorkspaceRef
from storage.db import alembic_config, sync_url, upgrade
from storage.models import Base, Enrolment
from storage.uow import Database
from tests.conftest import START
from tests.matching_helpers import enrol

# Created by slack_sdk's own installation and OAuth-state stores, not by Tandem's models.
SLACK_SDK_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}


def test_migrations_have_a_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = [
            diff
            for diff in compare_metadata(context, Base.metadata)
            if not (diff[0] == "remove_table" and diff[1].name in SLACK_SDK_TABLES)
            and not (diff[0] == "remove_index" and diff[1].table.name in SLACK_SDK_TABLES)
        ]
    engine.dispose()
    assert diffs == []


async def test_replicas_starting_together_migrate_once(database_url: str) -> None:
    """Separate processes, as real replicas are (Alembic's context is per process)."""
    import sys

    script = "import sys; from storage.db import upgrade_sync; upgrade_sync(sys.argv[1])"
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            database_url,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(3)
    ]
    results = [await p.communicate() for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [
        err.decode()[-500:] for _, err in results
    ]
    heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == tuple(heads)
    engine.dispose()


async def test_line_managers_typed_in_words_move_out_of_the_user_id_column(
    database_url: str,
) -> None:
    """Before the people picker, "Your line manager" was free text stored as if it were a
    user id. Upgrading keeps the ids of people Tandem knows and moves everything else into
    words, for matching to resolve or flag; downgrading puts the words back."""
    await upgrade(database_url)
    db = Database(database_url, OffsetClock(base=START))
    written = {"U0SAM": "U0ADA", "U0NOOR": "ada.lovelace", "U0LEO": "", "U0KIM": "U0GONE"}
    try:
        workspace_id = await db.workspace_id(WorkspaceRef(Platform.SLACK, "T0ONE"))
        other_id = await db.workspace_id(WorkspaceRef(Platform.SLACK, "T0TWO"))
        async with db.unit_of_work(workspace_id) as uow:
            await uow.people.ensure("U0ADA", START, display_name="Ada Lovelace")
            programme = await uow.programmes.create(
                slug="pilot",
                name="Pilot",
                kind="reverse",
                wave="pilot",
                starts_on=START.date(),
                ends_on=(START + timedelta(days=180)).date(),
                now=START,
            )
            await uow.commit()
        async with db.unit_of_work(other_id) as uow:
            # The same id in another workspace is another person: it must not count.
            await uow.people.ensure("U0GONE", START)
            await uow.commit()
        for user_id in written:
            await enrol(db, workspace_id, programme.id, user_id, role="mentor")
        async with db.sessions() as session:
            for enrolment_id, manager in enumerate(written.values(), start=1):
                await session.execute(
                    update(Enrolment)
                    .where(Enrolment.id == enrolment_id)
                    .values(manager_user_id=manager)
                )
            await session.commit()
    finally:
        await db.dispose()

    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0006")
    await upgrade(database_url)

    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT manager_user_id, manager_named FROM enrolments ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("U0ADA", ""),
        ("", "ada.lovelace"),
        ("", ""),
        ("", "U0GONE"),
    ]

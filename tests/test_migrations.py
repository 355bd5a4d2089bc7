"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from storage.db import alembic_config, sync_url, upgrade
from storage.models import Base

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
    import asyncio
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

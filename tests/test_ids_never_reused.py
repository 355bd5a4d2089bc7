"""On SQLite every table with a surrogate id is AUTOINCREMENT, so a deleted row's id is never
handed to another row; migration 0008 rebuilds the tables of existing databases that way and
keeps their rows, indexes, constraints and foreign keys."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from sqlalchemy import Integer, MetaData, Table, create_engine, insert

from storage.db import alembic_config, upgrade
from storage.models import Base

WHEN = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
# A value for each kind of NOT NULL column no test row names; ids of other rows are all 1.
FILLER: dict[type, Any] = {
    int: 1,
    str: "x",
    datetime: WHEN,
    date: WHEN.date(),
    bool: True,
    float: 0.5,
    object: {},  # JSON
}


def surrogate_id_tables() -> list[Table]:
    return [
        table
        for table in Base.metadata.sorted_tables
        if [c.name for c in table.primary_key] == ["id"] and isinstance(table.c.id.type, Integer)
    ]


def test_every_table_with_a_surrogate_id_never_reuses_ids() -> None:
    tables = surrogate_id_tables()
    assert {"pairs", "meetings", "enrolments", "people", "responses"} <= {t.name for t in tables}
    missing = [t.name for t in tables if not t.dialect_options["sqlite"]["autoincrement"]]
    assert missing == [], "add NEVER_REUSED (storage/models/base.py) to their __table_args__"


def autoincrement_tables(path: str) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        return {name for name, sql in rows if "AUTOINCREMENT" in sql}


async def test_a_migrated_sqlite_database_never_reuses_ids(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "tandem.db")
    await upgrade(f"sqlite:///{path}")
    assert {t.name for t in surrogate_id_tables()} <= autoincrement_tables(path)


def fill(table: Table, **given: Any) -> dict[str, Any]:
    row = dict(given)
    for column in table.columns:
        if column.name not in row and not column.nullable and not column.primary_key:
            row[column.name] = FILLER[column.type.python_type]
    return row


# Rows at the revision before the rebuild, keyed by table; unique columns told apart where a table has two rows.
ROWS: dict[str, list[dict[str, Any]]] = {
    "workspaces": [{"platform": "slack", "external_id": "T1"}],
    "people": [{"platform_user_id": f"U{n}", "display_name": f"Person {n}"} for n in (1, 2, 3)],
    "programmes": [{"slug": "pilot", "starts_on": date(2027, 2, 1)}],
    "enrolments": [
        {"person_id": 1, "role": "mentor"},
        {"person_id": 2, "role": "mentee"},
        {"person_id": 3, "role": "mentor"},
    ],
    "pairs": [
        {"mentor_enrolment_id": 1, "mentee_enrolment_id": 2, "status": "confirmed"},
        {"mentor_enrolment_id": 3, "mentee_enrolment_id": 2, "status": "ended"},
    ],
    "meetings": [{"pair_id": 1}, {"pair_id": 2}, {"pair_id": 1, "kind": "session"}],
    "deliveries": [
        {"idempotency_key": "k1", "person_id": 1, "meeting_id": 1},
        {"idempotency_key": "k2", "person_id": 2, "meeting_id": 2},
    ],
    "responses": [{"person_id": 1, "subject": "meeting:1", "value_text": "kept"}],
    "programme_roles": [{"person_id": 3, "role": "admin"}],
}


COPY_OF_MEETING_1 = (
    "INSERT INTO meetings (workspace_id, pair_id, kind, sequence, starts_at, ends_at, status,"
    " created_at, updated_at) SELECT workspace_id, pair_id, kind, sequence, starts_at, ends_at,"
    " status, created_at, updated_at FROM meetings WHERE id = 1"
)


def table_rows(conn: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()  # noqa: S608


def shape(conn: sqlite3.Connection, table: str) -> dict[str, Any]:
    """Columns, indexes (with their columns and uniqueness) and foreign keys of a table."""
    indexes = {
        name: (unique, [c[2] for c in conn.execute(f"PRAGMA index_info('{name}')")])
        for _, name, unique, *_ in conn.execute(f"PRAGMA index_list('{table}')")
    }
    return {
        "columns": conn.execute(f"PRAGMA table_info('{table}')").fetchall(),
        "indexes": sorted(indexes.values()),
        "index names": sorted(n for n in indexes if not n.startswith("sqlite_autoindex")),
        "foreign keys": sorted(
            row[2:] for row in conn.execute(f"PRAGMA foreign_key_list('{table}')")
        ),
    }


BEFORE_REBUILD, REBUILD = "0007", "0008"


def test_upgrading_a_database_with_rows_keeps_everything(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "tandem.db")
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), BEFORE_REBUILD)
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name in ("settings", "alembic_version") or table.name.startswith("slack_"):
                continue
            for row in ROWS.get(table.name, [{}]):
                conn.execute(insert(table).values(fill(table, **row)))
        # SQLite would hand the newest meeting's id to the next one: from here on, never again.
        conn.exec_driver_sql("DELETE FROM meetings WHERE id = 3")
    engine.dispose()
    tables = sorted(t.name for t in metadata.sorted_tables if "id" in t.c)
    with sqlite3.connect(path) as conn:
        before = {t: (table_rows(conn, t), shape(conn, t)) for t in tables}

    command.upgrade(alembic_config(url), REBUILD)

    conn = sqlite3.connect(path)
    try:
        after = {t: (table_rows(conn, t), shape(conn, t)) for t in tables}
        assert after == before
        ours = {t for t in tables if not t.startswith("slack_")}  # slack_sdk's tables aside
        assert ours <= autoincrement_tables(path)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        leftovers = "SELECT name FROM sqlite_master WHERE name LIKE '_alembic_tmp%'"
        assert conn.execute(leftovers).fetchall() == []

        conn.execute("PRAGMA foreign_keys = ON")  # as the app's connections have it
        new = conn.execute(COPY_OF_MEETING_1).lastrowid
        conn.execute("DELETE FROM meetings WHERE id = ?", (new,))
        newer = conn.execute(COPY_OF_MEETING_1).lastrowid
        assert newer == new + 1

        # The foreign keys still act: erasing person 1 takes their sign-up, its pair, the
        # pair's meetings and what was to be sent about them, and nothing of anyone else's.
        conn.execute("DELETE FROM people WHERE id = 1")
        assert [r[0] for r in table_rows(conn, "pairs")] == [2]
        assert [r[0] for r in table_rows(conn, "meetings")] == [2]
        assert [r[0] for r in table_rows(conn, "deliveries")] == [2]
        assert table_rows(conn, "responses") == []
        conn.commit()
    finally:
        conn.close()

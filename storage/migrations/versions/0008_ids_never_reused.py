"""ids never reused: SQLite tables with surrogate ids become AUTOINCREMENT

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

Without AUTOINCREMENT, SQLite gives the next row the highest id in use plus one, so deleting
the newest meeting (a forget-me does) hands its id to the next meeting booked, and an old
button or calendar link naming it then names someone else's. SQLite cannot add the keyword
to a table in place: each table is rebuilt with its rows, indexes, constraints and foreign
keys. PostgreSQL's sequences never hand an id out twice: nothing to do there.
"""

from alembic import op
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Every table with a surrogate id as of this revision, parents before children.
TABLES = (
    "workspaces",
    "people",
    "playground_items",
    "processed_events",
    "programmes",
    "announcements",
    "enrolments",
    "programme_roles",
    "responses",
    "pairs",
    "meetings",
    "deliveries",
    "teams_channels",
    "teams_forms",
    "match_exclusions",
    "match_runs",
)


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(*, autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    _require_foreign_keys_off(bind)
    # One reflection of them all: left to itself, each rebuild would reflect its table and,
    # through the foreign keys, most of the others again, several times over.
    tables = MetaData()
    event.listen(tables, "column_reflect", op.get_context().impl.autogen_column_reflect)
    tables.reflect(bind, only=TABLES)
    for table in TABLES:
        with op.batch_alter_table(
            table,
            recreate="always",
            copy_from=tables.tables[table],
            table_kwargs={"sqlite_autoincrement": autoincrement},
        ):
            pass


def _require_foreign_keys_off(bind: Connection) -> None:
    """A rebuild drops the old table; with foreign keys enforced, that drop would cascade
    and delete every row that refers to it. Alembic's connection never turns them on (the
    app's engine does, in storage/db.py), and SQLite ignores the pragma inside a transaction,
    so refuse rather than find out."""
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("rebuilding tables needs PRAGMA foreign_keys=OFF on this connection")

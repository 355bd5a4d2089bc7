"""INSERT ... ON CONFLICT DO NOTHING for both dialects: the database decides what is a duplicate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


def insert_ignore(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> Insert:
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    if dialect == "postgresql":
        return postgresql.insert(model).values(rows).on_conflict_do_nothing()
    return sqlite.insert(model).values(rows).on_conflict_do_nothing()

"""The declarative base every model shares, with naming rules Alembic migrations rely on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, MetaData
from sqlalchemy.orm import DeclarativeBase

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The table option every table with a surrogate id declares (last in its `__table_args__`).
# SQLite otherwise hands a deleted row's id to the next row, and ids travel in buttons, forms,
# calendar links and the outbox: after a forget-me, someone's old button or link would name
# another pair's row. PostgreSQL's sequences never go back, so the option means nothing there.
NEVER_REUSED = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}

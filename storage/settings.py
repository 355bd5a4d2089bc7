"""Small durable key/values that belong to the installation, not to a workspace."""

from __future__ import annotations

from storage.models import Setting
from storage.uow import Database


async def read_setting(db: Database, key: str) -> str | None:
    async with db.sessions() as session:
        row = await session.get(Setting, key)
        return row.value if row else None


async def write_setting(db: Database, key: str, value: str) -> None:
    async with db.sessions() as session:
        row = await session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
        await session.commit()

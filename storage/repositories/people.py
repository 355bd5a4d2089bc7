from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.models import Person
from storage.repositories.base import Scoped
from storage.upsert import insert_ignore


class PeopleRepository(Scoped):
    async def get(self, person_id: int) -> Person | None:
        person = await self.session.get(Person, person_id)
        return person if person and person.workspace_id == self.workspace_id else None

    async def by_user_id(self, user_id: str) -> Person | None:
        return await self.session.scalar(
            select(Person).where(
                Person.workspace_id == self.workspace_id, Person.platform_user_id == user_id
            )
        )

    async def by_user_ids(self, user_ids: list[str]) -> dict[str, Person]:
        rows = await self.session.scalars(
            select(Person).where(
                Person.workspace_id == self.workspace_id, Person.platform_user_id.in_(user_ids)
            )
        )
        return {p.platform_user_id: p for p in rows}

    async def ensure(self, user_id: str, now: datetime, **profile: Any) -> Person:
        """The person for this platform user, created on first contact (race-safe)."""
        person = await self.by_user_id(user_id)
        if person is None:
            await self.session.execute(
                insert_ignore(
                    self.session,
                    Person,
                    [
                        {
                            "workspace_id": self.workspace_id,
                            "platform_user_id": user_id,
                            "display_name": profile.get("display_name", ""),
                            "time_zone": profile.get("time_zone", "UTC"),
                            "work_start_minute": 9 * 60,
                            "work_end_minute": 17 * 60 + 30,
                            "work_days": ["0", "1", "2", "3", "4"],
                            "reachable": True,
                            "unreachable_reason": "",
                            "created_at": now,
                        }
                    ],
                )
            )
            person = await self.by_user_id(user_id)
            assert person is not None
        for key, value in profile.items():
            if value and getattr(person, key) != value:
                setattr(person, key, value)
        return person

    async def by_directory_id(self, directory_id: str) -> Person | None:
        if not directory_id:
            return None
        return await self.session.scalar(
            select(Person)
            .where(Person.workspace_id == self.workspace_id, Person.directory_id == directory_id)
            .order_by(Person.id)
            .limit(1)
        )

    async def names(self) -> list[Any]:
        """Everyone in the workspace with the names and address colleagues may call them by,
        as plain rows: what a line manager written in words is looked up in."""
        result = await self.session.execute(
            select(
                Person.platform_user_id,
                Person.display_name,
                Person.real_name,
                Person.handle,
                Person.email,
            ).where(Person.workspace_id == self.workspace_id)
        )
        return list(result.all())

    async def all(self) -> list[Person]:
        return list(
            await self.session.scalars(
                select(Person).where(Person.workspace_id == self.workspace_id).order_by(Person.id)
            )
        )

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from storage.models import Programme, ProgrammeRole
from storage.repositories.base import Scoped


class ProgrammeRepository(Scoped):
    async def get(self, programme_id: int) -> Programme | None:
        programme = await self.session.get(Programme, programme_id)
        return programme if programme and programme.workspace_id == self.workspace_id else None

    async def by_slug(self, slug: str) -> Programme | None:
        return await self.session.scalar(
            select(Programme).where(
                Programme.workspace_id == self.workspace_id, Programme.slug == slug
            )
        )

    async def all(self) -> list[Programme]:
        return list(
            await self.session.scalars(
                select(Programme)
                .where(Programme.workspace_id == self.workspace_id)
                .order_by(Programme.starts_on, Programme.id)
            )
        )

    async def open_for_signup(self, now: datetime) -> list[Programme]:
        open_ones = []
        for programme in await self.all():
            if programme.status != "open":
                continue
            if programme.signup_opens_at and now < programme.signup_opens_at:
                continue
            if programme.signup_closes_at and now > programme.signup_closes_at:
                continue
            open_ones.append(programme)
        return open_ones

    async def create(
        self,
        *,
        slug: str,
        name: str,
        kind: str,
        starts_on: date,
        ends_on: date,
        now: datetime,
        **options: Any,
    ) -> Programme:
        programme = Programme(
            workspace_id=self.workspace_id,
            slug=slug,
            name=name,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            created_at=now,
            settings=options.pop("settings", {}),
            **options,
        )
        self.session.add(programme)
        await self.session.flush()
        return programme

    async def add_role(self, programme_id: int, person_id: int, role: str) -> None:
        if role not in await self.roles_of(programme_id, person_id):
            self.session.add(
                ProgrammeRole(
                    workspace_id=self.workspace_id,
                    programme_id=programme_id,
                    person_id=person_id,
                    role=role,
                )
            )
            await self.session.flush()

    async def roles_of(self, programme_id: int, person_id: int) -> set[str]:
        rows = await self.session.scalars(
            select(ProgrammeRole.role).where(
                ProgrammeRole.workspace_id == self.workspace_id,
                ProgrammeRole.programme_id == programme_id,
                ProgrammeRole.person_id == person_id,
            )
        )
        return set(rows)

    async def programmes_where(self, person_id: int, roles: set[str]) -> list[Programme]:
        # A subquery, not DISTINCT over the join: PostgreSQL cannot compare JSON columns.
        held = select(ProgrammeRole.programme_id).where(
            ProgrammeRole.workspace_id == self.workspace_id,
            ProgrammeRole.person_id == person_id,
            ProgrammeRole.role.in_(roles),
        )
        rows = await self.session.scalars(
            select(Programme)
            .where(Programme.workspace_id == self.workspace_id, Programme.id.in_(held))
            .order_by(Programme.id)
        )
        return list(rows)

    async def people_with_role(self, programme_id: int, role: str) -> list[int]:
        rows = await self.session.scalars(
            select(ProgrammeRole.person_id).where(
                ProgrammeRole.workspace_id == self.workspace_id,
                ProgrammeRole.programme_id == programme_id,
                ProgrammeRole.role == role,
            )
        )
        return list(rows)

from __future__ import annotations

from sqlalchemy import select

from storage.models import Enrolment, Programme
from storage.repositories.base import Scoped


class EnrolmentRepository(Scoped):
    async def get(self, enrolment_id: int) -> Enrolment | None:
        enrolment = await self.session.get(Enrolment, enrolment_id)
        return enrolment if enrolment and enrolment.workspace_id == self.workspace_id else None

    async def find(self, programme_id: int, person_id: int) -> Enrolment | None:
        return await self.session.scalar(
            select(Enrolment).where(
                Enrolment.workspace_id == self.workspace_id,
                Enrolment.programme_id == programme_id,
                Enrolment.person_id == person_id,
            )
        )

    async def of_person(self, person_id: int) -> list[tuple[Enrolment, Programme]]:
        rows = await self.session.execute(
            select(Enrolment, Programme)
            .join(Programme, Programme.id == Enrolment.programme_id)
            .where(Enrolment.workspace_id == self.workspace_id, Enrolment.person_id == person_id)
            .order_by(Enrolment.id)
        )
        return [(e, p) for e, p in rows.tuples()]

    async def in_programme(
        self, programme_id: int, statuses: tuple[str, ...] = ("active",)
    ) -> list[Enrolment]:
        rows = await self.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.workspace_id == self.workspace_id,
                Enrolment.programme_id == programme_id,
                Enrolment.status.in_(statuses),
            )
            .order_by(Enrolment.id)
        )
        return list(rows)

    def add(self, enrolment: Enrolment) -> None:
        enrolment.workspace_id = self.workspace_id
        self.session.add(enrolment)

"""What a matching run reads and writes: one query per table in, one bulk insert out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from storage.models import Enrolment, MatchExclusion, MatchRun, Pair, Person
from storage.pair_status import PairStatus
from storage.repositories.base import Scoped
from storage.upsert import insert_ignore

POOL_COLUMNS = (
    Enrolment.id,
    Enrolment.role,
    Enrolment.seniority,
    Enrolment.department,
    Enrolment.manager_user_id,
    Enrolment.offers,
    Enrolment.goal_areas,
    Enrolment.lived_experience,
    Enrolment.medium,
    Enrolment.location,
    Enrolment.capacity,
    Person.platform_user_id,
    Person.display_name,
    Person.time_zone,
    Person.work_start_minute,
    Person.work_end_minute,
)


@dataclass(frozen=True, slots=True)
class PairRow:
    id: int
    mentor_enrolment_id: int
    mentee_enrolment_id: int
    status: str
    locked: bool


class MatchingRepository(Scoped):
    async def active_enrolments(self, programme_id: int) -> list[Any]:
        """Active enrolments with their person's profile, as plain rows (no ORM objects)."""
        result = await self.session.execute(
            select(*POOL_COLUMNS)
            .join(Person, Person.id == Enrolment.person_id)
            .where(
                Enrolment.workspace_id == self.workspace_id,
                Enrolment.programme_id == programme_id,
                Enrolment.status == "active",
            )
            .order_by(Enrolment.id)
        )
        return list(result.all())

    async def reporting_lines(self) -> dict[str, str]:
        """person -> manager, from every enrolment in the workspace, so skip-level managers
        enrolled in another programme still count. User ids only: a manager still named in
        words (`manager_named`) counts once it is resolved to a person."""
        result = await self.session.execute(
            select(Person.platform_user_id, Enrolment.manager_user_id)
            .join(Person, Person.id == Enrolment.person_id)
            .where(Enrolment.workspace_id == self.workspace_id, Enrolment.manager_user_id != "")
        )
        return {person: manager for person, manager in result.tuples()}

    async def named_managers(self) -> list[tuple[int, str]]:
        """(enrolment id, the words) for every line manager in the workspace named in words
        that no one has been identified by yet."""
        result = await self.session.execute(
            select(Enrolment.id, Enrolment.manager_named).where(
                Enrolment.workspace_id == self.workspace_id, Enrolment.manager_named != ""
            )
        )
        return [(enrolment_id, named) for enrolment_id, named in result.tuples()]

    async def identify_managers(self, managers: dict[int, str]) -> None:
        """Record each enrolment's line manager as the person they turned out to name."""
        for enrolment_id, user_id in managers.items():
            await self.session.execute(
                update(Enrolment)
                .where(Enrolment.workspace_id == self.workspace_id, Enrolment.id == enrolment_id)
                .values(manager_user_id=user_id, manager_named="")
            )

    async def unidentified_managers(self, programme_id: int) -> list[str]:
        """Who, among the programme's active sign-ups, named a line manager no one could be
        identified by: their names only, never what they wrote."""
        result = await self.session.execute(
            select(Person.display_name, Person.platform_user_id)
            .join(Enrolment, Enrolment.person_id == Person.id)
            .where(
                Enrolment.workspace_id == self.workspace_id,
                Enrolment.programme_id == programme_id,
                Enrolment.status == "active",
                Enrolment.manager_named != "",
            )
            .order_by(Person.display_name, Person.id)
        )
        return [name or user_id for name, user_id in result.tuples()]

    async def pairs(self, programme_id: int) -> list[PairRow]:
        result = await self.session.execute(
            select(
                Pair.id,
                Pair.mentor_enrolment_id,
                Pair.mentee_enrolment_id,
                Pair.status,
                Pair.locked,
            ).where(Pair.workspace_id == self.workspace_id, Pair.programme_id == programme_id)
        )
        return [PairRow(*row) for row in result.tuples()]

    async def exclusions(self, programme_id: int) -> set[tuple[int, int]]:
        result = await self.session.execute(
            select(MatchExclusion.mentor_enrolment_id, MatchExclusion.mentee_enrolment_id).where(
                MatchExclusion.workspace_id == self.workspace_id,
                MatchExclusion.programme_id == programme_id,
            )
        )
        return set(result.tuples())

    async def exclude(
        self, programme_id: int, mentor_enrolment_id: int, mentee_enrolment_id: int, now: datetime
    ) -> None:
        await self.session.execute(
            insert_ignore(
                self.session,
                MatchExclusion,
                [
                    {
                        "workspace_id": self.workspace_id,
                        "programme_id": programme_id,
                        "mentor_enrolment_id": mentor_enrolment_id,
                        "mentee_enrolment_id": mentee_enrolment_id,
                        "created_at": now,
                    }
                ],
            )
        )

    async def replace_proposal(
        self, programme_id: int, keep_ids: Iterable[int], rows: list[dict[str, Any]]
    ) -> None:
        """Drop the unpublished proposal (except `keep_ids`) and bulk-insert the new pairs."""
        await self.session.execute(
            delete(Pair).where(
                Pair.workspace_id == self.workspace_id,
                Pair.programme_id == programme_id,
                Pair.status == PairStatus.PROPOSED,
                Pair.id.not_in(list(keep_ids)),
            )
        )
        if rows:
            for row in rows:
                row["workspace_id"] = self.workspace_id
                row["programme_id"] = programme_id
            await self.session.execute(insert(Pair), rows)

    async def latest_run(self, programme_id: int) -> MatchRun | None:
        return await self.session.scalar(
            select(MatchRun)
            .where(
                MatchRun.workspace_id == self.workspace_id, MatchRun.programme_id == programme_id
            )
            .order_by(MatchRun.id.desc())
            .limit(1)
        )

    async def save_run(
        self, programme_id: int, mode: str, unmatched: list[list[Any]], now: datetime
    ) -> MatchRun:
        run = MatchRun(
            workspace_id=self.workspace_id,
            programme_id=programme_id,
            mode=mode,
            unmatched=unmatched,
            created_at=now,
        )
        self.session.add(run)
        await self.session.flush()
        return run

"""Survey answers: one row per (person, kind, subject, question), so answering again replaces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import Response
from storage.repositories.base import Scoped

CONFLICT_KEY = ["person_id", "kind", "subject", "question"]


class AnswerRepository(Scoped):
    async def record(
        self,
        *,
        person_id: int,
        programme_id: int,
        kind: str,
        subject: str,
        answers: dict[str, float],
        now: datetime,
    ) -> None:
        """Upsert in one statement: the last answer counts and nothing is duplicated."""
        rows = [
            {
                "workspace_id": self.workspace_id,
                "person_id": person_id,
                "programme_id": programme_id,
                "kind": kind,
                "subject": subject,
                "question": question,
                "value_number": value,
                "value_text": "",
                "shared_with_partner": False,
                "created_at": now,
                "updated_at": now,
            }
            for question, value in answers.items()
        ]
        if not rows:
            return
        bind = self.session.bind
        dialect = postgresql if bind is not None and bind.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(Response).values(rows)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=CONFLICT_KEY,
                set_={
                    "value_number": statement.excluded.value_number,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )

    async def of_person(self, person_id: int, kind: str, subject: str) -> dict[str, float]:
        rows = await self.session.execute(
            select(Response.question, Response.value_number).where(
                Response.workspace_id == self.workspace_id,
                Response.person_id == person_id,
                Response.kind == kind,
                Response.subject == subject,
            )
        )
        return {q: v for q, v in rows.tuples() if v is not None}

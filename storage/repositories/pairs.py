from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from storage.models import Meeting, Pair
from storage.pair_status import LIVE_STATES
from storage.repositories.base import Scoped


class PairRepository(Scoped):
    async def get(self, pair_id: int) -> Pair | None:
        pair = await self.session.get(Pair, pair_id)
        return pair if pair and pair.workspace_id == self.workspace_id else None

    async def live_for_enrolment(self, enrolment_id: int) -> Pair | None:
        return await self.session.scalar(
            select(Pair)
            .where(
                Pair.workspace_id == self.workspace_id,
                Pair.status.in_(LIVE_STATES),
                or_(
                    Pair.mentor_enrolment_id == enrolment_id,
                    Pair.mentee_enrolment_id == enrolment_id,
                ),
            )
            .order_by(Pair.id.desc())
        )

    async def in_programme(self, programme_id: int, statuses: tuple[str, ...]) -> list[Pair]:
        rows = await self.session.scalars(
            select(Pair)
            .where(
                Pair.workspace_id == self.workspace_id,
                Pair.programme_id == programme_id,
                Pair.status.in_(statuses),
            )
            .order_by(Pair.id)
        )
        return list(rows)

    def add(self, pair: Pair) -> None:
        pair.workspace_id = self.workspace_id
        self.session.add(pair)


class MeetingRepository(Scoped):
    async def get(self, meeting_id: int) -> Meeting | None:
        meeting = await self.session.get(Meeting, meeting_id)
        return meeting if meeting and meeting.workspace_id == self.workspace_id else None

    async def next_for_pair(self, pair_id: int, now: datetime) -> Meeting | None:
        return await self.session.scalar(
            select(Meeting)
            .where(
                Meeting.workspace_id == self.workspace_id,
                Meeting.pair_id == pair_id,
                Meeting.status == "scheduled",
                Meeting.ends_at > now,
            )
            .order_by(Meeting.starts_at)
        )

    async def for_pair(self, pair_id: int) -> list[Meeting]:
        rows = await self.session.scalars(
            select(Meeting)
            .where(Meeting.workspace_id == self.workspace_id, Meeting.pair_id == pair_id)
            .order_by(Meeting.starts_at)
        )
        return list(rows)

    def add(self, meeting: Meeting) -> None:
        meeting.workspace_id = self.workspace_id
        self.session.add(meeting)

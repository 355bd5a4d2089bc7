from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from storage.models import ProcessedEvent
from storage.repositories.base import Scoped
from storage.upsert import insert_ignore


class ProcessedEventRepository(Scoped):
    async def claim(self, event_id: str, now: datetime) -> bool:
        """True the first time an inbound event id is seen; False for a platform's retry."""
        # RETURNING, not rowcount: multi-values inserts report rowcount -1 on psycopg.
        result = await self.session.execute(
            insert_ignore(
                self.session,
                ProcessedEvent,
                [{"workspace_id": self.workspace_id, "event_id": event_id, "created_at": now}],
            ).returning(ProcessedEvent.id)
        )
        return result.first() is not None

    async def forget_before(self, cutoff: datetime) -> None:
        await self.session.execute(
            delete(ProcessedEvent).where(
                ProcessedEvent.workspace_id == self.workspace_id,
                ProcessedEvent.created_at < cutoff,
            )
        )

"""Runs one claimed job row (bot/delivery/kinds.py: Job) and records how it ended.

The dispatcher claims due job rows with a lease once the sends of its pass are done, and
hands each one here: run it, then settle its row (planning a recurring job's next run in
the same transaction) or put it back for later when the job asks to run again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core.clock import Clock
from bot.core.refs import WorkspaceRef
from bot.delivery.kinds import DeliveryKinds, Job, JobRun
from bot.delivery.sender import Sender
from storage.models import Delivery
from storage.repositories import deliveries
from storage.uow import Database

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        sender: Sender,
        kinds: DeliveryKinds,
        workspace_ref: Callable[[int], Awaitable[WorkspaceRef]],
    ) -> None:
        self.db = db
        self.clock = clock
        self.sender = sender
        self.kinds = kinds
        self.workspace_ref = workspace_ref

    async def run(self, row: Delivery) -> None:
        job = self.kinds.job(row.kind)
        assert job is not None, row.kind
        started = self.clock.now()
        try:
            workspace = await self.workspace_ref(row.workspace_id)
            again = await job.run(JobRun(self.db, self.sender, row, workspace, started))
        except Exception as exc:  # one failed run must not stop the next period's
            log.exception("job crashed", extra={"delivery_id": row.id, "kind": row.kind})
            await self._finish(job, row, started, "failed", f"internal error: {type(exc).__name__}")
            return
        if again is None:
            await self._finish(job, row, started, "done")
        else:
            await self._again(row, again)

    async def _finish(
        self, job: Job, row: Delivery, started: datetime, state: str, reason: str = ""
    ) -> None:
        """Settle the row and plan a recurring job's next run in one transaction: after a
        crash either this row runs again or the next one is planned, never neither. The
        next run is the period after the one this run started in, even if it ran long."""
        now = self.clock.now()
        async with self.db.sessions() as session:
            await deliveries.settle(session, row.id, state, reason, at=now)
            if job.every is not None:
                await deliveries.plan(session, [job.next_row(row.workspace_id, started, now)])
            await session.commit()
        log.info(
            "delivery settled",
            extra={"delivery_id": row.id, "kind": row.kind, "outcome": state, "reason": reason},
        )

    async def _again(self, row: Delivery, due_at: datetime) -> None:
        reason = "not finished yet"
        async with self.db.sessions() as session:
            await deliveries.defer(session, row.id, due_at, reason)
            await session.commit()
        log.info(
            "delivery deferred",
            extra={"delivery_id": row.id, "kind": row.kind, "until": due_at, "reason": reason},
        )

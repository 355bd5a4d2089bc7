"""Pairs that finished but never both answered "how would you like to finish?" are closed
for them, so no programme message reaches a pair after its programme is over.

A confirmed pair is closed (reason "completed") two weeks after its final session ended, or
two weeks after its programme's end date, whichever comes first. The daily `close_pairs`
job (JOBS, a row of the outbox) runs it, like the survey planner.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from bot.delivery.kinds import Job, JobRun
from flows.common.pair_lifecycle import end_pair
from flows.sessions.close import ENDED_REASON
from storage.models import Meeting, Pair, Programme
from storage.uow import Database

GRACE = timedelta(days=14)
CLOSER = "close_pairs"


async def close_finished_pairs(db: Database, now: datetime) -> int:
    """End every confirmed pair past its grace period. Returns how many were closed."""
    cutoff = now - GRACE
    final_session_over = (
        select(Meeting.id)
        .where(
            Meeting.pair_id == Pair.id,
            Meeting.kind == "session",
            Meeting.sequence >= Programme.session_count,
            Meeting.status.in_(("held", "scheduled")),
            Meeting.ends_at < cutoff,
        )
        .exists()
    )
    programme_over = Programme.ends_on < (cutoff.date())
    async with db.sessions() as session:
        due = (
            await session.execute(
                select(Pair.workspace_id, Pair.id)
                .join(Programme, Programme.id == Pair.programme_id)
                .where(and_(Pair.status == "confirmed", or_(final_session_over, programme_over)))
            )
        ).all()
    for workspace_id, pair_id in due:
        async with db.unit_of_work(workspace_id) as uow:
            pair = await uow.pairs.get(pair_id)
            if pair is not None and pair.status == "confirmed":
                await end_pair(uow, pair, ENDED_REASON, now)
                await uow.commit()
    return len(due)


async def close_due_pairs(run: JobRun) -> None:
    await close_finished_pairs(run.db, run.now)


JOBS = (Job(CLOSER, close_due_pairs, every=timedelta(days=1)),)

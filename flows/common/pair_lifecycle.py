"""Ending a pair: meetings cancelled, their pending nudges cancelled, partner told kindly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from storage.models import Meeting, Pair, Person
from storage.pair_status import PairStatus, move
from storage.repositories import deliveries
from storage.uow import UnitOfWork


async def end_pair(
    uow: UnitOfWork,
    pair: Pair,
    reason: str,
    now: datetime,
    *,
    to: PairStatus = PairStatus.ENDED,
) -> None:
    """End a live pair (`to` is rematch_requested when the fit check dissolves it)."""
    move(pair, to)
    pair.end_reason = reason
    pair.ended_at = now
    meetings = await uow.meetings.for_pair(pair.id)
    # Sessions already held stay in the record (the report counts them); only what is
    # still to come is cancelled. Every pending message about the pair goes.
    live = [
        m.id
        for m in meetings
        if m.status == "proposed" or (m.status == "scheduled" and m.ends_at > now)
    ]
    if live:
        await uow.session.execute(
            update(Meeting)
            .where(Meeting.workspace_id == uow.workspace_id, Meeting.id.in_(live))
            .values(status="cancelled", updated_at=now)
        )
    await deliveries.cancel_pending(uow.session, uow.workspace_id, [m.id for m in meetings])


async def partner_of(uow: UnitOfWork, pair: Pair, enrolment_id: int) -> Person | None:
    other_id = (
        pair.mentee_enrolment_id
        if pair.mentor_enrolment_id == enrolment_id
        else pair.mentor_enrolment_id
    )
    other = await uow.enrolments.get(other_id)
    return await uow.people.get(other.person_id) if other else None

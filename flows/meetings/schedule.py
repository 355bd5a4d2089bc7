"""Booking, moving and cancelling meetings, with their nudges kept in step.

Call these instead of changing a Meeting's times or status directly:

    meeting = Meeting(pair_id=..., kind="session", starts_at=..., ends_at=..., ...)
    uow.meetings.add(meeting)
    await schedule_meeting(uow, meeting, now=ctx.clock.now())  # flushes, plans the nudges
    await reschedule_meeting(uow, meeting, new_start, now=...)  # same length, nudges move
    await cancel_meeting(uow, meeting, now=...)  # status cancelled, pending nudges cancelled
    await uow.commit()                          # the caller commits, as always

Each plans or cancels delivery rows in the same transaction as the meeting change, so the
meeting and its nudges never disagree, whatever crashes when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from flows.meetings.nudges import attendees_by_pair, nudge_rows
from storage.models import Meeting
from storage.repositories import deliveries
from storage.uow import UnitOfWork


async def schedule_meeting(
    uow: UnitOfWork, meeting: Meeting, *, now: datetime | None = None
) -> None:
    """Plan the prep nudge and the reflection prompt for both people in the meeting's pair."""
    await schedule_meetings(uow, [meeting], now=now)


async def schedule_meetings(
    uow: UnitOfWork, meetings: Sequence[Meeting], *, now: datetime | None = None
) -> None:
    """The bulk form: a few queries and one bulk insert however many meetings there are."""
    if any(m.id is None for m in meetings):
        await uow.session.flush()
    now = now or datetime.now(UTC)
    attendees = await attendees_by_pair(uow, {m.pair_id for m in meetings})
    rows = []
    for meeting in meetings:
        if meeting.status != "scheduled" or meeting.pair_id not in attendees:
            continue
        people, buffer_minutes = attendees[meeting.pair_id]
        rows.extend(nudge_rows(meeting, people, buffer_minutes, now))
    await deliveries.plan(uow.session, rows)


async def reschedule_meeting(
    uow: UnitOfWork, meeting: Meeting, new_start: datetime, *, now: datetime | None = None
) -> None:
    """Move the meeting, keeping its length; its nudges move with it."""
    if new_start == meeting.starts_at:
        return
    now = now or datetime.now(UTC)
    length = meeting.ends_at - meeting.starts_at
    await deliveries.cancel_pending(uow.session, uow.workspace_id, [meeting.id])
    meeting.starts_at = new_start
    meeting.ends_at = new_start + length
    meeting.updated_at = now
    await schedule_meeting(uow, meeting, now=now)


async def cancel_meeting(uow: UnitOfWork, meeting: Meeting, *, now: datetime | None = None) -> None:
    meeting.status = "cancelled"
    meeting.updated_at = now or datetime.now(UTC)
    await uow.session.flush()
    await deliveries.cancel_pending(uow.session, uow.workspace_id, [meeting.id])

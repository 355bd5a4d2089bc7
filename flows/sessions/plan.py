"""What a booked session sets in motion, planned in the same transaction as the booking.

For each of the two people:
  * a prep prompt `prep_working_days` working days before (flows/sessions/prep.py),
  * the feedback poll the working morning after (flows/sessions/polls.py),
  * after session ceil(N/2), the midpoint goals revisit (flows/sessions/goals.py),
  * after the final session, the close (flows/sessions/close.py),
  * otherwise a gentle reminder two weeks after, if no next session is booked by then.

Every key contains the session's start, so a moved session plans fresh rows (the old ones
were cancelled with the meeting's pending deliveries by flows/meetings/schedule.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Text
from bot.core.working_hours import describe, next_working_morning, working_days_before
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, send_late
from flows.common.actions import SESSION_BOOK_ACTION, support_button
from flows.common.pair_view import pair_view
from flows.common.people import name_of
from storage.models import Meeting, Person, Programme
from storage.repositories import deliveries
from storage.uow import UnitOfWork

PREP = "session_prep"
POLL = "session_poll"
MIDPOINT = "goals_revisit"
CLOSE = "programme_close"
REBOOK = "session_rebook"
REBOOK_AFTER = timedelta(days=14)
DEFAULT_PREP_DAYS = 2


def prep_days(programme: Programme) -> int:
    return int(programme.settings.get("prep_working_days", DEFAULT_PREP_DAYS))


def midpoint(programme: Programme) -> int:
    return math.ceil(programme.session_count / 2)


def is_final(meeting: Meeting, programme: Programme) -> bool:
    return meeting.sequence >= programme.session_count


def next_sequence(sessions: Sequence[Meeting], meeting: Meeting) -> int:
    """Sessions held or booked count; a missed or cancelled one is replaced by the next."""
    counted = [m for m in sessions if m.id != meeting.id and m.status in ("scheduled", "held")]
    return len(counted) + 1


def _rows_for(
    uow: UnitOfWork, meeting: Meeting, programme: Programme, person: Person, now: datetime
) -> list[dict]:
    hours = person.working_hours()
    start = meeting.starts_at.isoformat()
    payload = {"meeting_id": meeting.id, "starts_at": start, "pair_id": meeting.pair_id}
    after = next_working_morning(hours, meeting.ends_at)
    prep_at = max(now, working_days_before(hours, meeting.starts_at, prep_days(programme)))
    planned: list[tuple[str, datetime]] = []
    if prep_at < meeting.starts_at:
        planned.append((PREP, prep_at))
    planned.append((POLL, after))
    if meeting.sequence == midpoint(programme) and not is_final(meeting, programme):
        planned.append((MIDPOINT, after))
    if is_final(meeting, programme):
        planned.append((CLOSE, after))
    else:
        planned.append((REBOOK, meeting.ends_at + REBOOK_AFTER))
    return [
        deliveries.row(
            workspace_id=uow.workspace_id,
            key=f"{kind}:{meeting.id}:{start}:{person.id}",
            kind=kind,
            due_at=due_at,
            now=now,
            channel_id=f"@{person.platform_user_id}",
            person_id=person.id,
            meeting_id=meeting.id,
            payload=payload,
        )
        for kind, due_at in planned
    ]


async def plan_followups(
    uow: UnitOfWork,
    meeting: Meeting,
    programme: Programme,
    people: Sequence[Person],
    now: datetime,
) -> None:
    """Plan a booked (or moved) session's prep, poll and what follows, for both people."""
    sessions = [m for m in await uow.meetings.for_pair(meeting.pair_id) if m.kind == "session"]
    if not meeting.sequence:
        meeting.sequence = next_sequence(sessions, meeting)
    earlier = [m.id for m in sessions if m.id != meeting.id]
    if earlier:
        # A session is booked: earlier sessions' "book the next one" reminders are moot.
        await deliveries.cancel_pending(uow.session, uow.workspace_id, earlier, kind=REBOOK)
    rows = [r for p in people for r in _rows_for(uow, meeting, programme, p, now)]
    await deliveries.plan(uow.session, rows)


# ---- the gentle reminder


async def render_rebook(req: RenderRequest) -> Message | Drop:
    meeting = await req.uow.meetings.get(int(req.payload.get("meeting_id", 0)))
    if meeting is None or meeting.status == "cancelled":
        return Drop("session cancelled")
    view = await pair_view(req.uow, meeting.pair_id, req.delivery.person_id or 0)
    if view is None or view.pair.status != "confirmed":
        return Drop("the pair is no longer active")
    later = [
        m
        for m in await req.uow.meetings.for_pair(meeting.pair_id)
        if m.kind == "session"
        and m.starts_at > meeting.starts_at
        and m.status != "cancelled"
        and m.status != "proposed"
    ]
    if later:
        return Drop("the next session is booked")
    if req.now.date() >= view.programme.ends_on:
        return Drop("the programme has ended")
    partner = name_of(view.partner)
    return Message(
        summary=f"Time to book your next session with {partner}?",
        blocks=(
            Text(
                f"It's been two weeks since your last session with *{partner}* "
                f"({describe(meeting.starts_at, view.me.time_zone)}). Whenever you're ready, "
                "pick a time for the next one; a regular rhythm helps you both get the most "
                "from the programme."
            ),
            Buttons(
                (
                    Button(
                        "Book the next session",
                        SESSION_BOOK_ACTION,
                        str(view.pair.id),
                        ButtonStyle.PRIMARY,
                    ),
                    support_button(view.programme.id),
                )
            ),
            Context("Just a gentle nudge: no need to reply if you've already arranged it."),
        ),
    )


KINDS = (DeliveryKind(REBOOK, render_rebook, send_late, quiet_hours=True),)

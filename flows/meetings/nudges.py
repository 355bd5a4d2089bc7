"""Session nudges: prepare before a meeting, reflect after it.

For every scheduled meeting each person gets a DM `buffer_minutes` before it starts
("block this half hour") and `buffer_minutes` after it ends ("take half an hour to reflect",
with a button opening their private reflection form). Both are tied to a time the person
agreed to, so they ignore quiet hours; the first is useless once the meeting has started.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Section, Text
from bot.core.working_hours import describe
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, drop_if_later_than, drop_once_past
from flows.common.people import name_of
from flows.meetings.buttons import session_buttons
from flows.meetings.reflections import ACTION_ID as REFLECT_ACTION
from flows.meetings.reflections import latest_own_answer
from storage.models import Enrolment, Meeting, Pair, Person, Programme
from storage.repositories import deliveries
from storage.uow import UnitOfWork

NUDGE_BEFORE = "nudge_before"
REFLECTION_PROMPT = "reflection_prompt"
REFLECTION_MAX_LATE = timedelta(hours=3)
DEFAULT_BUFFER_MINUTES = 30
MEETING_LABELS = {"chemistry": "chemistry meeting", "session": "mentoring session"}


@dataclass(frozen=True, slots=True)
class Attendee:
    person_id: int
    user_id: str
    enrolment_id: int


def nudge_key(kind: str, meeting: Meeting, person_id: int) -> str:
    """Includes the start time, so a moved meeting plans new rows and old ones can be cancelled."""
    return f"{kind}:{meeting.id}:{meeting.starts_at.isoformat()}:{person_id}"


def nudge_rows(
    meeting: Meeting, attendees: Sequence[Attendee], buffer_minutes: int, now: datetime
) -> list[dict[str, Any]]:
    buffer = timedelta(minutes=buffer_minutes)
    payload = {
        "meeting_id": meeting.id,
        "starts_at": meeting.starts_at.isoformat(),
        "buffer_minutes": buffer_minutes,
    }
    rows = []
    for person in attendees:
        for kind, due_at in (
            (NUDGE_BEFORE, meeting.starts_at - buffer),
            (REFLECTION_PROMPT, meeting.ends_at + buffer),
        ):
            rows.append(
                deliveries.row(
                    workspace_id=meeting.workspace_id,
                    key=nudge_key(kind, meeting, person.person_id),
                    kind=kind,
                    due_at=due_at,
                    now=now,
                    channel_id=f"@{person.user_id}",
                    person_id=person.person_id,
                    meeting_id=meeting.id,
                    payload=payload,
                )
            )
    return rows


async def attendees_by_pair(
    uow: UnitOfWork, pair_ids: set[int]
) -> dict[int, tuple[list[Attendee], int]]:
    """Each pair's two people and its programme's buffer, loaded in three queries in all."""
    result: dict[int, tuple[list[Attendee], int]] = {}
    ids = list(pair_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        pairs = list(
            await uow.session.scalars(
                select(Pair).where(Pair.workspace_id == uow.workspace_id, Pair.id.in_(chunk))
            )
        )
        enrolment_ids = {e for p in pairs for e in (p.mentor_enrolment_id, p.mentee_enrolment_id)}
        rows = await uow.session.execute(
            select(Enrolment.id, Person.id, Person.platform_user_id)
            .join(Person, Person.id == Enrolment.person_id)
            .where(Enrolment.id.in_(enrolment_ids))
        )
        people = {e: Attendee(p, u, e) for e, p, u in rows.tuples()}
        programme_ids = {p.programme_id for p in pairs}
        found_buffers = await uow.session.execute(
            select(Programme.id, Programme.buffer_minutes).where(Programme.id.in_(programme_ids))
        )
        buffers = {programme_id: minutes for programme_id, minutes in found_buffers.tuples()}
        for pair in pairs:
            found = [
                people[e]
                for e in (pair.mentor_enrolment_id, pair.mentee_enrolment_id)
                if e in people
            ]
            result[pair.id] = (found, buffers.get(pair.programme_id, DEFAULT_BUFFER_MINUTES))
    return result


# ---- rendering at send time


async def _context(req: RenderRequest) -> tuple[Meeting, Person, Person | None, int] | Drop:
    meeting = await req.uow.meetings.get(int(req.payload["meeting_id"]))
    if meeting is None or meeting.status != "scheduled":
        return Drop("meeting cancelled")
    if meeting.starts_at.isoformat() != req.payload.get("starts_at"):
        return Drop("meeting moved")
    person = await req.uow.people.get(req.delivery.person_id or 0)
    pair = await req.uow.pairs.get(meeting.pair_id)
    if person is None or pair is None:
        return Drop("person or pair gone")
    partner_enrolment = None
    for mine, theirs in (
        (pair.mentor_enrolment_id, pair.mentee_enrolment_id),
        (pair.mentee_enrolment_id, pair.mentor_enrolment_id),
    ):
        enrolment = await req.uow.enrolments.get(mine)
        if enrolment and enrolment.person_id == person.id:
            partner_enrolment = await req.uow.enrolments.get(theirs)
            own_enrolment_id = mine
            break
    else:
        return Drop("no longer in this pair")
    partner = await req.uow.people.get(partner_enrolment.person_id) if partner_enrolment else None
    return meeting, person, partner, own_enrolment_id


async def render_nudge_before(req: RenderRequest) -> Message | Drop:
    found = await _context(req)
    if isinstance(found, Drop):
        return found
    meeting, person, partner, enrolment_id = found
    minutes = int(req.payload.get("buffer_minutes", DEFAULT_BUFFER_MINUTES))
    label = MEETING_LABELS.get(meeting.kind, "meeting")
    when = describe(meeting.starts_at, person.time_zone)
    enrolment = await req.uow.enrolments.get(enrolment_id)
    actions = await latest_own_answer(req.uow, person.id, meeting, "will_do")
    # Only a meeting with one before it (never the chemistry meeting) has a "last time".
    prepare = (
        "your goals, the topics you want to bring, and what you said you'd do last time"
        if actions
        else "your goals and the topics you want to bring"
    )
    blocks: list[Any] = [
        Text(
            f"Your {label} with *{name_of(partner)}* starts at {when}. "
            f"Block {_block(minutes)} to prepare: {prepare}."
        )
    ]
    if enrolment and enrolment.goals:
        blocks.append(Section("Your goals", enrolment.goals[:600]))
    if actions:
        blocks.append(Section("What you said you'd do last time", actions[:600]))
    blocks.append(Context("Only you can see this message."))
    return Message(summary=f"Your {label} starts at {when}: time to prepare", blocks=tuple(blocks))


async def render_reflection_prompt(req: RenderRequest) -> Message | Drop:
    found = await _context(req)
    if isinstance(found, Drop):
        return found
    meeting, person, partner, _ = found
    minutes = int(req.payload.get("buffer_minutes", DEFAULT_BUFFER_MINUTES))
    label = MEETING_LABELS.get(meeting.kind, "meeting")
    extra = await session_buttons(req.uow, meeting)
    return Message(
        summary=f"Take {minutes} minutes to reflect on your {label}",
        blocks=(
            Text(
                f"How did your {label} with *{name_of(partner)}* go? "
                f"Take {minutes} minutes to reflect: what you learned, what you will do, "
                "and anything you want to raise."
            ),
            Buttons(
                (
                    Button(
                        "Write my reflection",
                        f"{REFLECT_ACTION}:{meeting.id}",
                        style=ButtonStyle.PRIMARY,
                    ),
                    *extra,
                )
            ),
            Context("Your reflections are private: not your partner, not admins, only you."),
        ),
    )


def _block(minutes: int) -> str:
    return "this half hour" if minutes == 30 else f"these {minutes} minutes"


KINDS = (
    DeliveryKind(
        NUDGE_BEFORE,
        render_nudge_before,
        drop_once_past("starts_at", "the meeting has started"),
        quiet_hours=False,
    ),
    DeliveryKind(
        REFLECTION_PROMPT,
        render_reflection_prompt,
        drop_if_later_than(REFLECTION_MAX_LATE),
        quiet_hours=False,
    ),
)

"""Generic scheduled messages and polls, for flows that want "send this at that time".

    await schedule_message(uow, key=f"welcome_back:{person.id}", user_id=person.platform_user_id,
                           person_id=person.id, message=msg, due_at=when, now=now)
    await schedule_poll(uow, key=..., user_id=..., person_id=..., meeting_id=meeting.id,
                        intro="How did it go?", poll=Poll(...), due_at=next_morning, now=now)

The message is stored as its neutral JSON until sent (then the body is cleared from the
log). Both respect the person's quiet hours; a poll that goes out late says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.core.outbound import Message, Poll, Text, from_json, to_json
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, send_late
from storage.repositories import deliveries
from storage.uow import UnitOfWork

MESSAGE = "message"
POLL = "poll"
# A poll found later than this after its due time is prefixed with an apology.
POLL_LATE_AFTER = timedelta(minutes=15)
LATE_PREFIX = "Sorry this is late: "


async def schedule_message(
    uow: UnitOfWork,
    *,
    key: str,
    message: Message,
    due_at: datetime,
    now: datetime,
    user_id: str = "",
    channel_id: str = "",
    person_id: int | None = None,
    meeting_id: int | None = None,
    kind: str = MESSAGE,
) -> None:
    await _plan(
        uow,
        key,
        kind,
        {"message": to_json(message)},
        due_at,
        now,
        user_id,
        channel_id,
        person_id,
        meeting_id,
    )


async def schedule_poll(
    uow: UnitOfWork,
    *,
    key: str,
    poll: Poll,
    intro: str,
    due_at: datetime,
    now: datetime,
    user_id: str = "",
    channel_id: str = "",
    person_id: int | None = None,
    meeting_id: int | None = None,
) -> None:
    message = Message(summary=intro, blocks=(Text(intro), poll))
    await _plan(
        uow,
        key,
        POLL,
        {"message": to_json(message)},
        due_at,
        now,
        user_id,
        channel_id,
        person_id,
        meeting_id,
    )


async def _plan(
    uow: UnitOfWork,
    key: str,
    kind: str,
    payload: dict[str, Any],
    due_at: datetime,
    now: datetime,
    user_id: str,
    channel_id: str,
    person_id: int | None,
    meeting_id: int | None,
) -> None:
    row = deliveries.row(
        workspace_id=uow.workspace_id,
        key=key,
        kind=kind,
        due_at=due_at,
        now=now,
        channel_id=f"@{user_id}" if user_id else channel_id,
        person_id=person_id,
        meeting_id=meeting_id,
        payload=payload,
    )
    await deliveries.plan(uow.session, [row])


async def render_message(req: RenderRequest) -> Message | Drop:
    message = from_json(req.payload.get("message") or {})
    return message if isinstance(message, Message) else Drop("not a message")


async def render_poll(req: RenderRequest) -> Message | Drop:
    message = await render_message(req)
    if isinstance(message, Drop) or req.lateness <= POLL_LATE_AFTER:
        return message
    blocks = list(message.blocks)
    if blocks and isinstance(blocks[0], Text):
        blocks[0] = Text(_late(blocks[0].text))
    else:
        blocks.insert(0, Text(LATE_PREFIX.rstrip(": ") + "."))
    return Message(summary=_late(message.summary), blocks=tuple(blocks))


def _late(text: str) -> str:
    return LATE_PREFIX + text[:1].lower() + text[1:]


KINDS = (
    DeliveryKind(MESSAGE, render_message, send_late),
    DeliveryKind(POLL, render_poll, send_late),
)

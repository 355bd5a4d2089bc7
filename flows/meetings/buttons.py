"""The buttons a session's reflection prompt ends with: book the next one, and support."""

from __future__ import annotations

from bot.core.outbound import Button
from flows.common.actions import SESSION_BOOK_ACTION, support_button
from storage.models import Meeting
from storage.uow import UnitOfWork


async def session_buttons(uow: UnitOfWork, meeting: Meeting) -> tuple[Button, ...]:
    """Nothing for a chemistry meeting; no "book" after the programme's final session."""
    if meeting.kind != "session":
        return ()
    pair = await uow.pairs.get(meeting.pair_id)
    programme = await uow.programmes.get(pair.programme_id) if pair else None
    if pair is None or programme is None:
        return ()
    buttons = []
    if meeting.sequence < programme.session_count:
        buttons.append(Button("Book the next session", SESSION_BOOK_ACTION, str(pair.id)))
    buttons.append(support_button(programme.id))
    return tuple(buttons)

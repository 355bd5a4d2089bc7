"""Writing down how a send ended: the delivery row's outcome, and a person found unreachable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from bot.core.refs import ConversationRef, UserRef
from storage.models import Delivery, Person
from storage.uow import Database


async def record_outcome(
    db: Database,
    now: datetime,
    workspace_id: int,
    delivery_id: int,
    state: str,
    error: str,
    attempts: int,
    message_id: str = "",
) -> None:
    """Settle one delivery: its state, why, how many tries it took. The payload is cleared,
    so a sent message's body never stays in the log."""
    async with db.unit_of_work(workspace_id) as uow:
        await uow.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.workspace_id == workspace_id)
            .values(
                state=state,
                last_error=error[:300],
                attempts=Delivery.attempts + attempts,
                message_id=message_id,
                sent_at=now if state == "sent" else None,
                settled_at=now,
                payload={},
                lease_until=None,
            )
        )
        await uow.commit()


async def mark_unreachable(
    db: Database, workspace_id: int, target: UserRef | ConversationRef, reason: str
) -> None:
    """A person who blocked the bot or left gets nothing more until they come back."""
    if not isinstance(target, UserRef):
        return
    async with db.unit_of_work(workspace_id) as uow:
        await uow.session.execute(
            update(Person)
            .where(
                Person.workspace_id == workspace_id,
                Person.platform_user_id == target.user_id,
            )
            .values(reachable=False, unreachable_reason=reason[:200])
        )
        await uow.commit()

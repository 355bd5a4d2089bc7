"""The one path every outbound message takes: pace, send, retry, record in the delivery log."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import update

from bot.core.clock import Clock
from bot.core.messenger import DeliveryError, Messenger, NotSupported, Unreachable
from bot.core.outbound import Message
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.delivery.pacing import Pacer
from storage.models import Delivery, Person
from storage.uow import Database
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
# Told when a person turns out to be unreachable: (sender, workspace id, person, reason).
UnreachableHook = Callable[["Sender", int, UserRef, str], Awaitable[None]]
MAX_ATTEMPTS = 4


def target_key(target: UserRef | ConversationRef) -> str:
    """How a delivery row names its recipient: `@user` for a DM, the channel id otherwise."""
    return f"@{target.user_id}" if isinstance(target, UserRef) else target.conversation_id


class Sender:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        messengers: dict[Platform, Messenger],
        pacer: Pacer,
        sleep: Sleep = asyncio.sleep,
        on_unreachable: UnreachableHook | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.messengers = messengers
        self.pacer = pacer
        self.sleep = sleep
        self.on_unreachable = on_unreachable
        # Set by the delivery scheduler: flows call it after committing messages due now.
        self.wake: Callable[[], None] = lambda: None

    def messenger(self, workspace: WorkspaceRef) -> Messenger:
        return self.messengers[workspace.platform]

    async def profile(self, user: UserRef) -> dict[str, str]:
        """Display name and time zone from the platform, or nothing if it cannot say."""
        try:
            return await self.messenger(user.workspace).profile(user)
        except NotSupported:
            return {}
        except Exception:
            log.warning("profile lookup failed", exc_info=True)
            return {}

    async def send_now(
        self,
        workspace_id: int,
        target: UserRef | ConversationRef,
        message: Message,
        *,
        kind: str,
        key: str | None = None,
    ) -> MessageRef | None:
        """Send at once and log it. With a `key`, a second send of the same key is skipped."""
        now = self.clock.now()
        async with self.db.unit_of_work(workspace_id) as uow:
            person_id = None
            if isinstance(target, UserRef):
                person = await uow.people.by_user_id(target.user_id)
                person_id = person.id if person else None
            row = {
                "workspace_id": workspace_id,
                # Unkeyed sends are never duplicates of each other.
                "idempotency_key": key or f"{kind}:{uuid.uuid4().hex}",
                "kind": kind,
                "person_id": person_id,
                "channel_id": target_key(target),
                "payload": {},
                "due_at": now,
                "state": "sending",
                "attempts": 0,
                "last_error": "",
                "message_id": "",
                "created_at": now,
            }
            delivery_id = await uow.session.scalar(
                insert_ignore(uow.session, Delivery, [row]).returning(Delivery.id)
            )
            if delivery_id is None:
                log.info("delivery skipped as duplicate", extra={"kind": kind})
                return None
            await uow.commit()
        assert delivery_id is not None
        return await self.attempt(
            workspace_id, delivery_id, target, message, key=row["idempotency_key"]
        )

    async def attempt(
        self,
        workspace_id: int,
        delivery_id: int,
        target: UserRef | ConversationRef,
        message: Message,
        *,
        key: str | None = None,
    ) -> MessageRef | None:
        """Send one logged delivery, retrying what the platform says is worth retrying.

        `key` is the delivery's idempotency key, handed to the messenger: adapters that can
        stamp it on the message do, so a crash between send and commit can be reconciled.
        """
        workspace = target.workspace
        messenger = self.messenger(workspace)
        error: DeliveryError | None = None
        attempts = 0
        for attempts in range(1, MAX_ATTEMPTS + 1):
            await self.pacer.acquire(workspace, target_key(target))
            try:
                if isinstance(target, UserRef):
                    ref = await messenger.send_dm(target, message, key=key)
                else:
                    ref = await messenger.post_to_channel(target, message, key=key)
            except Unreachable as exc:
                await self._record(workspace_id, delivery_id, "unreachable", exc.reason, attempts)
                await self._mark_unreachable(workspace_id, target, exc.reason)
                await self._report_unreachable(workspace_id, target, exc.reason)
                return None
            except DeliveryError as exc:
                error = exc
                if not exc.retryable:
                    break
                delay = exc.retry_after if exc.retry_after is not None else 2 ** (attempts - 1)
                log.warning(
                    "delivery retry",
                    extra={"delivery_id": delivery_id, "reason": exc.reason, "delay": delay},
                )
                if attempts < MAX_ATTEMPTS:
                    await self.sleep(delay)
                continue
            await self._record(workspace_id, delivery_id, "sent", "", attempts, ref.message_id)
            return ref
        reason = error.reason if error else "unknown"
        await self._record(workspace_id, delivery_id, "failed", reason, attempts)
        log.error("delivery failed", extra={"delivery_id": delivery_id, "reason": reason})
        return None

    async def _record(
        self,
        workspace_id: int,
        delivery_id: int,
        state: str,
        error: str,
        attempts: int,
        message_id: str = "",
    ) -> None:
        now: datetime = self.clock.now()
        async with self.db.unit_of_work(workspace_id) as uow:
            await uow.session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.workspace_id == workspace_id)
                .values(
                    state=state,
                    last_error=error[:300],
                    attempts=Delivery.attempts + attempts,
                    message_id=message_id,
                    sent_at=now if state == "sent" else None,
                    payload={},
                    lease_until=None,
                )
            )
            await uow.commit()

    async def _mark_unreachable(
        self, workspace_id: int, target: UserRef | ConversationRef, reason: str
    ) -> None:
        if not isinstance(target, UserRef):
            return
        async with self.db.unit_of_work(workspace_id) as uow:
            await uow.session.execute(
                update(Person)
                .where(
                    Person.workspace_id == workspace_id,
                    Person.platform_user_id == target.user_id,
                )
                .values(reachable=False, unreachable_reason=reason[:200])
            )
            await uow.commit()

    async def _report_unreachable(
        self, workspace_id: int, target: UserRef | ConversationRef, reason: str
    ) -> None:
        if self.on_unreachable is None or not isinstance(target, UserRef):
            return
        try:
            await self.on_unreachable(self, workspace_id, target, reason)
        except Exception:
            log.exception("could not report an unreachable person")

"""The one path every outbound message takes: pace, send, retry, record in the delivery log.

Exactly once is decided here. A failed send is one of four things, and each is handled so
that no message is lost to a busy platform and none arrives twice after a flaky one:

- rate limited (429): the workspace's lane pauses until Retry-After and the send is tried
  again. It never counts as an attempt, so a long 429 storm delays messages, never loses one.
- outcome unknown (timeout, dropped connection, 5xx): the platform may have posted it. After
  a back-off the platform is asked, by the delivery's key, whether it did: yes, and it is
  recorded as sent; no, and it is sent again; cannot tell, and `when_unsure` decides (the
  kind's choice for scheduled messages, at least once for immediate ones).
- unreachable: the person or workspace is gone; recorded, never retried.
- otherwise a definite failure: retried with back-off if worth it, else recorded as failed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable

from bot.core.budget import Lane
from bot.core.clock import Clock
from bot.core.messenger import (
    DeliveryError,
    Messenger,
    NotSupported,
    OutcomeUnknown,
    RateLimited,
    Unreachable,
    WorkspaceUnreachable,
)
from bot.core.outbound import Message
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.delivery.outcomes import mark_unreachable, record_outcome
from bot.delivery.pacing import Pacer
from bot.delivery.when_unsure import WhenUnsure
from storage.models import Delivery
from storage.uow import Database
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
# Told when a person turns out to be unreachable: (sender, workspace id, person, reason).
UnreachableHook = Callable[["Sender", int, UserRef, str], Awaitable[None]]
# Failed tries before a delivery is given up; a rate-limited try is not one.
MAX_ATTEMPTS = 4
# 429s for longer than this in all are an outage, not rate limiting: the send fails.
MAX_RATE_LIMITED_SECONDS = 3600.0
UNSURE = "unsure whether delivered; at most once"
# Starts the reason recorded when the whole workspace could not be reached.
WORKSPACE_GONE = "workspace unreachable: "


def target_key(target: UserRef | ConversationRef) -> str:
    """How a delivery row names its recipient: `@user` for a DM, the channel id otherwise."""
    return f"@{target.user_id}" if isinstance(target, UserRef) else target.conversation_id


def found_ref(target: UserRef | ConversationRef) -> MessageRef:
    """A message found by its key after an unknown outcome: delivered, but its id is not
    known, so it cannot be updated later."""
    if isinstance(target, UserRef):
        return MessageRef(ConversationRef(target.workspace, target.user_id, is_direct=True), "")
    return MessageRef(target, "")


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
        # 429s answered per platform since start-up, for /metrics.
        self.rate_limited: Counter[str] = Counter()

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

    async def already_delivered(self, target: UserRef | ConversationRef, key: str) -> bool | None:
        """The platform's answer to "did the message with this key arrive?", or None when it
        cannot tell, now or ever. A rate-limited look-up waits and asks again; it does not
        hold the workspace's sends, which the platform limits apart from look-ups."""
        messenger = self.messengers.get(target.workspace.platform)
        if messenger is None:
            return None
        waited = 0.0
        while True:
            try:
                return await messenger.already_delivered(target, key)
            except RateLimited as exc:
                self.rate_limited[target.workspace.platform] += 1
                wait = exc.retry_after or 1.0
                waited += wait
                if waited > MAX_RATE_LIMITED_SECONDS:
                    return None
                await self.sleep(wait)
            except NotSupported:
                return None
            except Exception:  # noqa: BLE001 - "cannot tell" is a valid answer here
                log.warning("already_delivered check failed", exc_info=True)
                return None

    async def send_now(
        self,
        workspace_id: int,
        target: UserRef | ConversationRef,
        message: Message,
        *,
        kind: str,
        key: str | None = None,
        when_unsure: WhenUnsure = WhenUnsure.RESEND,
        lane: Lane = Lane.REPLY,
    ) -> MessageRef | None:
        """Send at once and log it. With a `key`, a second send of the same key is skipped.

        Immediate sends are replies, reports and notices someone is waiting for, so when the
        platform cannot say whether one arrived it is sent again (`when_unsure`): a rare
        duplicate costs less than an answer that never comes. They take the reply lane,
        ahead of bulk; a flow sending to many people at once passes `Lane.BULK`."""
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
            workspace_id,
            delivery_id,
            target,
            message,
            key=row["idempotency_key"],
            when_unsure=when_unsure,
            lane=lane,
        )

    async def attempt(
        self,
        workspace_id: int,
        delivery_id: int,
        target: UserRef | ConversationRef,
        message: Message,
        *,
        key: str | None = None,
        when_unsure: WhenUnsure = WhenUnsure.RESEND,
        lane: Lane = Lane.BULK,
    ) -> MessageRef | None:
        """Send one logged delivery and record its outcome (see the module's docstring).

        `key` is the delivery's idempotency key, handed to the messenger: adapters that can
        stamp it on the message do, so an unknown outcome, or a crash between send and
        commit, can be reconciled. Without a key nothing can be looked up: `when_unsure`.
        """
        workspace = target.workspace
        messenger = self.messenger(workspace)
        error: DeliveryError | None = None
        tries = 0
        rate_limited = 0.0
        while tries < MAX_ATTEMPTS:
            await self.pacer.acquire(workspace, target_key(target), lane)
            try:
                if isinstance(target, UserRef):
                    ref = await messenger.send_dm(target, message, key=key)
                else:
                    ref = await messenger.post_to_channel(target, message, key=key)
            except WorkspaceUnreachable as exc:
                # The installation is gone, not the person: nobody is marked unreachable, and
                # the delivery health check tells the admins once (bot/delivery/health.py).
                reason = WORKSPACE_GONE + exc.reason
                await self._record(workspace_id, delivery_id, "unreachable", reason, tries + 1)
                return None
            except Unreachable as exc:
                await self._record(workspace_id, delivery_id, "unreachable", exc.reason, tries + 1)
                await mark_unreachable(self.db, workspace_id, target, exc.reason)
                await self._report_unreachable(workspace_id, target, exc.reason)
                return None
            except RateLimited as exc:
                self.rate_limited[workspace.platform] += 1
                # The platform's limits are per workspace as well as per conversation, and a
                # 429 does not say which was hit: hold the whole workspace, so the sends in
                # flight do not each collect a 429 of their own.
                wait = exc.retry_after if exc.retry_after is not None else 1.0
                rate_limited += wait
                if rate_limited > MAX_RATE_LIMITED_SECONDS:
                    error = exc
                    break
                self.pacer.pause(workspace, wait)
                log.info("delivery rate limited", extra={"delivery_id": delivery_id, "delay": wait})
                continue
            except DeliveryError as exc:
                tries, error = tries + 1, exc
                if not exc.retryable:
                    break
                delay = exc.retry_after if exc.retry_after is not None else 2 ** (tries - 1)
                log.warning(
                    "delivery retry",
                    extra={"delivery_id": delivery_id, "reason": exc.reason, "delay": delay},
                )
                if not isinstance(exc, OutcomeUnknown):
                    if tries < MAX_ATTEMPTS:
                        await self.sleep(delay)
                    continue
                # Give the platform time to finish what it may have started before asking.
                await self.sleep(delay)
                verdict = await self.already_delivered(target, key) if key else None
                if verdict is True:
                    await self._record(workspace_id, delivery_id, "sent", "found delivered", tries)
                    return found_ref(target)
                if verdict is None and when_unsure is WhenUnsure.DROP:
                    await self._record(workspace_id, delivery_id, "dropped", UNSURE, tries)
                    log.info("delivery dropped", extra={"delivery_id": delivery_id})
                    return None
                continue
            await self._record(workspace_id, delivery_id, "sent", "", tries + 1, ref.message_id)
            return ref
        reason = error.reason if error else "unknown"
        await self._record(workspace_id, delivery_id, "failed", reason, tries)
        log.error("delivery failed", extra={"delivery_id": delivery_id, "reason": reason})
        return None

    async def _record(
        self, workspace_id: int, delivery_id: int, state: str, error: str, attempts: int,
        message_id: str = "",
    ) -> None:  # fmt: skip
        await record_outcome(
            self.db, self.clock.now(), workspace_id, delivery_id, state, error, attempts, message_id
        )

    async def _report_unreachable(
        self, workspace_id: int, target: UserRef | ConversationRef, reason: str
    ) -> None:
        if self.on_unreachable is None or not isinstance(target, UserRef):
            return
        try:
            await self.on_unreachable(self, workspace_id, target, reason)
        except Exception:
            log.exception("could not report an unreachable person")

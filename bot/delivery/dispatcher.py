"""Sends what is due: claim with a lease, apply misfire policy and quiet hours, render, send.

The deliveries table is the durable truth; this class holds nothing that matters across a
restart. Exactly once across kill -9: a row is `sending` only while a dispatcher holds its
lease. A row still `sending` after its holder died is ambiguous (sent or not?), so it is
reconciled with the platform before anything is sent again: the Sender hands each send its
idempotency key, and the messenger's `already_delivered(target, key)` looks for it. Where
the platform cannot tell (NotSupported, or an error), the kind's `when_unsure` decides.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.core.clock import Clock
from bot.core.refs import ConversationRef, Platform, UserRef, WorkspaceRef
from bot.core.working_hours import is_working_time, next_working_time
from bot.delivery.jobs import JobRunner
from bot.delivery.kinds import DeliveryKinds, Drop, RenderRequest
from bot.delivery.sender import Sender
from bot.delivery.when_unsure import WhenUnsure
from storage.models import Delivery, Person
from storage.repositories import deliveries
from storage.uow import Database

log = logging.getLogger(__name__)

NO_MESSENGER_RETRY = timedelta(minutes=5)


def target_of(workspace: WorkspaceRef, channel_id: str) -> UserRef | ConversationRef:
    """The inverse of bot.delivery.sender.target_key."""
    if channel_id.startswith("@"):
        return UserRef(workspace, channel_id[1:])
    return ConversationRef(workspace, channel_id)


class Dispatcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        sender: Sender,
        kinds: DeliveryKinds,
        *,
        concurrency: int = 8,
        batch_size: int | None = None,
        lease: timedelta = timedelta(seconds=60),
        reclaim_on_start: bool = False,
    ) -> None:
        self.db = db
        self.clock = clock
        self.sender = sender
        self.kinds = kinds
        # A claimed row is `sending` until its outcome is recorded, so after a crash every
        # claimed row needs reconciling: claiming no more than can be in flight keeps that
        # to a handful of platform look-ups.
        self.batch_size = batch_size or concurrency
        self.concurrency = concurrency
        self.lease = lease
        # SQLite means one dispatcher: whatever is `sending` at start-up was orphaned.
        self.reclaim_on_start = reclaim_on_start
        self.last_run_at: datetime | None = None
        self.passes = 0  # since start-up, for /metrics
        self._started = False
        self._lock = asyncio.Lock()
        self._in_flight: set[int] = set()
        self._workspaces: dict[int, WorkspaceRef] = {}
        self.jobs = JobRunner(db, clock, sender, kinds, self._workspace)

    async def run_due(self) -> int:
        """Handle every row due now (recovering orphans first). Returns rows handled.

        A pipeline, not batch by batch: as sends finish, more rows are claimed, so one slow
        send never holds up the rest and no more than `concurrency` rows are in flight.
        """
        async with self._lock:
            await self.recover()
            handled = 0
            cache: dict[str, Any] = {}
            running: set[asyncio.Task[None]] = set()
            renewer = asyncio.create_task(self._keep_leases())
            try:
                while True:
                    room = self.concurrency - len(running)
                    rows: list[Delivery] = []
                    # Claim in handfuls, not one row at a time, to keep claims cheap.
                    if room >= max(1, self.batch_size // 2) or not running:
                        rows = await self._claim(min(room, self.batch_size))
                        running |= await self._start(rows, cache)
                        handled += len(rows)
                    if not running:
                        break
                    if not rows or len(running) >= self.concurrency // 2:
                        _, running = await asyncio.wait(
                            running, return_when=asyncio.FIRST_COMPLETED
                        )
                # Jobs run once this pass's sends are done, so a delivery report counts
                # their outcomes; messages a job plans go out on the next pass.
                handled += await self._run_jobs()
            finally:
                renewer.cancel()
                for task in running:
                    task.cancel()
            self.last_run_at = self.clock.now()
            self.passes += 1
            return handled

    async def next_due(self) -> datetime | None:
        async with self.db.sessions() as session:
            return await deliveries.next_due(session)

    # ---- jobs

    async def _run_jobs(self) -> int:
        """Run the jobs due now, one after another (bot/delivery/jobs.py). Returns how many."""
        ran = 0
        while rows := await self._claim(self.batch_size, jobs=True):
            for row in rows:
                self._in_flight.add(row.id)  # so its lease is renewed while it runs
                try:
                    await self.jobs.run(row)
                finally:
                    self._in_flight.discard(row.id)
            ran += len(rows)
        return ran

    # ---- claimed rows

    async def _claim(self, limit: int, *, jobs: bool = False) -> list[Delivery]:
        names = self.kinds.job_names()
        if limit <= 0 or (jobs and not names):
            return []
        now = self.clock.now()
        async with self.db.sessions() as session:
            if jobs:
                return await deliveries.claim(session, now, now + self.lease, limit, only=names)
            return await deliveries.claim(session, now, now + self.lease, limit, skip=names)

    async def _start(
        self, rows: Sequence[Delivery], cache: dict[str, Any]
    ) -> set[asyncio.Task[None]]:
        if not rows:
            return set()
        async with self.db.sessions() as session:
            newest = await deliveries.newest_due_siblings(session, rows, self.clock.now())
            person_ids = {r.person_id for r in rows if r.person_id is not None}
            people = {
                p.id: p
                for p in await session.scalars(select(Person).where(Person.id.in_(person_ids)))
            }
        self._in_flight.update(r.id for r in rows)

        async def one(row: Delivery) -> None:
            try:
                await self._deliver(row, people.get(row.person_id or 0), newest, cache)
            finally:
                self._in_flight.discard(row.id)

        return {asyncio.create_task(one(row)) for row in rows}

    async def _keep_leases(self) -> None:
        """Long sends (retries honouring Retry-After) keep their rows from other replicas."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            if self._in_flight:
                async with self.db.sessions() as session:
                    await deliveries.renew(
                        session, list(self._in_flight), self.clock.now() + self.lease
                    )

    async def _deliver(
        self,
        row: Delivery,
        person: Person | None,
        newest: dict[tuple[int | None, str, int | None], datetime],
        cache: dict[str, Any],
    ) -> None:
        try:
            await self._decide_and_send(row, person, newest, cache)
        except Exception as exc:  # one bad row must not stop the others
            log.exception("delivery crashed", extra={"delivery_id": row.id, "kind": row.kind})
            await self._settle(row, "failed", f"internal error: {type(exc).__name__}")

    async def _decide_and_send(
        self,
        row: Delivery,
        person: Person | None,
        newest: dict[tuple[int | None, str, int | None], datetime],
        cache: dict[str, Any],
    ) -> None:
        kind = self.kinds.get(row.kind)
        now = self.clock.now()
        if kind is None:
            await self._settle(row, "failed", f"no renderer for kind {row.kind}")
            return
        if kind.collapse_per_meeting and row.meeting_id is not None:
            latest = newest.get((row.person_id, row.kind, row.meeting_id))
            if latest is not None and row.due_at < latest:
                await self._settle(row, "dropped", "superseded by a newer message")
                return
        reason = kind.misfire(row, now)
        if reason:
            await self._settle(row, "dropped", reason)
            return
        if person is not None and not person.reachable:
            await self._settle(row, "unreachable", person.unreachable_reason or "unreachable")
            return
        if kind.quiet_hours and person is not None:
            hours = person.working_hours()
            if not is_working_time(hours, now):
                await self._defer(row, next_working_time(hours, now), "quiet hours")
                return
        workspace = await self._workspace(row.workspace_id)
        if workspace.platform not in self.sender.messengers:
            await self._defer(row, now + NO_MESSENGER_RETRY, "no messenger for platform")
            return
        async with self.db.unit_of_work(row.workspace_id) as uow:
            rendered = await kind.render(RenderRequest(uow, row, now, now - row.due_at, cache))
        if isinstance(rendered, Drop):
            await self._settle(row, "dropped", rendered.reason)
            return
        target = target_of(workspace, row.channel_id)
        await self.sender.attempt(
            row.workspace_id,
            row.id,
            target,
            rendered,
            key=row.idempotency_key,
            when_unsure=kind.when_unsure,
        )

    # ---- recovery after a crash

    async def recover(self) -> int:
        """Reconcile rows left `sending` by a process that died. Returns rows reconciled."""
        all_rows = self.reclaim_on_start and not self._started
        self._started = True
        done = 0
        seen: set[int] = set()
        while True:
            now = self.clock.now()
            async with self.db.sessions() as session:
                stale = await deliveries.stale_sending(
                    session, now, now - self.lease, all_rows=all_rows
                )
            stale = [r for r in stale if r.id not in self._in_flight and r.id not in seen]
            if not stale:
                return done
            for row in stale:
                seen.add(row.id)
                if self.kinds.job(row.kind) is not None:
                    # A job sent nothing, so there is nothing to ask the platform: run it again.
                    await self._defer(row, row.due_at, "interrupted; runs again")
                else:
                    await self._reconcile(row)
                done += 1

    async def _reconcile(self, row: Delivery) -> None:
        kind = self.kinds.get(row.kind)
        verdict = await self._already_delivered(row)
        if verdict is True:
            await self._settle(row, "sent", "found delivered after a restart", sent=True)
        elif kind is None:
            # An immediate reply: its text was never stored, so it cannot be sent again.
            await self._settle(row, "dropped", "interrupted; immediate replies are not resent")
        elif verdict is False or kind.when_unsure is WhenUnsure.RESEND:
            await self._defer(row, row.due_at, "resent after a restart")
        else:
            await self._settle(row, "dropped", "unsure whether delivered; at most once")

    async def _already_delivered(self, row: Delivery) -> bool | None:
        """The platform's answer, or None when it cannot tell (now or ever)."""
        workspace = await self._workspace(row.workspace_id)
        target = target_of(workspace, row.channel_id)
        return await self.sender.already_delivered(target, row.idempotency_key)

    # ---- outcomes

    async def _settle(
        self, row: Delivery, state: str, reason: str = "", *, sent: bool = False
    ) -> None:
        async with self.db.sessions() as session:
            now = self.clock.now()
            sent_at = now if sent else None
            await deliveries.settle(session, row.id, state, reason, at=now, sent_at=sent_at)
            await session.commit()
        log.info(
            "delivery settled",
            extra={"delivery_id": row.id, "kind": row.kind, "outcome": state, "reason": reason},
        )

    async def _defer(self, row: Delivery, due_at: datetime, reason: str) -> None:
        async with self.db.sessions() as session:
            await deliveries.defer(session, row.id, due_at, reason)
            await session.commit()
        log.info(
            "delivery deferred",
            extra={"delivery_id": row.id, "kind": row.kind, "until": due_at, "reason": reason},
        )

    async def _workspace(self, workspace_id: int) -> WorkspaceRef:
        ref = self._workspaces.get(workspace_id)
        if ref is None:
            workspace = await self.db.workspace(workspace_id)
            assert workspace is not None
            ref = WorkspaceRef(Platform(workspace.platform), workspace.external_id)
            self._workspaces[workspace_id] = ref
        return ref

    async def workspace_ref(self, workspace_id: int) -> WorkspaceRef:
        return await self._workspace(workspace_id)

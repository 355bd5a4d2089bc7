"""Whether each workspace's messages are getting through: a state per workspace, kept in the
database and moved only by the delivery health check, so the admins hear of an outage once
when it starts and once when it ends, not once per failed message, whichever replica looks.

The check reads the delivery log: the outcomes settled since it last looked. A message given
up as failed (after its retries), one dropped because the platform could not say whether it
arrived, and one to a workspace that cannot be reached at all (uninstalled, token revoked)
are failures; a sent message is a success. A person who blocked Tandem is not a failure of
the workspace: the Sender reports each one to the admins (flows/account/unreachable.py).
Jobs send nothing and are not counted; one that fails shows in the logs and /metrics.

- ok -> failing: FAILING_AFTER failures with no success between them, or one failure that
  says the whole workspace cannot be reached.
- failing -> ok: a message got through after the last failure.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.sender import UNSURE, WORKSPACE_GONE
from storage.models import Delivery, DeliveryHealth, Setting, Workspace
from storage.uow import Database

log = logging.getLogger(__name__)

FAILING_AFTER = 3
# An outcome is counted once its transaction has surely committed, so none is skipped.
SETTLE_GRACE = timedelta(seconds=5)
# How far back the very first check looks.
FIRST_LOOK = timedelta(hours=1)
CHECKED_KEY = "delivery_health_checked_at"
# Causes: the workspace cannot be reached at all, or the platform answers sends with errors.
UNREACHABLE = "unreachable"
ERRORS = "errors"


@dataclass(frozen=True, slots=True)
class Change:
    """A workspace whose messages started failing, or got through again."""

    workspace_id: int
    platform: str
    failing: bool
    cause: str
    reason: str
    # The first failure of the outage, and the last one seen.
    since: datetime
    last_failure_at: datetime
    failures: int


@dataclass(slots=True)
class Tally:
    sent: int = 0
    failed: int = 0
    first_failed_at: datetime | None = None


Outcome = tuple[datetime, int, str]  # settled_at, id, last_error
# Plans what a change should say, in the check's own transaction.
Tell = Callable[[AsyncSession, Change, datetime], Awaitable[None]]


def failure() -> ColumnElement[bool]:
    """Which settled rows are failures (see the module's docstring)."""
    return or_(
        Delivery.state == "failed",
        and_(Delivery.state == "dropped", Delivery.last_error == UNSURE),
        and_(Delivery.state == "unreachable", Delivery.last_error.startswith(WORKSPACE_GONE)),
    )


def cause_of(reason: str) -> tuple[str, str]:
    """(cause, the platform's own reason) of a failure's recorded reason."""
    if reason.startswith(WORKSPACE_GONE):
        return UNREACHABLE, reason.removeprefix(WORKSPACE_GONE)
    return ERRORS, reason


async def check(db: Database, now: datetime, tell: Tell) -> list[Change]:
    """Count what settled since the last check and move each workspace's state. `tell`
    plans what a change should say in the same transaction, so a crash loses neither the
    change nor its alerts: the next check counts the same outcomes again."""
    until = now - SETTLE_GRACE
    changes: list[Change] = []
    async with db.sessions() as session:
        checked = await session.get(Setting, CHECKED_KEY)
        after = datetime.fromisoformat(checked.value) if checked else until - FIRST_LOOK
        if until <= after:
            return []
        window = (
            Delivery.settled_at > after,
            Delivery.settled_at <= until,
            Delivery.channel_id != "",  # a job's row has no recipient
        )
        states = {s.workspace_id: s for s in await session.scalars(select(DeliveryHealth))}
        for workspace_id, tally in (await _tallies(session, window)).items():
            state = states.get(workspace_id)
            if state is None:
                if not tally.failed:
                    continue
                state = DeliveryHealth(
                    workspace_id=workspace_id,
                    status="ok",
                    cause="",
                    reason="",
                    failures=0,
                    changed_at=now,
                )
                session.add(state)
            if change := await _step(session, state, tally, window, now):
                platform = await session.scalar(
                    select(Workspace.platform).where(Workspace.id == workspace_id)
                )
                change = replace(change, platform=platform or "")
                await tell(session, change, now)
                changes.append(change)
        await session.merge(Setting(key=CHECKED_KEY, value=until.isoformat()))
        await session.commit()
    for change in changes:
        _log(change)
    return changes


async def _tallies(session: AsyncSession, window: Sequence[Any]) -> dict[int, Tally]:
    tallies: dict[int, Tally] = {}
    sent = await session.execute(
        select(Delivery.workspace_id, func.count())
        .where(*window, Delivery.state == "sent")
        .group_by(Delivery.workspace_id)
    )
    for workspace_id, count in sent.tuples():
        tallies.setdefault(workspace_id, Tally()).sent = int(count)
    failed = await session.execute(
        select(Delivery.workspace_id, func.count(), func.min(Delivery.settled_at))
        .where(*window, failure())
        .group_by(Delivery.workspace_id)
    )
    for workspace_id, count, first in failed.tuples():
        tally = tallies.setdefault(workspace_id, Tally())
        tally.failed, tally.first_failed_at = int(count), first
    return tallies


async def _latest(
    session: AsyncSession, workspace_id: int, window: Sequence[Any], which: ColumnElement[bool]
) -> Outcome | None:
    found = await session.execute(
        select(Delivery.settled_at, Delivery.id, Delivery.last_error)
        .where(Delivery.workspace_id == workspace_id, *window, which)
        .order_by(Delivery.settled_at.desc(), Delivery.id.desc())
        .limit(1)
    )
    row = found.first()
    return (row[0], row[1], row[2]) if row else None


async def _failures_after(
    session: AsyncSession, workspace_id: int, window: Sequence[Any], success: Outcome
) -> tuple[int, datetime | None]:
    at, row_id, _ = success
    later = or_(Delivery.settled_at > at, and_(Delivery.settled_at == at, Delivery.id > row_id))
    found = await session.execute(
        select(func.count(), func.min(Delivery.settled_at)).where(
            Delivery.workspace_id == workspace_id, *window, failure(), later
        )
    )
    count, first = found.one()
    return int(count), first


async def _step(
    session: AsyncSession,
    state: DeliveryHealth,
    tally: Tally,
    window: Sequence[Any],
    now: datetime,
) -> Change | None:
    """Move one workspace's state by what settled in this window; the change, if any."""
    ws = state.workspace_id
    sent = Delivery.state == "sent"
    last_failure = await _latest(session, ws, window, failure()) if tally.failed else None
    last_success = await _latest(session, ws, window, sent) if tally.sent else None
    got_through = last_success is not None and (
        last_failure is None or last_success[:2] > last_failure[:2]
    )
    if last_failure is not None:
        state.cause, state.reason = cause_of(last_failure[2])
        state.last_failure_at = last_failure[0]
    if state.status == "failing":
        state.failures += tally.failed
        if not got_through:
            return None
        change = _change(state, failing=False)
        state.status, state.changed_at, state.failures, state.since = "ok", now, 0, None
        return change
    if got_through:
        # A message got through after every failure so far: no failures in a row.
        state.failures, state.since = 0, None
        return None
    if last_success is not None:
        state.failures, state.since = await _failures_after(session, ws, window, last_success)
    else:
        state.failures += tally.failed
        state.since = state.since or tally.first_failed_at
    if state.failures < FAILING_AFTER and state.cause != UNREACHABLE:
        return None
    state.status, state.changed_at = "failing", now
    return _change(state, failing=True)


def _change(state: DeliveryHealth, *, failing: bool) -> Change:
    assert state.since is not None and state.last_failure_at is not None
    return Change(
        state.workspace_id,
        "",
        failing,
        state.cause,
        state.reason,
        state.since,
        state.last_failure_at,
        state.failures,
    )


def _log(change: Change) -> None:
    facts = {
        "workspace_id": change.workspace_id,
        "platform": change.platform,
        "cause": change.cause,
        "reason": change.reason,
        "since": change.since.isoformat(),
        "failures": change.failures,
    }
    if not change.failing:
        log.warning("deliveries recovered", extra=facts)
    elif change.cause == UNREACHABLE:
        # Its admins cannot be told on the platform itself: this, /healthz and /metrics must.
        log.error("workspace unreachable: nothing can be sent there", extra=facts)
    else:
        log.error("deliveries failing", extra=facts)

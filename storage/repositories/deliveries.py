"""The outbox side of the deliveries table: plan in bulk, claim with a lease, settle.

Unlike the other repositories this one is not scoped to a workspace: the dispatcher
serves every workspace from one queue. Flows plan through `plan`, which takes rows that
already carry their workspace id.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, Workspace

OPEN_STATES = ("pending", "sending")


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"


# Withdrawing what is still waiting to go out. Unlike the rest of this module these serve
# flows, so each is scoped to one workspace. Rows already sending or sent are never touched.


async def cancel_pending(
    session: AsyncSession,
    workspace_id: int,
    meeting_ids: Sequence[int],
    *,
    kind: str | None = None,
) -> None:
    """Cancel the pending deliveries about these meetings, or only those of one kind.

    Cancelled rather than deleted: planning the same key again revives the row (see `plan`),
    which is what moving a meeting back to its old time relies on.
    """
    if not meeting_ids:
        return
    query = update(Delivery).where(
        Delivery.workspace_id == workspace_id,
        Delivery.meeting_id.in_(list(meeting_ids)),
        Delivery.state == "pending",
    )
    if kind is not None:
        query = query.where(Delivery.kind == kind)
    await session.execute(query.values(state="cancelled"))


async def release_pending(session: AsyncSession, workspace_id: int, keys: Sequence[str]) -> None:
    """Remove rows still pending under these keys, so a send now under the same key goes
    out once, now, instead of being skipped as a duplicate of the planned one."""
    keys = list(keys)
    for start in range(0, len(keys), 500):  # older SQLite builds bind at most 999 parameters
        await session.execute(
            delete(Delivery).where(
                Delivery.workspace_id == workspace_id,
                Delivery.idempotency_key.in_(keys[start : start + 500]),
                Delivery.state == "pending",
            )
        )


async def plan(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert scheduled deliveries; a key planned before is left alone unless it was cancelled.

    Reviving a cancelled key is what makes "move the meeting back to its old time" work.
    One statement compiled once and executed for many rows (executemany): 40,000 rows take
    well under a second on SQLite.
    """
    if not rows:
        return
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    table = Delivery.__table__
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.workspace_id, table.c.idempotency_key],
        set_={
            "state": "pending",
            "due_at": stmt.excluded.due_at,
            "payload": stmt.excluded.payload,
            "last_error": "",
            "lease_until": None,
        },
        where=table.c.state == "cancelled",
    )
    await session.execute(stmt, list(rows))


def row(
    *,
    workspace_id: int,
    key: str,
    kind: str,
    due_at: datetime,
    now: datetime,
    channel_id: str,
    person_id: int | None = None,
    meeting_id: int | None = None,
    announcement_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "idempotency_key": key,
        "kind": kind,
        "person_id": person_id,
        "channel_id": channel_id,
        "meeting_id": meeting_id,
        "announcement_id": announcement_id,
        "payload": payload or {},
        "due_at": due_at,
        "state": "pending",
        "attempts": 0,
        "last_error": "",
        "lease_until": None,
        "sent_at": None,
        "settled_at": None,
        "message_id": "",
        "created_at": now,
    }


async def claim(
    session: AsyncSession,
    now: datetime,
    lease_until: datetime,
    limit: int,
    *,
    only: Collection[str] | None = None,
    skip: Collection[str] = (),
) -> list[Delivery]:
    """Move up to `limit` due rows from pending to sending, oldest first, and return them.
    `only` and `skip` narrow the kinds (the dispatcher claims messages and jobs apart).

    PostgreSQL: FOR UPDATE SKIP LOCKED, so replicas never claim the same row.
    SQLite: one writer at a time, and `state = 'pending'` in the UPDATE plus RETURNING
    tells exactly which rows this call moved.
    """
    due = (
        select(Delivery.id)
        .where(Delivery.state == "pending", Delivery.due_at <= now)
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
    )
    if only is not None:
        due = due.where(Delivery.kind.in_(list(only)))
    if skip:
        due = due.where(Delivery.kind.not_in(list(skip)))
    if _dialect(session) == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(await session.scalars(due))
    if not ids:
        return []
    claimed = list(
        await session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.state == "pending")
            .values(state="sending", lease_until=lease_until)
            .returning(Delivery.id)
        )
    )
    await session.commit()
    rows = await session.scalars(
        select(Delivery).where(Delivery.id.in_(claimed)).order_by(Delivery.due_at, Delivery.id)
    )
    return list(rows)


async def stale_sending(
    session: AsyncSession, now: datetime, immediate_grace: datetime, *, all_rows: bool
) -> list[Delivery]:
    """Rows left in `sending` by a process that stopped: lease expired, or every row at all."""
    query = select(Delivery).where(Delivery.state == "sending")
    if not all_rows:
        query = query.where(
            or_(
                Delivery.lease_until < now,
                and_(Delivery.lease_until.is_(None), Delivery.created_at < immediate_grace),
            )
        )
    return list(await session.scalars(query.order_by(Delivery.id).limit(1000)))


async def renew(session: AsyncSession, ids: Sequence[int], lease_until: datetime) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(list(ids)), Delivery.state == "sending")
        .values(lease_until=lease_until)
    )
    await session.commit()


async def settle(
    session: AsyncSession,
    delivery_id: int,
    state: str,
    reason: str = "",
    *,
    at: datetime,
    sent_at: datetime | None = None,
) -> None:
    """A final outcome decided without sending (dropped, cancelled, unreachable, or found sent)."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            state=state,
            last_error=reason[:300],
            lease_until=None,
            sent_at=sent_at,
            settled_at=at,
            payload={},
        )
    )


async def defer(session: AsyncSession, delivery_id: int, due_at: datetime, reason: str) -> None:
    """Back to pending for later: quiet hours, or a platform this process cannot reach."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(state="pending", due_at=due_at, lease_until=None, last_error=reason[:300])
    )


async def newest_due_siblings(
    session: AsyncSession, rows: Sequence[Delivery], now: datetime
) -> dict[tuple[int | None, str, int | None], datetime]:
    """For meeting-linked rows: the newest due time among open rows of the same person,
    kind and meeting. Older ones are stale duplicates."""
    meeting_ids = {r.meeting_id for r in rows if r.meeting_id is not None}
    if not meeting_ids:
        return {}
    result = await session.execute(
        select(Delivery.person_id, Delivery.kind, Delivery.meeting_id, func.max(Delivery.due_at))
        .where(
            Delivery.meeting_id.in_(meeting_ids),
            Delivery.state.in_(OPEN_STATES),
            Delivery.due_at <= now,
        )
        .group_by(Delivery.person_id, Delivery.kind, Delivery.meeting_id)
    )
    return {(p, k, m): newest for p, k, m, newest in result.tuples()}


async def next_due(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(func.min(Delivery.due_at)).where(Delivery.state == "pending")
    )


async def backlog(session: AsyncSession, now: datetime) -> tuple[int, datetime | None]:
    """How many rows are pending, and the due time of the oldest overdue one."""
    pending = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.state == "pending")
    )
    oldest = await session.scalar(
        select(func.min(Delivery.due_at)).where(Delivery.state == "pending", Delivery.due_at <= now)
    )
    return int(pending or 0), oldest


async def outcome_counts(session: AsyncSession, announcement_id: int) -> dict[str, int]:
    result = await session.execute(
        select(Delivery.state, func.count())
        .where(Delivery.announcement_id == announcement_id)
        .group_by(Delivery.state)
    )
    return {state: int(n) for state, n in result.tuples()}


async def first_open_due(session: AsyncSession, announcement_id: int) -> datetime | None:
    """When the earliest of an announcement's rows still without an outcome is due."""
    return await session.scalar(
        select(func.min(Delivery.due_at)).where(
            Delivery.announcement_id == announcement_id, Delivery.state.in_(OPEN_STATES)
        )
    )


async def oldest_workspace(session: AsyncSession) -> int | None:
    """Where rows that serve every workspace (recurring jobs) are kept: each row needs one."""
    return await session.scalar(select(func.min(Workspace.id)))


async def plant(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Plan each row unless a row of its kind is still open: the first run of a recurring
    job, which plans its own runs from then on. Replicas starting together plant the same
    key (one per period), so one row wins. Returns how many were planned."""
    missing = [
        row
        for row in rows
        if await session.scalar(
            select(Delivery.id)
            .where(Delivery.kind == row["kind"], Delivery.state.in_(OPEN_STATES))
            .limit(1)
        )
        is None
    ]
    await plan(session, missing)
    return len(missing)

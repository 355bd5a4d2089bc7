"""Send budgets replicas share through PostgreSQL: one short transaction per batch of sends.

A transaction-scoped advisory lock on the budget's key lines up the replicas taking from it;
under the lock the window's buckets are read, the rule (bot.core.budget) says how many sends
to count, and the current bucket's row is upserted. A replica asks for as many sends as it
has waiting (bot/delivery/pacing.py), so a send costs a fraction of a round trip.
"""

from __future__ import annotations

from sqlalchemy import delete, func, literal, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.budget import BudgetRule, Counted, Lane, Taken
from storage.models import SendBudget

# The first half of the two-number advisory locks of send budgets ("budg"), so they never
# meet the migrations' single-number lock.
BUDGET_LOCKS = 0x62756467


class PostgresBudgetStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._swept: dict[str, int] = {}

    async def take(self, key: str, lane: Lane, want: int, bucket: int, rule: BudgetRule) -> Taken:
        first = bucket - rule.buckets
        async with self.engine.begin() as conn:
            await conn.execute(select(func.pg_advisory_xact_lock(BUDGET_LOCKS, func.hashtext(key))))
            rows = (
                await conn.execute(
                    select(
                        SendBudget.bucket,
                        SendBudget.reply,
                        SendBudget.bulk,
                        SendBudget.reply_wanted,
                    ).where(SendBudget.key == key, SendBudget.bucket.between(first, bucket))
                )
            ).all()
            counts = [Counted(row.bucket, row.reply, row.bulk, row.reply_wanted) for row in rows]
            taken = rule.take(lane, want, bucket, counts)
            granted = taken.granted
            wanted = lane is Lane.REPLY and granted < want
            if granted or wanted:
                await conn.execute(_count(key, bucket, lane, granted, wanted))
            if bucket - self._swept.get(key, first - rule.buckets) >= rule.buckets:
                self._swept[key] = bucket
                await conn.execute(
                    delete(SendBudget).where(SendBudget.key == key, SendBudget.bucket < first)
                )
        return taken

    async def close(self) -> None:
        """The engine belongs to the Database, which disposes of it."""


def _count(key: str, bucket: int, lane: Lane, granted: int, wanted: bool) -> postgresql.Insert:
    column = "reply" if lane is Lane.REPLY else "bulk"
    row = {"key": key, "bucket": bucket, "reply": 0, "bulk": 0, "reply_wanted": wanted}
    insert = postgresql.insert(SendBudget).values({**row, column: granted})
    return insert.on_conflict_do_update(
        index_elements=[SendBudget.key, SendBudget.bucket],
        set_={
            column: getattr(SendBudget, column) + granted,
            "reply_wanted": or_(SendBudget.reply_wanted, literal(wanted)),
        },
    )

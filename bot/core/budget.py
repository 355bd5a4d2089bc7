"""Send budgets with two lanes: replies to a person's own action, and bulk.

A budget is at most `count` sends in any `per_seconds` (a Slack workspace's, a Teams app's
in one tenant). Replies have a reserved share of it: while replies are active (one was sent,
or wanted to be, within the window) bulk leaves the unused part of that share free, so a
reply finds room at once. When replies are idle, bulk borrows the share. Replies may use any
free room: they go first, and never wait behind bulk.

The rule lives here, once, for every place that keeps the counts: the in-process pacer
(bot/delivery/pacing.py), PostgreSQL (storage/send_budget.py) and Redis, whose Lua script is
its twin (storage/redis_budget.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

# A shared window is counted in buckets, no shorter than this: a refused replica asks again
# after one bucket, so shorter buckets would mean more round trips, not more sends.
MIN_BUCKET_SECONDS = 0.02
MAX_BUCKETS = 100
# Windows longer than this are paced: bulk sends spread over the window instead of using it
# all at once, so room frees steadily and a reply never waits for a whole window to pass.
PACE_ABOVE_SECONDS = 1.0


class Lane(StrEnum):
    REPLY = "reply"  # a flow answering a person's own action (Sender.send_now)
    BULK = "bulk"  # what the dispatcher sends: announcements, nudges, surveys, reports


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    per_seconds: float


def reply_reserve(rate: Rate, share: float) -> int:
    """The sends of each window kept for replies while they are active."""
    return min(rate.count, math.ceil(rate.count * max(0.0, share)))


def bulk_pace(rate: Rate) -> Rate | None:
    """How fast bulk may start sends within a long window; None for short ones."""
    if rate.per_seconds <= PACE_ABOVE_SECONDS:
        return None
    return Rate(max(1, math.ceil(rate.count / MAX_BUCKETS)), rate.per_seconds / MAX_BUCKETS)


def room(
    rate: Rate, reserve: int, lane: Lane, replies: int, bulk: int, replies_active: bool
) -> int:
    """How many more sends `lane` may start, given each lane's sends in the window."""
    free = rate.count - replies - bulk
    if lane is Lane.BULK and replies_active:
        free -= max(0, reserve - replies)
    return max(0, free)


@dataclass(frozen=True, slots=True)
class Counted:
    """The sends counted in one bucket of a shared budget."""

    bucket: int
    replies: int
    bulk: int
    reply_wanted: bool


@dataclass(frozen=True, slots=True)
class Taken:
    granted: int
    retry_bucket: int  # refused: the first bucket in which asking again may succeed


@dataclass(frozen=True, slots=True)
class BudgetRule:
    """A budget as a shared store counts it: in buckets of `bucket_seconds`, a window being
    the current bucket and the `buckets` before it. That window is a little longer than the
    rate's, so N replicas together never exceed the rate in any window of its length."""

    rate: Rate
    reserve: int
    bucket_seconds: float
    buckets: int
    bulk_per_bucket: int  # 0: bulk is not paced within the window

    @classmethod
    def of(cls, rate: Rate, share: float) -> BudgetRule:
        buckets = max(1, min(MAX_BUCKETS, int(rate.per_seconds / MIN_BUCKET_SECONDS)))
        pace = bulk_pace(rate)
        return cls(
            rate=rate,
            reserve=reply_reserve(rate, share),
            bucket_seconds=rate.per_seconds / buckets,
            buckets=buckets,
            bulk_per_bucket=pace.count if pace else 0,
        )

    def bucket(self, now: float) -> int:
        return math.floor(now / self.bucket_seconds)

    def take(self, lane: Lane, want: int, bucket: int, counts: Sequence[Counted]) -> Taken:
        """How many of `want` sends to count in `bucket`, given the counts of the window's
        buckets, and when to ask again if none."""
        replies = sum(c.replies for c in counts)
        bulk = sum(c.bulk for c in counts)
        active = any(c.replies or c.reply_wanted for c in counts)
        fits = room(self.rate, self.reserve, lane, replies, bulk, active)
        granted = min(want, fits)
        if lane is Lane.BULK and self.bulk_per_bucket:
            bulk_now = sum(c.bulk for c in counts if c.bucket == bucket)
            granted = min(granted, self.bulk_per_bucket - bulk_now)
        busy = [c.bucket for c in counts if c.replies or c.bulk or c.reply_wanted]
        if fits or not busy:
            return Taken(max(0, granted), bucket + 1)
        # Room frees only as counted buckets leave the window, the oldest first.
        return Taken(max(0, granted), max(bucket + 1, min(busy) + self.buckets + 1))


class BudgetStore(Protocol):
    """Where replicas keep the counts of a shared budget (PostgreSQL or Redis)."""

    async def take(self, key: str, lane: Lane, want: int, bucket: int, rule: BudgetRule) -> Taken:
        """Count up to `want` sends of `lane` in `bucket`, as many as `rule` allows, and say
        how many. A reply refused in full or in part marks replies active for the window."""
        ...

    async def close(self) -> None: ...

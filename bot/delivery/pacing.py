"""Pacing outbound sends under each platform's rate limits, per conversation and per workspace.

Every send takes a lane (bot/core/budget.py): replies to a person's own action go first,
with a reserved share of the workspace's budget; bulk fills the rest, and borrows the share
while replies are idle. Conversation limits are sliding windows kept in memory. Workspace
budgets are too, in one process (SQLite); with a `BudgetStore` they are shared by every
replica, taken in small batches so a send costs no round trip of its own.

When the platform answers 429 all the same (its limits are tighter than ours), `pause`
holds the workspace, both lanes, until its Retry-After.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.budget import (
    BudgetRule,
    BudgetStore,
    Lane,
    Rate,
    bulk_pace,
    reply_reserve,
    room,
)
from bot.core.refs import Platform, WorkspaceRef

__all__ = ["Lane", "Pacer", "PlatformLimits", "Rate"]

log = logging.getLogger(__name__)

# The most sends one replica asks a shared budget for at once: enough to save round trips,
# few enough that what it cannot use before the bucket ends is little.
MAX_BATCH = 16
STORE_RETRY_SECONDS = 1.0
DEFAULT_REPLY_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    per_conversation: tuple[Rate, ...]
    per_workspace: tuple[Rate, ...]


SLACK_LIMITS = PlatformLimits(per_conversation=(Rate(1, 1.0),), per_workspace=(Rate(100, 60.0),))
# Teams' documented per-bot, per-conversation limits; the per-app budget is configurable.
TEAMS_LIMITS = PlatformLimits(
    per_conversation=(Rate(7, 1.0), Rate(60, 30.0), Rate(1800, 3600.0)),
    per_workspace=(Rate(50, 1.0),),
)
UNLIMITED = PlatformLimits(per_conversation=(), per_workspace=())


class _Window:
    """A sliding-window limiter: at most `rate.count` starts in any `rate.per_seconds`."""

    __slots__ = ("rate", "starts")

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self.starts: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        cutoff = now - self.rate.per_seconds
        while self.starts and self.starts[0] <= cutoff:
            self.starts.popleft()
        if len(self.starts) < self.rate.count:
            return 0.0
        return self.starts[0] + self.rate.per_seconds - now

    def record(self, now: float) -> None:
        self.starts.append(now)


class _LocalBudget:
    """A workspace budget in this process: a sliding window whose starts are counted per lane."""

    def __init__(self, rate: Rate, share: float) -> None:
        self.rate = rate
        self.reserve = reply_reserve(rate, share)
        self.starts: deque[tuple[float, Lane]] = deque()
        self.used = {Lane.REPLY: 0, Lane.BULK: 0}
        self.replies_until = float("-inf")
        pace = bulk_pace(rate)
        self.pace = _Window(pace) if pace else None

    def wait_needed(self, lane: Lane, now: float, ahead: int = 0) -> float | None:
        """Seconds until a send of `lane` fits; `ahead` replies queued here go first."""
        cutoff = now - self.rate.per_seconds
        while self.starts and self.starts[0][0] <= cutoff:
            self.used[self.starts.popleft()[1]] -= 1
        if lane is Lane.REPLY:
            # A reply waiting counts as active too: bulk stops taking the reserve at once.
            self.replies_until = now + self.rate.per_seconds
        active = now < self.replies_until
        used = self.used
        free = self.rate.count - used[Lane.REPLY] - used[Lane.BULK]
        fits = room(self.rate, self.reserve, lane, used[Lane.REPLY], used[Lane.BULK], active)
        if fits and free > ahead:
            return self.pace.wait_needed(now) if lane is Lane.BULK and self.pace else 0.0
        waits = [self.starts[0][0] + self.rate.per_seconds - now] if self.starts else []
        if lane is Lane.BULK and active:
            waits.append(self.replies_until - now)
        return min(waits, default=self.rate.per_seconds)

    def record(self, lane: Lane, now: float) -> None:
        self.starts.append((now, lane))
        self.used[lane] += 1
        if lane is Lane.BULK and self.pace:
            self.pace.record(now)

    async def top_up(self, lane: Lane, want: int) -> None:
        """Nothing to fetch: the counts are all here."""


class _SharedBudget:
    """A workspace budget every replica shares through a `BudgetStore`. Sends are taken from
    the store in batches, each good for the bucket it was taken in."""

    def __init__(
        self, store: BudgetStore, key: str, rule: BudgetRule, wall: Callable[[], float]
    ) -> None:
        self.store = store
        self.key = key
        self.rule = rule
        self.wall = wall
        self.stock = {Lane.REPLY: 0, Lane.BULK: 0}
        self.bucket = {Lane.REPLY: -1, Lane.BULK: -1}
        self.retry_at = {Lane.REPLY: 0.0, Lane.BULK: 0.0}
        self.lock = asyncio.Lock()

    def wait_needed(self, lane: Lane, now: float, ahead: int = 0) -> float | None:
        """0 with a send in stock, the wait before asking again after a refusal, else None:
        ask the store (`top_up`)."""
        wall = self.wall()
        if self.stock[lane] > 0 and self.bucket[lane] == self.rule.bucket(wall):
            return 0.0
        if wall < self.retry_at[lane]:
            return self.retry_at[lane] - wall
        return None

    def record(self, lane: Lane, now: float) -> None:
        self.stock[lane] -= 1

    async def top_up(self, lane: Lane, want: int) -> None:
        async with self.lock:
            wall = self.wall()
            bucket = self.rule.bucket(wall)
            if (self.stock[lane] > 0 and self.bucket[lane] == bucket) or wall < self.retry_at[lane]:
                return  # another send topped up while this one waited for the lock
            try:
                taken = await self.store.take(self.key, lane, want, bucket, self.rule)
            except Exception:  # the budget store down delays sends; it must not fail them
                log.warning("send budget store failed", exc_info=True)
                self.stock[lane], self.retry_at[lane] = 0, wall + STORE_RETRY_SECONDS
                return
            self.stock[lane], self.bucket[lane] = taken.granted, bucket
            if not taken.granted:
                self.retry_at[lane] = taken.retry_bucket * self.rule.bucket_seconds


_Budget = _LocalBudget | _SharedBudget


class Pacer:
    def __init__(
        self,
        limits: dict[Platform, PlatformLimits] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        *,
        reply_share: float = DEFAULT_REPLY_SHARE,
        store: BudgetStore | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.limits = limits or {}
        self.monotonic = monotonic
        self.sleep = sleep
        self.reply_share = reply_share
        # Shared budgets are counted in buckets of wall-clock time, the one clock replicas share.
        self.store = store
        self.wall = wall
        self._windows: dict[tuple[str, ...], list[_Window]] = {}
        self._budgets: dict[tuple[str, ...], list[_Budget]] = {}
        self._paused_until: dict[tuple[str, ...], float] = {}
        self._waiting: Counter[tuple[str, str, Lane]] = Counter()
        self._replies_queued: Counter[tuple[str, str]] = Counter()
        self._lock = asyncio.Lock()

    @staticmethod
    def _lanes(workspace: WorkspaceRef, conversation: str | None) -> list[tuple[str, ...]]:
        lanes: list[tuple[str, ...]] = [(workspace.platform, workspace.external_id)]
        if conversation is not None:
            lanes.append((workspace.platform, workspace.external_id, conversation))
        return lanes

    def pause(
        self, workspace: WorkspaceRef, seconds: float, conversation: str | None = None
    ) -> None:
        """Hold every send in the workspace (or only to `conversation`) for `seconds`, in both
        lanes: a 429 says the platform wants no more from us, replies included."""
        lane = self._lanes(workspace, conversation)[-1]
        until = self.monotonic() + max(0.0, seconds)
        self._paused_until[lane] = max(until, self._paused_until.get(lane, 0.0))

    def _pause_left(self, workspace: WorkspaceRef, conversation: str | None, now: float) -> float:
        lanes = self._lanes(workspace, conversation)
        return max((self._paused_until.get(lane, 0.0) - now for lane in lanes), default=0.0)

    def _windows_for(self, workspace: WorkspaceRef, conversation: str) -> list[_Window]:
        key = (workspace.platform, workspace.external_id, conversation)
        if key not in self._windows:
            limits = self.limits.get(workspace.platform, UNLIMITED)
            self._windows[key] = [_Window(rate) for rate in limits.per_conversation]
        return self._windows[key]

    def _budgets_for(self, workspace: WorkspaceRef) -> list[_Budget]:
        key = (workspace.platform, workspace.external_id)
        if key not in self._budgets:
            rates = self.limits.get(workspace.platform, UNLIMITED).per_workspace
            self._budgets[key] = [self._budget(workspace, rate) for rate in rates]
        return self._budgets[key]

    def _budget(self, workspace: WorkspaceRef, rate: Rate) -> _Budget:
        if self.store is None:
            return _LocalBudget(rate, self.reply_share)
        key = f"{workspace.platform}:{workspace.external_id}:{rate.count}/{rate.per_seconds:g}s"
        rule = BudgetRule.of(rate, self.reply_share)
        return _SharedBudget(self.store, key, rule, lambda: self.wall())

    async def acquire(
        self, workspace: WorkspaceRef, conversation: str, lane: Lane = Lane.BULK
    ) -> None:
        """Wait until one more send of `lane` to `conversation` fits every limit, then count it."""
        windows = self._windows_for(workspace, conversation)
        budgets = self._budgets_for(workspace)
        waiting = (workspace.platform, workspace.external_id, lane)
        queued = (workspace.platform, workspace.external_id)
        in_queue = False
        self._waiting[waiting] += 1
        try:
            while True:
                short: list[_Budget] = []
                async with self._lock:
                    now = self.monotonic()
                    waits = [w.wait_needed(now) for w in windows]
                    delay = max([self._pause_left(workspace, conversation, now), *waits])
                    if delay <= 0:
                        ahead = self._replies_queued[queued] if lane is Lane.BULK else 0
                        needed = [(b, b.wait_needed(lane, now, ahead)) for b in budgets]
                        short = [b for b, wait in needed if wait is None]
                        delay = max((wait or 0.0 for _, wait in needed), default=0.0)
                        if not short and delay <= 0:
                            for window in windows:
                                window.record(now)
                            for budget in budgets:
                                budget.record(lane, now)
                            return
                        if lane is Lane.REPLY and not short and not in_queue:
                            in_queue = True
                            self._replies_queued[queued] += 1
                if short:
                    want = min(MAX_BATCH, self._waiting[waiting])
                    for budget in short:
                        await budget.top_up(lane, want)
                    continue
                await self.sleep(delay)
        finally:
            self._waiting[waiting] -= 1
            if in_queue:
                self._replies_queued[queued] -= 1

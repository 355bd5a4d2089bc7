"""Pacing outbound sends under each platform's rate limits, per conversation and per workspace.

Limits are sliding windows kept in memory: they shape traffic, they hold no state that
matters. When the platform answers 429 all the same (another process shares the token, or
its limits are tighter than ours), `pause` holds the lane until its Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.refs import Platform, WorkspaceRef


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    per_seconds: float


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


class Pacer:
    def __init__(
        self,
        limits: dict[Platform, PlatformLimits] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or {}
        self.monotonic = monotonic
        self.sleep = sleep
        self._windows: dict[tuple[str, ...], list[_Window]] = {}
        self._paused_until: dict[tuple[str, ...], float] = {}
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
        """Hold every send in the workspace (or only to `conversation`) for `seconds`."""
        lane = self._lanes(workspace, conversation)[-1]
        until = self.monotonic() + max(0.0, seconds)
        self._paused_until[lane] = max(until, self._paused_until.get(lane, 0.0))

    def _pause_left(self, workspace: WorkspaceRef, conversation: str | None, now: float) -> float:
        lanes = self._lanes(workspace, conversation)
        return max((self._paused_until.get(lane, 0.0) - now for lane in lanes), default=0.0)

    def _windows_for(self, workspace: WorkspaceRef, conversation: str) -> list[_Window]:
        limits = self.limits.get(workspace.platform, UNLIMITED)
        keyed = (
            ((workspace.platform, workspace.external_id), limits.per_workspace),
            ((workspace.platform, workspace.external_id, conversation), limits.per_conversation),
        )
        windows: list[_Window] = []
        for key, rates in keyed:
            if key not in self._windows:
                self._windows[key] = [_Window(rate) for rate in rates]
            windows.extend(self._windows[key])
        return windows

    async def acquire(self, workspace: WorkspaceRef, conversation: str) -> None:
        """Wait until one more send to `conversation` fits every limit, then count it."""
        windows = self._windows_for(workspace, conversation)
        while True:
            async with self._lock:
                now = self.monotonic()
                waits = [w.wait_needed(now) for w in windows]
                delay = max([self._pause_left(workspace, conversation, now), *waits])
                if delay <= 0:
                    for window in windows:
                        window.record(now)
                    return
            await self.sleep(delay)

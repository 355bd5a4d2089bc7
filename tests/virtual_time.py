"""Virtual seconds for many tasks at once: time moves only when every task is asleep on it.

SteppedClock (tests/slack_fixtures.py) moves time by each sleep in turn, which suits one
sender at a time. Here many senders wait side by side, so time jumps to the earliest wake-up
once all of them wait, the way an event loop's clock would, without any real sleeping. Tasks
may await real I/O (a database, Redis) meanwhile: time holds still until they are done.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class VirtualTime:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.start = self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._awake = 0
        self._all_asleep = asyncio.Event()
        self._all_asleep.set()

    def __call__(self) -> float:
        return self.now

    def _woke(self, count: int = 1) -> None:
        self._awake += count
        if self._awake > 0:
            self._all_asleep.clear()

    def _slept(self) -> None:
        self._awake -= 1
        if self._awake == 0:
            self._all_asleep.set()

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), self._seq, future))
        self._seq += 1
        self._slept()
        await future  # the driver counts this task awake again when it resolves the future

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        self._woke()
        task = asyncio.ensure_future(coro)
        task.add_done_callback(lambda _: self._slept())
        return task

    async def run(self, *tasks: Awaitable[Any]) -> None:
        """Move time forward until every task is done."""
        waiting = [asyncio.ensure_future(t) for t in tasks]
        while not all(task.done() for task in waiting):
            await self._all_asleep.wait()
            if not self._sleepers:
                break  # nothing left to wake: the remaining tasks finish on their own
            at = self._sleepers[0][0]
            self.now = at
            while self._sleepers and self._sleepers[0][0] <= at:
                _, _, future = heapq.heappop(self._sleepers)
                self._woke()
                future.set_result(None)
        for task in waiting:
            await task

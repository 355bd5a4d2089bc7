"""APScheduler fires the dispatcher; the deliveries table decides what is due.

An interval job wakes the dispatcher every second and, after each pass, a one-off date job
is set for the next due time. APScheduler's jobs live in memory on purpose: losing them
loses nothing, because the next start reads what is due from the database. Tandem's own
timed work (survey planning, closing pairs, delivery reports) is rows of that table too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import Clock
from bot.delivery.dispatcher import Dispatcher
from storage.repositories import deliveries

log = logging.getLogger(__name__)

NEXT_DUE_JOB = "tandem-next-due"
# Above this much lateness while running, /healthz says the scheduler is degraded.
UNHEALTHY_LATENESS = timedelta(minutes=10)
# With no tick for this many intervals (and at least a minute), APScheduler has stopped
# firing, or the event loop is blocked: /healthz says so.
STALLED_TICKS = 30


class DeliveryScheduler:
    def __init__(
        self,
        dispatcher: Dispatcher,
        clock: Clock,
        *,
        interval_seconds: float = 1.0,
        plant: Callable[[], Awaitable[bool]] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.dispatcher = dispatcher
        self.clock = clock
        self.interval_seconds = interval_seconds
        # Plants the first row of each recurring job; False while there is nowhere to keep
        # one yet (no workspace), so it is tried again before the next pass.
        self.plant = plant
        self._planted = plant is None
        self.scheduler: AsyncIOScheduler | None = None
        self._drain: asyncio.Task[None] | None = None
        self._again = False
        # When APScheduler last woke the dispatcher: on Tandem's clock for /healthz, and on
        # a monotonic one to tell a stalled scheduler (the playground's clock jumps).
        self.monotonic = monotonic
        self.last_tick_at: datetime | None = None
        self._last_tick = 0.0

    @property
    def running(self) -> bool:
        return bool(self.scheduler and self.scheduler.running)

    async def start(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.scheduler.add_job(
            self._fire,
            "interval",
            seconds=self.interval_seconds,
            id="tandem-dispatch",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        self.scheduler.start()
        self._tick()
        self.kick()
        log.info("delivery scheduler started", extra={"interval_s": self.interval_seconds})

    async def stop(self) -> None:
        if self.scheduler and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._drain and not self._drain.done():
            # Rows cut off mid-send stay `sending` and are reconciled on the next start.
            self._drain.cancel()
            try:
                await self._drain
            except asyncio.CancelledError:
                pass

    async def idle(self) -> None:
        """Wait for the pass in progress, if any (tests, and a graceful stop)."""
        while self._drain and not self._drain.done():
            await asyncio.shield(self._drain)

    async def _fire(self) -> None:
        self._tick()
        self.kick()

    def _tick(self) -> None:
        self.last_tick_at = self.clock.now()
        self._last_tick = self.monotonic()

    @property
    def stalled(self) -> bool:
        """Running, yet not woken for much longer than its interval."""
        limit = max(60.0, STALLED_TICKS * self.interval_seconds)
        return self.running and self.monotonic() - self._last_tick > limit

    async def plant_jobs(self) -> None:
        """Before the first pass of this process: idempotent, so every replica does it."""
        if not self._planted and self.plant is not None:
            self._planted = await self.plant()

    def kick(self) -> None:
        """Run the dispatcher now, in the background; a pass already running runs again."""
        if not self.running:
            return
        if self._drain and not self._drain.done():
            self._again = True
            return
        self._drain = asyncio.get_running_loop().create_task(self._drain_loop())

    async def _drain_loop(self) -> None:
        while True:
            self._again = False
            try:
                await self.plant_jobs()
                await self.dispatcher.run_due()
                await self._plan_next()
            except Exception:  # noqa: BLE001 - the interval job tries again in a second
                log.exception("dispatcher pass failed")
            if not self._again:
                return

    async def _plan_next(self) -> None:
        """A date job at the next due time, so a due message does not wait for the tick."""
        next_due = await self.dispatcher.next_due()
        if next_due is None or self.scheduler is None or not self.scheduler.running:
            return
        wait = next_due - self.clock.now()
        if wait.total_seconds() <= 0 or wait.total_seconds() >= self.interval_seconds:
            return
        # The clock may be offset (the playground): APScheduler runs on real time.
        self.scheduler.add_job(
            self._fire,
            "date",
            run_date=datetime.now(UTC) + wait,
            id=NEXT_DUE_JOB,
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def health(self) -> dict[str, object]:
        now = self.clock.now()
        async with self.dispatcher.db.sessions() as session:
            pending, oldest = await deliveries.backlog(session, now)
        lateness = (now - oldest).total_seconds() if oldest else 0.0
        late = self.running and lateness > UNHEALTHY_LATENESS.total_seconds()
        return {
            "ok": not (late or self.stalled),
            "running": self.running,
            "pending": pending,
            "oldest_overdue_seconds": round(lateness, 1),
            "last_tick_at": self.last_tick_at.isoformat() if self.last_tick_at else None,
            "stalled": self.stalled,
            "last_run_at": self.dispatcher.last_run_at.isoformat()
            if self.dispatcher.last_run_at
            else None,
        }

"""Wires the outbox into Tandem: dispatcher, APScheduler, recurring jobs, health, metrics."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.clock import Clock
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.kinds import DeliveryKinds
from bot.delivery.outages import platform_report
from bot.delivery.scheduler import DeliveryScheduler
from bot.runtime.host import Services
from bot.runtime.metrics import Metrics
from bot.runtime.web import HealthPart
from flows.kinds import build_delivery_kinds
from storage.db import is_sqlite
from storage.repositories import deliveries
from storage.uow import Database

log = logging.getLogger(__name__)


def install_delivery(services: Services) -> DeliveryScheduler:
    """Always: run due work when the playground moves its clock, report in /healthz.
    With `run_scheduler`: APScheduler starts and stops with the process."""
    config = services.config
    kinds = build_delivery_kinds()
    dispatcher = Dispatcher(
        services.db,
        services.clock,
        services.sender,
        kinds,
        concurrency=config.delivery_concurrency,
        lease=timedelta(seconds=config.delivery_lease_seconds),
        reclaim_on_start=is_sqlite(config.database_url),
    )

    async def plant() -> bool:
        return await plant_recurring_jobs(services.db, services.clock, kinds)

    scheduler = DeliveryScheduler(
        dispatcher, services.clock, interval_seconds=config.dispatch_interval_seconds, plant=plant
    )

    async def clock_moved() -> None:
        await scheduler.plant_jobs()
        await dispatcher.run_due()

    services.clock_listeners.append(clock_moved)
    services.health_parts["scheduler"] = scheduler.health
    if config.run_scheduler:
        services.startup.append(scheduler.start)
        services.shutdown.append(scheduler.stop)
        services.sender.wake = scheduler.kick
    return scheduler


def install_observability(services: Services) -> Metrics:
    """/metrics, and in /healthz whether each platform's messages get through. After the
    adapters are attached: every platform with a messenger gets its part."""
    assert services.scheduler is not None
    metrics = Metrics(
        services.db, services.clock, services.tandem, services.sender, services.scheduler
    )
    services.pacer.sleep = metrics.pacing_sleep(services.pacer.sleep)
    for platform in services.messengers:
        own = services.health_parts.get(platform.value)
        services.health_parts[platform.value] = _with_deliveries(services, platform.value, own)
    return metrics


def _with_deliveries(services: Services, platform: str, own: HealthPart | None) -> HealthPart:
    async def part() -> dict[str, object]:
        report = dict(await own()) if own is not None else {"ok": True}
        # A workspace's failing messages show here but leave the status alone: restarting
        # or removing this process would not bring an uninstalled app or a token back.
        report.update(await platform_report(services.db, platform))
        return report

    return part


async def plant_recurring_jobs(db: Database, clock: Clock, kinds: DeliveryKinds) -> bool:
    """The first run of each recurring job (the daily survey planner and pair closer, the
    delivery health check), due now, unless one is planned already; from then on each run
    plans the next.

    A row belongs to a workspace, so these, which serve every workspace, are kept in the
    oldest. Returns False while there is no workspace yet, to be tried again later.
    """
    now = clock.now()
    async with db.sessions() as session:
        home = await deliveries.oldest_workspace(session)
        if home is None:
            return False
        rows = [job.row(home, now, now) for job in kinds.jobs() if job.every is not None]
        planted = await deliveries.plant(session, rows)
        await session.commit()
    if planted:
        log.info("recurring jobs planted", extra={"jobs": planted})
    return True

"""Wires the outbox into Tandem: dispatcher, APScheduler, health."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.delivery.dispatcher import Dispatcher
from bot.delivery.scheduler import DeliveryScheduler
from bot.runtime.host import Services
from flows.announcements import compose as announcements
from flows.kinds import build_delivery_kinds
from flows.sessions import pair_closer
from flows.surveys import calendar as programme_calendar
from storage.db import is_sqlite

log = logging.getLogger(__name__)


def install_delivery(services: Services) -> DeliveryScheduler:
    """Always: run due work when the playground moves its clock, report in /healthz.
    With `run_scheduler`: APScheduler starts and stops with the process."""
    config = services.config
    dispatcher = Dispatcher(
        services.db,
        services.clock,
        services.sender,
        build_delivery_kinds(),
        concurrency=config.delivery_concurrency,
        lease=timedelta(seconds=config.delivery_lease_seconds),
        reclaim_on_start=is_sqlite(config.database_url),
    )
    dispatcher.after_run.append(
        announcements.report_hook(
            services.db, services.clock, services.sender, dispatcher.workspace_ref
        )
    )
    # The daily survey planning job (flows/surveys/calendar.py), throttled inside.
    dispatcher.after_run.append(programme_calendar.SurveyPlanner(services.db, services.clock))
    # Pairs that finished without both choosing how to close are closed for them.
    dispatcher.after_run.append(pair_closer.PairCloser(services.db, services.clock))
    scheduler = DeliveryScheduler(
        dispatcher, services.clock, interval_seconds=config.dispatch_interval_seconds
    )

    async def clock_moved() -> None:
        await dispatcher.run_due()

    services.clock_listeners.append(clock_moved)
    services.health_parts["scheduler"] = scheduler.health
    if config.run_scheduler:
        services.startup.append(scheduler.start)
        services.shutdown.append(scheduler.stop)
        services.sender.wake = scheduler.kick
    return scheduler


"""Wires Tandem together from a Config: the one place dependencies are built."""

from __future__ import annotations

import logging

from adapters.playground.wiring import attach_playground, restore_clock
from adapters.slack.wiring import attach_slack
from adapters.teams.wiring import attach_teams
from bot.app.delivery import install_delivery, install_observability
from bot.app.ics_route import ics_route
from bot.core.budget import BudgetStore
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.messenger import Messenger
from bot.core.refs import Platform
from bot.delivery.pacing import Pacer
from bot.delivery.sender import Sender
from bot.runtime.host import Services, pacing_limits
from bot.runtime.tandem import Tandem
from flows.account.unreachable import report_unreachable
from flows.meetings import calendar_links
from flows.routes import build_router
from storage import db as database
from storage.redis_budget import RedisBudgetStore
from storage.send_budget import PostgresBudgetStore
from storage.uow import Database

log = logging.getLogger(__name__)


async def build(
    config: Config, clock: OffsetClock | None = None, *, migrate: bool = True, demo: bool = True
) -> Services:
    if migrate:
        await database.upgrade(config.database_url)
    clock = clock or OffsetClock()
    db = Database(config.database_url, clock)
    budgets = budget_store(config, db)
    pacer = Pacer(pacing_limits(config), reply_share=config.reply_share, store=budgets)
    messengers: dict[Platform, Messenger] = {}
    sender = Sender(db, clock, messengers, pacer, on_unreachable=report_unreachable)
    tandem = Tandem(db, clock, build_router(), sender)
    services = Services(config, clock, db, pacer, sender, tandem, messengers)
    if budgets is not None:
        services.shutdown.append(budgets.close)
    if config.playground:
        await restore_clock(services)
    services.scheduler = install_delivery(services)
    services.routes.append(ics_route(db))
    await calendar_links.prepare(
        db,
        secret=config.secret or None,
        public_url=config.public_url or _local_url(config),
    )
    if config.playground:
        await attach_playground(services, demo=demo)
    if config.slack_enabled:
        attach_slack(services)
    if config.teams_enabled:
        attach_teams(services)
    services.metrics = install_observability(services)
    return services


def budget_store(config: Config, db: Database) -> BudgetStore | None:
    """Where replicas share their send budgets: Redis when configured, else PostgreSQL. On
    SQLite there is one process, and its pacer keeps the budgets in memory."""
    if config.redis_url:
        return RedisBudgetStore(config.redis_url)
    if not database.is_sqlite(config.database_url):
        return PostgresBudgetStore(db.engine)
    return None


def _local_url(config: Config) -> str:
    host = "localhost" if config.host in ("127.0.0.1", "::1", "0.0.0.0") else config.host
    return f"http://{host}:{config.port}"

"""Wires Tandem together from a Config: the one place dependencies are built."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from aiohttp import web

from adapters.playground.demo import seed_demo
from adapters.playground.messenger import PlaygroundMessenger
from adapters.playground.web import Playground
from adapters.slack.wiring import attach_slack
from adapters.teams.wiring import attach_teams
from bot.app.delivery import install_delivery
from bot.app.ics_route import ics_route
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.messenger import Messenger
from bot.core.refs import Platform
from bot.delivery.pacing import SLACK_LIMITS, TEAMS_LIMITS, Pacer, PlatformLimits, Rate
from bot.delivery.scheduler import DeliveryScheduler
from bot.delivery.sender import Sender
from bot.runtime.tandem import Tandem
from bot.runtime.web import HealthPart, build_web_app
from flows.account.unreachable import report_unreachable
from flows.meetings import calendar_links
from flows.routes import build_router
from storage import db as database
from storage.settings import read_setting, write_setting
from storage.uow import Database

log = logging.getLogger(__name__)
CLOCK_OFFSET_KEY = "playground_clock_offset_seconds"


@dataclass
class Services:
    config: Config
    clock: OffsetClock
    db: Database
    pacer: Pacer
    sender: Sender
    tandem: Tandem
    messengers: dict[Platform, Messenger]
    sub_apps: dict[str, web.Application] = field(default_factory=dict)
    routes: list[web.RouteDef] = field(default_factory=list)
    health_parts: dict[str, HealthPart] = field(default_factory=dict)
    # Called after the playground moves the clock, so due work runs at once.
    clock_listeners: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    startup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # The delivery scheduler (bot/app/delivery.py); set by build().
    scheduler: DeliveryScheduler | None = None

    async def clock_moved(self) -> None:
        for listener in self.clock_listeners:
            await listener()

    async def start(self) -> None:
        for hook in self.startup:
            await hook()

    def web_app(self) -> web.Application:
        return build_web_app(
            self.db, health_parts=self.health_parts, sub_apps=self.sub_apps, routes=self.routes
        )

    async def close(self) -> None:
        for hook in reversed(self.shutdown):
            await hook()
        await self.db.dispose()


def pacing_limits(config: Config) -> dict[Platform, PlatformLimits]:
    return {
        Platform.SLACK: PlatformLimits(
            SLACK_LIMITS.per_conversation, (Rate(config.slack_workspace_budget_per_minute, 60.0),)
        ),
        Platform.TEAMS: PlatformLimits(
            TEAMS_LIMITS.per_conversation, (Rate(config.teams_app_budget_per_second, 1.0),)
        ),
    }


async def build(
    config: Config, clock: OffsetClock | None = None, *, migrate: bool = True, demo: bool = True
) -> Services:
    if migrate:
        await database.upgrade(config.database_url)
    clock = clock or OffsetClock()
    db = Database(config.database_url, clock)
    if config.playground and clock.base is None:
        saved = await read_setting(db, CLOCK_OFFSET_KEY)
        clock.offset = timedelta(seconds=float(saved)) if saved else timedelta()
    pacer = Pacer(pacing_limits(config))
    messengers: dict[Platform, Messenger] = {}
    sender = Sender(db, clock, messengers, pacer, on_unreachable=report_unreachable)
    tandem = Tandem(db, clock, build_router(), sender)
    services = Services(config, clock, db, pacer, sender, tandem, messengers)
    services.scheduler = install_delivery(services)
    services.routes.append(ics_route(db))
    await calendar_links.prepare(
        db,
        secret=config.secret or None,
        public_url=config.public_url or _local_url(config),
    )
    if config.playground:
        _add_playground(services, demo=demo)
        if demo:
            await seed_demo(db)
    if config.slack_enabled:
        attach_slack(services)
    if config.teams_enabled:
        attach_teams(services)
    return services


def _local_url(config: Config) -> str:
    host = "localhost" if config.host in ("127.0.0.1", "::1", "0.0.0.0") else config.host
    return f"http://{host}:{config.port}"


def _add_playground(services: Services, *, demo: bool) -> None:
    messenger = PlaygroundMessenger(services.db, services.clock)
    services.messengers[Platform.PLAYGROUND] = messenger

    async def save_offset(offset: timedelta) -> None:
        await write_setting(services.db, CLOCK_OFFSET_KEY, str(offset.total_seconds()))

    playground = Playground(
        services.tandem, messenger, services.clock, save_offset, services.clock_moved
    )
    services.sub_apps["/playground/"] = playground.app()

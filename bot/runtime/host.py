"""What a running Tandem holds: the services built once at start-up, and their hooks.

Built by the composition root (bot/app/bootstrap.py); adapters attach to it through their
own wiring modules, adding messengers, web routes and start/stop hooks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.messenger import Messenger
from bot.core.refs import Platform
from bot.delivery.pacing import SLACK_LIMITS, TEAMS_LIMITS, Pacer, PlatformLimits, Rate
from bot.delivery.scheduler import DeliveryScheduler
from bot.delivery.sender import Sender
from bot.runtime.metrics import Metrics
from bot.runtime.tandem import Tandem
from bot.runtime.web import HealthPart, build_web_app
from storage.uow import Database


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
    # This process's /metrics (bot/runtime/metrics.py); set by build().
    metrics: Metrics | None = None

    async def clock_moved(self) -> None:
        for listener in self.clock_listeners:
            await listener()

    async def start(self) -> None:
        for hook in self.startup:
            await hook()

    def web_app(self) -> web.Application:
        return build_web_app(
            self.db,
            health_parts=self.health_parts,
            sub_apps=self.sub_apps,
            routes=self.routes,
            metrics=self.metrics,
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

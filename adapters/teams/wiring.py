"""Adds Teams to a running Tandem: the /api/messages route, the Messenger and a health part."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from adapters.teams.bot import TandemTeamsBot
from adapters.teams.endpoint import messages_handler
from adapters.teams.messenger import TeamsMessenger
from bot.core.config import Config
from bot.core.refs import Platform
from bot.runtime.host import Services

MESSAGES_PATH = "/api/messages"


@dataclass(frozen=True, slots=True)
class BotFrameworkSettings:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TENANTID: str
    APP_TYPE: str


def settings_from(config: Config) -> BotFrameworkSettings:
    return BotFrameworkSettings(
        APP_ID=config.teams_app_id,
        APP_PASSWORD=config.teams_app_password,
        APP_TENANTID=config.teams_tenant_id,
        APP_TYPE=config.teams_app_type or "MultiTenant",
    )


def attach_teams(services: Services) -> None:
    config = services.config
    # Without an app id the SDK runs in local development mode: no token is checked.
    local_development = not config.teams_app_id
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings_from(config)))
    messenger = TeamsMessenger(adapter, services.db, config.teams_app_id)
    bot = TandemTeamsBot(
        services.tandem, services.db, messenger, allowed_tenant=config.teams_tenant_id
    )
    services.messengers[Platform.TEAMS] = messenger
    services.routes.append(
        web.post(MESSAGES_PATH, messages_handler(adapter, bot, local_only=local_development))
    )

    async def health() -> dict[str, object]:
        mode = "local development (unauthenticated)" if local_development else "authenticated"
        return {"ok": True, "mode": mode, "single_tenant": bool(config.teams_tenant_id)}

    services.health_parts["teams"] = health

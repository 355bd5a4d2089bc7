"""Plugs the Slack adapter into Tandem: messenger, HTTP routes or Socket Mode, health."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import SlackParts, build_bolt_app
from adapters.slack.home import HomeTab
from adapters.slack.messenger import SlackMessenger
from adapters.slack.oauth import BotTokens, installation_store, oauth_settings
from adapters.slack.signed_requests import bolt_request, refusal, signed_bolt_request
from adapters.slack.socket_mode import SocketMode
from adapters.slack.workspaces import SlackWorkspaces
from bot.core.refs import Platform
from bot.runtime.host import Services

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


def web_client(config_token: str, api_url: str) -> AsyncWebClient:
    # No retry handlers: slack_sdk's default resends a request whose connection dropped,
    # which posts a message twice if Slack had posted it. The Sender looks before it resends.
    options: dict[str, Any] = {"base_url": api_url} if api_url else {}
    return AsyncWebClient(token=config_token or None, retry_handlers=[], **options)


@dataclass(frozen=True, slots=True)
class SlackAdapter:
    app: AsyncApp
    client: AsyncWebClient
    messenger: SlackMessenger
    socket_mode: SocketMode | None


def http_routes(app: AsyncApp, *, signing_secret: str) -> list[web.RouteDef]:
    """One Request URL for commands, interactivity and events, plus the OAuth pages.

    Without a signing secret (Socket Mode) there is no Request URL.
    """
    routes = [web.post(EVENTS_PATH, events_handler(app, signing_secret))] if signing_secret else []
    flow = app.oauth_flow
    if flow is not None:

        async def install(request: web.Request) -> web.Response:
            built = bolt_request(request, "")
            if isinstance(built, web.Response):
                return built
            return await to_aiohttp_response(await flow.handle_installation(built))

        async def redirect(request: web.Request) -> web.Response:
            built = bolt_request(request, "")
            if isinstance(built, web.Response):
                return built
            return await to_aiohttp_response(await flow.handle_callback(built))

        routes += [web.get(flow.install_path, install), web.get(flow.redirect_uri_path, redirect)]
    return routes


def events_handler(
    app: AsyncApp, signing_secret: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    verifier = SignatureVerifier(signing_secret)

    async def events(request: web.Request) -> web.Response:
        built = await signed_bolt_request(request, verifier)
        if isinstance(built, web.Response):
            return built
        try:
            response = await app.async_dispatch(built)
        except Exception:  # noqa: BLE001 - bolt's own error path failed on this payload
            log.exception("slack request could not be dispatched")
            return refusal(400, "unreadable request")
        return await to_aiohttp_response(response)

    return events


def attach_slack(services: Services) -> SlackAdapter:
    """Registers everything on `services`; the returned parts are for tests and diagnostics."""
    config = services.config
    if not config.slack_app_token and not config.slack_signing_secret:
        raise ValueError(
            "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
        )
    multi = bool(config.slack_client_id and config.slack_client_secret)
    engine = services.db.engine
    store = installation_store(config.slack_client_id, engine) if multi else None
    client = web_client("" if multi else config.slack_bot_token, config.slack_api_url)
    workspaces = SlackWorkspaces(services.db)
    tokens = BotTokens(config.slack_bot_token, store)
    messenger = SlackMessenger(client, tokens, workspaces)
    services.messengers[Platform.SLACK] = messenger

    async def uninstalled(team_id: str) -> None:
        await workspaces.set_active(team_id, False)
        await tokens.forget(team_id)
        messenger.forget_team(team_id)
        log.info("slack workspace uninstalled; sending stopped", extra={"team": team_id})

    async def installed(team_id: str) -> None:
        await workspaces.set_active(team_id, True)
        messenger.forget_team(team_id)

    settings = None
    if store is not None:
        settings = oauth_settings(
            client_id=config.slack_client_id,
            client_secret=config.slack_client_secret,
            store=store,
            engine=engine,
            on_installed=installed,
        )
    parts = SlackParts(
        services.tandem, HomeTab(services.tandem, messenger), workspaces, uninstalled
    )
    app = build_bolt_app(
        parts, client=client, signing_secret=config.slack_signing_secret, oauth_settings=settings
    )
    # In Socket Mode a signing secret is optional; without one there is no Request URL.
    services.routes.extend(http_routes(app, signing_secret=config.slack_signing_secret))
    _share_http_session(services, client)

    socket = None
    if config.slack_app_token:
        socket = SocketMode(app, config.slack_app_token, client)
        services.startup.append(socket.start)
        services.shutdown.append(socket.stop)

        async def socket_health() -> dict[str, object]:
            return {"ok": await socket.connected(), "mode": "socket", "multi_workspace": multi}

        services.health_parts["slack"] = socket_health
    else:

        async def http_health() -> dict[str, object]:
            return {"ok": True, "mode": "http", "multi_workspace": multi}

        services.health_parts["slack"] = http_health
    return SlackAdapter(app, client, messenger, socket)


def _share_http_session(services: Services, client: AsyncWebClient) -> None:
    """One pooled aiohttp session for every Web API call instead of one per call."""

    async def open_session() -> None:
        client.session = aiohttp.ClientSession()

    async def close_session() -> None:
        session, client.session = client.session, None
        if session is not None:
            await session.close()

    services.startup.insert(0, open_session)
    services.shutdown.insert(0, close_session)

"""Socket Mode: events arrive over a WebSocket opened with the app-level token (xapp-)."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


class SocketMode:
    """Connects at start-up and closes at shutdown; the listeners are the same as for HTTP."""

    def __init__(self, app: AsyncApp, app_token: str, client: AsyncWebClient) -> None:
        self.handler = AsyncSocketModeHandler(app, app_token, web_client=client)

    async def start(self) -> None:
        await self.handler.connect_async()
        log.info("slack socket mode connected")

    async def stop(self) -> None:
        await self.handler.close_async()

    async def connected(self) -> bool:
        return bool(await self.handler.client.is_connected())

"""Installations and OAuth state in Tandem's database, and the bot token for each workspace."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.async_cacheable_installation_store import (
    AsyncCacheableInstallationStore,
)
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.messenger import Unreachable

# The bot scopes in app_manifest.yml; the README explains each one.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "users:read",
    "users:read.email",
)
STATE_EXPIRY_SECONDS = 600
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

OnInstalled = Callable[[str], Awaitable[None]]


def installation_store(client_id: str, engine: AsyncEngine) -> AsyncCacheableInstallationStore:
    """slack_sdk's SQLAlchemy store over Tandem's engine (tables from migration 0002)."""
    return AsyncCacheableInstallationStore(AsyncSQLAlchemyInstallationStore(client_id, engine))


def oauth_settings(
    *,
    client_id: str,
    client_secret: str,
    store: AsyncCacheableInstallationStore,
    engine: AsyncEngine,
    on_installed: OnInstalled,
) -> AsyncOAuthSettings:
    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        if args.installation.team_id:
            await on_installed(args.installation.team_id)
        return await args.default.success(args)

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        return await args.default.failure(args)

    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # Straight to Slack's consent screen: an extra "Add to Slack" page helps nobody.
        install_page_rendering_enabled=False,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=AsyncSQLAlchemyOAuthStateStore(STATE_EXPIRY_SECONDS, engine),
        callback_options=AsyncCallbackOptions(success=success, failure=failure),
    )


class BotTokens:
    """The bot token for a workspace: the one SLACK_BOT_TOKEN, or its OAuth installation."""

    def __init__(self, single_token: str, store: AsyncCacheableInstallationStore | None) -> None:
        self.single_token = single_token
        self.store = store

    async def for_team(self, team_id: str) -> str:
        if self.store is not None:
            bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
            if bot is not None and bot.bot_token:
                return bot.bot_token
        if self.single_token:
            return self.single_token
        raise Unreachable("not_installed")

    async def forget(self, team_id: str) -> None:
        if self.store is not None:
            await self.store.async_delete_all(enterprise_id=None, team_id=team_id)

"""Installing Tandem into a workspace with OAuth, and using that workspace's own token after."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.runtime.host import Services
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_fixtures import (
    ALICE,
    SlackDriver,
    payload,
    slack_config,
)

STATE_COOKIE = "slack-app-oauth-state"


@pytest.fixture
async def oauth_services(
    sqlite_url: str, clock: OffsetClock, fake: FakeSlackApi
) -> AsyncIterator[Services]:
    config = slack_config(
        sqlite_url,
        fake.url,
        slack_bot_token="",
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",
    )
    services = await build(config, clock)
    services.pacer.limits = {}
    yield services
    await services.close()


@pytest.fixture
async def oauth(oauth_services: Services, fake: FakeSlackApi) -> AsyncIterator[SlackDriver]:
    async with TestClient(TestServer(oauth_services.web_app())) as client:
        yield SlackDriver(client, fake, oauth_services)


async def install(oauth: SlackDriver, code: str = "good-code") -> tuple[int, str]:
    start = await oauth.client.get("/slack/install", allow_redirects=False)
    assert start.status == 302
    location = urlparse(start.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "slack.com",
        "/oauth/v2/authorize",
    )
    query = parse_qs(location.query)
    assert query["client_id"] == ["1111.2222"]
    assert set(query["scope"][0].split(",")) >= {"commands", "chat:write"}
    state = query["state"][0]
    # The state cookie is Secure, so a plain-HTTP test client would not send it back itself.
    done = await oauth.client.get(
        "/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": f"{STATE_COOKIE}={state}"},
        allow_redirects=False,
    )
    return done.status, state


async def stored_bot_tokens(services: Services) -> list[str]:
    async with services.db.engine.connect() as conn:
        return list((await conn.execute(text("SELECT bot_token FROM slack_bots"))).scalars())


async def test_install_stores_the_installation_and_later_events_use_its_token(
    oauth: SlackDriver, oauth_services: Services, fake: FakeSlackApi
) -> None:
    status, _ = await install(oauth)

    assert status == 200
    [access] = fake.calls("oauth.v2.access")
    assert access.ok
    [token] = await stored_bot_tokens(oauth_services)
    assert token == access.response["access_token"]

    await oauth.command("help")
    await oauth.settle()

    [reply] = fake.calls("chat.postMessage")
    assert reply.token == token
    assert fake.messages_to(ALICE)


async def test_a_forged_state_installs_nothing(
    oauth: SlackDriver, oauth_services: Services, fake: FakeSlackApi
) -> None:
    response = await oauth.client.get(
        "/slack/oauth_redirect",
        params={"code": "good-code", "state": "made-up"},
        headers={"Cookie": f"{STATE_COOKIE}=made-up"},
    )

    assert response.status >= 400
    assert fake.calls("oauth.v2.access") == []
    assert await stored_bot_tokens(oauth_services) == []


async def test_a_state_is_good_for_one_install_only(
    oauth: SlackDriver, oauth_services: Services
) -> None:
    status, state = await install(oauth)
    assert status == 200

    again = await oauth.client.get(
        "/slack/oauth_redirect",
        params={"code": "good-code", "state": state},
        headers={"Cookie": f"{STATE_COOKIE}={state}"},
    )
    assert again.status >= 400
    assert len(await stored_bot_tokens(oauth_services)) == 1


async def test_uninstall_deletes_the_installation(
    oauth: SlackDriver, oauth_services: Services, fake: FakeSlackApi
) -> None:
    await install(oauth)

    await oauth.event(payload("app_uninstalled"))
    await oauth.settle()

    assert await stored_bot_tokens(oauth_services) == []

"""The playground answers its own page and scripts on this machine, never another site's page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.runtime.host import Services
from tests.fakes.slack_api import FakeSlackApi
from tests.playground_driver import PlaygroundDriver
from tests.slack_fixtures import slack_config

A_YEAR = '{"minutes": 525600}'
EVIL = "https://evil.example"


@pytest.fixture
async def beside_slack(
    sqlite_url: str, clock: OffsetClock, fake: FakeSlackApi
) -> AsyncIterator[Services]:
    """TANDEM_PLAYGROUND=on next to real Slack credentials: one clock for both."""
    services = await build(slack_config(sqlite_url, fake.url, playground=True), clock)
    yield services
    await services.close()


@pytest.fixture
async def shared(beside_slack: Services) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(beside_slack.web_app())) as client:
        yield client


# Case: a cross-origin text/plain POST moved the shared clock a year, for Slack users too.
async def test_another_sites_page_cannot_move_the_shared_clock(
    shared: TestClient, beside_slack: Services
) -> None:
    before = beside_slack.clock.now()
    response = await shared.post(
        "/playground/clock",
        data=A_YEAR,
        headers={"Content-Type": "text/plain", "Origin": EVIL, "Referer": f"{EVIL}/page"},
    )
    assert response.status == 403
    assert beside_slack.clock.now() == before


async def test_without_the_pages_token_nothing_changes(
    playground: PlaygroundDriver, client: TestClient, services: Services
) -> None:
    headers = await playground.page_headers()
    before = services.clock.now()
    for token in (None, "", "stale-token", "\u00e9"):
        sent = {**headers, "Content-Type": "application/json"}
        if token is None:
            del sent["X-Tandem-Token"]
        else:
            sent["X-Tandem-Token"] = token
        response = await client.post("/playground/clock", data=A_YEAR, headers=sent)
        assert response.status == 403
    assert services.clock.now() == before


@pytest.mark.parametrize(
    "changed",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        # A name re-resolved to 127.0.0.1 (DNS rebinding) makes a foreign page same-origin.
        {"Host": "evil.example", "Origin": "http://evil.example"},
    ],
)
async def test_a_request_from_elsewhere_is_refused_even_with_the_token(
    playground: PlaygroundDriver, client: TestClient, services: Services, changed: dict
) -> None:
    headers = {**await playground.page_headers(), "Content-Type": "application/json", **changed}
    before = services.clock.now()
    response = await client.post("/playground/clock", data=A_YEAR, headers=headers)
    assert response.status in (403, 415)
    assert services.clock.now() == before


async def test_only_the_clock_may_be_moved_by_a_script_without_an_origin(
    playground: PlaygroundDriver, client: TestClient, services: Services
) -> None:
    token = await (await client.get("/playground/token")).text()
    script = {"Content-Type": "application/json", "X-Tandem-Token": token}

    response = await client.post(
        "/playground/say", json={"as": "sam", "text": "hi"}, headers=script
    )
    assert response.status == 403

    before = services.clock.now()
    response = await client.post("/playground/clock", data=A_YEAR, headers=script)
    assert response.status == 200
    assert (services.clock.now() - before).days == 365


async def test_the_page_carries_its_token_and_refuses_to_be_framed(client: TestClient) -> None:
    response = await client.get("/playground/")
    page = await response.text()
    assert response.headers["X-Frame-Options"] == "DENY"
    token = await (await client.get("/playground/token")).text()
    assert len(token) > 30 and f'content="{token}"' in page

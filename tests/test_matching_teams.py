"""Smoke test on Teams: an admin matches and publishes; both people get a valid intro card."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import Services, build
from bot.clock import OffsetClock
from bot.config import Config
from tests.fakes.bot_connector import FakeBotConnector
from tests.matching_helpers import enrol
from tests.teams_driver import (
    WORKSPACE,
    TeamsDriver,
    assert_valid_card,
    button_data,
    card_texts,
    dm_id,
    seed_programme,
)

ADA, SAM, PRIYA = "29:ada", "29:sam", "29:priya"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotConnector]:
    async with FakeBotConnector() as connector:
        yield connector


@pytest.fixture
async def teams(sqlite_url: str, clock: OffsetClock) -> AsyncIterator[Services]:
    config = Config(
        database_url=sqlite_url, playground=False, run_scheduler=False, teams_local=True
    )
    services = await build(config, clock)
    await seed_programme(services.db, ADA)
    yield services
    await services.close()


@pytest.fixture
async def driver(teams: Services, fake: FakeBotConnector) -> AsyncIterator[TeamsDriver]:
    async with TestClient(TestServer(teams.web_app())) as client:
        yield TeamsDriver(client, fake)


async def test_match_and_publish_on_teams(driver, fake, teams) -> None:  # type: ignore[no-untyped-def]
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    for user in (SAM, PRIYA):
        await driver.say(user, "help")  # Teams only lets the bot DM people it has met
    await enrol(teams.db, workspace_id, 1, SAM, role="mentor", department="Finance")
    await enrol(teams.db, workspace_id, 1, PRIYA, role="mentee", department="Legal")

    await driver.say(ADA, "match")
    preview = fake.cards(dm_id(ADA))[-1]
    assert_valid_card(preview)
    assert "Proposed pairs" in card_texts(preview)

    preview_id = fake.activities(dm_id(ADA))[-1].activity_id
    await driver.send(driver.invoke(ADA, button_data(preview, "Publish"), preview_id))
    for user in (SAM, PRIYA):
        intro = fake.cards(dm_id(user))[-1]
        assert_valid_card(intro)
        assert "Why we matched you" in card_texts(intro)
        button_data(intro, "Book our chemistry meeting")

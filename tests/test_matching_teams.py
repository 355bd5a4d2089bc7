"""Smoke test on Teams: an admin matches and publishes; both people get a valid intro card."""

from __future__ import annotations

import pytest

from tests.fakes.bot_connector import FakeBotConnector
from tests.matching_helpers import enrol
from tests.teams_driver import (
    WORKSPACE,
    assert_valid_card,
    button_data,
    card_texts,
    dm_id,
)

ADA, SAM, PRIYA = "29:ada", "29:sam", "29:priya"


@pytest.fixture
def fake(connector: FakeBotConnector) -> FakeBotConnector:
    return connector


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

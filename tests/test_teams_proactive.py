"""Messages Tandem starts on Teams: reminders after a restart, new chats, channel posts, failures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from adapters.teams.references import channels
from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.outbound import Message, Text
from bot.core.refs import ConversationRef, UserRef
from bot.runtime.host import Services
from bot.runtime.policy import REFUSED
from storage.models import Delivery, Person
from tests.fakes.bot_connector import FakeBotConnector
from tests.slack_fixtures import SteppedClock
from tests.teams_driver import (
    SIGNUP_INPUTS,
    TEAM_ID,
    WORKSPACE,
    TeamsDriver,
    assert_valid_card,
    card_texts,
    dm_id,
    seed_programme,
    submit_data,
)

SAM, ADA, LEO = "29:sam", "29:ada", "29:leo"
GENERAL = "19:general@thread.tacv2"
REMINDER = Message("Your session is tomorrow", (Text("Your session with *Priya* is tomorrow."),))


def _config(sqlite_url: str) -> Config:
    return Config(database_url=sqlite_url, playground=False, run_scheduler=False, teams_local=True)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotConnector]:
    async with FakeBotConnector() as connector:
        yield connector


@pytest.fixture
async def teams(sqlite_url: str, clock: OffsetClock) -> AsyncIterator[Services]:
    services = await build(_config(sqlite_url), clock)
    await seed_programme(services.db, admin_id=ADA)
    yield services
    await services.close()


@pytest.fixture
async def driver(teams: Services, fake: FakeBotConnector) -> AsyncIterator[TeamsDriver]:
    async with TestClient(TestServer(teams.web_app())) as client:
        yield TeamsDriver(client, fake)


async def _dm(
    services: Services, user_id: str, message: Message = REMINDER, key: str | None = None
):  # type: ignore[no-untyped-def]
    workspace_id = await services.db.workspace_id(WORKSPACE)
    return await services.sender.send_now(
        workspace_id, UserRef(WORKSPACE, user_id), message, kind="reminder", key=key
    )


async def _person(services: Services, user_id: str) -> Person:
    workspace_id = await services.db.workspace_id(WORKSPACE)
    async with services.db.unit_of_work(workspace_id) as uow:
        person = await uow.people.by_user_id(user_id)
    assert person is not None
    return person


async def _sign_up(driver: TeamsDriver, fake: FakeBotConnector, user_id: str) -> None:
    await driver.say(user_id, "signup")
    form = fake.cards(dm_id(user_id))[-1]
    form_id = fake.activities(dm_id(user_id))[-1].activity_id
    await driver.send(driver.invoke(user_id, {**submit_data(form), **SIGNUP_INPUTS}, form_id))


async def test_reminder_reaches_a_person_after_a_restart(
    sqlite_url, clock, fake, driver, teams
) -> None:
    await driver.say(SAM, "hello")
    await teams.close()  # the process stops; only the database remains

    restarted = await build(_config(sqlite_url), clock)
    try:
        ref = await _dm(restarted, SAM)
    finally:
        await restarted.close()
    assert ref is not None and ref.conversation.conversation_id == dm_id(SAM)
    reminder = fake.cards(dm_id(SAM))[-1]
    assert_valid_card(reminder)
    assert "**Priya**" in card_texts(reminder)
    assert fake.activities(dm_id(SAM))[-1].operation == "send"


async def test_person_who_blocked_the_bot_is_marked_unreachable_and_admins_are_told_once(
    driver, fake, teams
) -> None:
    await driver.say(ADA, "hello")
    await _sign_up(driver, fake, SAM)
    fake.block_user(dm_id(SAM))

    assert await _dm(teams, SAM) is None
    assert await _dm(teams, SAM) is None

    sam = await _person(teams, SAM)
    assert not sam.reachable and "ConversationBlockedByUser" in sam.unreachable_reason
    # One refused call per send: a 403 is never retried.
    assert [r.status for r in fake.rejected] == [403, 403]
    notices = [c for c in fake.cards(dm_id(ADA)) if "can't be reached on Teams" in card_texts(c)]
    assert len(notices) == 1
    assert_valid_card(notices[0])
    assert "Sam" in card_texts(notices[0])


async def test_talking_to_the_bot_again_makes_a_person_reachable_again(driver, fake, teams) -> None:
    await driver.say(SAM, "hello")
    fake.block_user(dm_id(SAM))
    await _dm(teams, SAM)
    fake.unblock_user(dm_id(SAM))
    await driver.say(SAM, "status")
    assert (await _person(teams, SAM)).reachable


@pytest.mark.parametrize("failure", ["throttle", "unavailable"])
async def test_throttling_and_outages_are_retried_after_a_pause(
    driver, fake, teams, failure
) -> None:
    await driver.say(SAM, "hello")
    time = SteppedClock()
    teams.sender.sleep = time.sleep
    teams.pacer.monotonic, teams.pacer.sleep = time, time.sleep
    if failure == "throttle":
        fake.throttle(2, retry_after=3)
    else:
        fake.fail(1, status=503)

    assert await _dm(teams, SAM) is not None
    assert time.slept == ([3.0, 3.0] if failure == "throttle" else [1])
    assert "**Priya**" in card_texts(fake.cards(dm_id(SAM))[-1])
    async with teams.db.sessions() as session:
        delivery = await session.scalar(select(Delivery).where(Delivery.kind == "reminder"))
    assert delivery.state == "sent"


async def test_a_person_the_bot_never_talked_to_gets_a_new_chat_through_a_shared_team(
    driver, fake, teams
) -> None:
    await driver.send(driver.channel_message(SAM, "status", GENERAL, "General"))
    before = len(fake.created)

    assert await _dm(teams, LEO) is not None
    assert await _dm(teams, LEO, key="second") is not None

    assert [c["members"] for c in fake.created[before:]] == [[{"id": LEO}]]
    leo_chat = fake.created[-1]
    assert leo_chat["channelData"]["tenant"]["id"] == WORKSPACE.external_id
    assert len(fake.cards("a:1:new-" + LEO)) == 2
    assert (await _person(teams, LEO)).conversation_ref["conversation"]["id"] == "a:1:new-" + LEO


async def test_someone_outside_every_shared_team_is_unreachable(driver, fake, teams) -> None:
    fake.members = {SAM: {"name": "Sam"}}  # the team roster the fake knows
    await driver.send(driver.channel_message(SAM, "status", GENERAL, "General"))
    assert await _dm(teams, LEO) is None
    async with teams.db.sessions() as session:
        delivery = await session.scalar(select(Delivery).where(Delivery.kind == "reminder"))
    assert (delivery.state, delivery.attempts) == ("unreachable", 1)
    assert all(c["members"] != [{"id": LEO}] for c in fake.created)


async def test_announcement_starts_a_thread_in_a_channel_the_bot_was_used_in(
    driver, fake, teams
) -> None:
    await driver.send(driver.channel_message(SAM, "help", GENERAL, "General"))
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    assert [(c.channel_id, c.name) for c in await channels(teams.db, workspace_id)] == [
        (GENERAL, "General")
    ]
    announcement = Message("Sign-up is open", (Text("The *reverse mentoring pilot* is open."),))

    ref = await teams.sender.send_now(
        workspace_id, ConversationRef(WORKSPACE, GENERAL), announcement, kind="announcement"
    )

    assert ref is not None and ref.conversation.conversation_id.startswith(GENERAL + ";messageid=")
    posted = fake.created[-1]
    assert posted["channelData"]["channel"]["id"] == GENERAL
    card = posted["activity"]["attachments"][0]["content"]
    assert_valid_card(card)
    assert "**reverse mentoring pilot**" in card_texts(card)


async def test_a_champion_can_name_the_channel_as_they_see_it(driver, fake, teams) -> None:
    await driver.send(driver.channel_message(SAM, "help", "19:abc@thread.tacv2", "Mentoring"))
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    ref = await teams.sender.send_now(
        workspace_id, ConversationRef(WORKSPACE, "#mentoring"), REMINDER, kind="announcement"
    )
    assert ref is not None
    assert fake.created[-1]["channelData"]["channel"]["id"] == "19:abc@thread.tacv2"


async def test_posting_to_a_channel_the_bot_never_saw_fails_without_retrying(
    driver, fake, teams
) -> None:
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    ref = await teams.sender.send_now(
        workspace_id, ConversationRef(WORKSPACE, "19:secret@thread.tacv2"), REMINDER, kind="a"
    )
    assert ref is None
    assert fake.received == []


async def test_adding_the_bot_to_a_team_records_general_and_welcomes_the_installer(
    driver, fake, teams
) -> None:
    installed = driver.installed(SAM)
    installed["conversation"] = {"id": TEAM_ID, "conversationType": "channel", "isGroup": True}
    installed["channelData"] = {"tenant": {"id": WORKSPACE.external_id}, "team": {"id": TEAM_ID}}
    await driver.send(installed)
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    assert [(c.channel_id, c.name) for c in await channels(teams.db, workspace_id)] == [
        (TEAM_ID, "General")
    ]
    assert fake.created[-1]["members"] == [{"id": SAM}]
    welcome = fake.cards("a:1:new-" + SAM)[-1]
    assert_valid_card(welcome)
    assert "I'm **Tandem**" in card_texts(welcome)


async def test_a_champion_announces_to_a_channel_from_teams_and_gets_a_report(
    driver, fake, teams
) -> None:
    await driver.send(driver.channel_message(SAM, "help", GENERAL, "General"))
    await driver.say(ADA, "announce")
    form = fake.cards(dm_id(ADA))[-1]
    assert_valid_card(form)
    form_activity = fake.activities(dm_id(ADA))[-1].activity_id
    answers = {
        **submit_data(form),
        "message": "Sign-up for the reverse mentoring pilot is open!",
        "audience": "channel",
        "channel": "#general",
        "when": "now",
    }
    answer = await driver.send(driver.invoke(ADA, answers, form_activity))
    assert answer is not None and answer["statusCode"] == 200

    assert teams.scheduler is not None
    await teams.scheduler.dispatcher.run_due()
    await teams.scheduler.dispatcher.run_due()

    posted = fake.created[-1]
    assert posted["channelData"]["channel"]["id"] == GENERAL
    card = posted["activity"]["attachments"][0]["content"]
    assert_valid_card(card)
    assert "reverse mentoring pilot is open" in card_texts(card)
    report = card_texts(fake.cards(dm_id(ADA))[-1])
    assert "Sent: 1" in report and "Failed: 0" in report


async def test_someone_who_is_not_a_champion_cannot_announce_on_teams(driver, fake) -> None:
    await driver.say(SAM, "announce")
    assert card_texts(fake.cards(dm_id(SAM))[-1]) == REFUSED


async def test_a_person_who_comes_back_and_blocks_again_is_reported_again(
    driver, fake, teams, clock
) -> None:
    from datetime import timedelta

    await driver.say(ADA, "hello")
    await _sign_up(driver, fake, SAM)
    fake.block_user(dm_id(SAM))
    await _dm(teams, SAM)
    fake.unblock_user(dm_id(SAM))
    await driver.say(SAM, "status")
    clock.advance(timedelta(days=3))
    fake.block_user(dm_id(SAM))
    await _dm(teams, SAM)

    notices = [c for c in fake.cards(dm_id(ADA)) if "can't be reached on Teams" in card_texts(c)]
    assert len(notices) == 2

"""Nothing fails silently on Teams either: the real botbuilder against the fake Bot Connector.
A run of 5xx, or a tenant whose admin turned the bot off, reaches the programme admin once
when it starts (when it can) and once when messages get through again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.outbound import Message, Text
from bot.runtime.host import Services
from storage.models import Person, Programme
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.faults import Fault
from tests.outbox_helpers import enrol_in, plan_note, with_test_kinds
from tests.slack_fixtures import SteppedClock
from tests.teams_driver import WORKSPACE, TeamsDriver, card_texts, dm_id

ADA = "29:ada"  # runs the programme (tests/teams_driver.py: seed_programme)
PEOPLE = ("29:sam", "29:leo", "29:ben")
ALERT = "Tandem's messages aren't getting through on Teams"
RECOVERED = "Tandem's messages are getting through on Teams again"


@pytest.fixture
def time(teams: Services) -> SteppedClock:
    """Back-off waits move this clock instead of taking time."""
    time = SteppedClock()
    teams.sender.sleep = time.sleep
    teams.pacer.monotonic, teams.pacer.sleep = time, time.sleep
    return time


async def people_enrolled(teams: Services, driver: TeamsDriver) -> None:
    """Ada and three participants have talked to the bot, so it can write to them."""
    with_test_kinds(teams)
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    async with teams.db.sessions() as session:
        programme_id = await session.scalar(select(Programme.id))
    assert programme_id is not None
    await driver.say(ADA, "hello")
    for user in PEOPLE:
        await driver.say(user, "hello")
        await enrol_in(teams, workspace_id, programme_id, user, "mentee")


async def plan_notes(teams: Services, text: str, people: tuple[str, ...] = PEOPLE) -> None:
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    now = teams.clock.now()
    async with teams.db.unit_of_work(workspace_id) as uow:
        for user in people:
            person = await uow.people.by_user_id(user)
            assert person is not None
            await plan_note(
                uow, key=f"{text}:{user}", message=Message(text, (Text(text),)), due_at=now,
                now=now, user_id=user, person_id=person.id,
            )  # fmt: skip
        await uow.commit()


async def minutes_pass(teams: Services, minutes: int) -> None:
    for _ in range(minutes):
        teams.clock.advance(timedelta(minutes=1))
        await teams.clock_moved()


def told(connector: FakeBotConnector) -> tuple[int, int]:
    """(alerts, recovery notices) in Ada's chat."""
    texts = [card_texts(card) for card in connector.cards(dm_id(ADA))]
    return sum(ALERT in t for t in texts), sum(RECOVERED in t for t in texts)


async def test_a_run_of_5xx_is_told_once_and_its_end_once(
    teams: Services, driver: TeamsDriver, connector: FakeBotConnector, time: SteppedClock
) -> None:
    await people_enrolled(teams, driver)
    # Teams cannot say whether a message behind a 500 arrived: these are dropped (at most
    # once), and each counts as a failure.
    connector.faults.add(Fault.ERROR_BEFORE, method="send", times=3)
    await plan_notes(teams, "Your prep for Thursday")
    await teams.clock_moved()
    assert told(connector) == (0, 0)

    await minutes_pass(teams, 2)
    assert told(connector) == (1, 0)
    await minutes_pass(teams, 2)
    assert told(connector) == (1, 1)
    await plan_notes(teams, "Your reflection")
    await minutes_pass(teams, 4)
    assert told(connector) == (1, 1)


async def test_a_tenant_that_turned_the_bot_off_is_told_once_it_is_back_on(
    teams: Services, driver: TeamsDriver, connector: FakeBotConnector, time: SteppedClock
) -> None:
    await people_enrolled(teams, driver)
    for user in (ADA, *PEOPLE):
        connector.block_user(dm_id(user), "BotDisabledByAdmin")
    await plan_notes(teams, "Your prep for Thursday")
    await minutes_pass(teams, 3)

    health = await (await driver.client.get("/healthz")).json()
    [outage] = health["teams"]["failing_workspaces"]
    assert (outage["cause"], outage["reason"]) == ("unreachable", "403 BotDisabledByAdmin")
    async with teams.db.sessions() as session:
        assert set(await session.scalars(select(Person.reachable))) == {True}

    for user in (ADA, *PEOPLE):
        connector.unblock_user(dm_id(user))
    await plan_notes(teams, "Your reflection", PEOPLE[:1])
    await minutes_pass(teams, 4)

    assert told(connector) == (0, 1)
    health = await (await driver.client.get("/healthz")).json()
    assert health["teams"]["deliveries"] == "ok"

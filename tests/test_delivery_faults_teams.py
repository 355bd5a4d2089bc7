"""Sending on Teams through platform faults, with the real botbuilder against the fake Bot
Connector. Teams cannot say whether a message whose send failed ambiguously arrived, so
each kind's declared choice decides (docs/scheduler.md): an announcement is sent again (at
least once), a scheduled message is not (at most once). A 429 never loses a message."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.outbound import Message, Text
from bot.runtime.host import Services
from storage.models import Delivery, Programme
from tests.conftest import START
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.faults import Fault
from tests.outbox_helpers import NOTE, enrol_in, plan_note, with_test_kinds
from tests.slack_fixtures import SteppedClock
from tests.teams_driver import WORKSPACE, TeamsDriver, card_texts, dm_id, submit_data

ADA, SAM, LEO, BEN = "29:ada", "29:sam", "29:leo", "29:ben"
BODY = "Kick-off on Thursday at 14:00"


@pytest.fixture
def time(teams: Services) -> SteppedClock:
    """Back-off and Retry-After waits move this clock instead of taking time."""
    time = SteppedClock()
    teams.sender.sleep = time.sleep
    teams.pacer.monotonic, teams.pacer.sleep = time, time.sleep
    return time


async def announcement_ready(teams: Services, driver: TeamsDriver, people: list[str]) -> None:
    """Sam, Leo and Ben have talked to the bot and are enrolled; Ada has filled in the form."""
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    async with teams.db.sessions() as session:
        programme_id = await session.scalar(select(Programme.id))
    assert programme_id is not None
    for user in people:
        await driver.say(user, "hello")
        await enrol_in(teams, workspace_id, programme_id, user, "mentee")
    await driver.say(ADA, "announce")
    form = driver.fake.cards(dm_id(ADA))[-1]
    form_activity = driver.fake.activities(dm_id(ADA))[-1].activity_id
    answers = {**submit_data(form), "message": BODY, "audience": "everyone", "when": "now"}
    await driver.send(driver.invoke(ADA, answers, form_activity))


def copies(connector: FakeBotConnector, user: str, text: str = BODY) -> int:
    return sum(text in card_texts(card) for card in connector.cards(dm_id(user)))


async def rows(teams: Services, kind: str) -> list[Delivery]:
    async with teams.db.sessions() as session:
        return list(await session.scalars(select(Delivery).where(Delivery.kind == kind)))


async def test_an_announcement_is_sent_again_when_teams_cannot_say_it_arrived(
    teams: Services, driver: TeamsDriver, connector: FakeBotConnector, time: SteppedClock
) -> None:
    await announcement_ready(teams, driver, [SAM, LEO, BEN])
    connector.faults.add(Fault.ERROR_AFTER, method="send", recipient=dm_id(SAM), times=1)
    assert teams.scheduler is not None

    await teams.scheduler.dispatcher.run_due()

    # At least once: Sam's first copy arrived though Teams answered 500.
    assert [copies(connector, user) for user in (SAM, LEO, BEN)] == [2, 1, 1]
    report = card_texts(connector.cards(dm_id(ADA))[-1])
    assert "Sent: 3" in report and "Failed: 0" in report


async def test_a_scheduled_message_is_not_sent_again_when_teams_cannot_say(
    teams: Services, driver: TeamsDriver, connector: FakeBotConnector, time: SteppedClock
) -> None:
    with_test_kinds(teams)
    await driver.say(SAM, "hello")
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    async with teams.db.unit_of_work(workspace_id) as uow:
        person = await uow.people.ensure(SAM, START)
        message = Message("Prep notes", (Text("Prep notes for Thursday"),))
        await plan_note(
            uow, key="notes", message=message, due_at=START, now=START, user_id=SAM,
            person_id=person.id,
        )  # fmt: skip
        await uow.commit()
    connector.faults.add(Fault.ERROR_AFTER, method="send", recipient=dm_id(SAM), times=1)
    assert teams.scheduler is not None

    await teams.scheduler.dispatcher.run_due()
    await teams.scheduler.dispatcher.run_due()

    # At most once: the copy Teams answered 500 for is the only one.
    assert copies(connector, SAM, "Prep notes for Thursday") == 1
    [row] = await rows(teams, NOTE)
    assert (row.state, row.last_error) == ("dropped", "unsure whether delivered; at most once")


async def test_a_429_storm_on_teams_loses_nothing_and_costs_no_attempts(
    teams: Services, driver: TeamsDriver, connector: FakeBotConnector, time: SteppedClock
) -> None:
    await announcement_ready(teams, driver, [SAM, LEO, BEN])
    connector.faults.add(Fault.RATE_LIMITED, method="send", calls=range(1, 13), retry_after=2)
    assert teams.scheduler is not None

    await teams.scheduler.dispatcher.run_due()

    assert [copies(connector, user) for user in (SAM, LEO, BEN)] == [1, 1, 1]
    assert connector.faults.count(Fault.RATE_LIMITED) == 12
    assert {(r.state, r.attempts) for r in await rows(teams, "announcement")} == {("sent", 1)}
    assert 2.0 in time.slept

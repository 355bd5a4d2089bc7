"""On Teams the line manager is picked with Teams' people picker, whose answer (an Entra
object id) becomes the member id Tandem knows the person by.

Real botbuilder against the fake Bot Connector; every card is checked against the Adaptive
Card schema with Teams' people-picker extension.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.runtime.host import Services
from flows.matching.run import run_matching
from flows.signup.enrol import UNKNOWN_PERSON
from storage.models import Enrolment, Pair, Person
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams_driver import (
    SIGNUP_INPUTS,
    WORKSPACE,
    TeamsDriver,
    assert_valid_card,
    card_texts,
    dm_id,
    object_id,
    submit_data,
)

SAM = "29:sam"
LEO = "29:leo"
GRACE = "29:grace"
GRACE_OBJECT_ID = "4f8e2c1a-7b3d-4e5f-9a0b-1c2d3e4f5a6b"
GENERAL = "19:general@thread.tacv2"
JUNIOR = {"role": "mentor", "seniority": "1", "offers": "leadership,digital"}
SENIOR = {"role": "mentee", "seniority": "5", "department": "Operations"}


@pytest.fixture
def fake(connector: FakeBotConnector) -> FakeBotConnector:
    return connector


def _picker(card: dict[str, Any]) -> dict[str, Any]:
    [element] = [e for e in card["body"] if e.get("id") == "manager"]
    return element


async def _open_form(driver: TeamsDriver, fake: FakeBotConnector, user: str) -> dict[str, Any]:
    await driver.say(user, "signup")
    form = fake.cards(dm_id(user))[-1]
    assert_valid_card(form)
    return form


async def _submit(
    driver: TeamsDriver, fake: FakeBotConnector, user: str, **answers: str
) -> dict[str, Any]:
    """Open the sign-up card, fill it in as Teams sends it back, and return the card Teams
    shows in its place."""
    form = await _open_form(driver, fake, user)
    activity_id = fake.activities(dm_id(user))[-1].activity_id
    data = {**submit_data(form), **SIGNUP_INPUTS, **answers}
    answer = await driver.send(driver.invoke(user, data, activity_id))
    assert answer is not None and answer["statusCode"] == 200
    card = answer["value"]
    assert_valid_card(card)
    return card


async def _enrolment(teams: Services, user_id: str) -> Enrolment | None:
    async with teams.db.sessions() as session:
        return await session.scalar(
            select(Enrolment).join(Person).where(Person.platform_user_id == user_id)
        )


async def test_the_manager_field_is_the_people_picker_with_known_people_as_its_fallback(
    driver: TeamsDriver, fake: FakeBotConnector
) -> None:
    await driver.say(LEO, "help")

    picker = _picker(await _open_form(driver, fake, SAM))

    assert picker["type"] == "Input.ChoiceSet" and picker["isMultiSelect"] is False
    assert picker["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    assert {"title": "Leo", "value": LEO} in picker["choices"]
    assert "value" not in picker


async def test_picking_someone_tandem_knows_stores_their_member_id_and_matching_honours_it(
    driver: TeamsDriver, fake: FakeBotConnector, teams: Services
) -> None:
    """Leo is the senior leader; Sam, who reports to him, picks him in the people picker,
    which answers with Leo's Entra object id."""
    assert "Thanks" in card_texts(await _submit(driver, fake, LEO, **SENIOR))

    confirmation = await _submit(driver, fake, SAM, **JUNIOR, manager=object_id(LEO))

    assert "Thanks" in card_texts(confirmation)
    enrolment = await _enrolment(teams, SAM)
    assert enrolment is not None and enrolment.manager_user_id == LEO
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    async with teams.db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.by_slug("pilot")
        assert programme is not None
        await run_matching(uow, programme, teams.clock.now())
        await uow.commit()
        assert list(await uow.session.scalars(select(Pair))) == []
    # Editing the sign-up shows Leo as the one picked.
    assert _picker(await _open_form(driver, fake, SAM))["value"] == LEO


async def test_picking_someone_tandem_never_met_finds_them_through_a_shared_team(
    driver: TeamsDriver, fake: FakeBotConnector, teams: Services
) -> None:
    await driver.send(driver.channel_message(SAM, "help", GENERAL, "General"))
    fake.members.update(
        {SAM: {"name": "Sam"}, GRACE: {"name": "Grace Hopper", "aadObjectId": GRACE_OBJECT_ID}}
    )

    confirmation = await _submit(driver, fake, SAM, manager=GRACE_OBJECT_ID)

    assert "Thanks" in card_texts(confirmation)
    enrolment = await _enrolment(teams, SAM)
    assert enrolment is not None and enrolment.manager_user_id == GRACE
    async with teams.db.sessions() as session:
        grace = await session.scalar(select(Person).where(Person.platform_user_id == GRACE))
    assert grace is not None
    assert (grace.display_name, grace.directory_id) == ("Grace Hopper", GRACE_OBJECT_ID)


async def test_a_client_without_the_picker_answers_with_a_known_persons_member_id(
    driver: TeamsDriver, fake: FakeBotConnector, teams: Services
) -> None:
    await driver.say(LEO, "help")

    assert "Thanks" in card_texts(await _submit(driver, fake, SAM, manager=LEO))

    enrolment = await _enrolment(teams, SAM)
    assert enrolment is not None and enrolment.manager_user_id == LEO


async def test_someone_teams_cannot_find_is_refused_at_the_field(
    driver: TeamsDriver, fake: FakeBotConnector, teams: Services
) -> None:
    await driver.send(driver.channel_message(SAM, "help", GENERAL, "General"))
    fake.members.update({SAM: {"name": "Sam"}})

    for answer in (GRACE_OBJECT_ID, "@grace.hopper"):
        card = await _submit(driver, fake, SAM, manager=answer)

        assert UNKNOWN_PERSON in card_texts(card)
        assert "Thanks" not in card_texts(card)
        assert await _enrolment(teams, SAM) is None

"""A shorter session cycle on Teams: book a session, prep prompt, poll card, admin alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.runtime.host import Services
from flows.common.actions import SESSION_BOOK_ACTION
from storage.models import Meeting, Pair, Response
from tests.fakes.bot_connector import FakeBotConnector
from tests.matching_helpers import enrol
from tests.session_cycle_helpers import poll_morning, prep_time
from tests.teams_driver import (
    WORKSPACE,
    TeamsDriver,
    assert_valid_card,
    button_data,
    card_texts,
    dm_id,
    submit_data,
)

ADA, SAM, PRIYA = "29:ada", "29:sam", "29:priya"


@pytest.fixture
def fake(connector: FakeBotConnector) -> FakeBotConnector:
    return connector


async def click(driver: TeamsDriver, fake: FakeBotConnector, user: str, title: str) -> None:
    """Click the button with this title on the newest card that has one."""
    for activity, card in zip(
        reversed(fake.activities(dm_id(user))), reversed(fake.cards(dm_id(user))), strict=False
    ):
        try:
            data = button_data(card, title)
        except AssertionError:
            continue
        await driver.send(driver.invoke(user, data, activity.activity_id))
        return
    raise AssertionError(f"{user} has no {title!r} button")


async def move_clock(services: Services, when) -> None:  # type: ignore[no-untyped-def]
    step = max(timedelta(minutes=1), when - services.clock.now() + timedelta(minutes=1))
    services.clock.advance(step)
    await services.clock_moved()


async def test_a_session_on_teams(driver, fake, teams) -> None:  # type: ignore[no-untyped-def]
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    for user in (SAM, PRIYA, ADA):
        await driver.say(user, "help")  # Teams only lets the bot DM people it has met
    mentor = await enrol(teams.db, workspace_id, 1, SAM, role="mentor")
    mentee = await enrol(teams.db, workspace_id, 1, PRIYA, role="mentee")
    async with teams.db.unit_of_work(workspace_id) as uow:
        pair = Pair(
            programme_id=1,
            mentor_enrolment_id=mentor,
            mentee_enrolment_id=mentee,
            status="confirmed",
            created_at=teams.clock.now(),
        )
        uow.pairs.add(pair)
        await uow.session.flush()
        pair_id = pair.id
        await uow.commit()

    await driver.send(
        driver.invoke(SAM, {"action_id": SESSION_BOOK_ACTION, "value": str(pair_id)}, "1:1")
    )
    offer = fake.cards(dm_id(SAM))[-1]
    assert_valid_card(offer)
    slot = next(
        a["data"]
        for element in offer["body"]
        for a in element.get("actions", [])
        if a.get("data", {}).get("action_id") == "sess_slot"
    )
    await driver.send(driver.invoke(SAM, slot, fake.activities(dm_id(SAM))[-1].activity_id))
    await click(driver, fake, PRIYA, "Accept")
    async with teams.db.sessions() as session:
        meeting = await session.scalar(select(Meeting).where(Meeting.kind == "session"))
    assert meeting is not None and meeting.status == "scheduled"

    await move_clock(teams, prep_time(meeting))
    prep = [c for c in fake.cards(dm_id(SAM)) if "article or insight" in card_texts(c)]
    assert prep, "Sam got no prep prompt"
    assert_valid_card(prep[-1])
    assert "Need support?" in card_texts(prep[-1])

    await move_clock(teams, poll_morning(meeting))
    await click(driver, fake, PRIYA, "Answer the poll")
    form = fake.cards(dm_id(PRIYA))[-1]
    assert_valid_card(form)
    form_activity = fake.activities(dm_id(PRIYA))[-1].activity_id
    answers = {"met": "yes", "valuable": "5", "safe_space": "2", "comment": "TEAMS-SECRET"}
    await driver.send(driver.invoke(PRIYA, {**submit_data(form), **answers}, form_activity))
    async with teams.db.sessions() as session:
        rows = list(await session.scalars(select(Response).where(Response.kind == "poll")))
    assert {r.question for r in rows} == {"met", "valuable", "safe_space", "comment"}
    admin = "\n".join(card_texts(c) for c in fake.cards(dm_id(ADA)))
    assert "may need support" in admin and "TEAMS-SECRET" not in admin

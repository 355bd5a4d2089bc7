"""A whole pair through the programme on Teams: the CloudAdapter endpoint against the fake Bot
Connector, with the controllable clock. Every card must be a valid Adaptive Card."""

from __future__ import annotations

from bot.runtime.host import Services
from tests.matching_helpers import enrol
from tests.programme_cycle import (
    MENTEE_SIGNUP,
    MENTOR_SIGNUP,
    Cast,
    assert_nothing_unshared_disclosed,
    run_whole_programme,
)
from tests.teams_driver import WORKSPACE, TeamsChat, TeamsDriver

ADA, SAM, PRIYA = "29:ada", "29:sam", "29:priya"


async def test_a_pair_goes_through_the_whole_programme_on_teams(
    driver: TeamsDriver, teams: Services
) -> None:
    teams.pacer.limits = {}  # pacing has its own tests; here it would only make the test wait
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    for user in (ADA, SAM, PRIYA):
        await driver.say(user, "help")  # Teams only lets the bot DM people it has met
    await enrol(teams.db, workspace_id, 1, SAM, role="mentor", **MENTOR_SIGNUP)
    await enrol(
        teams.db, workspace_id, 1, PRIYA, role="mentee", zone="Europe/Berlin", **MENTEE_SIGNUP
    )

    chat, cast = TeamsChat(driver), Cast(mentor=SAM, mentee=PRIYA, admin=ADA)
    await run_whole_programme(chat, teams, cast)
    assert_nothing_unshared_disclosed(chat, cast)

    assert chat.assert_every_card_valid() > 100
    assert not driver.fake.rejected

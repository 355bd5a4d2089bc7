"""A whole pair through the programme on Slack: the real bolt app against FakeSlackApi, with the
controllable clock. Every Web API call Tandem makes must be accepted."""

from __future__ import annotations

from bot.core.refs import Platform, WorkspaceRef
from bot.runtime.host import Services
from tests.fakes.slack_api import FakeSlackApi
from tests.matching_helpers import enrol
from tests.programme_cycle import (
    MENTEE_SIGNUP,
    MENTOR_SIGNUP,
    Cast,
    assert_nothing_unshared_disclosed,
    run_whole_programme,
)
from tests.slack_fixtures import ALICE, BOB, TEAM, SlackChat, SlackDriver

CAROL = "U0CAROL03"


async def test_a_pair_goes_through_the_whole_programme_on_slack(
    slack: SlackDriver, slack_services: Services, fake: FakeSlackApi, programme_id: int
) -> None:
    db = slack_services.db
    workspace_id = await db.workspace_id(WorkspaceRef(Platform.SLACK, TEAM))
    fake.set_user(BOB, real_name="Sam")
    fake.set_user(CAROL, tz="Europe/Berlin", tz_offset=3600, real_name="Priya")
    await enrol(db, workspace_id, programme_id, BOB, role="mentor", **MENTOR_SIGNUP)
    await enrol(
        db, workspace_id, programme_id, CAROL, role="mentee", zone="Europe/Berlin", **MENTEE_SIGNUP
    )
    async with db.unit_of_work(workspace_id) as uow:
        admin = await uow.people.ensure(ALICE, slack_services.clock.now())
        await uow.programmes.add_role(programme_id, admin.id, "admin")
        await uow.commit()

    chat, cast = SlackChat(slack, fake), Cast(mentor=BOB, mentee=CAROL, admin=ALICE)
    await run_whole_programme(chat, slack_services, cast)
    assert_nothing_unshared_disclosed(chat, cast)

    refused = [(c.method, c.error) for c in fake.calls() if not c.ok]
    assert refused == [], "Slack refused some of Tandem's calls"
    assert not fake.rate_limited()

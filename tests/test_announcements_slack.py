"""Announcements on Slack end to end: slash command, modal, fan-out and report via FakeSlackApi."""

from __future__ import annotations

from bot.core.refs import Platform, WorkspaceRef
from bot.runtime.host import Services
from bot.runtime.policy import REFUSED
from tests.fakes.slack_api import FakeSlackApi
from tests.outbox_helpers import enrol_in
from tests.slack_fixtures import ALICE, BOB, TEAM, SlackDriver

CAROL = "U0CAROL03"


async def champion_and_audience(services: Services, programme_id: int) -> None:
    """Alice champions the programme; Bob and Carol are enrolled in it."""
    workspace_id = await services.db.workspace_id(WorkspaceRef(Platform.SLACK, TEAM))
    now = services.clock.now()
    async with services.db.unit_of_work(workspace_id) as uow:
        alice = await uow.people.ensure(ALICE, now, display_name="Alice")
        await uow.programmes.add_role(programme_id, alice.id, "champion")
        await uow.commit()
    await enrol_in(services, workspace_id, programme_id, BOB, "mentee")
    await enrol_in(services, workspace_id, programme_id, CAROL, "mentor")


async def submit_announcement(slack: SlackDriver, values: dict[str, str]) -> None:
    await slack.command("announce", user=ALICE)
    await slack.settle()
    response = await slack.submit(values, user=ALICE, callback_id="announce")
    assert response.status == 200
    await slack.settle()


async def test_only_champions_get_the_form_on_slack(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    await champion_and_audience(slack_services, programme_id)

    await slack.command("announce", user=BOB)
    await slack.settle()
    assert fake.calls("views.open") == []
    assert REFUSED in slack.dm_texts(BOB)[-1]

    await slack.command("announce", user=ALICE)
    await slack.settle()
    [opened] = fake.calls("views.open")
    assert opened.params["view"]["callback_id"] == "announce"


async def test_announcement_reaches_the_audience_and_reports_on_slack(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    await champion_and_audience(slack_services, programme_id)
    await submit_announcement(
        slack, {"message": "Kick-off on Thursday", "audience": "everyone", "when": "now"}
    )
    assert slack_services.scheduler is not None
    await slack_services.scheduler.dispatcher.run_due()

    for user in (BOB, CAROL):
        assert "Kick-off on Thursday" in slack.dm_texts(user)[-1]
    report = slack.dm_texts(ALICE)[-1]
    assert "Delivery report" in report and "Sent: 2" in report

    await slack_services.scheduler.dispatcher.run_due()
    assert sum("Kick-off on Thursday" in t for t in slack.dm_texts(BOB)) == 1

"""Nothing fails silently: when Tandem's messages stop getting through in a Slack workspace,
each admin hears it once, and once more when they get through again, never once per failed
message. What reached Slack is counted from the fake Slack Web API's own record."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.outbound import Message, Text
from bot.core.refs import Platform, WorkspaceRef
from bot.runtime.host import Services
from storage.models import Delivery, Person
from tests.fakes.faults import Fault
from tests.fakes.slack_api import FakeSlackApi
from tests.outbox_helpers import enrol_in, plan_note, with_test_kinds
from tests.slack_fixtures import TEAM, SlackDriver, payload

WORKSPACE = WorkspaceRef(Platform.SLACK, TEAM)
ADMINS = ("U0ADMIN01", "U0ADMIN02")
PEOPLE = ("U0PART001", "U0PART002", "U0PART003")
ALERT = "Tandem's messages aren't getting through on Slack"
RECOVERED = "Tandem's messages are getting through on Slack again"


async def programme_with_admins(services: Services, programme_id: int) -> None:
    """Two admins run the programme; three people take part in it."""
    with_test_kinds(services)
    workspace_id = await services.db.workspace_id(WORKSPACE)
    async with services.db.unit_of_work(workspace_id) as uow:
        for user in ADMINS:
            admin = await uow.people.ensure(user, services.clock.now(), display_name=user)
            await uow.programmes.add_role(programme_id, admin.id, "admin")
        await uow.commit()
    for user in PEOPLE:
        await enrol_in(services, workspace_id, programme_id, user, "mentee")


async def plan_notes(services: Services, text: str, people: tuple[str, ...] = PEOPLE) -> None:
    """A scheduled message to each person, due now."""
    workspace_id = await services.db.workspace_id(WORKSPACE)
    now = services.clock.now()
    async with services.db.unit_of_work(workspace_id) as uow:
        for user in people:
            person = await uow.people.by_user_id(user)
            assert person is not None
            await plan_note(
                uow, key=f"{text}:{user}", message=Message(text, (Text(text),)), due_at=now,
                now=now, user_id=user, person_id=person.id,
            )  # fmt: skip
        await uow.commit()


async def minutes_pass(services: Services, minutes: int = 1) -> None:
    """Each minute the dispatcher runs what is due, the delivery health check among it."""
    for _ in range(minutes):
        services.clock.advance(timedelta(minutes=1))
        await services.clock_moved()


def dms(fake: FakeSlackApi, user: str, text: str) -> int:
    return sum(text in str(m.get("text", "")) for m in fake.messages_to(user))


def alerts(fake: FakeSlackApi) -> dict[str, tuple[int, int]]:
    """Per admin: (alerts, recovery notices) Slack holds."""
    return {user: (dms(fake, user, ALERT), dms(fake, user, RECOVERED)) for user in ADMINS}


async def states(services: Services, kind: str) -> list[tuple[str, str]]:
    async with services.db.sessions() as session:
        found = await session.execute(
            select(Delivery.state, Delivery.last_error).where(Delivery.kind == kind)
        )
        return sorted(found.tuples())


async def test_repeated_5xx_make_one_alert_and_one_recovery_per_admin(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    await programme_with_admins(slack_services, programme_id)
    # Slack answers 500 to every post for a while: each of the three messages is tried
    # four times and given up.
    fake.faults.add(Fault.ERROR_BEFORE, method="chat.postMessage", times=12)
    await plan_notes(slack_services, "Your prep for Thursday")
    await slack_services.clock_moved()
    assert await states(slack_services, "note") == [("failed", "fatal_error")] * 3
    assert alerts(fake) == {user: (0, 0) for user in ADMINS}

    await minutes_pass(slack_services, 2)  # the check notices; the alerts go out

    assert alerts(fake) == {user: (1, 0) for user in ADMINS}
    alert = fake.messages_to(ADMINS[0])[0]
    assert "3 messages couldn't be delivered" in str(alert["blocks"])
    assert "fatal_error" in str(alert["blocks"]) and "Mon 4 Jan, 09:00" in str(alert["blocks"])

    # Slack is fine again (the alerts themselves got through): one recovery notice each.
    await minutes_pass(slack_services, 2)
    assert alerts(fake) == {user: (1, 1) for user in ADMINS}

    # More messages, more checks: nothing more to tell.
    await plan_notes(slack_services, "Your reflection")
    await minutes_pass(slack_services, 5)
    assert alerts(fake) == {user: (1, 1) for user in ADMINS}
    assert all(dms(fake, user, "Your reflection") == 1 for user in PEOPLE)
    assert fake.faults.count(Fault.ERROR_BEFORE) == 12


async def test_a_failure_here_and_there_is_not_an_outage(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    await programme_with_admins(slack_services, programme_id)
    fake.fail("chat.postMessage", "invalid_blocks", times=2)  # two refused, one sent
    await plan_notes(slack_services, "Your prep for Thursday")
    await minutes_pass(slack_services, 3)
    fake.fail("chat.postMessage", "invalid_blocks", times=1)
    await plan_notes(slack_services, "Your reflection")
    await minutes_pass(slack_services, 3)

    assert sorted(s for s, _ in await states(slack_services, "note")).count("failed") == 3
    assert alerts(fake) == {user: (0, 0) for user in ADMINS}


async def revoke_token(slack: SlackDriver, fake: FakeSlackApi) -> None:
    fake.valid_tokens = {"xoxb-another-app"}  # Slack answers invalid_auth to Tandem's token


async def restore_token(slack: SlackDriver, fake: FakeSlackApi) -> None:
    fake.valid_tokens = None


async def uninstall(slack: SlackDriver, fake: FakeSlackApi) -> None:
    assert (await slack.event(payload("app_uninstalled"))).status == 200
    await slack.settle()


async def reinstall(slack: SlackDriver, fake: FakeSlackApi) -> None:
    # Slack sends events only for a workspace that has the app: a person's DM turns it on.
    await slack.say("help", user=PEOPLE[0], event_id="Ev0BACK")
    await slack.settle()


Step = Callable[[SlackDriver, FakeSlackApi], Awaitable[None]]


@pytest.mark.parametrize(
    ("break_it", "mend_it", "reason"),
    [(revoke_token, restore_token, "invalid_auth"), (uninstall, reinstall, "app_uninstalled")],
    ids=["token revoked", "app uninstalled"],
)
async def test_a_workspace_out_of_reach_is_logged_shown_and_told_once_it_is_back(
    slack: SlackDriver,
    fake: FakeSlackApi,
    slack_services: Services,
    programme_id: int,
    caplog: pytest.LogCaptureFixture,
    break_it: Step,
    mend_it: Step,
    reason: str,
) -> None:
    await programme_with_admins(slack_services, programme_id)
    await break_it(slack, fake)
    await plan_notes(slack_services, "Your prep for Thursday")

    with caplog.at_level(logging.ERROR, logger="bot.delivery.health"):
        await minutes_pass(slack_services, 3)

    # The admins cannot be told on Slack: it is logged loudly and shown in /healthz...
    [loud] = [r for r in caplog.records if r.getMessage().startswith("workspace unreachable")]
    assert (loud.levelno, loud.reason) == (logging.ERROR, reason)  # type: ignore[attr-defined]
    response = await slack.client.get("/healthz")
    health = await response.json()
    assert response.status == 200  # a process restart would not bring the workspace back
    assert health["slack"]["deliveries"] == "failing"
    [outage] = health["slack"]["failing_workspaces"]
    assert (outage["cause"], outage["reason"], outage["failures"]) == ("unreachable", reason, 3)
    assert fake.posts() == []
    # ...and nobody is taken for unreachable: it is the installation that is gone.
    async with slack_services.db.sessions() as session:
        assert set(await session.scalars(select(Person.reachable))) == {True}
    assert await states(slack_services, "unreachable_report") == []

    await mend_it(slack, fake)
    await plan_notes(slack_services, "Your reflection", PEOPLE[1:2])
    await minutes_pass(slack_services, 5)

    # Once messages get through again, each admin hears the whole story, once.
    assert alerts(fake) == {user: (0, 1) for user in ADMINS}
    notice = str(fake.messages_to(ADMINS[1])[0]["blocks"])
    assert "lost its access to this workspace" in notice and reason in notice
    assert "3 messages couldn't be delivered" in notice
    health = await (await slack.client.get("/healthz")).json()
    assert (health["slack"]["deliveries"], health["slack"]["failing_workspaces"]) == ("ok", [])

"""After a kill -9 mid-send on Slack, the delivery key in message metadata decides: a message
that reached Slack is recorded as sent, one that did not is sent once."""

from __future__ import annotations

from datetime import timedelta

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.outbound import Message, Text
from bot.core.refs import Platform, UserRef, WorkspaceRef
from bot.runtime.host import Services
from storage.repositories import deliveries as outbox
from tests.conftest import START
from tests.fakes.slack_api import FakeSlackApi
from tests.outbox_helpers import plan_note, with_test_kinds
from tests.slack_fixtures import ALICE, BOB, TEAM, slack_config

WORKSPACE = WorkspaceRef(Platform.SLACK, TEAM)


def note(user: str) -> Message:
    return Message(summary=f"Kick-off notes for {user}", blocks=(Text("Kick-off notes"),))


async def plan_notes(services: Services) -> None:
    workspace_id = await services.db.workspace_id(WORKSPACE)
    async with services.db.unit_of_work(workspace_id) as uow:
        for user in (ALICE, BOB):
            person = await uow.people.ensure(user, START)
            await plan_note(
                uow,
                key=f"notes:{user}",
                message=note(user),
                due_at=START,
                now=START,
                user_id=user,
                person_id=person.id,
            )
        await uow.commit()


async def crash_after_alice(services: Services) -> None:
    """Both notes were claimed; Alice's reached Slack, then the process died before recording
    it. Bob's never left."""
    services.pacer.limits = {}
    await plan_notes(services)
    async with services.db.sessions() as session:
        await outbox.claim(session, START, START + timedelta(minutes=1), 10)
    await services.messengers[Platform.SLACK].send_dm(
        UserRef(WORKSPACE, ALICE), note(ALICE), key=f"notes:{ALICE}"
    )
    await services.close()


async def restart(sqlite_url: str, fake: FakeSlackApi, clock: OffsetClock) -> None:
    again = with_test_kinds(await build(slack_config(sqlite_url, fake.url), clock))
    again.pacer.limits = {}
    try:
        assert again.scheduler is not None
        await again.scheduler.dispatcher.run_due()
        await again.scheduler.dispatcher.run_due()
    finally:
        await again.close()


async def test_a_send_that_reached_slack_is_not_repeated_after_a_crash(
    slack_services: Services, fake: FakeSlackApi, sqlite_url: str, clock: OffsetClock
) -> None:
    await crash_after_alice(slack_services)

    await restart(sqlite_url, fake, clock)

    assert len(fake.messages_to(ALICE)) == 1
    assert len(fake.messages_to(BOB)) == 1
    assert fake.calls("conversations.history")


async def test_when_slack_cannot_show_the_history_nothing_is_sent_twice(
    slack_services: Services, fake: FakeSlackApi, sqlite_url: str, clock: OffsetClock
) -> None:
    await crash_after_alice(slack_services)
    fake.fail("conversations.history", "missing_scope", times=2)

    await restart(sqlite_url, fake, clock)

    # Unsure either way, so these notes are at most once: Bob's is lost, Alice's not doubled.
    assert len(fake.messages_to(ALICE)) == 1
    assert fake.messages_to(BOB) == []

"""Sending on Slack through platform faults: nothing lost, nothing twice, an honest report.

Faults are injected by the fake Slack Web API itself (tests/fakes/faults.py), and what
people received is counted from the fake's own record, whatever Tandem was told.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.core.outbound import Message, Text
from bot.core.refs import ConversationRef, Platform, UserRef, WorkspaceRef
from bot.runtime.host import Services
from storage.models import Delivery
from tests.conftest import START
from tests.fakes.faults import Fault, FaultPlan
from tests.fakes.slack_api import FakeSlackApi
from tests.outbox_helpers import NOTE, enrol_in, plan_note, with_test_kinds
from tests.slack_fixtures import ALICE, TEAM, SlackDriver, SteppedClock

MANIFEST = Path(__file__).resolve().parents[1] / "app_manifest.yml"
WORKSPACE = WorkspaceRef(Platform.SLACK, TEAM)
POST = "chat.postMessage"
BODY = "Kick-off on Thursday"


async def announce_to(slack: SlackDriver, services: Services, programme_id: int, people: int):  # type: ignore[no-untyped-def]
    """Alice, a champion, announces to `people` enrolled people through the Slack modal."""
    workspace_id = await services.db.workspace_id(WORKSPACE)
    async with services.db.unit_of_work(workspace_id) as uow:
        alice = await uow.people.ensure(ALICE, services.clock.now(), display_name="Alice")
        await uow.programmes.add_role(programme_id, alice.id, "champion")
        await uow.commit()
    audience = [f"U{n:08d}" for n in range(people)]
    for user in audience:
        await enrol_in(services, workspace_id, programme_id, user, "mentee")
    # The champion opens the form and Slack sends back the modal Tandem rendered, filled in.
    await slack.command("announce", user=ALICE)
    await slack.settle()
    values = {"message": BODY, "audience": "everyone", "when": "now"}
    assert (await slack.submit(values, user=ALICE, callback_id="announce")).status == 200
    await slack.settle()
    assert services.scheduler is not None
    await services.scheduler.dispatcher.run_due()
    return audience


def announcement_counts(fake: FakeSlackApi) -> dict[str, int]:
    """How many times each announcement delivery key reached Slack."""
    return {k: n for k, n in fake.delivered_keys().items() if k.startswith("announcement:")}


async def rows(services: Services, kind: str) -> list[Delivery]:
    async with services.db.sessions() as session:
        return list(await session.scalars(select(Delivery).where(Delivery.kind == kind)))


async def test_an_announcement_through_500s_after_posting_arrives_once_and_reports_truly(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    faults = fake.faults = FaultPlan(seed=114)
    faults.add(Fault.ERROR_AFTER, method=POST, recipient="U00000005", calls=[1, 2])
    faults.add(Fault.ERROR_AFTER, method=POST, calls=[3, 10, 11, 12, 47, 90])
    faults.add(Fault.DROP, method=POST, calls=[20, 60])
    faults.add(Fault.ERROR_AFTER, method=POST, probability=0.05)

    audience = await announce_to(slack, slack_services, programme_id, 114)

    assert faults.count() >= 10
    counts = announcement_counts(fake)
    assert len(counts) == len(audience)
    assert {k: n for k, n in counts.items() if n > 1} == {}
    report = slack.dm_texts(ALICE)[-1]
    assert "Sent: 114" in report and "Failed: 0" in report
    assert sum("Delivery report" in text for text in slack.dm_texts(ALICE)) == 1


async def test_a_429_storm_delays_an_announcement_but_loses_nothing(
    slack: SlackDriver,
    fake: FakeSlackApi,
    slack_services: Services,
    programme_id: int,
    slack_clock: SteppedClock,
) -> None:
    # Every post Tandem makes while the storm lasts is refused: 40 of them, "wait 5 s".
    fake.faults.add(Fault.RATE_LIMITED, method=POST, calls=range(1, 41), retry_after=5)

    audience = await announce_to(slack, slack_services, programme_id, 12)

    assert announcement_counts(fake) == {k: 1 for k in announcement_counts(fake)}
    assert len(announcement_counts(fake)) == len(audience)
    assert len(fake.rate_limited(POST)) == 40
    report = slack.dm_texts(ALICE)[-1]
    assert "Sent: 12" in report and "Failed: 0" in report
    # Rate limiting consumed no attempts...
    assert {(r.state, r.attempts) for r in await rows(slack_services, "announcement")} == {
        ("sent", 1)
    }
    # ...and Retry-After was honoured: no post came sooner than 5 s after a 429.
    refused_at = sorted({call.at for call in fake.rate_limited(POST)})
    assert all(later - earlier >= 5 for earlier, later in pairwise(refused_at))


async def send(services: Services, text: str, target: UserRef | ConversationRef | None = None):  # type: ignore[no-untyped-def]
    workspace_id = await services.db.workspace_id(WORKSPACE)
    return await services.sender.send_now(
        workspace_id,
        target or UserRef(WORKSPACE, ALICE),
        Message(text, (Text(text),)),
        kind="announcement",
    )


async def outcomes(services: Services) -> list[tuple[str, int]]:
    async with services.db.sessions() as session:
        found = await session.execute(select(Delivery.state, Delivery.attempts))
        return [(state, attempts) for state, attempts in found]


@pytest.mark.parametrize("fault", [Fault.ERROR_AFTER, Fault.DROP, Fault.TIMEOUT])
async def test_a_message_slack_posted_despite_the_error_is_not_sent_again(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, fault: Fault
) -> None:
    # A timeout is the client's own: shortened, as the one real wait in these tests, but not
    # so short that the history read-back itself times out on a busy machine.
    slack_services.messengers[Platform.SLACK].client.timeout = 0.5  # type: ignore[attr-defined]
    fake.faults.add(fault, method=POST, times=1)

    assert await send(slack_services, "Your match is ready") is not None

    assert len(fake.messages_to(ALICE)) == 1
    assert await outcomes(slack_services) == [("sent", 1)]


async def test_a_message_slack_refused_with_a_500_is_sent_again_once(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services
) -> None:
    fake.faults.add(Fault.ERROR_BEFORE, method=POST, times=1)

    assert await send(slack_services, "Your match is ready") is not None

    assert len(fake.messages_to(ALICE)) == 1
    assert await outcomes(slack_services) == [("sent", 2)]
    assert fake.calls("conversations.history")


async def test_when_slack_cannot_say_an_at_most_once_message_is_not_sent_again(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services
) -> None:
    with_test_kinds(slack_services)
    workspace_id = await slack_services.db.workspace_id(WORKSPACE)
    async with slack_services.db.unit_of_work(workspace_id) as uow:
        person = await uow.people.ensure(ALICE, START)
        message = Message("Prep notes", (Text("Prep notes"),))
        await plan_note(
            uow, key="notes", message=message, due_at=START, now=START, user_id=ALICE,
            person_id=person.id,
        )  # fmt: skip
        await uow.commit()
    fake.faults.add(Fault.ERROR_AFTER, method=POST, times=1)
    fake.fail("conversations.history", "internal_error", times=5)
    assert slack_services.scheduler is not None

    await slack_services.scheduler.dispatcher.run_due()
    await slack_services.scheduler.dispatcher.run_due()

    assert len(fake.messages_to(ALICE)) == 1
    [row] = await rows(slack_services, NOTE)
    assert (row.state, row.last_error) == ("dropped", "unsure whether delivered; at most once")


@pytest.mark.parametrize(
    ("extra_scope", "posts"),
    [(None, 2), ("channels:history", 1)],
    ids=["manifest scopes: resent", "with channels:history: found"],
)
async def test_a_channel_post_is_read_back_only_with_a_channel_history_scope(
    slack: SlackDriver,
    fake: FakeSlackApi,
    slack_services: Services,
    extra_scope: str | None,
    posts: int,
) -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    fake.scopes = set(manifest["oauth_config"]["scopes"]["bot"]) | {extra_scope or "im:history"}
    fake.faults.add(Fault.ERROR_AFTER, method=POST, times=1)
    channel = ConversationRef(WORKSPACE, "C0GENERAL")

    assert await send(slack_services, "Sign-up is open", channel) is not None

    # Without it Slack cannot say, and an announcement is at least once: it goes again.
    assert len(fake.messages_to("C0GENERAL")) == posts

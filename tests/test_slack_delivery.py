"""Sending on Slack: ok:false errors, 429 Retry-After and 5xx end in a logged outcome, never a crash."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from adapters.slack.messenger import delivery_error
from bot.core.messenger import Unreachable
from bot.core.outbound import Message, Text
from bot.core.refs import Platform, UserRef, WorkspaceRef
from bot.runtime.host import Services
from storage.models import Delivery, Person
from tests.fakes.slack_api import FakeSlackApi, RateLimit
from tests.slack_fixtures import (
    ALICE,
    BOB,
    TEAM,
    SlackDriver,
)

WORKSPACE = WorkspaceRef(Platform.SLACK, TEAM)


async def send(services: Services, user_id: str, text: str) -> object:
    workspace_id = await services.db.workspace_id(WORKSPACE)
    return await services.sender.send_now(
        workspace_id, UserRef(WORKSPACE, user_id), Message(text, (Text(text),)), kind="test"
    )


async def deliveries(services: Services) -> list[tuple[str, int, str]]:
    async with services.db.sessions() as session:
        rows = await session.execute(
            select(Delivery.state, Delivery.attempts, Delivery.last_error).order_by(Delivery.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_a_person_who_cannot_be_reached_is_logged_not_retried(
    slack: SlackDriver, slack_services: Services, fake: FakeSlackApi
) -> None:
    workspace_id = await slack_services.db.workspace_id(WORKSPACE)
    async with slack_services.db.unit_of_work(workspace_id) as uow:
        await uow.people.ensure(BOB, slack_services.clock.now(), display_name="Bob")
        await uow.commit()
    fake.fail("chat.postMessage", "user_not_found")

    assert await send(slack_services, BOB, "Your match is ready") is None

    assert await deliveries(slack_services) == [("unreachable", 1, "user_not_found")]
    assert len(fake.calls("chat.postMessage")) == 1  # tried once, not retried
    async with slack_services.db.sessions() as session:
        assert await session.scalar(select(Person.reachable)) is False


async def test_an_archived_channel_is_unreachable_but_the_next_send_works(
    slack: SlackDriver, slack_services: Services, fake: FakeSlackApi
) -> None:
    fake.fail("chat.postMessage", "is_archived")

    assert await send(slack_services, ALICE, "first") is None
    assert await send(slack_services, ALICE, "second") is not None

    assert [d[0] for d in await deliveries(slack_services)] == ["unreachable", "sent"]


async def test_rate_limited_send_waits_for_retry_after_and_is_delivered(
    slack: SlackDriver, slack_services: Services, fake: FakeSlackApi
) -> None:
    fake.set_rate_limit("chat.postMessage", RateLimit(per_second=1.0, burst=1))

    await send(slack_services, ALICE, "first")
    await send(slack_services, ALICE, "second")

    assert len(fake.rate_limited("chat.postMessage")) == 1
    assert [m["text"] for m in fake.messages_to(ALICE)] == ["first", "second"]
    # Slowing down is not a failed attempt.
    assert await deliveries(slack_services) == [("sent", 1, ""), ("sent", 1, "")]


async def test_server_errors_are_retried_and_delivered_once(
    slack: SlackDriver, slack_services: Services, fake: FakeSlackApi
) -> None:
    fake.fail_http("chat.postMessage", 503, times=2)

    assert await send(slack_services, ALICE, "hello") is not None

    assert [m["text"] for m in fake.messages_to(ALICE)] == ["hello"]
    assert await deliveries(slack_services) == [("sent", 3, "")]


async def test_persistent_failure_is_logged_as_failed(
    slack: SlackDriver, slack_services: Services, fake: FakeSlackApi
) -> None:
    fake.fail("chat.postMessage", "invalid_blocks")

    assert await send(slack_services, ALICE, "hello") is None

    assert await deliveries(slack_services) == [("failed", 1, "invalid_blocks")]


def test_timeouts_and_connection_errors_are_worth_retrying() -> None:
    for exc in (TimeoutError(), aiohttp.ClientConnectionError("reset")):
        error = delivery_error(exc)
        assert error.retryable and not isinstance(error, Unreachable)

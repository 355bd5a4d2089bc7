"""Exactly once across restarts and crashes: the deliveries table is the truth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.playground.messenger import PLAYGROUND
from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.messenger import Messenger, NotSupported
from bot.core.outbound import Form, Message, Text
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef
from bot.runtime.host import Services
from storage.repositories import deliveries as outbox
from tests.conftest import START
from tests.outbox_helpers import (
    NOTE,
    book,
    deliveries,
    make_pair,
    person,
    plan_note,
    with_test_kinds,
    workspace_id,
)
from tests.playground_driver import PlaygroundDriver


async def plan_hello(services: Services, user: str, due=START) -> None:  # type: ignore[no-untyped-def]
    with_test_kinds(services)
    target = await person(services, user)
    async with services.db.unit_of_work(await workspace_id(services)) as uow:
        await plan_note(
            uow,
            key=f"hello:{user}",
            message=Message(summary=f"Hello {user}", blocks=(Text(f"Hello {user}"),)),
            due_at=due,
            now=services.clock.now(),
            user_id=user,
            person_id=target.id,
        )
        await uow.commit()


async def restarted(url: str, clock: OffsetClock, *, scheduler: bool = False) -> Services:
    config = Config(database_url=url, playground=True, run_scheduler=scheduler)
    return with_test_kinds(await build(config, clock))


async def texts(services: Services, user: str) -> list[str]:
    messenger = services.messengers[Platform.PLAYGROUND]
    items = await messenger.items(await workspace_id(services), [f"dm:{user}"])  # type: ignore[attr-defined]
    return [i.body["summary"] for i in items if i.kind == "message"]


async def claim_all(services: Services) -> None:
    """What a dispatcher does just before it sends: the rows are now `sending`."""
    now = services.clock.now()
    async with services.db.sessions() as session:
        await outbox.claim(session, now, now + timedelta(minutes=1), 100)


async def send_without_recording(services: Services, user: str, key: str) -> None:
    """The send reached the platform, then the process died before the outcome was committed."""
    await services.messengers[Platform.PLAYGROUND].send_dm(
        UserRef(PLAYGROUND, user),
        Message(summary=f"Hello {user}", blocks=(Text(f"Hello {user}"),)),
        key=key,
    )


class ForgetfulMessenger(Messenger):
    """A platform that cannot say whether a message arrived, as Teams cannot."""

    def __init__(self, inner: Messenger) -> None:
        self.inner = inner

    async def send_dm(self, user: UserRef, message: Message, *, key: str | None) -> MessageRef:
        return await self.inner.send_dm(user, message, key=key)

    async def post_to_channel(
        self, channel: ConversationRef, message: Message, *, key: str | None
    ) -> MessageRef:
        return await self.inner.post_to_channel(channel, message, key=key)

    async def open_form(self, user: UserRef, form: Form, *, interaction: str | None) -> None:
        await self.inner.open_form(user, form, interaction=interaction)

    async def update_message(self, ref: MessageRef, message: Message) -> None:
        await self.inner.update_message(ref, message)

    async def already_delivered(self, target: UserRef | ConversationRef, key: str) -> bool:
        raise NotSupported("already_delivered")

    async def profile(self, user: UserRef) -> dict[str, str]:
        return await self.inner.profile(user)


async def test_due_messages_survive_a_restart_and_go_out_once(
    services: Services, sqlite_url: str, clock: OffsetClock
) -> None:
    for user in ("sam", "priya", "leo"):
        await plan_hello(services, user, START + timedelta(minutes=5))
    await services.close()

    clock.advance(timedelta(minutes=10))
    again = await restarted(sqlite_url, clock)
    try:
        assert await again.scheduler.dispatcher.run_due() == 3  # type: ignore[union-attr]
        assert await again.scheduler.dispatcher.run_due() == 0  # type: ignore[union-attr]
    finally:
        await again.close()

    third = await restarted(sqlite_url, clock)
    try:
        await third.scheduler.dispatcher.run_due()  # type: ignore[union-attr]
        assert await texts(third, "sam") == ["Hello sam"]
        assert await texts(third, "priya") == ["Hello priya"]
        # 04:10 in New York: Leo's waits for his morning instead.
        leo = [d for d in await deliveries(third, NOTE) if d.channel_id == "@leo"]
        assert [d.state for d in leo] == ["pending"] and leo[0].due_at.hour == 14
    finally:
        await third.close()


async def test_crash_between_send_and_commit_is_reconciled_not_duplicated(
    services: Services, sqlite_url: str, clock: OffsetClock
) -> None:
    await plan_hello(services, "sam")
    await plan_hello(services, "priya")
    await claim_all(services)
    await send_without_recording(services, "sam", "hello:sam")  # priya's never went out
    await services.close()  # kill -9: both rows stay `sending`

    again = await restarted(sqlite_url, clock)
    try:
        await again.scheduler.dispatcher.run_due()  # type: ignore[union-attr]
        assert await texts(again, "sam") == ["Hello sam"]
        assert await texts(again, "priya") == ["Hello priya"]
        rows = {d.idempotency_key: d for d in await deliveries(again, NOTE)}
        assert rows["hello:sam"].state == "sent" and "restart" in rows["hello:sam"].last_error
        assert rows["hello:priya"].state == "sent"
    finally:
        await again.close()


async def test_when_the_platform_cannot_tell_nudges_are_at_most_once(
    services: Services, sqlite_url: str, clock: OffsetClock, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    await book(services, pair, START + timedelta(minutes=40))  # prep nudges due at 09:10
    await playground.say("ada", "/mentoring announce")
    await playground.submit(
        "ada",
        {"message": "Welcome all", "audience": "channel", "channel": "#general", "when": "now"},
    )
    clock.advance(timedelta(minutes=10))
    await claim_all(services)
    await services.close()

    again = await restarted(sqlite_url, clock)
    again.messengers[Platform.PLAYGROUND] = ForgetfulMessenger(
        again.messengers[Platform.PLAYGROUND]
    )
    try:
        await again.scheduler.dispatcher.run_due()  # type: ignore[union-attr]
        states = {(d.kind, d.state) for d in await deliveries(again)}
        assert ("nudge_before", "dropped") in states and ("nudge_before", "sent") not in states
        assert ("announcement", "sent") in states  # announcements prefer at least once
    finally:
        await again.close()


async def test_a_live_lease_is_left_alone_until_it_expires(
    services: Services, clock: OffsetClock
) -> None:
    await plan_hello(services, "sam")
    await claim_all(services)  # another replica is sending it right now
    dispatcher = services.scheduler.dispatcher  # type: ignore[union-attr]
    dispatcher.reclaim_on_start = False  # as on PostgreSQL, where replicas share the table

    await dispatcher.run_due()
    assert [d.state for d in await deliveries(services, NOTE)] == ["sending"]
    assert "Hello sam" not in await texts(services, "sam")

    clock.advance(timedelta(minutes=2))  # that replica died; its lease ran out
    await dispatcher.run_due()
    assert [d.state for d in await deliveries(services, NOTE)] == ["sent"]
    assert [t for t in await texts(services, "sam") if t == "Hello sam"] == ["Hello sam"]


@pytest.fixture
async def running(sqlite_url: str, clock: OffsetClock) -> AsyncIterator[Services]:
    services = await restarted(sqlite_url, clock, scheduler=True)
    await services.start()
    yield services
    await services.close()


async def test_apscheduler_fires_the_dispatcher_and_healthz_reports_it(
    running: Services,
) -> None:
    scheduler = running.scheduler
    assert scheduler is not None and scheduler.running
    await scheduler.idle()
    await plan_hello(running, "sam")
    await plan_hello(running, "leo", START + timedelta(days=1))
    running.sender.wake()  # what a flow does after planning something due now
    await scheduler.idle()
    assert "Hello sam" in await texts(running, "sam")

    async with TestClient(TestServer(running.web_app())) as client:
        health = await (await client.get("/healthz")).json()
    assert health["scheduler"]["running"] is True
    # Leo's hello, and the next run of each recurring job (survey planner, pair closer,
    # delivery health check).
    assert health["scheduler"]["pending"] == 4
    assert health["scheduler"]["oldest_overdue_seconds"] == 0
    # APScheduler's first tick came with the start, on Tandem's (here fixed) clock.
    assert health["scheduler"]["last_tick_at"] == START.isoformat()
    assert health["scheduler"]["stalled"] is False


async def test_healthz_says_when_the_scheduler_stops_ticking(running: Services) -> None:
    scheduler = running.scheduler
    assert scheduler is not None and scheduler.running
    await scheduler.idle()
    assert scheduler.scheduler is not None
    scheduler.scheduler.pause()  # APScheduler stops firing, though it still says it runs
    two_minutes_on = scheduler.monotonic() + 120
    scheduler.monotonic = lambda: two_minutes_on

    async with TestClient(TestServer(running.web_app())) as client:
        response = await client.get("/healthz")
        health = await response.json()
    assert response.status == 503
    assert health["scheduler"]["stalled"] is True
    assert health["scheduler"]["last_tick_at"] == START.isoformat()

"""Two replicas over one database (SQLite file and PostgreSQL): every message goes out once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.outbound import Message, Text
from bot.runtime.host import Services
from tests.conftest import START
from tests.outbox_helpers import person, plan_note, with_test_kinds, workspace_id

PEOPLE = ("ada", "sam", "priya")


@pytest.fixture
async def replicas(database_url: str) -> AsyncIterator[tuple[Services, Services]]:
    config = Config(database_url=database_url, playground=True, run_scheduler=False)
    first = with_test_kinds(await build(config, OffsetClock(base=START)))
    second = with_test_kinds(await build(config, OffsetClock(base=START)))
    yield first, second
    await first.close()
    await second.close()


async def received(services: Services) -> Counter[str]:
    messenger = services.messengers[next(iter(services.messengers))]
    items = await messenger.items(  # type: ignore[attr-defined]
        await workspace_id(services), [f"dm:{user}" for user in PEOPLE]
    )
    return Counter(item.body["summary"] for item in items if item.kind == "message")


async def test_two_dispatchers_never_send_the_same_message(
    replicas: tuple[Services, Services],
) -> None:
    first, second = replicas
    assert first.scheduler is not None and second.scheduler is not None
    # Both replicas have started (on SQLite a start reclaims whatever a dead process left
    # `sending`) before any work exists, as in a real deployment.
    await asyncio.gather(
        first.scheduler.dispatcher.recover(), second.scheduler.dispatcher.recover()
    )
    ws = await workspace_id(first)
    expected = []
    async with first.db.unit_of_work(ws) as uow:
        for user in PEOPLE:
            target = await person(first, user)
            for n in range(15):
                summary = f"Note {n} for {user}"
                expected.append(summary)
                await plan_note(
                    uow,
                    key=f"note:{user}:{n}",
                    message=Message(summary=summary, blocks=(Text(summary),)),
                    due_at=START,
                    now=START,
                    user_id=user,
                    person_id=target.id,
                )
        await uow.commit()

    await asyncio.gather(
        first.scheduler.dispatcher.run_due(), second.scheduler.dispatcher.run_due()
    )
    await asyncio.gather(
        first.scheduler.dispatcher.run_due(), second.scheduler.dispatcher.run_due()
    )

    counts = await received(first)
    assert sorted(counts) == sorted(expected)
    assert set(counts.values()) == {1}

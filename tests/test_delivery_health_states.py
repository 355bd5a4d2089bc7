"""The delivery health check's rules, read from real delivery logs on SQLite and PostgreSQL:
failures in a row make an outage and a message through ends it, a success in between breaks
the run, a workspace out of reach is an outage at once, and one workspace's failures never
count against another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.refs import Platform, WorkspaceRef
from bot.delivery import health
from bot.delivery.outages import outages
from bot.delivery.sender import UNSURE, WORKSPACE_GONE
from bot.runtime.host import Services
from storage.models import Delivery
from storage.repositories import deliveries
from tests.conftest import START

ACME, GLOBEX = WorkspaceRef(Platform.SLACK, "T0ACME"), WorkspaceRef(Platform.SLACK, "T0GLOBEX")


@pytest.fixture
async def tandem(database_url: str) -> AsyncIterator[Services]:
    config = Config(database_url=database_url, playground=False, run_scheduler=False)
    services = await build(config, OffsetClock(base=START))
    yield services
    await services.close()


class Log:
    """Writes settled rows into the delivery log, as the Sender would have."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.count = 0

    async def settled(self, workspace: WorkspaceRef, state: str, reason: str = "") -> None:
        db, now = self.services.db, self.services.clock.now()
        workspace_id = await db.workspace_id(workspace)
        self.count += 1
        row = deliveries.row(
            workspace_id=workspace_id, key=f"k{self.count}", kind="note", due_at=now, now=now,
            channel_id="@U0SOMEONE",
        )  # fmt: skip
        async with db.sessions() as session:
            await deliveries.plan(session, [row])
            await session.execute(
                update(Delivery)
                .where(Delivery.idempotency_key == f"k{self.count}")
                .values(state=state, last_error=reason, settled_at=now)
            )
            await session.commit()


async def check(services: Services) -> list[health.Change]:
    """A minute later, the check; what it would tell."""
    told: list[health.Change] = []

    async def tell(session: AsyncSession, change: health.Change, now: datetime) -> None:
        told.append(change)

    services.clock.advance(timedelta(minutes=1))
    await health.check(services.db, services.clock.now(), tell)
    return told


async def test_failures_in_a_row_make_an_outage_and_a_success_ends_it(tandem: Services) -> None:
    log = Log(tandem)
    await check(tandem)  # the first look
    await log.settled(ACME, "failed", "fatal_error")
    await log.settled(ACME, "dropped", UNSURE)
    assert await check(tandem) == []  # two in a row: not yet
    await log.settled(ACME, "dropped", "more than 3 h late")  # not a failure
    await log.settled(ACME, "failed", "fatal_error")
    await log.settled(GLOBEX, "failed", "fatal_error")  # another workspace's own business

    [started] = await check(tandem)

    assert (started.failing, started.cause, started.reason) == (True, "errors", "fatal_error")
    assert started.failures == 3 and started.since == START + timedelta(minutes=1)
    assert [(o.workspace_id, o.cause) for o in await outages(tandem.db)] == [
        (started.workspace_id, "errors")
    ]
    await log.settled(ACME, "failed", "fatal_error")
    assert await check(tandem) == []  # still failing: nothing new to say
    await log.settled(ACME, "failed", "fatal_error")
    await log.settled(ACME, "sent")

    [ended] = await check(tandem)

    assert (ended.failing, ended.failures, ended.since) == (False, 5, started.since)
    assert await outages(tandem.db) == []


async def test_a_message_through_in_between_breaks_the_run(tandem: Services) -> None:
    log = Log(tandem)
    await check(tandem)
    for state in ("failed", "failed", "sent", "failed", "failed"):
        await log.settled(ACME, state, "fatal_error" if state == "failed" else "")
    assert await check(tandem) == []
    await log.settled(ACME, "failed", "fatal_error")  # the third in a row since the success

    [started] = await check(tandem)
    assert started.failures == 3


async def test_a_workspace_out_of_reach_is_an_outage_at_once_but_a_person_is_not(
    tandem: Services,
) -> None:
    log = Log(tandem)
    await check(tandem)
    for _ in range(3):
        await log.settled(GLOBEX, "unreachable", "cannot_dm_bot")  # people who blocked Tandem
    await log.settled(ACME, "unreachable", WORKSPACE_GONE + "token_revoked")

    [started] = await check(tandem)

    assert started.workspace_id == await tandem.db.workspace_id(ACME)
    assert (started.cause, started.reason, started.failures) == ("unreachable", "token_revoked", 1)

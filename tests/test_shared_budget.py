"""One budget across replicas: three pacers sharing PostgreSQL or Redis together stay under
the configured rate in every window, and replies still go out within the second.

Each "replica" is its own Pacer with its own connection, on one virtual clock (replicas share
the wall clock); the database and Redis are real. Skipped when TANDEM_TEST_POSTGRES_URL is
unset or Redis (TANDEM_TEST_REDIS_URL, default 127.0.0.1:6379) does not answer.
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from bot.app.bootstrap import budget_store
from bot.core.budget import BudgetStore, Lane
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.refs import Platform, WorkspaceRef
from bot.delivery.pacing import SLACK_LIMITS, Pacer, PlatformLimits, Rate
from storage.db import create_engine, upgrade
from storage.redis_budget import RedisBudgetStore
from storage.send_budget import PostgresBudgetStore
from storage.uow import Database
from tests.conftest import POSTGRES_URL, drop_postgres_schema, postgres_schema_url
from tests.virtual_time import VirtualTime

ACME = WorkspaceRef(Platform.SLACK, "T0ACME")
REDIS_URL = os.environ.get("TANDEM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REPLICAS = 3
SEND_SECONDS = 0.05

StoreFactory = Callable[[], BudgetStore]


async def redis_answers() -> bool:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(await client.ping())
    except Exception:  # noqa: BLE001 - any failure means "not here": the test is skipped
        return False
    finally:
        await client.aclose()


@pytest.fixture(params=["postgresql", "redis"])
async def stores(request: pytest.FixtureRequest) -> AsyncIterator[StoreFactory]:
    """A factory of stores over one shared budget: each call is another replica's."""
    made: list[BudgetStore] = []
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("TANDEM_TEST_POSTGRES_URL is not set")
        url, schema = postgres_schema_url(POSTGRES_URL)
        await upgrade(url)
        engines = []

        def postgres() -> BudgetStore:
            engines.append(create_engine(url))
            made.append(PostgresBudgetStore(engines[-1]))
            return made[-1]

        yield postgres
        for engine in engines:
            await engine.dispose()
        drop_postgres_schema(POSTGRES_URL, schema)
        return
    if not await redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    prefix = f"tandem-test:{uuid.uuid4().hex}:"

    def redis() -> BudgetStore:
        made.append(RedisBudgetStore(REDIS_URL, prefix=prefix))
        return made[-1]

    yield redis
    for store in made:
        await store.close()


async def replicas_send(
    time: VirtualTime,
    pacers: list[Pacer],
    *,
    people: int,
    replies_at: list[float],
) -> tuple[list[float], list[float]]:
    """Each replica announces to its share of `people`; replies arrive round the replicas.
    Returns every start and each reply's wait."""
    starts: list[float] = []
    waits: list[float] = []
    audiences = [deque(range(n, people, len(pacers))) for n in range(len(pacers))]

    async def dispatcher(pacer: Pacer, audience: deque[int]) -> None:
        while audience:
            recipient = audience.popleft()
            await pacer.acquire(ACME, f"D{recipient}", Lane.BULK)
            starts.append(time.now)
            await time.sleep(SEND_SECONDS)

    async def status(pacer: Pacer, n: int, at: float) -> None:
        await time.sleep(at)
        asked = time.now
        await pacer.acquire(ACME, f"U{n}", Lane.REPLY)
        starts.append(time.now)
        waits.append(time.now - asked)

    tasks = [
        time.spawn(dispatcher(pacer, audience))
        for pacer, audience in zip(pacers, audiences, strict=True)
        for _ in range(8)
    ]
    tasks += [time.spawn(status(pacers[n % len(pacers)], n, at)) for n, at in enumerate(replies_at)]
    await time.run(*tasks)
    return sorted(starts), waits


def busiest(starts: list[float], seconds: float) -> int:
    most, first = 0, 0
    for last, at in enumerate(starts):
        while starts[first] <= at - seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


def pacers(time: VirtualTime, budget: Rate, stores: StoreFactory) -> list[Pacer]:
    limits = {Platform.SLACK: PlatformLimits(SLACK_LIMITS.per_conversation, (budget,))}
    return [Pacer(limits, time, time.sleep, store=stores(), wall=time) for _ in range(REPLICAS)]


async def test_three_replicas_never_exceed_the_budget_in_any_second(
    stores: StoreFactory,
) -> None:
    time = VirtualTime()
    budget = Rate(100, 1.0)

    starts, waits = await replicas_send(
        time,
        pacers(time, budget, stores),
        people=900,
        replies_at=[2.0 + n / 4 for n in range(12)],
    )

    assert len(starts) == 900 + 12
    assert busiest(starts, budget.per_seconds) <= budget.count
    # Shared, not split three ways: together they still use most of the budget.
    assert starts[-1] - time.start < 900 / budget.count * 1.25
    assert max(waits) <= 1.0


async def test_three_replicas_keep_slacks_budget_per_minute(stores: StoreFactory) -> None:
    time = VirtualTime()
    budget = Rate(100, 60.0)

    starts, waits = await replicas_send(
        time,
        pacers(time, budget, stores),
        people=160,
        replies_at=[70.0 + 7 * n for n in range(6)],
    )

    assert len(starts) == 160 + 6
    assert busiest(starts, budget.per_seconds) <= budget.count
    assert max(waits) <= 1.0


async def test_sqlite_keeps_budgets_in_the_process_and_postgresql_shares_them(
    sqlite_url: str,
) -> None:
    clock = OffsetClock()
    sqlite = Database(sqlite_url, clock)
    assert budget_store(Config(database_url=sqlite_url), sqlite) is None
    postgres_url = "postgresql+psycopg://tandem@127.0.0.1:1/tandem"
    postgres = Database(postgres_url, clock)
    assert isinstance(
        budget_store(Config(database_url=postgres_url), postgres), PostgresBudgetStore
    )
    redis = budget_store(Config(database_url=postgres_url, redis_url=REDIS_URL), postgres)
    assert isinstance(redis, RedisBudgetStore)
    await redis.close()
    await sqlite.dispose()
    await postgres.dispose()

"""Timed work as rows of the outbox: a recurring job runs once per period across replicas
and restarts, survives a crash mid-run, and keeps its schedule when a run fails."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.refs import Platform, WorkspaceRef
from bot.delivery.kinds import Job, JobRun
from bot.runtime.host import Services
from flows.account.delivery_alerts import CHECK
from flows.surveys.calendar import PLANNER
from storage.models import Delivery
from storage.repositories import deliveries as outbox
from tests.conftest import START

Runs = list[tuple[str, datetime]]


async def replica(url: str, name: str, runs: Runs, *, playground: bool = True) -> Services:
    """A Tandem process whose survey planner also notes who ran it, and when."""
    services = await build(
        Config(database_url=url, playground=playground, run_scheduler=False),
        OffsetClock(base=START),
    )
    assert services.scheduler is not None
    kinds = services.scheduler.dispatcher.kinds
    planner = kinds.job(PLANNER)
    assert planner is not None and planner.every == timedelta(days=1)

    async def noted(run: JobRun) -> datetime | None:
        runs.append((name, run.now))
        return await planner.run(run)

    kinds.add_job(Job(PLANNER, noted, every=planner.every))
    return services


async def move(replicas: list[Services], delta: timedelta) -> None:
    """Move every replica's clock, then let each run what is due, all at once."""
    for services in replicas:
        services.clock.advance(delta)
    await asyncio.gather(*(services.clock_moved() for services in replicas))


async def rows_of(services: Services, kind: str) -> list[tuple[str, str]]:
    async with services.db.sessions() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.kind == kind))
        return sorted((r.idempotency_key, r.state) for r in rows)


async def test_the_survey_planner_runs_once_a_day_across_replicas_and_restarts(
    database_url: str,
) -> None:
    runs: Runs = []
    first = await replica(database_url, "first", runs)
    second = await replica(database_url, "second", runs)
    restarted: Services | None = None
    try:
        await move([first, second], timedelta(minutes=1))  # both start up and plant
        assert len(runs) == 1
        for hours in (1, 6, 5):  # later the same Monday: nothing more
            await move([first, second], timedelta(hours=hours))
        assert len(runs) == 1

        await move([first, second], timedelta(hours=12))  # past midnight: Tuesday's run
        assert len(runs) == 2 and runs[-1][1].date() == START.date() + timedelta(days=1)
        assert await rows_of(first, PLANNER) == [
            ("plan_surveys:2027-01-04", "done"),
            ("plan_surveys:2027-01-05", "done"),
            ("plan_surveys:2027-01-06", "pending"),
        ]

        await first.close()  # a restart the same day plants nothing new and runs nothing
        restarted = await replica(database_url, "restarted", runs)
        restarted.clock.advance(second.clock.now() - restarted.clock.now())
        await move([restarted, second], timedelta(hours=1))
        assert len(runs) == 2

        # Down for three days: one late run, not one per missed day.
        await move([restarted, second], timedelta(days=3))
        assert len(runs) == 3
        pending = [key for key, state in await rows_of(second, PLANNER) if state == "pending"]
        assert pending == ["plan_surveys:2027-01-09"]
    finally:
        for services in (restarted or first, second):
            await services.close()


async def test_a_job_cut_off_by_a_crash_runs_again_after_a_restart(sqlite_url: str) -> None:
    runs: Runs = []
    services = await replica(sqlite_url, "before", runs)
    await services.scheduler.plant_jobs()  # type: ignore[union-attr]
    async with services.db.sessions() as session:  # claimed, then the process died
        claimed = await outbox.claim(session, START, START + timedelta(minutes=1), 10)
    assert PLANNER in {row.kind for row in claimed}
    await services.close()

    again = await replica(sqlite_url, "after", runs)
    try:
        await again.clock_moved()
        assert [name for name, _ in runs] == ["after"]
        assert await rows_of(again, PLANNER) == [
            ("plan_surveys:2027-01-04", "done"),
            ("plan_surveys:2027-01-05", "pending"),
        ]
    finally:
        await again.close()


async def test_a_failed_run_keeps_the_schedule(services: Services) -> None:
    async def broken(run: JobRun) -> None:
        raise RuntimeError("a bug in one day's run")

    assert services.scheduler is not None
    services.scheduler.dispatcher.kinds.add_job(Job(PLANNER, broken, every=timedelta(days=1)))
    await services.clock_moved()
    async with services.db.sessions() as session:
        failed = await session.scalar(select(Delivery).where(Delivery.kind == PLANNER))
    assert failed is not None and "RuntimeError" in failed.last_error
    assert await rows_of(services, PLANNER) == [
        ("plan_surveys:2027-01-04", "failed"),
        ("plan_surveys:2027-01-05", "pending"),
    ]


async def test_recurring_jobs_are_planted_once_a_workspace_exists(sqlite_url: str) -> None:
    runs: Runs = []
    services = await replica(sqlite_url, "fresh", runs, playground=False)
    try:
        assert services.scheduler is not None
        await services.scheduler.plant_jobs()  # a fresh install: nowhere to keep them yet
        assert await rows_of(services, PLANNER) == []

        await services.db.workspace_id(WorkspaceRef(Platform.SLACK, "T-FIRST"), "First")
        await services.scheduler.plant_jobs()
        assert await rows_of(services, PLANNER) == [("plan_surveys:2027-01-04", "pending")]
    finally:
        await services.close()


async def test_a_run_that_ends_after_midnight_does_not_skip_the_next_day(
    services: Services,
) -> None:
    runs: list[datetime] = []

    async def long_run(run: JobRun) -> None:
        runs.append(run.now)
        if len(runs) == 1:
            services.clock.advance(timedelta(hours=15, minutes=30))  # ends at 00:30 Tuesday

    assert services.scheduler is not None
    services.scheduler.dispatcher.kinds.add_job(Job(PLANNER, long_run, every=timedelta(days=1)))
    await services.clock_moved()
    assert [when.date().isoformat() for when in runs] == ["2027-01-04", "2027-01-05"]
    assert await rows_of(services, PLANNER) == [
        ("plan_surveys:2027-01-04", "done"),
        ("plan_surveys:2027-01-05", "done"),
        ("plan_surveys:2027-01-06", "pending"),
    ]


async def test_the_delivery_health_check_runs_each_minute_on_one_row_an_hour(
    services: Services,
) -> None:
    assert services.scheduler is not None
    kinds = services.scheduler.dispatcher.kinds
    check = kinds.job(CHECK)
    assert check is not None and check.every == timedelta(hours=1)
    runs: list[datetime] = []

    async def noted(run: JobRun) -> datetime | None:
        runs.append(run.now)
        return await check.run(run)

    kinds.add_job(Job(CHECK, noted, every=check.every))
    await services.clock_moved()
    for _ in range(65):
        services.clock.advance(timedelta(minutes=1))
        await services.clock_moved()

    assert len(runs) == 66 and runs[-1] - runs[0] == timedelta(minutes=65)
    assert await rows_of(services, CHECK) == [
        ("delivery_health:2027-01-04T09:00", "done"),
        ("delivery_health:2027-01-04T10:00", "pending"),
    ]

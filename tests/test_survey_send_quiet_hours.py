"""`tandem survey send` queues the survey through the outbox: each person gets it in their own
working hours, as with every message Tandem starts, not at 03:42 in Los Angeles."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.app.cli.main import main
from bot.runtime.host import Services
from flows.surveys.answers import send_survey
from storage.models import Programme
from tests.outbox_helpers import deliveries, enrol
from tests.playground_driver import PlaygroundDriver

INVITE = "is starting"


async def invitations(playground: PlaygroundDriver, user: str) -> int:
    return sum(INVITE in text for text in await playground.dm_texts(user))


async def test_a_manual_survey_waits_for_each_persons_working_hours(
    playground: PlaygroundDriver, services: Services
) -> None:
    for user, zone in (
        ("sam", "Europe/London"),
        ("tomas", "America/Los_Angeles"),
        ("tanaka", "Asia/Tokyo"),
    ):
        await enrol(services, user, "mentor", time_zone=zone)
    await playground.advance(2 * 60 + 42)  # Monday 11:42 UTC: 03:42 in LA, 20:42 in Tokyo
    async with services.db.sessions() as session:
        programme_id = await session.scalar(select(Programme.id))
    assert programme_id is not None

    result = await send_survey(services, programme_id, "pre")
    await services.scheduler.dispatcher.run_due()

    assert (result.queued, result.skipped) == (3, 0)
    assert await invitations(playground, "sam") == 1
    assert await invitations(playground, "tomas") == 0
    assert await invitations(playground, "tanaka") == 0
    waiting = {d.channel_id: d.due_at for d in await deliveries(services, "survey_invite")}
    assert waiting["@tomas"] == datetime(2027, 1, 4, 17, 0, tzinfo=UTC)  # 09:00 in LA
    assert waiting["@tanaka"] == datetime(2027, 1, 5, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo

    await playground.advance(5 * 60 + 18)  # 17:00 UTC
    assert [await invitations(playground, u) for u in ("sam", "tomas", "tanaka")] == [1, 1, 0]
    await playground.advance(7 * 60)  # Tuesday 00:00 UTC
    assert [await invitations(playground, u) for u in ("sam", "tomas", "tanaka")] == [1, 1, 1]

    again = await send_survey(services, programme_id, "pre")
    assert (again.queued, again.skipped) == (0, 3)


async def test_the_cli_queues_rather_than_sends(
    playground: PlaygroundDriver,
    services: Services,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TANDEM_DATABASE_URL", sqlite_url)
    await enrol(services, "tomas", "mentor", time_zone="America/Los_Angeles")
    await enrol(services, "sam", "mentor", time_zone="Europe/London")

    assert await asyncio.to_thread(main, ["survey", "send", "pilot", "--phase", "pre"]) == 0

    out = capsys.readouterr().out
    assert "Queued the pre survey for 2 people" in out
    assert "during their own working hours" in out
    assert [d.state for d in await deliveries(services, "survey_invite")] == ["pending"] * 2
    assert await invitations(playground, "tomas") == 0

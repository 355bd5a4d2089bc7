"""The Pacer keeps sends under each platform's limits, and holds a lane the platform paused."""

from __future__ import annotations

from bot.core.refs import Platform, WorkspaceRef
from bot.delivery.pacing import Pacer, PlatformLimits, Rate
from tests.slack_fixtures import SteppedClock

ACME = WorkspaceRef(Platform.SLACK, "T0ACME")
OTHER = WorkspaceRef(Platform.SLACK, "T0OTHER")


def pacer(time: SteppedClock, limits: PlatformLimits | None = None) -> Pacer:
    return Pacer({Platform.SLACK: limits} if limits else {}, monotonic=time, sleep=time.sleep)


async def test_one_send_per_second_per_conversation() -> None:
    time = SteppedClock()
    lanes = pacer(time, PlatformLimits((Rate(1, 1.0),), ()))

    for conversation in ("D1", "D2", "D1", "D1"):
        await lanes.acquire(ACME, conversation)

    assert time.slept == [1.0, 1.0]


async def test_a_paused_workspace_waits_out_retry_after_in_every_conversation() -> None:
    time = SteppedClock()
    lanes = pacer(time)

    lanes.pause(ACME, 5)
    await lanes.acquire(ACME, "D1")
    await lanes.acquire(ACME, "D2")
    await lanes.acquire(OTHER, "D1")

    assert time.slept == [5.0]


async def test_a_paused_conversation_holds_only_itself_and_pauses_never_shorten() -> None:
    time = SteppedClock()
    lanes = pacer(time)

    lanes.pause(ACME, 5, conversation="C1")
    lanes.pause(ACME, 2, conversation="C1")
    await lanes.acquire(ACME, "D1")
    await lanes.acquire(ACME, "C1")

    assert time.slept == [5.0]

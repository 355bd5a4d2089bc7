"""Flows after an ack run a few at a time, and those racing a trigger_id's 3 s go first."""

from __future__ import annotations

import asyncio

from adapters.slack.flow_slots import NORMAL, URGENT, FlowSlots


async def test_waiting_flows_with_a_trigger_run_before_the_others() -> None:
    slots = FlowSlots(1)
    started: list[str] = []
    release = asyncio.Event()

    async def flow(name: str, priority: int) -> None:
        async with slots.slot(priority):
            started.append(name)
            await release.wait()

    first = asyncio.create_task(flow("first", NORMAL))
    await asyncio.sleep(0)  # let it take the only slot
    waiting = [
        asyncio.create_task(flow("dm", NORMAL)),
        asyncio.create_task(flow("modal", URGENT)),
        asyncio.create_task(flow("dm2", NORMAL)),
    ]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, *waiting)

    assert started == ["first", "modal", "dm", "dm2"]


async def test_a_cancelled_waiter_does_not_lose_a_slot() -> None:
    slots = FlowSlots(1)
    hold = asyncio.Event()

    async def holder() -> None:
        async with slots.slot():
            await hold.wait()

    task = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(slots._acquire(NORMAL))
    await asyncio.sleep(0)
    waiter.cancel()
    hold.set()
    await task

    async with slots.slot():
        pass
    assert slots._free == 1

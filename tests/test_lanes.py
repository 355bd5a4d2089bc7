"""Replies never wait behind bulk: a person's answer goes out within Slack's per-conversation
limit (about a second) while a large announcement takes the rest of the budget.

The pacer runs on virtual time (tests/virtual_time.py): eight dispatcher-like senders work
through an announcement while people ask for their status, and every start is timed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from bot.core.budget import Lane
from bot.core.outbound import Message, Text
from bot.core.refs import Platform, WorkspaceRef
from bot.delivery.pacing import SLACK_LIMITS, Pacer, PlatformLimits, Rate
from bot.runtime.host import Services
from tests.conftest import START
from tests.outbox_helpers import person, plan_note, with_test_kinds, workspace_id
from tests.playground_driver import PlaygroundDriver
from tests.virtual_time import VirtualTime

ACME = WorkspaceRef(Platform.SLACK, "T0ACME")
PER_CONVERSATION = 1.0  # Slack: about one message a second to a conversation
SEND_SECONDS = 0.05  # how long the platform takes to answer a send


@dataclass
class Traffic:
    time: VirtualTime
    pacer: Pacer
    bulk: list[float] = field(default_factory=list)  # when each bulk send started
    replies: list[tuple[float, float]] = field(default_factory=list)  # (asked, started)

    def starts(self) -> list[float]:
        return sorted([*self.bulk, *(started for _, started in self.replies)])

    def busiest(self, seconds: float) -> int:
        """The most sends that started within any `seconds`."""
        starts, most, first = self.starts(), 0, 0
        for last, at in enumerate(starts):
            while starts[first] <= at - seconds:
                first += 1
            most = max(most, last - first + 1)
        return most

    def waits(self) -> list[float]:
        return sorted(started - asked for asked, started in self.replies)

    def bulk_between(self, start: float, end: float) -> int:
        return sum(start <= at - self.time.start <= end for at in self.bulk)


def traffic(budget: Rate, share: float = 0.3) -> Traffic:
    time = VirtualTime()
    limits = PlatformLimits(SLACK_LIMITS.per_conversation, (budget,))
    pacer = Pacer({Platform.SLACK: limits}, time, time.sleep, reply_share=share)
    return Traffic(time, pacer)


async def run(t: Traffic, *, people: int, replies_at: list[float], concurrency: int = 8) -> Traffic:
    """An announcement to `people` from the start, and a `status` reply at each time given."""
    audience = deque(range(people))

    async def dispatcher() -> None:
        while audience:
            recipient = audience.popleft()
            await t.pacer.acquire(ACME, f"D{recipient}", Lane.BULK)
            t.bulk.append(t.time.now)
            await t.time.sleep(SEND_SECONDS)

    async def status(n: int, at: float) -> None:
        await t.time.sleep(at)
        asked = t.time.now
        await t.pacer.acquire(ACME, f"U{n}", Lane.REPLY)
        t.replies.append((asked, t.time.now))

    tasks = [t.time.spawn(dispatcher()) for _ in range(concurrency)]
    tasks += [t.time.spawn(status(n, at)) for n, at in enumerate(replies_at)]
    await t.time.run(*tasks)
    return t


async def test_a_reply_during_a_large_announcement_goes_out_at_once() -> None:
    """Slack's default budget, 100 a minute: the announcement fills it for ten minutes, and
    a status asked every three seconds meanwhile is answered within the second."""
    t = await run(
        traffic(Rate(100, 60.0)), people=1000, replies_at=[300 + 3 * n for n in range(20)]
    )

    assert max(t.waits()) <= PER_CONVERSATION
    assert t.bulk_between(300, 360) >= 60  # the announcement goes on meanwhile
    assert len(t.bulk) == 1000
    assert t.busiest(60.0) <= 100


async def test_two_hundred_replies_in_two_seconds_each_within_a_second_while_bulk_continues() -> (
    None
):
    """A budget of 200 a second: 200 people ask for their status within two seconds, while
    a 1,000-person announcement is going out."""
    t = await run(
        traffic(Rate(200, 1.0)), people=1000, replies_at=[1.5 + n / 100 for n in range(200)]
    )

    waits = t.waits()
    assert len(waits) == 200
    assert waits[-1] <= PER_CONVERSATION
    assert t.bulk_between(1.5, 3.5) >= 200  # bulk keeps going with what replies leave
    assert len(t.bulk) == 1000
    assert t.busiest(1.0) <= 200


async def test_bulk_borrows_the_reply_share_while_replies_are_idle() -> None:
    t = await run(traffic(Rate(100, 1.0)), people=1000, replies_at=[])
    without_lanes = await run(traffic(Rate(100, 1.0), share=0.0), people=1000, replies_at=[])

    assert t.bulk == without_lanes.bulk  # as fast as the whole budget allows
    assert t.busiest(1.0) == 100


async def test_bulk_leaves_the_reply_share_free_while_replies_are_active() -> None:
    t = await run(traffic(Rate(100, 1.0)), people=1000, replies_at=[n / 2 for n in range(1, 20)])

    # A reply within the last second holds 30 of each second's 100 for replies.
    assert max(t.bulk_between(second, second + 0.999) for second in range(2, 9)) <= 70
    assert max(t.waits()) == 0.0


async def test_a_429_pauses_replies_and_bulk_alike() -> None:
    t = traffic(Rate(100, 60.0))
    t.pacer.pause(ACME, 5)

    t = await run(t, people=1, replies_at=[0.0])

    assert [at - t.time.start for at in t.bulk] == [5.0]
    assert t.waits() == [5.0]


class RecordingPacer(Pacer):
    def __init__(self) -> None:
        super().__init__()
        self.lanes: list[Lane] = []

    async def acquire(
        self, workspace: WorkspaceRef, conversation: str, lane: Lane = Lane.BULK
    ) -> None:
        self.lanes.append(lane)
        await super().acquire(workspace, conversation, lane)


async def test_a_flow_replies_in_the_reply_lane_and_the_dispatcher_sends_bulk(
    services: Services, playground: PlaygroundDriver
) -> None:
    recording = RecordingPacer()
    services.sender.pacer = recording
    await playground.say("ada", "status")
    assert recording.lanes and set(recording.lanes) == {Lane.REPLY}

    recording.lanes.clear()
    with_test_kinds(services)
    ada = await person(services, "ada")
    async with services.db.unit_of_work(await workspace_id(services)) as uow:
        note = Message(summary="Kick-off", blocks=(Text("Kick-off on Thursday"),))
        await plan_note(
            uow,
            key="note:1",
            message=note,
            due_at=START,
            now=START,
            user_id="ada",
            person_id=ada.id,
        )
        await uow.commit()
    assert services.scheduler is not None
    assert await services.scheduler.dispatcher.run_due() >= 1
    assert recording.lanes == [Lane.BULK]

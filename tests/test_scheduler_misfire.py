"""Misfire policies and quiet hours, after downtime, with the controllable clock only."""

from __future__ import annotations

from datetime import timedelta

from bot.core.outbound import Choice, Message, Poll, Text
from bot.runtime.host import Services
from tests.conftest import START
from tests.outbox_helpers import (
    LATE_POLL,
    NOTE,
    book,
    deliveries,
    make_pair,
    move_clock_to,
    person,
    plan_late_poll,
    plan_note,
    with_test_kinds,
    workspace_id,
)
from tests.playground_driver import PlaygroundDriver

TUESDAY_10 = START + timedelta(days=1, hours=1)
POLL = Poll("How useful was the session?", "rate", (Choice("Very", "3"), Choice("Not", "1")))


async def run_due(services: Services) -> int:
    assert services.scheduler is not None
    with_test_kinds(services)
    return await services.scheduler.dispatcher.run_due()


def by_kind(rows):  # type: ignore[no-untyped-def]
    return {(r.kind, r.state) for r in rows}


async def plan_poll(services: Services, user: str, due, key: str, meeting_id=None) -> None:  # type: ignore[no-untyped-def]
    target = await person(services, user)
    async with services.db.unit_of_work(await workspace_id(services)) as uow:
        await plan_late_poll(
            uow,
            key=key,
            poll=POLL,
            intro="How did your session go?",
            due_at=due,
            now=services.clock.now(),
            user_id=user,
            person_id=target.id,
            meeting_id=meeting_id,
        )
        await uow.commit()


async def test_prep_nudge_is_dropped_once_the_meeting_has_started(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    await book(services, pair, TUESDAY_10)
    await move_clock_to(services, TUESDAY_10 + timedelta(minutes=5))  # down through the nudge

    await run_due(services)

    nudges = await deliveries(services, "nudge_before")
    assert {d.state for d in nudges} == {"dropped"}
    assert all("started" in d.last_error for d in nudges)
    assert not any("Block this half hour" in t for t in await playground.dm_texts("sam"))


async def test_reflection_prompt_sent_up_to_three_hours_late(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    await book(services, pair, TUESDAY_10)
    due = TUESDAY_10 + timedelta(minutes=90)
    await move_clock_to(services, due + timedelta(hours=2, minutes=59))

    await run_due(services)

    assert {d.state for d in await deliveries(services, "reflection_prompt")} == {"sent"}
    assert "reflect" in (await playground.dm_texts("priya"))[-1]


async def test_reflection_prompt_dropped_when_more_than_three_hours_late(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    await book(services, pair, TUESDAY_10)
    await move_clock_to(services, TUESDAY_10 + timedelta(minutes=90, hours=3, seconds=1))

    await run_due(services)

    prompts = await deliveries(services, "reflection_prompt")
    assert {d.state for d in prompts} == {"dropped"}
    assert not any("reflect" in t for t in await playground.dm_texts("sam"))


async def test_poll_on_time_has_plain_wording(
    services: Services, playground: PlaygroundDriver
) -> None:
    await plan_poll(services, "sam", START + timedelta(hours=1), "poll:1")
    await move_clock_to(services, START + timedelta(hours=1))
    await run_due(services)
    text = (await playground.dm_texts("sam"))[-1]
    assert text.startswith("How did your session go?") and "(Very)" in text


async def test_poll_sent_late_says_sorry(services: Services, playground: PlaygroundDriver) -> None:
    await plan_poll(services, "sam", START + timedelta(hours=1), "poll:1")
    await move_clock_to(services, START + timedelta(hours=4))
    await run_due(services)
    text = (await playground.dm_texts("sam"))[-1]
    assert text.startswith("Sorry this is late: how did your session go?")
    assert "(Very)" in text


async def test_stale_duplicates_collapse_to_the_newest(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    meeting_id = await book(services, pair, TUESDAY_10)
    for day in (1, 2, 3):  # a daily reminder poll, missed three times over downtime
        await plan_poll(
            services, "sam", TUESDAY_10 + timedelta(days=day), f"poll:{day}", meeting_id
        )
    await move_clock_to(services, TUESDAY_10 + timedelta(days=3, hours=2))

    await run_due(services)

    polls = await deliveries(services, LATE_POLL)
    assert [d.state for d in polls] == ["dropped", "dropped", "sent"]
    assert all("superseded" in d.last_error for d in polls[:2])
    texts = await playground.dm_texts("sam")
    assert sum("how did your session go" in t.lower() for t in texts) == 1


async def test_announcement_is_sent_late(services: Services, playground: PlaygroundDriver) -> None:
    await playground.say("ada", "/mentoring announce")
    await playground.submit(
        "ada",
        {
            "message": "Kick-off is on Thursday",
            "audience": "channel",
            "channel": "#mentoring",
            "when": "later",
            "send_at": (START + timedelta(hours=1)).isoformat(),
        },
    )
    await move_clock_to(services, START + timedelta(days=2))
    await run_due(services)
    channel = (await playground.state("ada"))["channels"]["#mentoring"]
    assert [item["body"]["summary"] for item in channel] == ["Kick-off is on Thursday"]


async def test_quiet_hours_defer_to_the_persons_morning(
    services: Services, playground: PlaygroundDriver
) -> None:
    leo = await person(services, "leo")  # America/New_York, 09:00-17:30
    evening = START + timedelta(hours=14)  # 23:00 UTC = 18:00 in New York
    ws = await workspace_id(services)
    async with services.db.unit_of_work(ws) as uow:
        await plan_note(
            uow,
            key="hello:leo",
            message=Message(summary="Hello Leo", blocks=(Text("Hello Leo"),)),
            due_at=evening,
            now=services.clock.now(),
            user_id="leo",
            person_id=leo.id,
        )
        await uow.commit()

    await move_clock_to(services, evening)
    await run_due(services)
    assert "Hello Leo" not in "\n".join(await playground.dm_texts("leo"))
    (row,) = await deliveries(services, NOTE)
    assert row.state == "pending"
    assert row.due_at == START + timedelta(days=1, hours=5)  # Tue 09:00 in New York

    await move_clock_to(services, row.due_at)
    await run_due(services)
    assert "Hello Leo" in "\n".join(await playground.dm_texts("leo"))


async def test_meeting_nudges_ignore_quiet_hours(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services, mentor="leo", mentee="sam")
    early = START + timedelta(days=1, hours=4)  # 13:00 UTC = 08:00 in New York
    await book(services, pair, early)
    await move_clock_to(services, early - timedelta(minutes=30))  # 07:30 for Leo
    await run_due(services)
    assert "Block this half hour" in (await playground.dm_texts("leo"))[-1]

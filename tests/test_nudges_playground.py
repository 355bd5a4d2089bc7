"""Session nudges and private reflections, driven through the playground with its clock."""

from __future__ import annotations

from datetime import timedelta

from bot.runtime.host import Services
from flows.meetings.schedule import cancel_meeting, reschedule_meeting
from tests.conftest import START
from tests.outbox_helpers import book, deliveries, make_pair, workspace_id
from tests.playground_driver import PlaygroundDriver

TUESDAY_10 = START + timedelta(days=1, hours=1)  # Tue 10:00 UTC (10:00 London, 11:00 Berlin)


def minutes_until(services: Services, when) -> int:  # type: ignore[no-untyped-def]
    return int((when - services.clock.now()).total_seconds() // 60)


async def test_both_people_get_a_prep_nudge_half_an_hour_before(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    await book(services, pair, TUESDAY_10)

    await playground.advance(minutes_until(services, TUESDAY_10) - 31)
    assert not any("Block this half hour" in t for t in await playground.dm_texts("sam"))

    await playground.advance(1)
    for user, partner, local in (("sam", "Priya", "10:00"), ("priya", "Sam", "11:00")):
        nudge = (await playground.dm_texts(user))[-1]
        assert "Block this half hour" in nudge
        assert partner in nudge and local in nudge
        assert "inclusive leadership" in nudge  # their own goals, for their eyes only


async def test_reflection_prompt_after_the_meeting_opens_a_private_form(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    await book(services, pair, TUESDAY_10)
    await playground.advance(minutes_until(services, TUESDAY_10 + timedelta(minutes=90)))

    prompt = (await playground.dm_texts("sam"))[-1]
    assert "Take 30 minutes to reflect" in prompt and "[Write my reflection]" in prompt
    await playground.click_button("sam", "Write my reflection")
    form = await playground.form("sam")
    assert form is not None and [f["name"] for f in form["body"]["fields"]] == [
        "learned",
        "will_do",
        "raise",
        "actions",
    ]
    await playground.submit(
        "sam",
        {"learned": "Screen readers hate our forms", "will_do": "Audit the expense tool"},
    )
    assert "Only you can read" in (await playground.dm_texts("sam"))[-1]

    await playground.say("sam", "reflections")
    mine = (await playground.dm_texts("sam"))[-1]
    assert "Screen readers hate our forms" in mine and "Audit the expense tool" in mine

    for other in ("priya", "ada"):  # the partner and the programme admin
        await playground.say(other, "reflections")
        theirs = "\n".join(await playground.dm_texts(other))
        assert "Screen readers" not in theirs and "expense tool" not in theirs


async def test_next_prep_nudge_recalls_my_own_actions_only(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    await book(services, pair, TUESDAY_10)
    await book(services, pair, TUESDAY_10 + timedelta(days=28))
    await playground.advance(minutes_until(services, TUESDAY_10 + timedelta(minutes=90)))
    await playground.click_button("sam", "Write my reflection")
    await playground.submit("sam", {"learned": "A lot", "will_do": "Fix the colour contrast"})

    await playground.advance(minutes_until(services, TUESDAY_10 + timedelta(days=28, minutes=-30)))
    assert "Fix the colour contrast" in (await playground.dm_texts("sam"))[-1]
    assert "Fix the colour contrast" not in "\n".join(await playground.dm_texts("priya"))


async def test_reschedule_moves_the_nudges(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    meeting_id = await book(services, pair, TUESDAY_10)
    later = TUESDAY_10 + timedelta(hours=3)
    async with services.db.unit_of_work(await workspace_id(services)) as uow:
        meeting = await uow.meetings.get(meeting_id)
        assert meeting is not None
        await reschedule_meeting(uow, meeting, later, now=services.clock.now())
        await uow.commit()

    await playground.advance(minutes_until(services, TUESDAY_10 - timedelta(minutes=30)))
    assert not any("Block this half hour" in t for t in await playground.dm_texts("sam"))
    await playground.advance(minutes_until(services, later - timedelta(minutes=30)))
    nudges = [t for t in await playground.dm_texts("sam") if "Block this half hour" in t]
    assert len(nudges) == 1 and "13:00" in nudges[0]


async def test_moving_back_to_the_original_time_revives_its_nudges(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    meeting_id = await book(services, pair, TUESDAY_10)
    ws = await workspace_id(services)
    for new_start in (TUESDAY_10 + timedelta(days=1), TUESDAY_10):
        async with services.db.unit_of_work(ws) as uow:
            meeting = await uow.meetings.get(meeting_id)
            assert meeting is not None
            await reschedule_meeting(uow, meeting, new_start, now=services.clock.now())
            await uow.commit()

    await playground.advance(minutes_until(services, TUESDAY_10 - timedelta(minutes=30)))
    nudges = [t for t in await playground.dm_texts("sam") if "Block this half hour" in t]
    assert len(nudges) == 1 and "Tue 5 Jan" in nudges[0]


async def test_cancelled_meeting_sends_no_nudges(
    services: Services, playground: PlaygroundDriver
) -> None:
    pair = await make_pair(services)
    meeting_id = await book(services, pair, TUESDAY_10)
    async with services.db.unit_of_work(await workspace_id(services)) as uow:
        meeting = await uow.meetings.get(meeting_id)
        assert meeting is not None
        await cancel_meeting(uow, meeting, now=services.clock.now())
        await uow.commit()

    await playground.advance(minutes_until(services, TUESDAY_10 + timedelta(hours=3)))
    for user in ("sam", "priya"):
        texts = "\n".join(await playground.dm_texts(user))
        assert "Block this half hour" not in texts and "reflect" not in texts
    nudges = [
        d for d in await deliveries(services) if d.kind in ("nudge_before", "reflection_prompt")
    ]
    assert len(nudges) == 4 and {d.state for d in nudges} == {"cancelled"}

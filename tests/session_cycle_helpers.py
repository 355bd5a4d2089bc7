"""Shared steps for the session-cycle tests on the playground: a confirmed pair, booking a
session, moving the clock to the moments that matter."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.working_hours import WorkingHours, next_working_morning, working_days_before
from bot.runtime.host import Services
from storage.models import Meeting
from tests.matching_helpers import book_first_slot, buttons, meetings, publish_pair
from tests.playground_driver import PlaygroundDriver

LONDON = WorkingHours("Europe/London", 9 * 60, 17 * 60 + 30)
BERLIN = WorkingHours("Europe/Berlin", 9 * 60, 17 * 60 + 30)
ALL_THREES = {"confidence": "3", "belonging": "3", "lived_experience": "3", "development": "3"}
ALL_FOURS = {k: "4" for k in ALL_THREES}


async def advance_to(playground: PlaygroundDriver, services: Services, when: datetime) -> None:
    """Move the clock just past `when` (at least a minute, so due work always runs)."""
    minutes = int((when - services.clock.now()).total_seconds() // 60) + 1
    await playground.advance(max(1, minutes))


async def move_clock(services: Services, when: datetime) -> None:
    """Move the controllable clock just past `when` and run whatever fell due, on any platform."""
    step = max(timedelta(minutes=1), when - services.clock.now() + timedelta(minutes=1))
    services.clock.advance(step)
    await services.clock_moved()
    # The real scheduler ticks again seconds later and delivers what the first pass's after-run
    # hooks planned (the survey planner plans a programme's surveys just before they are due).
    await services.clock_moved()


async def confirmed_pair(playground: PlaygroundDriver, services: Services) -> None:
    """Sam (London, mentor) and Priya (Berlin, the senior mentee), both said good fit."""
    await publish_pair(playground)
    await book_first_slot(playground)
    [chemistry] = await meetings(services)
    await advance_to(playground, services, chemistry.ends_at)
    await playground.click_button("sam", "Yes, good fit")
    await playground.click_button("priya", "Yes, good fit")


async def sessions(services: Services) -> list[Meeting]:
    return [m for m in await meetings(services) if m.kind == "session"]


async def book_session(playground: PlaygroundDriver, label: str = "Book the next session") -> None:
    """Sam clicks the newest booking button, picks the first time; Priya accepts."""
    await playground.click_button("sam", label)
    slots = [b for b in buttons(await playground.last_dm("sam")) if b["action_id"] == "sess_slot"]
    assert slots, "no session times were offered"
    await playground.click("sam", slots[0]["action_id"], slots[0]["value"])
    await playground.click_button("priya", "Accept")


def poll_morning(meeting: Meeting) -> datetime:
    """When both people's polls are due: the later of their next working mornings."""
    return max(next_working_morning(h, meeting.ends_at) for h in (LONDON, BERLIN))


async def answer_poll(
    playground: PlaygroundDriver, user: str, met: str = "yes", **answers: str
) -> dict:
    await playground.click_button(user, "Answer the poll")
    values = {"met": met, **answers}
    if met == "yes":
        values = {"valuable": "4", "safe_space": "5", **values}
    return await playground.submit(user, values)


def prep_time(meeting: Meeting, days: int = 2) -> datetime:
    """When both people's prep prompts are due (the programme default: 2 working days)."""
    return max(working_days_before(h, meeting.starts_at, days) for h in (LONDON, BERLIN))


def after(meeting: Meeting, minutes: int) -> datetime:
    return meeting.ends_at + timedelta(minutes=minutes)

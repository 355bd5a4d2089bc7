"""Booking the chemistry meeting through the playground: slots, proposals, accept, calendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlparse

from aiohttp.test_utils import TestClient
from icalendar import Calendar
from sqlalchemy import select

from bot.core.working_hours import WorkingHours, describe, is_working_time
from bot.runtime.host import Services
from storage.models import Delivery, Person
from tests.matching_helpers import (
    MENTEE,
    book_first_slot,
    buttons,
    meetings,
    pairs,
    publish_pair,
)
from tests.playground_driver import PlaygroundDriver, text_of

LONDON = WorkingHours("Europe/London", 9 * 60, 17 * 60 + 30)
BERLIN = WorkingHours("Europe/Berlin", 9 * 60, 17 * 60 + 30)


def slot_buttons(body: dict) -> list[dict]:
    return [b for b in buttons(body) if b["action_id"] == "chem_slot"]


async def test_three_slots_inside_both_hours_in_each_readers_zone(
    playground: PlaygroundDriver,
) -> None:
    await publish_pair(playground)
    await playground.click_button("sam", "Book our chemistry meeting")
    offer = await playground.last_dm("sam")
    slots = slot_buttons(offer)
    assert len(slots) >= 3
    assert "[Propose another time]" in text_of(offer)
    for button in slots:
        start = datetime.fromisoformat(button["value"].split(":", 1)[1])
        for hours in (LONDON, BERLIN):
            assert is_working_time(hours, start)
            assert is_working_time(hours, start + timedelta(minutes=29))
        assert button["label"] == describe(start, "Europe/London")

    first = slots[0]
    await playground.click("sam", first["action_id"], first["value"])
    start = datetime.fromisoformat(first["value"].split(":", 1)[1])
    proposal = text_of(await playground.last_dm("priya"))
    assert f"Sam suggests *{describe(start, 'Europe/Berlin')}*" in proposal
    assert "[Accept]" in proposal
    assert "I've suggested" in text_of(await playground.last_dm("sam"))


async def test_accept_books_once_with_a_calendar_invite(
    playground: PlaygroundDriver, services: Services, client: TestClient
) -> None:
    await publish_pair(playground)
    await book_first_slot(playground)
    await playground.click_button("priya", "Accept")  # double click

    [meeting] = await meetings(services)
    assert meeting.status == "scheduled" and meeting.kind == "chemistry"
    assert [p.status for p in await pairs(services)] == ["chemistry_booked"]
    for user, zone in (("sam", "Europe/London"), ("priya", "Europe/Berlin")):
        booked = [t for t in await playground.dm_texts(user) if "is booked for" in t]
        assert len(booked) == 1
        assert describe(meeting.starts_at, zone) in booked[0]
    assert "already booked" in text_of(await playground.last_dm("priya"))

    link = next(
        b for b in buttons(await playground.last_dm("sam")) if b["label"] == "Add to calendar"
    )
    response = await client.get(urlparse(link["url"]).path)
    assert response.status == 200
    assert response.content_type == "text/calendar"
    event = next(iter(Calendar.from_ical(await response.read()).walk("VEVENT")))
    assert event.decoded("dtstart") == meeting.starts_at
    assert event.decoded("dtend") == meeting.starts_at + timedelta(minutes=30)
    assert "Sam" in str(event["summary"]) and "Priya" in str(event["summary"])

    forged = urlparse(link["url"]).path.replace(".ics", "0.ics")
    assert (await client.get(forged)).status == 404


async def test_propose_another_time_checks_the_time_on_the_field(
    playground: PlaygroundDriver, services: Services
) -> None:
    await publish_pair(playground)
    await playground.click_button("sam", "Book our chemistry meeting")
    await playground.click_button("sam", "Propose another time")

    cases = {
        "2027-01-04T08:00": "That time is in the past.",
        "2027-01-05T19:00": "outside your working hours",
        "2028-03-01T10:00": "after the programme ends",
        "2027-01-05T16:45": "outside Priya's working hours",
    }
    for when, problem in cases.items():
        result = await playground.submit("sam", {"when": when})
        assert problem in result["errors"]["when"], when
    assert await meetings(services) == []

    await playground.submit("sam", {"when": "2027-01-06T14:00"})  # Sam's zone: London
    [meeting] = await meetings(services)
    assert meeting.starts_at.isoformat() == "2027-01-06T14:00:00+00:00"
    assert "Wed 6 Jan, 15:00 (Europe/Berlin)" in text_of(await playground.last_dm("priya"))


async def test_a_slot_that_has_passed_gets_a_friendly_message(
    playground: PlaygroundDriver, services: Services
) -> None:
    await publish_pair(playground)
    await playground.click_button("sam", "Book our chemistry meeting")
    first = slot_buttons(await playground.last_dm("sam"))[0]
    await playground.advance(60 * 24 * 3)
    await playground.click("sam", first["action_id"], first["value"])
    assert "That time is in the past. Please pick another time." in text_of(
        await playground.last_dm("sam")
    )
    assert await meetings(services) == []


async def test_reschedule_moves_the_meeting_and_its_nudges(
    playground: PlaygroundDriver, services: Services
) -> None:
    await publish_pair(playground)
    await book_first_slot(playground)
    [booked] = await meetings(services)

    await playground.click_button("priya", "Reschedule")
    later = slot_buttons(await playground.last_dm("priya"))[-1]
    await playground.click("priya", later["action_id"], later["value"])
    await playground.click_button("sam", "Accept")

    live = [m for m in await meetings(services) if m.status == "scheduled"]
    assert [m.id for m in live] == [booked.id]
    assert live[0].starts_at == datetime.fromisoformat(later["value"].split(":", 1)[1])
    assert "moved to" in text_of(await playground.last_dm("sam"))
    async with services.db.sessions() as session:
        pending = list(
            await session.scalars(
                select(Delivery).where(
                    Delivery.meeting_id == booked.id, Delivery.state == "pending"
                )
            )
        )
    assert pending and all(d.due_at >= live[0].starts_at - timedelta(hours=1) for d in pending)


async def test_cancel_frees_the_pair_to_book_again(
    playground: PlaygroundDriver, services: Services
) -> None:
    await publish_pair(playground)
    await book_first_slot(playground)
    await playground.click_button("sam", "Cancel")

    [meeting] = await meetings(services)
    assert meeting.status == "cancelled"
    assert [p.status for p in await pairs(services)] == ["introduced"]
    told = text_of(await playground.last_dm("priya"))
    assert "Sam had to cancel" in told and "[Book our chemistry meeting]" in told
    async with services.db.sessions() as session:
        states = set(
            await session.scalars(select(Delivery.state).where(Delivery.meeting_id == meeting.id))
        )
    assert "pending" not in states


async def test_no_shared_hours_says_so_and_offers_a_proposal(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam", role="mentor")
    await playground.sign_up("leo", **MENTEE)
    await playground.say("ada", "/mentoring match")
    await playground.click_button("ada", "Publish")
    # Matching never pairs people without time for a session, but people move: Leo now
    # works from Tokyo, and his profile says so.
    async with services.db.sessions() as session:
        leo = await session.scalar(select(Person).where(Person.platform_user_id == "leo"))
        assert leo is not None
        leo.time_zone = "Asia/Tokyo"
        await session.commit()

    await playground.click_button("sam", "Book our chemistry meeting")
    offer = await playground.last_dm("sam")
    assert slot_buttons(offer) == []
    assert "couldn't find a time" in text_of(offer)
    assert "[Propose another time]" in text_of(offer)

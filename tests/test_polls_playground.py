"""The feedback poll and the bad input around sessions: answering twice, a cancelled
session, admin alerts without comments, two missed sessions, the programme's end."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import select

from bot.runtime.host import Services
from flows.sessions import polls
from storage.models import Delivery, Programme, Response
from tests.playground_driver import PlaygroundDriver, text_of
from tests.session_cycle_helpers import (
    advance_to,
    answer_poll,
    book_session,
    confirmed_pair,
    poll_morning,
    sessions,
)

FIRST = "Book our first session"


async def _poll_rows(services: Services) -> list[Response]:
    async with services.db.sessions() as session:
        return list(
            await session.scalars(
                select(Response).where(Response.kind == "poll").order_by(Response.id)
            )
        )


async def test_answering_twice_keeps_the_last_answer_only(
    playground: PlaygroundDriver, services: Services
) -> None:
    await confirmed_pair(playground, services)
    await book_session(playground, FIRST)
    [meeting] = await sessions(services)
    await advance_to(playground, services, poll_morning(meeting))

    await answer_poll(playground, "sam", valuable="2", comment="first thoughts")
    await answer_poll(playground, "sam", met="rescheduled")
    rows = await _poll_rows(services)
    assert {(r.question, r.value_text, r.value_number) for r in rows} == {
        ("met", "rescheduled", None)
    }
    assert all(r.subject == f"meeting:{meeting.id}" and r.programme_id for r in rows)
    assert "[Book a new time]" in text_of(await playground.last_dm("sam"))

    await answer_poll(playground, "sam", valuable="5")
    assert sorted((r.question, r.value_number) for r in await _poll_rows(services)) == [
        ("met", None),
        ("safe_space", 5.0),
        ("valuable", 5.0),
    ]
    [meeting] = await sessions(services)
    assert meeting.status == "held"


async def test_yes_needs_the_two_scores(playground: PlaygroundDriver, services: Services) -> None:
    await confirmed_pair(playground, services)
    await book_session(playground, FIRST)
    [meeting] = await sessions(services)
    await advance_to(playground, services, poll_morning(meeting))
    await playground.click_button("sam", "Answer the poll")
    result = await playground.submit("sam", {"met": "yes", "valuable": "9"})
    assert set(result["errors"]) == {"valuable", "safe_space"}
    assert await _poll_rows(services) == []


async def test_a_cancelled_session_sends_no_poll_and_an_old_button_is_answered_kindly(
    playground: PlaygroundDriver, services: Services
) -> None:
    await confirmed_pair(playground, services)
    await book_session(playground, FIRST)
    [meeting] = await sessions(services)
    await playground.click_button("sam", "Cancel")
    assert "Priya" in text_of(await playground.last_dm("sam"))
    await advance_to(playground, services, poll_morning(meeting))
    for user in ("sam", "priya"):
        assert not any("How was your session" in t for t in await playground.dm_texts(user))
    async with services.db.sessions() as session:
        states = set(
            await session.scalars(select(Delivery.state).where(Delivery.meeting_id == meeting.id))
        )
    assert "pending" not in states

    await playground.click("sam", polls.ACTION_ID, str(meeting.id))
    assert "was cancelled" in text_of(await playground.last_dm("sam"))
    assert await _poll_rows(services) == []


async def test_low_safe_space_alerts_admins_without_the_comment(
    playground: PlaygroundDriver, services: Services
) -> None:
    await confirmed_pair(playground, services)
    await book_session(playground, FIRST)
    [meeting] = await sessions(services)
    await advance_to(playground, services, poll_morning(meeting))
    before = len(await playground.dms("ada"))

    await answer_poll(playground, "priya", safe_space="2", comment="PRIVATE-WORDS about Sam")
    await answer_poll(playground, "priya", safe_space="1", comment="PRIVATE-WORDS again")
    alerts = (await playground.dm_texts("ada"))[before:]
    assert len(alerts) == 1  # answering again does not alert twice
    assert "Priya and Sam" in alerts[0] and "may need support" in alerts[0]
    assert "safe space" in alerts[0]
    for text in await playground.dm_texts("ada"):
        assert "PRIVATE-WORDS" not in text
    for user in ("sam",):
        assert not any("PRIVATE-WORDS" in t for t in await playground.dm_texts(user))


async def test_two_missed_sessions_in_a_row_alert_admins_and_no_offers_to_rebook(
    playground: PlaygroundDriver, services: Services
) -> None:
    await confirmed_pair(playground, services)
    await book_session(playground, FIRST)
    first = (await sessions(services))[-1]
    await advance_to(playground, services, poll_morning(first))
    await answer_poll(playground, "sam", met="no", comment="PRIVATE-REASON")
    reply = text_of(await playground.last_dm("sam"))
    assert "couldn't meet" in reply and "[Book a new time]" in reply
    assert not any("may need support" in t for t in await playground.dm_texts("ada"))

    await book_session(playground, "Book a new time")
    second = (await sessions(services))[-1]
    assert second.sequence == first.sequence  # a missed session is replaced, not counted
    await advance_to(playground, services, poll_morning(second))
    await answer_poll(playground, "priya", met="no")
    alerts = [t for t in await playground.dm_texts("ada") if "may need support" in t]
    assert len(alerts) == 1 and "two sessions in a row" in alerts[0]
    assert not any("PRIVATE-REASON" in t for t in await playground.dm_texts("ada"))
    assert [m.status for m in await sessions(services)] == ["missed", "missed"]


async def test_a_session_after_the_programme_ends_is_refused_kindly(
    playground: PlaygroundDriver, services: Services
) -> None:
    await confirmed_pair(playground, services)
    await playground.click_button("sam", FIRST)
    await playground.click_button("sam", "Propose another time")
    result = await playground.submit("sam", {"when": "2027-09-01T10:00"})
    assert "after the programme ends" in result["errors"]["when"]
    assert await sessions(services) == []

    # Near the end there are no times left to offer, and the message says why.
    async with services.db.sessions() as session:
        ends_on = await session.scalar(select(Programme.ends_on))
    await advance_to(playground, services, datetime.combine(ends_on, time(16), tzinfo=UTC))
    await playground.click_button("sam", FIRST)
    offer = text_of(await playground.last_dm("sam"))
    assert "programme ends on" in offer and "no time left" in offer


async def test_a_partner_who_withdraws_mid_programme(
    playground: PlaygroundDriver, services: Services
) -> None:
    await confirmed_pair(playground, services)
    await book_session(playground, FIRST)
    [held] = await sessions(services)
    await advance_to(playground, services, poll_morning(held))
    await answer_poll(playground, "sam")
    await book_session(playground, FIRST)
    upcoming = (await sessions(services))[-1]

    await playground.say("priya", "leave")
    await playground.click_button("priya", "Yes, withdraw")
    told = text_of(await playground.last_dm("sam"))
    assert "step back" in told and "[Find me a new partner]" in told
    statuses = {m.id: m.status for m in await sessions(services)}
    assert statuses == {held.id: "held", upcoming.id: "cancelled"}  # history kept

    await playground.click_button("sam", "Find me a new partner")
    assert "back in the pool" in text_of(await playground.last_dm("sam"))
    assert "would like a new partner" in (await playground.dm_texts("ada"))[-1]

    # Nothing more about the old pairing reaches Sam.
    count = len(await playground.dms("sam"))
    await advance_to(playground, services, poll_morning(upcoming))
    texts = (await playground.dm_texts("sam"))[count:]
    assert not any("Priya" in t for t in texts)

"""An id names one row for ever: after a forget-me, the erased person's calendar link and their
partner's old buttons reach nothing, never the next pair that books.

SQLite used to give the next row the highest id in use plus one, so the newest pair and meeting,
once erased, lent their ids to the next ones booked; the old links and buttons then opened
those.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app.bootstrap import build
from bot.app.ics_route import NO_LONGER_AVAILABLE as LINK_GONE
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.refs import Platform, WorkspaceRef
from bot.runtime.host import Services
from bot.runtime.policy import NO_LONGER_AVAILABLE
from flows.chemistry import fit_check
from flows.meetings.calendar_links import link_for
from storage.models import Meeting, Pair
from tests.matching_helpers import MENTOR, book_first_slot, enrol, meetings, pairs, publish_pair
from tests.playground_driver import PlaygroundDriver
from tests.slack_fixtures import TEAM, add_programme


def button(body: dict[str, Any], label: str) -> dict[str, Any]:
    [found] = [
        b for block in body["blocks"] for b in block.get("buttons", []) if b["label"] == label
    ]
    return found


async def erase(playground: PlaygroundDriver, user: str) -> None:
    await playground.say(user, "/mentoring forget-me")
    await playground.click_button(user, "Erase my data")


async def test_an_erased_pairs_link_and_buttons_never_reach_the_next_pair(
    playground: PlaygroundDriver, services: Services, client: TestClient
) -> None:
    await publish_pair(playground)
    await book_first_slot(playground)
    [erased_pair], [erased_meeting] = await pairs(services), await meetings(services)
    sams_link = urlsplit(button(await playground.last_dm("sam"), "Add to calendar")["url"]).path
    reschedule = button(await playground.last_dm("priya"), "Reschedule")
    opened = await client.get(sams_link)
    assert opened.status == 200 and "Sam & Priya" in await opened.text()

    # Sam asks to be forgotten: his pair and its meeting go with him. Priya is matched again,
    # with Ola, and they book their chemistry meeting.
    await erase(playground, "sam")
    assert await pairs(services) == [] and await meetings(services) == []
    await playground.add_person("Ola")
    await playground.sign_up("ola", **MENTOR)
    await playground.say("ada", "/mentoring match")
    await playground.click_button("ada", "Publish")
    await playground.click_button("ola", "Book our chemistry meeting")
    slots = [
        b for block in (await playground.last_dm("ola"))["blocks"] for b in block.get("buttons", [])
    ]
    await playground.click("ola", slots[0]["action_id"], slots[0]["value"])
    await playground.click_button("priya", "Accept")
    [new_pair], [new_meeting] = await pairs(services), await meetings(services)
    assert new_pair.id != erased_pair.id
    assert new_meeting.id != erased_meeting.id and new_meeting.status == "scheduled"

    stale = await client.get(sams_link)
    assert stale.status == 404
    assert await stale.text() == LINK_GONE

    # Priya's "Reschedule" from her pair with Sam: it must not offer times for her pair with Ola.
    await playground.click("priya", reschedule["action_id"], reschedule["value"])
    assert (await playground.last_dm("priya"))["summary"] == NO_LONGER_AVAILABLE
    [still] = await meetings(services)
    assert (still.id, still.status, still.starts_at) == (
        new_meeting.id,
        "scheduled",
        new_meeting.starts_at,
    )


async def test_a_made_up_button_cannot_tell_a_pair_that_exists_from_one_that_does_not(
    playground: PlaygroundDriver, services: Services
) -> None:
    await publish_pair(playground)
    [pair] = await pairs(services)

    await playground.click("leo", fit_check.NO_ACTION, str(pair.id))
    await playground.click("leo", fit_check.NO_ACTION, str(pair.id + 1000))

    assert [dm["body"]["summary"] for dm in await playground.dms("leo")] == [
        NO_LONGER_AVAILABLE,
        NO_LONGER_AVAILABLE,
    ]
    [still] = await pairs(services)
    assert (still.id, still.status) == (pair.id, pair.status)


async def a_pair(services: Services, programme_id: int, mentor: str, mentee: str) -> Pair:
    db, now = services.db, services.clock.now()
    workspace_id = await db.workspace_id(WorkspaceRef(Platform.SLACK, TEAM))
    mentor_id = await enrol(db, workspace_id, programme_id, mentor, role="mentor")
    mentee_id = await enrol(db, workspace_id, programme_id, mentee, role="mentee")
    async with db.unit_of_work(workspace_id) as uow:
        pair = Pair(
            programme_id=programme_id,
            mentor_enrolment_id=mentor_id,
            mentee_enrolment_id=mentee_id,
            status="chemistry_booked",
            created_at=now,
        )
        uow.pairs.add(pair)
        await uow.commit()
    return pair


async def a_meeting(services: Services, pair: Pair, meeting_id: int | None = None) -> Meeting:
    now = services.clock.now()
    async with services.db.unit_of_work(pair.workspace_id) as uow:
        meeting = Meeting(
            pair_id=pair.id,
            kind="chemistry",
            starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, minutes=30),
            created_at=now,
            updated_at=now,
        )
        if meeting_id is not None:
            meeting.id = meeting_id
        uow.meetings.add(meeting)
        await uow.commit()
    return meeting


@pytest.fixture
async def any_database(
    database_url: str, clock: OffsetClock
) -> AsyncIterator[tuple[Services, TestClient]]:
    services = await build(Config(database_url=database_url, run_scheduler=False), clock)
    async with TestClient(TestServer(services.web_app())) as client:
        yield services, client
    await services.close()


async def test_a_calendar_link_opens_only_the_meeting_it_was_made_for(
    any_database: tuple[Services, TestClient],
) -> None:
    """Even were a meeting's id handed out again (a restored backup, rows copied by hand), an
    old link would not open the meeting that now has it."""
    services, client = any_database
    programme_id = await add_programme(services)
    erased = await a_meeting(services, await a_pair(services, programme_id, "U0GONE01", "U0GONE02"))
    old_link = urlsplit(await link_for(services.db, erased)).path
    assert (await client.get(old_link)).status == 200
    async with services.db.unit_of_work(erased.workspace_id) as uow:
        await uow.session.delete(await uow.meetings.get(erased.id))
        await uow.commit()
    gone = await client.get(old_link)
    assert (gone.status, await gone.text()) == (404, LINK_GONE)

    services.clock.advance(timedelta(minutes=5))
    others = await a_pair(services, programme_id, "U0NEXT01", "U0NEXT02")
    reused = await a_meeting(services, others, meeting_id=erased.id)
    assert (await client.get(urlsplit(await link_for(services.db, reused)).path)).status == 200
    stale = await client.get(old_link)
    assert (stale.status, await stale.text()) == (404, LINK_GONE)

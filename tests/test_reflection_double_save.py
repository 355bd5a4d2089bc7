"""Saving a reflection twice at once (a double click on Save) acts once: one set of answers,
one "Saved", and no error in the log."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.playground.messenger import PLAYGROUND
from bot.core.events import FormSubmitted
from bot.core.refs import UserRef
from bot.runtime.host import Services
from flows.meetings import reflections
from flows.meetings.reflections import FORM_ID, KIND
from storage.models import Response
from tests.outbox_helpers import book, make_pair
from tests.playground_driver import PlaygroundDriver

ANSWERS = {"learned": "Lots", "will_do": "Follow up", "raise": "", "actions": "Send the audit"}
SAVED = "Saved. Only you can read your reflections"


async def reflection_rows(services: Services) -> list[tuple[str, str]]:
    async with services.db.sessions() as session:
        rows = await session.execute(
            select(Response.question, Response.value_text)
            .where(Response.kind == KIND)
            .order_by(Response.question)
        )
        return list(rows.tuples())


async def saved_replies(playground: PlaygroundDriver) -> int:
    return sum(SAVED in text for text in await playground.dm_texts("sam"))


async def test_a_double_clicked_save_acts_once_and_logs_no_error(
    playground: PlaygroundDriver,
    services: Services,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meeting_id = await book(
        services, await make_pair(services), services.clock.now() - timedelta(hours=2)
    )
    submit = FormSubmitted(
        user=UserRef(PLAYGROUND, "sam"),
        form_id=FORM_ID,
        values=dict(ANSWERS),
        context=str(meeting_id),
    )

    # Both clicks get past the meeting check before either has written anything, as two
    # requests handled side by side do.
    both_checked = asyncio.Barrier(2)
    attended = reflections._attended

    async def side_by_side(*args):  # type: ignore[no-untyped-def]
        found = await attended(*args)
        await both_checked.wait()
        return found

    monkeypatch.setattr(reflections, "_attended", side_by_side)
    with caplog.at_level(logging.INFO):
        results = await asyncio.gather(
            services.tandem.handle(submit), services.tandem.handle(submit)
        )

    assert results == [None, None]  # neither submission is told something went wrong
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await reflection_rows(services) == sorted(ANSWERS.items())
    assert await saved_replies(playground) == 1

    # Changing the answers later is saved, and says so, as before.
    monkeypatch.setattr(reflections, "_attended", attended)
    await services.tandem.handle(
        FormSubmitted(
            user=submit.user,
            form_id=FORM_ID,
            values={**ANSWERS, "raise": "Timing"},
            context=submit.context,
        )
    )
    assert dict(await reflection_rows(services))["raise"] == "Timing"
    assert await saved_replies(playground) == 2

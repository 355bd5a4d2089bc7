"""A whole pair through the programme on the playground, with the controllable clock:
fit confirmed, cadence and goals, six sessions with prep prompts, nudges, reflections and
polls, the midpoint, the close, both surveys, and the report's k-anonymity."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from adapters.playground.messenger import PLAYGROUND
from bot.app.cli.report import write_report
from bot.runtime.host import Services
from flows.reports.figures import SUPPRESSED
from storage.models import Programme
from tests.matching_helpers import pairs
from tests.playground_driver import PlaygroundDriver
from tests.session_cycle_helpers import (
    ALL_FOURS,
    ALL_THREES,
    advance_to,
    after,
    answer_poll,
    book_session,
    confirmed_pair,
    poll_morning,
    prep_time,
    sessions,
)
from tests.wording_checks import playground_slips

SECRET = "SECRET-COMMENT"


async def test_a_pair_goes_through_the_whole_programme(
    playground: PlaygroundDriver, services: Services, tmp_path: Path
) -> None:
    await confirmed_pair(playground, services)
    confirmed = await playground.last_dm("sam")
    labels = [b["label"] for block in confirmed["blocks"] for b in block.get("buttons", [])]
    assert "Monthly (suggested)" in labels and "Book our first session" in labels
    assert "Need support?" in labels

    # Cadence: both pick monthly. Goals: Sam shares his, Priya keeps hers private.
    await playground.click_button("sam", "Monthly (suggested)")
    await playground.click_button("priya", "Agree: monthly")
    assert "Agreed" in (await playground.dm_texts("sam"))[-1]
    await playground.click_button("sam", "Write my goals")
    await playground.submit("sam", {"goals": "Make our tools accessible", "share": ["yes"]})
    await playground.click_button("priya", "Write my goals")
    await playground.submit("priya", {"goals": "PRIYA-PRIVATE-GOAL", "share": []})

    for number in range(1, 7):
        await book_session(
            playground, "Book our first session" if number == 1 else "Book the next session"
        )
        meeting = (await sessions(services))[-1]
        assert meeting.sequence == number and meeting.status == "scheduled"

        # Prep prompts, role by role, two working days before.
        await advance_to(playground, services, prep_time(meeting))
        if number == 1:
            await playground.click_button("sam", "Add agenda items")
            await playground.submit("sam", {"items": "Screen reader demo", "share": ["yes"]})
            assert "Screen reader demo" in (await playground.dm_texts("priya"))[-1]
        sam_prep = next(t for t in await playground.dm_texts("sam") if f"session {number} " in t)
        priya_prep = next(
            t for t in await playground.dm_texts("priya") if f"session {number} " in t
        )
        assert "article or insight" in sam_prep and "[Need support?]" in sam_prep
        assert "Revisit your aims" in priya_prep and "[Add agenda items]" in priya_prep
        assert "Make our tools accessible" in priya_prep  # Sam shared his goals
        assert "PRIYA-PRIVATE-GOAL" not in sam_prep  # Priya did not
        if number > 1:
            assert f"Send Priya audit {number - 1}" in sam_prep  # last session's actions
            assert "Send Priya audit" not in priya_prep

        # The 30-minute nudge, then the reflection prompt with "Book the next session".
        # A prompt still due from the chemistry meeting may go out in the same pass, in
        # either order: look at everything this step delivered.
        seen = len(await playground.dm_texts("priya"))
        await advance_to(playground, services, meeting.starts_at - timedelta(minutes=30))
        delivered = (await playground.dm_texts("priya"))[seen:]
        assert sum("Block this half hour" in text for text in delivered) == 1
        await advance_to(playground, services, after(meeting, 30))
        prompt = (await playground.dm_texts("sam"))[-1]
        assert "[Write my reflection]" in prompt
        assert ("[Book the next session]" in prompt) == (number < 6)
        await playground.click_button("sam", "Write my reflection")
        await playground.submit(
            "sam",
            {"learned": "Lots", "will_do": "Follow up", "actions": f"Send Priya audit {number}"},
        )

        # The poll, the working morning after; the last answer counts.
        await advance_to(playground, services, poll_morning(meeting))
        await answer_poll(playground, "sam", comment=f"{SECRET} {number}")
        await answer_poll(playground, "priya", safe_space="4")
        await answer_poll(playground, "priya", safe_space="5")
        if number == 2:  # the baseline survey came at the programme's start
            for user in ("sam", "priya"):
                await playground.click_button(user, "Take the 2-minute survey")
                assert await playground.submit(user, ALL_THREES) == {"ok": True}
        if number == 3:
            for user in ("sam", "priya"):
                assert "[Revisit my goals]" in "\n".join(await playground.dm_texts(user))
        if number == 1:
            await advance_to(playground, services, (await _programme_start(services)))

    assert [m.status for m in await sessions(services)] == ["held"] * 6

    # The close: each chooses, the closing survey follows, lessons learned are shared.
    await playground.click_button("sam", "Keep in touch informally")
    assert [p.status for p in await pairs(services)] == ["confirmed"]
    await playground.click_button("priya", "Close")
    [pair] = await pairs(services)
    assert pair.status == "ended" and pair.end_reason == "completed"
    await playground.click_button("sam", "Write our lessons learned")
    await playground.submit("sam", {"lessons": "Listen first"})
    assert "Listen first" in (await playground.dm_texts("priya"))[-1]

    # Baseline survey came at the programme's start; the closing one with the close.
    for user in ("sam", "priya"):
        texts = await playground.dm_texts(user)
        assert sum("is starting" in t for t in texts) == 1
        assert sum("has come to an end" in t for t in texts) == 1
    await playground.click_button("sam", "Take the 2-minute survey")
    assert await playground.submit("sam", ALL_FOURS) == {"ok": True}

    # Ended: nothing more reaches the pair, even past the programme's end.
    counts = {u: len(await playground.dms(u)) for u in ("sam", "priya")}
    await playground.advance(60 * 24 * 120)
    assert {u: len(await playground.dms(u)) for u in ("sam", "priya")} == counts

    # Admins never saw a comment; the report shows no figure from fewer than 5 people.
    assert not any(SECRET in t for t in await playground.dm_texts("ada"))
    output = await write_report(services.db, PLAYGROUND, "pilot", tmp_path / "r.csv")
    assert SUPPRESSED in output.text and SECRET not in output.text
    assert SECRET not in (tmp_path / "r.csv").read_text()

    # Every message and form it took reads well: no "1 pairs", "(s)" or doubled labels.
    assert await playground_slips(services.db) == []


async def _programme_start(services: Services) -> datetime:
    async with services.db.sessions() as session:
        starts_on = await session.scalar(select(Programme.starts_on))
    return datetime.combine(starts_on, time(12), tzinfo=UTC)

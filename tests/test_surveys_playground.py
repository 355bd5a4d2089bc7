"""Pre/post surveys end to end through the playground: sent, answered, re-answered, closed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.runtime.host import Services
from bot.runtime.policy import NO_LONGER_AVAILABLE
from flows.surveys.answers import ACTION_ID, SendResult
from flows.surveys.answers import send_survey as queue_survey
from flows.surveys.questions import DEFAULT_QUESTIONS
from storage.models import Delivery, Programme, Response
from tests.playground_driver import PlaygroundDriver

ALL_FOURS = {q.key: "4" for q in DEFAULT_QUESTIONS}


async def send_survey(services: Services, programme_id: int, phase: str) -> SendResult:
    """Queue the survey, then let the dispatcher send what is due (everyone here is at work)."""
    result = await queue_survey(services, programme_id, phase)
    await services.scheduler.dispatcher.run_due()
    return result


async def pilot(services: Services) -> Programme:
    async with services.db.sessions() as session:
        programme = await session.scalar(select(Programme).where(Programme.slug == "pilot"))
    assert programme is not None
    return programme


async def answers(services: Services, kind: str) -> list[tuple[str, float]]:
    async with services.db.sessions() as session:
        rows = await session.execute(
            select(Response.question, Response.value_number)
            .where(Response.kind == kind)
            .order_by(Response.question)
        )
        return list(rows.tuples())


async def days_until_after_end(services: Services, programme: Programme, extra: int) -> int:
    """Minutes to move the clock so it is `extra` days after the programme's last day."""
    now = services.clock.now()
    target = now.replace(
        year=programme.ends_on.year, month=programme.ends_on.month, day=programme.ends_on.day
    ) + timedelta(days=extra)
    return int((target - now).total_seconds() // 60)


async def test_the_baseline_survey_reaches_everyone_active_and_is_answered_in_a_form(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    await playground.sign_up("priya", role="mentee", seniority="5")
    programme = await pilot(services)

    result = await send_survey(services, programme.id, "pre")

    assert (result.queued, result.skipped) == (2, 0)
    assert "Take the 2-minute survey" in (await playground.dm_texts("priya"))[-1]
    await playground.click_button("sam", "Take the 2-minute survey")
    form = await playground.form("sam")
    assert form is not None
    fields = form["body"]["fields"]
    assert [f["label"] for f in fields] == [q.text for q in DEFAULT_QUESTIONS]
    assert fields[0]["options"][0]["label"] == "1 — strongly disagree"
    assert fields[0]["options"][-1]["label"] == "5 — strongly agree"

    assert await playground.submit("sam", ALL_FOURS) == {"ok": True}
    assert await answers(services, "survey_pre") == sorted((q.key, 4.0) for q in DEFAULT_QUESTIONS)
    assert "your answers are saved" in (await playground.dm_texts("sam"))[-1]


async def test_sending_the_same_survey_twice_sends_each_person_one_message(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    programme = await pilot(services)
    await send_survey(services, programme.id, "pre")
    again = await send_survey(services, programme.id, "pre")

    assert (again.queued, again.skipped) == (0, 1)
    invitations = [t for t in await playground.dm_texts("sam") if "2-minute survey" in t]
    assert len(invitations) == 1


async def test_answering_twice_keeps_only_the_last_answers(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    await send_survey(services, (await pilot(services)).id, "pre")
    await playground.click_button("sam", "Take the 2-minute survey")
    await playground.submit("sam", ALL_FOURS)

    await playground.click_button("sam", "Take the 2-minute survey")
    form = await playground.form("sam")
    assert form is not None
    assert form["body"]["fields"][0]["initial"] == "4"  # shows what they said before
    await playground.submit("sam", {**ALL_FOURS, "confidence": "2"})

    stored = dict(await answers(services, "survey_pre"))
    assert len(stored) == len(DEFAULT_QUESTIONS)
    assert stored["confidence"] == 2.0 and stored["belonging"] == 4.0
    assert "your answers are updated" in (await playground.dm_texts("sam"))[-1]


async def test_an_unanswered_question_is_asked_for_on_its_field(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    await send_survey(services, (await pilot(services)).id, "pre")
    await playground.click_button("sam", "Take the 2-minute survey")

    reply = await playground.submit("sam", {**ALL_FOURS, "belonging": "", "development": "9"})

    assert reply["errors"] == {"development": "Please choose one of the options."}
    reply = await playground.submit("sam", {**ALL_FOURS, "belonging": ""})
    assert reply["errors"] == {"belonging": "Please choose an answer."}
    assert await answers(services, "survey_pre") == []


async def test_the_starting_survey_is_refused_kindly_after_the_programme_ended(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    programme = await pilot(services)
    await send_survey(services, programme.id, "pre")
    await playground.click_button("sam", "Take the 2-minute survey")  # form open...
    await playground.advance(await days_until_after_end(services, programme, 1))

    assert await playground.submit("sam", ALL_FOURS) == {"ok": True}  # ...sent too late

    assert await answers(services, "survey_pre") == []
    assert "the starting survey is closed" in (await playground.dm_texts("sam"))[-1]
    late = await send_survey(services, programme.id, "pre")
    assert late.queued == 0 and "closed" in late.note


async def test_the_closing_survey_stays_open_thirty_days_after_the_end(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    programme = await pilot(services)
    await playground.advance(await days_until_after_end(services, programme, 30))
    await send_survey(services, programme.id, "post")
    await playground.click_button("sam", "Take the 2-minute survey")
    await playground.submit("sam", ALL_FOURS)
    assert len(await answers(services, "survey_post")) == len(DEFAULT_QUESTIONS)

    await playground.advance(24 * 60)
    await playground.click_button("sam", "Take the 2-minute survey")

    assert await playground.form("sam") is None
    assert (
        "closing survey for this programme has now closed" in (await playground.dm_texts("sam"))[-1]
    )


async def test_the_pulse_is_off_unless_the_programme_switches_it_on(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    programme = await pilot(services)

    off = await send_survey(services, programme.id, "pulse")
    assert off.queued == 0 and "switched off" in off.note

    async with services.db.sessions() as session:
        row = await session.get(Programme, programme.id)
        assert row is not None
        row.settings = {**row.settings, "pulse": True}
        await session.commit()
    on = await send_survey(services, programme.id, "pulse")
    assert on.queued == 1
    await playground.click_button("sam", "Take the 2-minute survey")
    await playground.submit("sam", ALL_FOURS)
    async with services.db.sessions() as session:
        subjects = set(
            await session.scalars(select(Response.subject).where(Response.kind == "pulse"))
        )
    assert subjects == {f"programme:{programme.id}:pulse:2027-Q1"}


async def test_someone_not_in_the_programme_cannot_answer_its_survey(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    programme = await pilot(services)
    await send_survey(services, programme.id, "pre")

    await playground.click("leo", ACTION_ID, f"{programme.id}:pre")

    assert await playground.form("leo") is None
    assert (await playground.dm_texts("leo"))[-1].startswith(NO_LONGER_AVAILABLE)
    async with services.db.sessions() as session:
        sent = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.kind == "survey_invite")
        )
    assert sent == 1

"""The baseline and closing surveys planned through the outbox: on time, once, only for
people still taking part."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from bot.runtime.host import Services
from flows.surveys.answers import send_survey
from flows.surveys.calendar import plan_surveys
from storage.models import Delivery, Enrolment, Programme
from tests.outbox_helpers import enrol
from tests.playground_driver import PlaygroundDriver


async def _programme(services: Services) -> Programme:
    async with services.db.sessions() as session:
        programme = await session.scalar(select(Programme))
    assert programme is not None
    return programme


async def _invites(services: Services) -> list[Delivery]:
    async with services.db.sessions() as session:
        return list(
            await session.scalars(
                select(Delivery)
                .where(Delivery.idempotency_key.like("survey_%"))
                .order_by(Delivery.id)
            )
        )


async def test_the_baseline_goes_out_on_the_first_working_morning_once(
    playground: PlaygroundDriver, services: Services
) -> None:
    await enrol(services, "sam", "mentor", time_zone="Europe/London")
    await enrol(services, "priya", "mentee", time_zone="Europe/Berlin")
    quitter = await enrol(services, "leo", "mentee")
    async with services.db.sessions() as session:
        (await session.get(Enrolment, quitter)).status = "withdrawn"  # type: ignore[union-attr]
        await session.commit()
    programme = await _programme(services)
    assert await plan_surveys(services.db, services.clock.now()) == 0  # nothing due soon

    eve = datetime.combine(programme.starts_on - timedelta(days=1), time(12), tzinfo=UTC)
    await playground.advance(int((eve - services.clock.now()).total_seconds() // 60))
    await plan_surveys(services.db, services.clock.now())
    await plan_surveys(services.db, services.clock.now())  # idempotent
    planned = await _invites(services)
    assert len(planned) == 2 and {d.channel_id for d in planned} == {"@sam", "@priya"}
    berlin = next(d for d in planned if d.channel_id == "@priya")
    assert berlin.due_at == datetime.combine(programme.starts_on, time(8), tzinfo=UTC)

    await playground.advance(60 * 24)
    for user in ("sam", "priya"):
        assert sum("is starting" in t for t in await playground.dm_texts(user)) == 1
    assert not any("is starting" in t for t in await playground.dm_texts("leo"))

    # An admin's manual send the same day changes nothing: same key, already sent.
    result = await send_survey(services, programme.id, "pre")
    await services.scheduler.dispatcher.run_due()
    assert result.queued == 0
    for user in ("sam", "priya"):
        assert sum("is starting" in t for t in await playground.dm_texts(user)) == 1


async def test_a_survey_answered_after_the_programme_ended_is_refused_kindly(
    playground: PlaygroundDriver, services: Services
) -> None:
    await enrol(services, "sam", "mentor")
    programme = await _programme(services)
    start = datetime.combine(programme.starts_on, time(12), tzinfo=UTC)
    await playground.advance(int((start - services.clock.now()).total_seconds() // 60))
    await playground.advance(60)
    assert any("is starting" in t for t in await playground.dm_texts("sam"))
    after_end = datetime.combine(programme.ends_on + timedelta(days=2), time(12), tzinfo=UTC)
    await playground.advance(int((after_end - services.clock.now()).total_seconds() // 60))
    await playground.click_button("sam", "Take the 2-minute survey")
    assert "starting survey is closed" in (await playground.dm_texts("sam"))[-1]


async def test_the_quarterly_check_in_goes_out_each_quarter_when_switched_on(
    playground: PlaygroundDriver, services: Services
) -> None:
    from flows.surveys.calendar import survey_dates

    await enrol(services, "sam", "mentor", time_zone="Europe/London")
    async with services.db.sessions() as session:
        programme = await session.scalar(select(Programme))
        assert programme is not None
        assert [phase for phase, _, _ in survey_dates(programme)] == ["pre", "post"]
        programme.settings = {**programme.settings, "pulse": True}
        await session.commit()
        dates = survey_dates(programme)
    pulses = [(day.isoformat(), round_) for phase, day, round_ in dates if phase == "pulse"]
    assert pulses == [("2027-04-01", "2027-Q2"), ("2027-07-01", "2027-Q3")]

    eve = datetime(2027, 3, 31, 12, tzinfo=UTC)
    await playground.advance(int((eve - services.clock.now()).total_seconds() // 60))
    await plan_surveys(services.db, services.clock.now())
    await playground.advance(60 * 24)
    check_ins = [t for t in await playground.dm_texts("sam") if "quick check-in" in t]
    assert len(check_ins) == 1

"""Champion announcements on the playground: permission, audiences, timing, delivery report."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.runtime.host import Services
from bot.runtime.policy import REFUSED
from storage.models import Person
from tests.conftest import START
from tests.outbox_helpers import deliveries, enrol, move_clock_to
from tests.playground_driver import PlaygroundDriver


async def run_due(services: Services) -> None:
    assert services.scheduler is not None
    await services.scheduler.dispatcher.run_due()


async def announce(playground: PlaygroundDriver, **values: str) -> dict:  # type: ignore[type-arg]
    await playground.say("ada", "/mentoring announce")
    return await playground.submit(
        "ada", {"message": "Kick-off is on Thursday", "when": "now", **values}
    )


async def enrol_cast(services: Services) -> None:
    await enrol(services, "sam", "mentor")
    await enrol(services, "priya", "mentee")
    await enrol(services, "leo", "mentee")


async def test_only_champions_and_admins_can_announce(
    services: Services, playground: PlaygroundDriver
) -> None:
    await playground.say("sam", "/mentoring announce")
    assert await playground.form("sam") is None
    assert REFUSED in (await playground.dm_texts("sam"))[-1]

    await playground.say("ada", "/mentoring announce")
    form = await playground.form("ada")
    assert form is not None and form["body"]["form_id"] == "announce"


async def test_announcement_reaches_everyone_enrolled_and_reports_back(
    services: Services, playground: PlaygroundDriver
) -> None:
    await enrol_cast(services)
    async with services.db.sessions() as session:  # Priya has blocked the app
        await session.execute(
            update(Person).where(Person.platform_user_id == "priya").values(reachable=False)
        )
        await session.commit()

    await announce(playground, audience="everyone")
    assert "3 people" in (await playground.dm_texts("ada"))[-1]
    await run_due(services)

    assert "Kick-off is on Thursday" in (await playground.dm_texts("sam"))[-1]
    assert not any("Kick-off" in t for t in await playground.dm_texts("leo"))  # 04:00 in NY
    assert not any("Delivery report" in t for t in await playground.dm_texts("ada"))

    await move_clock_to(services, START + timedelta(hours=5))  # 09:00 in New York
    await run_due(services)
    assert "Kick-off is on Thursday" in (await playground.dm_texts("leo"))[-1]
    report = (await playground.dm_texts("ada"))[-1]
    assert "Delivery report" in report
    assert "Sent: 2" in report and "Failed: 0" in report and "Unreachable" in report
    assert "blocked the app): 1" in report

    await run_due(services)  # the report goes once
    assert sum("Delivery report" in t for t in await playground.dm_texts("ada")) == 1


async def test_mentors_only(services: Services, playground: PlaygroundDriver) -> None:
    await enrol_cast(services)
    await announce(playground, audience="mentors")
    await run_due(services)
    assert "Kick-off is on Thursday" in (await playground.dm_texts("sam"))[-1]
    assert not any("Kick-off" in t for t in await playground.dm_texts("priya"))
    assert {d.channel_id for d in await deliveries(services, "announcement")} == {"@sam"}


async def test_channel_post_at_a_chosen_time(
    services: Services, playground: PlaygroundDriver
) -> None:
    later = START + timedelta(hours=2)
    await announce(
        playground,
        audience="channel",
        channel="#mentoring",
        when="later",
        send_at=later.replace(tzinfo=None).isoformat(timespec="minutes"),  # Ada's London wall clock
    )
    await run_due(services)
    assert (await playground.state("ada"))["channels"]["#mentoring"] == []

    await playground.advance(120)
    posts = (await playground.state("ada"))["channels"]["#mentoring"]
    assert [p["body"]["summary"] for p in posts] == ["Kick-off is on Thursday"]
    assert "Sent: 1" in (await playground.dm_texts("ada"))[-1]


async def test_form_errors_are_explained(services: Services, playground: PlaygroundDriver) -> None:
    await playground.say("ada", "/mentoring announce")
    result = await playground.submit(
        "ada", {"message": "", "audience": "channel", "channel": "", "when": "later"}
    )
    assert set(result["errors"]) == {"message", "channel", "send_at"}

    result = await playground.submit("ada", {"message": "Hi", "audience": "mentees", "when": "now"})
    assert "Nobody" in result["errors"]["audience"]

"""Shared steps for the matching, chemistry and fit-check tests, driven through the playground."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.runtime.host import Services
from flows.common import disclosure
from storage.models import Enrolment, Meeting, Pair
from storage.uow import Database
from tests.playground_driver import PlaygroundDriver

MENTOR = {"role": "mentor", "seniority": "1", "department": "Finance"}
MENTEE = {
    "role": "mentee",
    "seniority": "5",
    "department": "Operations",
    "job_title": "Chief Operating Officer",
    "offers": ["strategy"],
    "goal_areas": ["disability", "digital"],
    "goals": "Understand how our tools feel to disabled colleagues.",
    "lived_experience": [],
}


async def sign_up_pair(playground: PlaygroundDriver) -> None:
    """Sam (London) mentors; Priya (Berlin) is the senior mentee. Ada is the admin."""
    await playground.sign_up("sam", **MENTOR)
    await playground.sign_up("priya", **MENTEE, time_zone="Europe/Berlin")


async def publish_pair(playground: PlaygroundDriver) -> None:
    await sign_up_pair(playground)
    await playground.say("ada", "/mentoring match")
    await playground.click_button("ada", "Publish")


async def pairs(services: Services) -> list[Pair]:
    async with services.db.sessions() as session:
        return list(await session.scalars(select(Pair).order_by(Pair.id)))


async def meetings(services: Services) -> list[Meeting]:
    async with services.db.sessions() as session:
        return list(await session.scalars(select(Meeting).order_by(Meeting.id)))


async def book_first_slot(playground: PlaygroundDriver) -> None:
    """Sam picks the first offered time; Priya accepts it."""
    await playground.click_button("sam", "Book our chemistry meeting")
    slots = buttons(await playground.last_dm("sam"))
    await playground.click("sam", slots[0]["action_id"], slots[0]["value"])
    await playground.click_button("priya", "Accept")


def buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for block in body["blocks"] for b in block.get("buttons", [])]


async def enrol(
    db: Database,
    workspace_id: int,
    programme_id: int,
    user_id: str,
    *,
    role: str,
    zone: str = "Europe/London",
    share: tuple[str, ...] = (),
    **fields: Any,
) -> int:
    """An active enrolment straight in the database, for tests that start after sign-up.

    `share` is what the person ticked under "What may we share with your match".
    """
    now = db.clock.now()
    async with db.unit_of_work(workspace_id) as uow:
        person = await uow.people.ensure(user_id, now, display_name=user_id.title(), time_zone=zone)
        enrolment = Enrolment(
            programme_id=programme_id,
            person_id=person.id,
            role=role,
            seniority=fields.pop("seniority", 1 if role == "mentor" else 5),
            offers=fields.pop("offers", ["digital"]),
            goal_areas=fields.pop("goal_areas", ["digital"]),
            consent_at=now,
            created_at=now,
            updated_at=now,
            **fields,
        )
        uow.enrolments.add(enrolment)
        await disclosure.save_sharing(uow, person.id, programme_id, list(share), now)
        await uow.session.flush()
        await uow.commit()
        return enrolment.id

"""A ready-made programme and cast so a first run of the playground has something to do."""

from __future__ import annotations

from datetime import timedelta

from adapters.playground.messenger import PLAYGROUND
from storage.uow import Database

CAST = (
    ("ada", "Ada (programme admin)", "Europe/London"),
    ("sam", "Sam", "Europe/London"),
    ("priya", "Priya", "Europe/Berlin"),
    ("leo", "Leo", "America/New_York"),
)


async def seed_demo(db: Database) -> None:
    workspace_id = await db.workspace_id(PLAYGROUND, "Playground")
    now = db.clock.now()
    async with db.unit_of_work(workspace_id) as uow:
        if await uow.programmes.all():
            return
        people = {}
        for user_id, name, zone in CAST:
            people[user_id] = await uow.people.ensure(
                user_id, now, display_name=name, time_zone=zone
            )
        programme = await uow.programmes.create(
            slug="pilot",
            name="Reverse mentoring pilot",
            kind="reverse",
            starts_on=(now + timedelta(days=14)).date(),
            ends_on=(now + timedelta(days=14 + 183)).date(),
            now=now,
        )
        await uow.programmes.add_role(programme.id, people["ada"].id, "admin")
        await uow.programmes.add_role(programme.id, people["ada"].id, "champion")
        await uow.commit()

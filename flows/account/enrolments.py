"""The person's own sign-ups, as their commands and buttons name them."""

from __future__ import annotations

from bot.core.events import Command
from bot.runtime.context import FlowContext
from storage.models import Enrolment, Person

NOT_ENROLLED = (
    "You're not signed up to any mentoring programme yet. "
    "Type `signup` to join one, or `help` to see what I can do."
)


async def own_enrolment(ctx: FlowContext, value: str) -> tuple[Person, Enrolment] | None:
    """The clicker's enrolment named by a button, or None if it is not theirs (or gone)."""
    async with ctx.uow() as uow:
        person = await uow.people.by_user_id(ctx.user.user_id)
        enrolment = await uow.enrolments.get(int(value)) if value.isdigit() else None
        if person is None or enrolment is None or enrolment.person_id != person.id:
            return None
        return person, enrolment


async def choose_enrolment(ctx: FlowContext, command: Command, verb: str) -> list[Enrolment]:
    async with ctx.uow() as uow:
        person = await uow.people.by_user_id(ctx.user.user_id)
        if person is None:
            return []
        return [e for e, _ in await uow.enrolments.of_person(person.id) if e.status != "withdrawn"]

"""Finding the person behind an event, and the programme roles they hold."""

from __future__ import annotations

from bot.runtime.context import FlowContext
from storage.models import Person
from storage.uow import UnitOfWork


async def person_for(ctx: FlowContext, uow: UnitOfWork, *, refresh: bool = False) -> Person:
    """The person who triggered the event, created on first contact with their profile."""
    person = await uow.people.by_user_id(ctx.user.user_id)
    if person is not None and not refresh:
        return person
    profile = await ctx.sender.profile(ctx.user)
    return await uow.people.ensure(ctx.user.user_id, ctx.clock.now(), **profile)


async def is_known(ctx: FlowContext, uow: UnitOfWork, user_id: str) -> bool:
    """Whether `user_id` is someone in this workspace: a person Tandem knows, or one the
    platform can tell it about. A picker's answer always is; a forged or mistyped one is not."""
    if await uow.people.by_user_id(user_id) is not None:
        return True
    return bool(await ctx.sender.profile(ctx.user_ref(user_id)))


def name_of(person: Person | None) -> str:
    if person is None:
        return "someone"
    return person.display_name or person.platform_user_id

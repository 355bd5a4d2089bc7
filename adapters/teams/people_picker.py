"""The people a person field on a Teams card offers, and whom its answer names.

Teams' people picker answers with the Entra object id of whoever was picked; clients without
the picker answer with one of the card's own choices, the Teams member ids of people Tandem
knows. Either becomes the member id the rest of Tandem uses: a person Tandem has talked to
is found by the object id stored from their activities, anyone else through a team the bot
is in. An answer that names no one is passed on as it came, for the flow to refuse.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from bot.core.events import FormSubmitted
from bot.core.outbound import Choice, FieldKind, Form
from bot.core.refs import WorkspaceRef
from storage.models import Person
from storage.uow import Database

# Member ids are long: thirty of them keep the sign-up card well inside Teams' size limit.
CHOICES_LIMIT = 30
_OBJECT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

# (workspace, Entra object id) -> (member id, name) of that person in a team the bot is in.
FindMember = Callable[[WorkspaceRef, str], Awaitable[tuple[str, str] | None]]


def _person_fields(form: Form) -> list[str]:
    return [field.name for field in form.fields if field.kind is FieldKind.USER]


async def choices_for(db: Database, workspace_id: int, form: Form) -> tuple[Choice, ...]:
    """The people Tandem knows in the workspace, for a form with a person field: the ones
    already chosen first, then by name."""
    if not _person_fields(form):
        return ()
    chosen = [
        f.initial for f in form.fields if f.kind is FieldKind.USER and isinstance(f.initial, str)
    ]
    async with db.unit_of_work(workspace_id) as uow:
        named = select(Person.platform_user_id, Person.display_name).where(
            Person.workspace_id == workspace_id
        )
        first = await uow.session.execute(named.where(Person.platform_user_id.in_(chosen)))
        rest = await uow.session.execute(
            named.where(Person.platform_user_id.not_in(chosen))
            .order_by(Person.display_name, Person.id)
            .limit(CHOICES_LIMIT)
        )
        rows = [*first.tuples(), *rest.tuples()][:CHOICES_LIMIT]
    return tuple(Choice(name or user_id, user_id) for user_id, name in rows)


async def with_member_ids(
    db: Database, workspace_id: int, form: Form, event: FormSubmitted, find: FindMember
) -> FormSubmitted:
    """The submission with each person field's answer as a Teams member id, where it names
    someone."""
    values = dict(event.values)
    for name in _person_fields(form):
        answer = values.get(name)
        if isinstance(answer, str) and answer:
            values[name] = await _member_id(db, workspace_id, event, answer, find)
    return dataclasses.replace(event, values=values)


async def _member_id(
    db: Database, workspace_id: int, event: FormSubmitted, answer: str, find: FindMember
) -> str:
    async with db.unit_of_work(workspace_id) as uow:
        if await uow.people.by_user_id(answer) is not None:
            return answer
        person = await uow.people.by_directory_id(answer)
        if person is not None:
            return person.platform_user_id
    if not _OBJECT_ID.match(answer):
        return answer
    found = await find(event.user.workspace, answer)
    if found is None:
        return answer
    member_id, display_name = found
    async with db.unit_of_work(workspace_id) as uow:
        # Remembered like anyone Tandem meets, so the flow knows whom the answer names.
        await uow.people.ensure(
            member_id, db.clock.now(), display_name=display_name, directory_id=answer
        )
        await uow.commit()
    return member_id

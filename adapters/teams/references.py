"""Where the bot can reach people and channels later: ConversationReferences in the database.

References are stored as the Bot Framework's own JSON (camelCase), so they survive restarts
and a later SDK can read them. People's live on `Person.conversation_ref`; channels have
their own table.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from storage.models import Person, TeamsChannel
from storage.uow import Database
from storage.upsert import insert_ignore

THREAD_MARKER = ";messageid="


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    channel_id: str
    name: str
    team_id: str


def channel_of_thread(conversation_id: str) -> str:
    """A channel thread's conversation id is `<channel id>;messageid=<root message id>`."""
    return conversation_id.split(THREAD_MARKER, 1)[0]


async def save_person_ref(
    db: Database,
    workspace_id: int,
    user_id: str,
    ref: dict[str, Any],
    display_name: str = "",
    *,
    directory_id: str = "",
) -> None:
    """Remember how to DM this person (and their Entra object id, which Teams' people picker
    answers with); talking to the bot again makes them reachable again."""
    now = db.clock.now()
    async with db.unit_of_work(workspace_id) as uow:
        person = await uow.people.ensure(
            user_id, now, display_name=display_name, directory_id=directory_id
        )
        person.conversation_ref = ref
        person.reachable = True
        person.unreachable_reason = ""
        await uow.commit()


async def person_ref(db: Database, workspace_id: int, user_id: str) -> dict[str, Any] | None:
    async with db.unit_of_work(workspace_id) as uow:
        person = await uow.people.by_user_id(user_id)
        return person.conversation_ref if person else None


async def save_channel_ref(
    db: Database, workspace_id: int, channel: ChannelInfo, ref: dict[str, Any]
) -> None:
    now = db.clock.now()
    row = {
        "workspace_id": workspace_id,
        "channel_id": channel.channel_id,
        "name": channel.name,
        "team_id": channel.team_id,
        "conversation_ref": ref,
        "updated_at": now,
    }
    async with db.unit_of_work(workspace_id) as uow:
        inserted = await uow.session.scalar(
            insert_ignore(uow.session, TeamsChannel, [row]).returning(TeamsChannel.id)
        )
        if inserted is None:
            values: dict[str, Any] = {"conversation_ref": ref, "updated_at": now}
            # Teams sends the channel's name only on some activities: keep the one we know.
            if channel.name:
                values["name"] = channel.name
            if channel.team_id:
                values["team_id"] = channel.team_id
            await uow.session.execute(
                update(TeamsChannel)
                .where(
                    TeamsChannel.workspace_id == workspace_id,
                    TeamsChannel.channel_id == channel.channel_id,
                )
                .values(**values)
            )
        await uow.commit()


async def channels(db: Database, workspace_id: int) -> list[TeamsChannel]:
    """The channels a champion can choose from for announcements."""
    async with db.unit_of_work(workspace_id) as uow:
        rows = await uow.session.scalars(
            select(TeamsChannel)
            .where(TeamsChannel.workspace_id == workspace_id)
            .order_by(TeamsChannel.name, TeamsChannel.id)
        )
        return list(rows)


async def channel_ref(db: Database, workspace_id: int, channel: str) -> TeamsChannel | None:
    """A known channel by its id (or a thread in it), or by the name a champion typed."""
    async with db.unit_of_work(workspace_id) as uow:
        found = await uow.session.scalar(
            select(TeamsChannel).where(
                TeamsChannel.workspace_id == workspace_id,
                TeamsChannel.channel_id == channel_of_thread(channel),
            )
        )
    if found is not None:
        return found
    name = channel.strip().lstrip("#").casefold()
    named = [c for c in await channels(db, workspace_id) if c.name.casefold() == name]
    # Two teams can both have a channel of that name: refuse to guess.
    return named[0] if name and len(named) == 1 else None


async def conversation_ref(
    db: Database, workspace_id: int, conversation_id: str
) -> dict[str, Any] | None:
    """Any stored reference for this conversation (a DM or a channel thread), to edit in it."""
    channel = await channel_ref(db, workspace_id, conversation_id)
    if channel is not None:
        return channel.conversation_ref
    async with db.unit_of_work(workspace_id) as uow:
        refs = await uow.session.scalars(
            select(Person.conversation_ref).where(
                Person.workspace_id == workspace_id, Person.conversation_ref.is_not(None)
            )
        )
        for ref in refs:
            if (ref or {}).get("conversation", {}).get("id") == conversation_id:
                return ref
    return None


_turn: ContextVar[tuple[str, dict[str, Any]] | None] = ContextVar("teams_turn", default=None)


def remember_turn(user_id: str, ref: dict[str, Any]) -> None:
    """The personal chat this turn came from, for replies within the same turn."""
    _turn.set((user_id, ref))


def turn_reference(user_id: str) -> dict[str, Any] | None:
    current = _turn.get()
    return current[1] if current and current[0] == user_id else None

"""The people the authorization matrix tries every route as, and the world they live in.

One workspace with two programmes: the pilot, where Sam and Priya are pair 1 (confirmed,
one session booked), Olu and Noor a proposed pair, Ada the admin and Cleo the champion; and
wave 2, where Xena takes part and is also its admin and champion. Another workspace has a
person whose platform id is also "sam", who runs and takes part in a programme there: a
check that forgot which workspace it is in would take them for this Sam.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import inspect, text

from adapters.playground.messenger import PLAYGROUND
from bot.core.refs import Platform, UserRef, WorkspaceRef
from storage.models import Enrolment, Meeting, Pair
from storage.uow import Database, UnitOfWork

ELSEWHERE = WorkspaceRef(Platform.PLAYGROUND, "elsewhere")
# Where inbound event ids are remembered so retries are answered once: not programme data.
IGNORED_TABLES = {"processed_events"}


class Role(StrEnum):
    SELF = "self"
    PARTNER = "partner"
    PARTICIPANT = "participant of the same programme"
    OTHER_PROGRAMME = "participant of another programme"
    ADMIN = "admin"
    CHAMPION = "champion"
    OTHER_WORKSPACE = "user of another workspace"


USERS = {
    Role.SELF: UserRef(PLAYGROUND, "sam"),
    Role.PARTNER: UserRef(PLAYGROUND, "priya"),
    Role.PARTICIPANT: UserRef(PLAYGROUND, "olu"),
    Role.OTHER_PROGRAMME: UserRef(PLAYGROUND, "xena"),
    Role.ADMIN: UserRef(PLAYGROUND, "ada"),
    Role.CHAMPION: UserRef(PLAYGROUND, "cleo"),
    Role.OTHER_WORKSPACE: UserRef(ELSEWHERE, "sam"),
}


@dataclass(frozen=True, slots=True)
class World:
    """The ids the cases put in their buttons, forms and commands."""

    pair: int
    proposed_pair: int
    meeting: int
    programme: int
    slug: str
    enrolment: int  # Sam's sign-up to the pilot

    def ids(self) -> dict[str, Any]:
        return {
            "pair": self.pair,
            "proposed_pair": self.proposed_pair,
            "meeting": self.meeting,
            "programme": self.programme,
            "slug": self.slug,
            "enrolment": self.enrolment,
        }


async def _programme(uow: UnitOfWork, slug: str, now: datetime) -> int:
    programme = await uow.programmes.create(
        slug=slug,
        name=slug.replace("-", " ").title(),
        kind="reverse",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
        now=now,
    )
    return programme.id


async def _enrol(uow: UnitOfWork, programme_id: int, user_id: str, role: str, now: datetime) -> int:
    person = await uow.people.ensure(user_id, now, display_name=user_id.title())
    enrolment = Enrolment(
        programme_id=programme_id,
        person_id=person.id,
        role=role,
        consent_at=now,
        created_at=now,
        updated_at=now,
    )
    uow.enrolments.add(enrolment)
    await uow.session.flush()
    return enrolment.id


async def _pair(
    uow: UnitOfWork, programme_id: int, enrolments: tuple[int, int], status: str, now: datetime
) -> int:
    pair = Pair(
        programme_id=programme_id,
        mentor_enrolment_id=enrolments[0],
        mentee_enrolment_id=enrolments[1],
        status=status,
        created_at=now,
    )
    uow.pairs.add(pair)
    await uow.session.flush()
    return pair.id


async def _grant(
    uow: UnitOfWork, programme_id: int, user_id: str, roles: tuple[str, ...], now: datetime
) -> None:
    person = await uow.people.ensure(user_id, now, display_name=user_id.title())
    for role in roles:
        await uow.programmes.add_role(programme_id, person.id, role)


async def build_world(db: Database) -> World:
    now = db.clock.now()
    here = await db.workspace_id(PLAYGROUND, "Playground")
    async with db.unit_of_work(here) as uow:
        pilot = await _programme(uow, "pilot", now)
        wave_2 = await _programme(uow, "wave-2", now)
        sam = await _enrol(uow, pilot, "sam", "mentor", now)
        pair_1 = (sam, await _enrol(uow, pilot, "priya", "mentee", now))
        pair = await _pair(uow, pilot, pair_1, "confirmed", now)
        pair_2 = (
            await _enrol(uow, pilot, "olu", "mentor", now),
            await _enrol(uow, pilot, "noor", "mentee", now),
        )
        proposed = await _pair(uow, pilot, pair_2, "proposed", now)
        await _enrol(uow, wave_2, "xena", "mentee", now)
        await _grant(uow, pilot, "ada", ("admin",), now)
        await _grant(uow, pilot, "cleo", ("champion",), now)
        await _grant(uow, wave_2, "xena", ("admin", "champion"), now)
        starts = now + timedelta(days=3)
        meeting = Meeting(
            pair_id=pair,
            kind="session",
            sequence=1,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            status="scheduled",
            created_at=now,
            updated_at=now,
        )
        uow.meetings.add(meeting)
        await uow.session.flush()
        world = World(pair, proposed, meeting.id, pilot, "pilot", sam)
        await uow.commit()
    there = await db.workspace_id(ELSEWHERE, "Elsewhere")
    async with db.unit_of_work(there) as uow:
        theirs = await _programme(uow, "their-pilot", now)
        their_pair = (
            await _enrol(uow, theirs, "sam", "mentor", now),
            await _enrol(uow, theirs, "zed", "mentee", now),
        )
        await _pair(uow, theirs, their_pair, "confirmed", now)
        await _grant(uow, theirs, "sam", ("admin", "champion"), now)
        await uow.commit()
    return world


Snapshot = dict[str, dict[str, dict[str, Any]]]


_TABLES: dict[str, list[str]] = {}


async def snapshot(db: Database) -> Snapshot:
    """Every row of every table (but the processed-events log), keyed by its contents."""
    async with db.engine.connect() as conn:
        if db.url not in _TABLES:
            names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            _TABLES[db.url] = sorted(set(names) - IGNORED_TABLES)
        tables: Snapshot = {}
        for name in _TABLES[db.url]:
            rows = (await conn.execute(text(f'SELECT * FROM "{name}"'))).mappings().all()
            tables[name] = {json.dumps(dict(r), default=str, sort_keys=True): dict(r) for r in rows}
    return tables


def changes(before: Snapshot, after: Snapshot) -> dict[str, tuple[list[dict], list[dict]]]:
    """Per table, the rows added and the rows gone (a changed row is both)."""
    found = {}
    for name in set(before) | set(after):
        old, new = before.get(name, {}), after.get(name, {})
        added = [new[k] for k in new.keys() - old.keys()]
        gone = [old[k] for k in old.keys() - new.keys()]
        if added or gone:
            found[name] = (added, gone)
    return found

"""Who gets an announcement, and its delivery rows: one per recipient, or one for a channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from flows.announcements.message import KIND
from storage.models import Announcement, Enrolment, Person, Programme
from storage.repositories import deliveries
from storage.uow import UnitOfWork

AUDIENCE_ROLES = {"mentors": ("mentor", "either"), "mentees": ("mentee", "either")}


async def audience_people(
    uow: UnitOfWork, programmes: list[Programme], audience: str
) -> list[Person]:
    """Active enrolments in the sender's own programmes, narrowed by the audience chosen."""
    kind, _, arg = audience.partition(":")
    chosen = programmes
    if kind == "programme":
        chosen = [p for p in programmes if str(p.id) == arg]
    elif kind == "wave":
        chosen = [p for p in programmes if p.wave == arg]
    elif kind not in ("everyone", *AUDIENCE_ROLES):
        return []
    query = (
        select(Person)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .where(
            Enrolment.workspace_id == uow.workspace_id,
            Enrolment.programme_id.in_([p.id for p in chosen]),
            Enrolment.status == "active",
        )
        .distinct()
        .order_by(Person.id)
    )
    if kind in AUDIENCE_ROLES:
        query = query.where(Enrolment.role.in_(AUDIENCE_ROLES[kind]))
    return list(await uow.session.scalars(query))


def fan_out_rows(
    announcement: Announcement, people: list[Person], channel: str, now: datetime
) -> list[dict[str, Any]]:
    """One delivery row per recipient (or one for the channel), keyed so a retry adds none."""
    common = {
        "workspace_id": announcement.workspace_id,
        "kind": KIND,
        "due_at": announcement.send_at,
        "now": now,
        "announcement_id": announcement.id,
        "payload": {"announcement_id": announcement.id},
    }
    if channel:
        return [
            deliveries.row(key=f"{KIND}:{announcement.id}:{channel}", channel_id=channel, **common)
        ]
    return [
        deliveries.row(
            key=f"{KIND}:{announcement.id}:{p.id}",
            channel_id=f"@{p.platform_user_id}",
            person_id=p.id,
            **common,
        )
        for p in people
    ]

"""A confirmed pair seen by one of its two people, and their own answers about it.

Shared by the session-cycle flows (prep, polls, goals, the close): each loads "me, my
partner, our pair, our programme" the same way and stores answers the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from storage.models import Enrolment, Pair, Person, Programme, Response
from storage.uow import UnitOfWork


@dataclass
class PairView:
    pair: Pair
    programme: Programme
    me: Person
    partner: Person
    mine: Enrolment

    @property
    def is_mentee(self) -> bool:
        """In reverse mentoring the mentee is the senior leader."""
        return self.mine.role == "mentee"

    @property
    def mentor_id(self) -> int:
        return self.me.id if self.mine.role == "mentor" else self.partner.id


async def pair_view(uow: UnitOfWork, pair_id: int, person_id: int) -> PairView | None:
    """The pair as `person_id` sees it, or None if they are not in it (or it is gone)."""
    pair = await uow.pairs.get(pair_id)
    if pair is None:
        return None
    enrolments = [
        await uow.enrolments.get(e) for e in (pair.mentor_enrolment_id, pair.mentee_enrolment_id)
    ]
    mine = next((e for e in enrolments if e and e.person_id == person_id), None)
    theirs = next((e for e in enrolments if e and e.person_id != person_id), None)
    if mine is None or theirs is None:
        return None
    me = await uow.people.get(mine.person_id)
    partner = await uow.people.get(theirs.person_id)
    programme = await uow.programmes.get(pair.programme_id)
    if me is None or partner is None or programme is None:
        return None
    return PairView(pair, programme, me, partner, mine)


async def answers_of(
    uow: UnitOfWork, person_id: int, kind: str, subject: str
) -> dict[str, Response]:
    rows = await uow.session.scalars(
        select(Response).where(
            Response.workspace_id == uow.workspace_id,
            Response.person_id == person_id,
            Response.kind == kind,
            Response.subject == subject,
        )
    )
    return {r.question: r for r in rows}


async def save_answers(
    uow: UnitOfWork,
    *,
    person_id: int,
    programme_id: int | None,
    kind: str,
    subject: str,
    texts: dict[str, str] | None = None,
    numbers: dict[str, float] | None = None,
    shared: bool = False,
    now: datetime,
    replace: bool = False,
) -> None:
    """Upsert one row per question: answering again replaces, nothing is duplicated.

    With `replace`, questions not answered this time are removed (the last answer counts).
    """
    texts, numbers = texts or {}, numbers or {}
    existing = await answers_of(uow, person_id, kind, subject)
    given = set(texts) | set(numbers)
    if replace and (stale := [q for q in existing if q not in given]):
        await uow.session.execute(
            delete(Response).where(Response.id.in_([existing[q].id for q in stale]))
        )
    for question in given:
        row = existing.get(question)
        if row is None:
            row = Response(
                workspace_id=uow.workspace_id,
                person_id=person_id,
                programme_id=programme_id,
                kind=kind,
                subject=subject,
                question=question,
                created_at=now,
            )
            uow.session.add(row)
        row.value_text = texts.get(question, "")
        row.value_number = numbers.get(question)
        row.shared_with_partner = shared
        row.updated_at = now
    await uow.session.flush()


async def shared_text(uow: UnitOfWork, person_id: int, kind: str, subject: str) -> str:
    """What a person chose to share with their partner (first question's text), if anything."""
    for row in (await answers_of(uow, person_id, kind, subject)).values():
        if row.shared_with_partner and row.value_text:
            return row.value_text
    return ""


async def admin_user_ids(uow: UnitOfWork, programme_id: int) -> list[str]:
    ids = await uow.programmes.people_with_role(programme_id, "admin")
    return [p.platform_user_id for i in ids if (p := await uow.people.get(i)) is not None]


def pair_subject(pair_id: int) -> str:
    return f"pair:{pair_id}"


def meeting_subject(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"

"""Who may act: every command, button and form declares a policy, checked before its flow runs.

A policy names who may act (`Who`) and, when that depends on a particular pair, meeting,
sign-up or programme, how to find which one from the event (a subject finder the flows
supply, since they own their buttons' value formats). The check reads the database as it
is now: the pair's current members, the programme's current roles. A button only carries
ids, and anyone can send any id, so nothing the event claims is trusted.

This module knows no flow. It answers one question: why may this person not do this?
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.core.events import ButtonClicked, FormSubmitted, InboundEvent
from storage.models import Pair, Person
from storage.uow import UnitOfWork

# The replies to a refusal: no names, and nothing about whether the subject exists. Which
# one depends only on what the person did (see `refusal_reply`), never on why it was refused.
REFUSED = "That isn't available to you."
NO_LONGER_AVAILABLE = "That's no longer available."


class Who(StrEnum):
    SELF = "self"  # the person themself: their own account, or a sign-up of theirs
    PAIR = "pair"  # a member of the pair
    ADMIN = "admin"  # an admin of the programme
    CHAMPION = "champion"  # a champion or an admin of the programme
    ENROLLED = "enrolled"  # anyone taking part in the programme (not withdrawn)
    WORKSPACE = "workspace"  # anyone in the workspace


ROLES_FOR = {Who.ADMIN: frozenset({"admin"}), Who.CHAMPION: frozenset({"admin", "champion"})}


@dataclass(frozen=True, slots=True)
class PairRef:
    pair_id: int


@dataclass(frozen=True, slots=True)
class MeetingRef:
    """A meeting stands for its pair."""

    meeting_id: int


@dataclass(frozen=True, slots=True)
class EnrolmentRef:
    enrolment_id: int


@dataclass(frozen=True, slots=True)
class ProgrammeRef:
    programme_id: int


@dataclass(frozen=True, slots=True)
class ProgrammeSlug:
    slug: str


@dataclass(frozen=True, slots=True)
class Unnamed:
    """The event names no subject: the flow acts on the person's own, in any programme where
    they hold the role (an admin's `match` without a programme, a champion's `announce`)."""


UNNAMED = Unnamed()
Subject = PairRef | MeetingRef | EnrolmentRef | ProgrammeRef | ProgrammeSlug | Unnamed
# Finds what an event acts on; None when it names nothing recognisable (refused).
SubjectFinder = Callable[[InboundEvent], Subject | None]


def names_nothing(event: InboundEvent) -> Subject:
    return UNNAMED


@dataclass(frozen=True, slots=True)
class Policy:
    who: Who
    subject: SubjectFinder = names_nothing

    def __post_init__(self) -> None:
        if not isinstance(self.who, Who):
            raise TypeError(f"unknown policy {self.who!r}")
        if self.who is Who.PAIR and self.subject is names_nothing:
            raise ValueError("a pair policy needs a subject finder: which pair?")
        if self.who is Who.WORKSPACE and self.subject is not names_nothing:
            raise ValueError("anyone in the workspace may act: there is no subject to check")


def refusal_reply(event: InboundEvent) -> str:
    """What a refused person is told. A button or form is one Tandem sent earlier: refused,
    it is most often an old one whose pair, meeting or sign-up has since gone (erased,
    removed, left), so it says so. A made-up button naming someone else's pair gets the same
    words, so nobody can tell an id that exists from one that doesn't. A typed command names
    nothing Tandem sent, so it is simply not available to them."""
    return NO_LONGER_AVAILABLE if isinstance(event, ButtonClicked | FormSubmitted) else REFUSED


async def refusal(policy: Policy, uow: UnitOfWork, user_id: str, event: InboundEvent) -> str | None:
    """Why `user_id` may not act on `event` under `policy`, for the log; None if they may.

    `uow` is scoped to the event's workspace, so a subject of another workspace is not found.
    """
    if policy.who is Who.WORKSPACE:
        return None
    subject = policy.subject(event)
    if subject is None:
        return "the event names nothing to act on"
    person = await uow.people.by_user_id(user_id)
    match policy.who:
        case Who.SELF:
            return await _own(uow, person, subject)
        case Who.PAIR:
            return await _member(uow, person, subject)
        case Who.ADMIN | Who.CHAMPION:
            return await _role(uow, person, subject, ROLES_FOR[policy.who])
        case Who.ENROLLED:
            return await _enrolled(uow, person, subject)
    return "unknown policy"


async def _own(uow: UnitOfWork, person: Person | None, subject: Subject) -> str | None:
    if isinstance(subject, Unnamed):
        return None
    if not isinstance(subject, EnrolmentRef):
        return f"a {type(subject).__name__} is not something a person owns"
    enrolment = await uow.enrolments.get(subject.enrolment_id)
    if enrolment is None:
        return "no such sign-up"
    return None if person and enrolment.person_id == person.id else "not their own sign-up"


async def _pair(uow: UnitOfWork, subject: Subject) -> Pair | None:
    if isinstance(subject, MeetingRef):
        meeting = await uow.meetings.get(subject.meeting_id)
        return await uow.pairs.get(meeting.pair_id) if meeting else None
    if isinstance(subject, PairRef):
        return await uow.pairs.get(subject.pair_id)
    return None


async def _member(uow: UnitOfWork, person: Person | None, subject: Subject) -> str | None:
    pair = await _pair(uow, subject)
    if pair is None:
        return "no such pair"
    members = set()
    for enrolment_id in (pair.mentor_enrolment_id, pair.mentee_enrolment_id):
        enrolment = await uow.enrolments.get(enrolment_id)
        if enrolment is not None:
            members.add(enrolment.person_id)
    return None if person and person.id in members else "not a member of the pair"


async def _programme_id(uow: UnitOfWork, subject: Subject) -> int | None:
    match subject:
        case ProgrammeRef(programme_id=programme_id):
            programme = await uow.programmes.get(programme_id)
            return programme.id if programme else None
        case ProgrammeSlug(slug=slug):
            programme = await uow.programmes.by_slug(slug)
            return programme.id if programme else None
        case EnrolmentRef(enrolment_id=enrolment_id):
            enrolment = await uow.enrolments.get(enrolment_id)
            return enrolment.programme_id if enrolment else None
        case PairRef() | MeetingRef():
            pair = await _pair(uow, subject)
            return pair.programme_id if pair else None
    return None


async def _role(
    uow: UnitOfWork, person: Person | None, subject: Subject, roles: frozenset[str]
) -> str | None:
    wanted = " or ".join(sorted(roles))
    if person is None:
        return f"not {wanted} of any programme"
    if isinstance(subject, Unnamed):
        held = await uow.programmes.programmes_where(person.id, set(roles))
        return None if held else f"not {wanted} of any programme"
    programme_id = await _programme_id(uow, subject)
    if programme_id is None:
        return "no such programme"
    held_roles = await uow.programmes.roles_of(programme_id, person.id)
    return None if held_roles & roles else f"not {wanted} of the programme"


async def _enrolled(uow: UnitOfWork, person: Person | None, subject: Subject) -> str | None:
    if person is None:
        return "not enrolled"
    if isinstance(subject, Unnamed):
        taking_part = [e for e, _ in await uow.enrolments.of_person(person.id)]
    else:
        programme_id = await _programme_id(uow, subject)
        if programme_id is None:
            return "no such programme"
        found = await uow.enrolments.find(programme_id, person.id)
        taking_part = [found] if found else []
    return None if any(e.status != "withdrawn" for e in taking_part) else "not enrolled"

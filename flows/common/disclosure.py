"""What one person's sign-up answers may tell another: the one place that decides.

A person's sign-up answers are theirs. Their partner reads their name, their role in the
pair and what they ticked under "What may we share with your partner?", nothing more (no
answer means nothing shared), and never a comparison that says what someone lacks.
Seniority and line manager are never shared: they only steer the matching. Admins see the
scoring detail in the matching review (flows/matching); every message that tells a
participant about someone else's sign-up answers is built from `PartnerProfile`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.outbound import Choice
from flows.common import catalogue
from flows.common.pair_view import answers_of, save_answers
from storage.models import Enrolment
from storage.uow import UnitOfWork

FIELD = "share"
JOB, OFFERS, GOAL_AREAS, GOALS, LIVED = "job", "offers", "goal_areas", "goals", "lived_experience"
CHOICES = (
    Choice("My job title and department", JOB),
    Choice("What I can offer", OFFERS),
    Choice("What I'd like to learn about", GOAL_AREAS),
    Choice("What I want to get out of it, in my words", GOALS),
    Choice("The lived experience I listed", LIVED),
)
KEYS = frozenset(c.value for c in CHOICES)
# Kept with the person's other answers, one row per programme they signed up for.
SHARING_KIND = "sharing"


def _subject(programme_id: int) -> str:
    return f"programme:{programme_id}"


async def sharing_of(uow: UnitOfWork, person_id: int, programme_id: int) -> frozenset[str]:
    """What this person chose to share with their partner in this programme."""
    row = (await answers_of(uow, person_id, SHARING_KIND, _subject(programme_id))).get(FIELD)
    if row is None:
        return frozenset()
    return frozenset(key for key in row.value_text.split(",") if key in KEYS)


async def save_sharing(
    uow: UnitOfWork, person_id: int, programme_id: int, keys: list[str], now: datetime
) -> None:
    """Sharing nothing keeps no row: no answer and an empty answer both mean nothing shared."""
    chosen = ",".join(key for key in keys if key in KEYS)
    await save_answers(
        uow,
        person_id=person_id,
        programme_id=programme_id,
        kind=SHARING_KIND,
        subject=_subject(programme_id),
        texts={FIELD: chosen} if chosen else {},
        now=now,
        replace=True,
    )


def first_name(name: str) -> str:
    return name.split()[0] if name.strip() else name


def _areas(keys: list[str]) -> list[str]:
    return catalogue.labels(keys, catalogue.AREAS)


def _listing(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


@dataclass(frozen=True, slots=True)
class PartnerProfile:
    """Someone's partner as the partner may be shown to them, phrased to the reader."""

    name: str
    # Topics the reader gave at sign-up that the partner also chose to share.
    common_ground: tuple[str, ...]
    # (label, value) for each answer the partner chose to share, in the form's order.
    shared: tuple[tuple[str, str], ...]

    def common_ground_line(self) -> str:
        if not self.common_ground:
            return ""
        return f"You both care about {_listing(list(self.common_ground))}."

    def nothing_shared_line(self) -> str:
        return (
            f"{first_name(self.name)} chose to keep their sign-up answers to themselves. "
            "You'll get to know each other at your chemistry meeting."
        )


def partner_profile(
    reader: Enrolment, partner: Enrolment, partner_name: str, shared: frozenset[str]
) -> PartnerProfile:
    """What `reader` may learn about `partner` from the partner's sign-up answers."""
    who = first_name(partner_name)
    fields: list[tuple[str, str]] = []
    if JOB in shared and partner.job_title:
        department = f" ({partner.department})" if partner.department else ""
        fields.append(("Job", f"{partner.job_title}{department}"))
    if OFFERS in shared and partner.offers:
        fields.append((f"{who} can offer", _listing(_areas(partner.offers))))
    if GOAL_AREAS in shared and partner.goal_areas:
        fields.append((f"{who} would like to talk about", _listing(_areas(partner.goal_areas))))
    if GOALS in shared and partner.goals:
        fields.append((f"In {who}'s words", partner.goals))
    if LIVED in shared and partner.lived_experience:
        fields.append(
            (f"Lived experience {who} chose to share", _listing(_areas(partner.lived_experience)))
        )
    theirs = {
        key
        for answer, keys in (
            (OFFERS, partner.offers),
            (GOAL_AREAS, partner.goal_areas),
            (LIVED, partner.lived_experience),
        )
        if answer in shared
        for key in keys
    }
    mine = {*reader.offers, *reader.goal_areas, *reader.lived_experience}
    common = tuple(c.label for c in catalogue.AREAS if c.value in theirs & mine)
    return PartnerProfile(partner_name, common, tuple(fields))


def meeting_place(mine: Enrolment, theirs: Enrolment) -> str:
    """Where the pair meets. It names a place only when both gave the same one, so it tells
    the reader nothing about their partner that they did not write themselves."""
    in_person_ok = {mine.medium, theirs.medium} <= {"in_person", "either"} and "in_person" in {
        mine.medium,
        theirs.medium,
    }
    same_place = mine.location.strip().casefold() == theirs.location.strip().casefold() != ""
    return (
        f"in person ({mine.location.strip()})"
        if in_person_ok and same_place
        else "online (video call)"
    )

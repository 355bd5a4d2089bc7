"""Publishing a proposal: each proposed pair becomes `introduced` and both people get a DM
introducing the other, with the programme's expectations and a button to book the
chemistry meeting. Sending is keyed per pair and person, so publishing twice sends once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.budget import Lane
from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Section, Text
from bot.core.refs import UserRef, WorkspaceRef
from bot.delivery.sender import Sender
from flows.common.actions import CHEMISTRY_BOOK_ACTION
from flows.common.disclosure import first_name, meeting_place, partner_profile, sharing_of
from flows.common.people import name_of
from flows.common.wording import plural
from storage.models import Enrolment, Pair, Person, Programme
from storage.pair_status import LIVE_STATES, PairStatus, move
from storage.uow import Database

CHEMISTRY_MINUTES = 30
CONFIDENTIALITY = (
    "*Confidentiality:* what you say to each other stays between the two of you. "
    "Admins see only whether sessions happen, never what you talk about."
)
ROLE_WORDS = {"mentor": "mentor", "mentee": "mentee"}


@dataclass(frozen=True)
class Side:
    person: Person
    enrolment: Enrolment
    role: str  # in this pair: mentor or mentee
    shared: frozenset[str]  # what this person chose to share with their partner


@dataclass
class PublishReport:
    introduced: int = 0
    skipped: list[str] = field(default_factory=list)


def chemistry_minutes(programme: Programme) -> int:
    return int(programme.settings.get("chemistry_minutes", CHEMISTRY_MINUTES))


def introduction(programme: Programme, pair: Pair, me: Side, partner: Side) -> Message:
    """Spoken to `me`, about common ground and what `partner` chose to share; the admins'
    scoring reasons on the pair stay with the admins."""
    name = name_of(partner.person)
    profile = partner_profile(me.enrolment, partner.enrolment, name, partner.shared)
    why = [
        line
        for line in (
            profile.common_ground_line(),
            "We look for pairs with something to learn from each other, at times that suit you both.",
        )
        if line
    ]
    about = (
        Section(f"What {first_name(name)} chose to share", fields=profile.shared)
        if profile.shared
        else Section(f"About {first_name(name)}", text=profile.nothing_shared_line())
    )
    headline = (
        f"Meet your match for *{programme.name}*: *{name}*. You'll be the "
        f"{ROLE_WORDS[me.role]} and {name} will be your {ROLE_WORDS[partner.role]}."
    )
    return Message(
        summary=f"Meet your mentoring match: {name}",
        blocks=(
            Text(headline),
            Section("Why we matched you", text="\n".join(f"• {line}" for line in why)),
            about,
            Section(
                "What to expect",
                text=CONFIDENTIALITY,
                fields=(
                    (
                        "How often",
                        f"{plural(programme.session_count, 'session')}, {programme.cadence}",
                    ),
                    ("Session length", plural(programme.session_minutes, "minute")),
                    ("Where", meeting_place(me.enrolment, partner.enrolment)),
                    ("Goals", "Agree one to three goals together at your first session"),
                ),
            ),
            Buttons(
                (
                    Button(
                        "Book our chemistry meeting",
                        CHEMISTRY_BOOK_ACTION,
                        str(pair.id),
                        ButtonStyle.PRIMARY,
                    ),
                )
            ),
            Context(
                f"First, a relaxed {chemistry_minutes(programme)}-minute chemistry meeting to "
                "see if you click. Afterwards I'll ask each of you privately whether it's a "
                "good fit; if not, you'll both simply be matched again, no blame."
            ),
        ),
    )


async def publish(
    db: Database,
    sender: Sender,
    workspace: WorkspaceRef,
    workspace_id: int,
    programme_id: int,
    now: datetime,
) -> PublishReport:
    report = PublishReport()
    messages: list[tuple[int, Person, Message]] = []
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.get(programme_id)
        assert programme is not None
        busy = {
            e
            for p in await uow.matching.pairs(programme_id)
            if p.status in LIVE_STATES
            for e in (p.mentor_enrolment_id, p.mentee_enrolment_id)
        }
        for pair in await uow.pairs.in_programme(programme_id, ("proposed",)):
            mentor = await _side(uow, pair.mentor_enrolment_id, "mentor")
            mentee = await _side(uow, pair.mentee_enrolment_id, "mentee")
            if (
                mentor is None
                or mentee is None
                or {mentor.enrolment.id, mentee.enrolment.id} & busy
            ):
                who = " & ".join(name_of(s.person) for s in (mentor, mentee) if s)
                report.skipped.append(f"{who}: someone withdrew, paused or is already matched")
                await uow.session.delete(pair)
                continue
            move(pair, PairStatus.INTRODUCED)
            pair.published_at = now
            pair.locked = False
            busy |= {mentor.enrolment.id, mentee.enrolment.id}
            report.introduced += 1
            messages.append((pair.id, mentor.person, introduction(programme, pair, mentor, mentee)))
            messages.append((pair.id, mentee.person, introduction(programme, pair, mentee, mentor)))
        run = await uow.matching.latest_run(programme_id)
        if run and report.introduced:
            run.published_at = now
        await uow.commit()
    for pair_id, person, message in messages:
        await sender.send_now(
            workspace_id,
            UserRef(workspace, person.platform_user_id),
            message,
            kind="introduction",
            key=f"intro:{pair_id}:{person.id}",
            lane=Lane.BULK,
        )
    return report


async def _side(uow, enrolment_id: int, role: str) -> Side | None:  # type: ignore[no-untyped-def]
    enrolment = await uow.enrolments.get(enrolment_id)
    if enrolment is None or enrolment.status != "active":
        return None
    person = await uow.people.get(enrolment.person_id)
    if person is None:
        return None
    shared = await sharing_of(uow, person.id, enrolment.programme_id)
    return Side(person, enrolment, role, shared)

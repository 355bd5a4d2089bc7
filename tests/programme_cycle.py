"""A whole pair through the programme on any platform, driven the way its people would drive it.

Each adapter's tests wrap their driver in a `PairChat` (commands, buttons by label, the newest
form, what each person has read) and hand it to `run_whole_programme`. Time moves only with the
controllable clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select

from bot.runtime.host import Services
from flows.common import catalogue, disclosure
from storage.models import Pair, Programme, Response
from tests.matching_helpers import meetings, pairs
from tests.session_cycle_helpers import (
    ALL_FOURS,
    ALL_THREES,
    after,
    move_clock,
    poll_morning,
    prep_time,
    sessions,
)
from tests.wording_checks import slips_in

SECRET = "PLATFORM-SECRET-COMMENT"
# Sign-up answers (as stored) for the pair: the mentor shares what he can offer, the mentee
# shares nothing. Area sets are disjoint where one person's unshared answer must stay unseen.
MENTOR_SIGNUP: dict[str, Any] = {
    "job_title": "Accessibility analyst",
    "department": "Finance",
    "seniority": 1,
    "manager_user_id": "MENTORS-MANAGER",
    "offers": ["disability", "digital"],
    "goal_areas": ["hybrid_work"],
    "goals": "MENTOR-SIGNUP-GOALS",
    "lived_experience": ["neurodiversity"],
    "share": ("offers",),
}
MENTEE_SIGNUP: dict[str, Any] = {
    "job_title": "Chief Operating Officer",
    "department": "Operations",
    "seniority": 5,
    "manager_user_id": "MENTEES-MANAGER",
    "offers": ["strategy"],
    "goal_areas": ["disability", "caring"],
    "goals": "MENTEE-SIGNUP-GOALS",
    "lived_experience": ["faith"],
}
DEFICIT_WORDING = ("lacks", "offers none", "more junior than", "more senior than")
SESSION_COUNT = 6
POLL = "A few quick questions"


class PairChat(Protocol):
    """One platform as the people see it. Users are the platform's own user ids."""

    async def command(self, user: str, text: str) -> None:
        """What the person types to Tandem, e.g. "match"."""

    async def click(self, user: str, label: str) -> None:
        """Click the newest button with this label in the person's DMs."""

    async def click_first(self, user: str, action_id: str) -> None:
        """Click the first of the newest buttons with this (neutral) action id, e.g. a slot."""

    async def submit(self, user: str, values: dict[str, str]) -> None:
        """Fill in the form the person has open and send it; fails on validation errors.

        A checkbox is "yes" when ticked and "" when not.
        """

    def texts(self, user: str) -> list[str]:
        """Every message in the person's DM, as they read it now, oldest first."""

    def everything_sent(self, user: str) -> list[str]:
        """Every message, update, card and view sent to the person, each version as sent."""


@dataclass(frozen=True, slots=True)
class Cast:
    mentor: str
    mentee: str  # in reverse mentoring, the senior leader
    admin: str


async def confirm_fit(chat: PairChat, services: Services, cast: Cast) -> None:
    """The admin matches and publishes; chemistry meeting; both say it's a good fit."""
    await chat.command(cast.admin, "match")
    await chat.click(cast.admin, "Publish")
    await chat.click(cast.mentor, "Book our chemistry meeting")
    await chat.click_first(cast.mentor, "chem_slot")
    await chat.click(cast.mentee, "Accept")
    [chemistry] = await meetings(services)
    await move_clock(services, chemistry.ends_at)
    await chat.click(cast.mentor, "Yes, good fit")
    await chat.click(cast.mentee, "Yes, good fit")
    assert [p.status for p in await pairs(services)] == ["confirmed"]


async def book_session(chat: PairChat, cast: Cast, label: str) -> None:
    await chat.click(cast.mentor, label)
    await chat.click_first(cast.mentor, "sess_slot")
    await chat.click(cast.mentee, "Accept")


async def answer_poll(chat: PairChat, user: str, **answers: str) -> None:
    await chat.click(user, "Answer the poll")
    await chat.submit(user, {"met": "yes", "valuable": "4", "safe_space": "5", **answers})


async def take_survey(chat: PairChat, user: str, answers: dict[str, str]) -> None:
    await chat.click(user, "Take the 2-minute survey")
    await chat.submit(user, answers)


def count_of(chat: PairChat, user: str, phrase: str) -> int:
    return sum(phrase in text for text in chat.texts(user))


async def run_whole_programme(chat: PairChat, services: Services, cast: Cast) -> None:
    mentor, mentee = cast.mentor, cast.mentee
    await confirm_fit(chat, services, cast)
    confirmed = chat.texts(mentor)[-1]
    assert "Monthly (suggested)" in confirmed and "Book our first session" in confirmed
    assert "Need support?" in confirmed

    # Cadence: both agree monthly. Goals: the mentor shares his, the mentee keeps hers private.
    await chat.click(mentor, "Monthly (suggested)")
    await chat.click(mentee, "Agree: monthly")
    assert "Agreed" in chat.texts(mentor)[-1]
    await chat.click(mentor, "Write my goals")
    await chat.submit(mentor, {"goals": "Make our tools accessible", "share": "yes"})
    await chat.click(mentee, "Write my goals")
    await chat.submit(mentee, {"goals": "MENTEE-PRIVATE-GOAL", "share": ""})

    for number in range(1, SESSION_COUNT + 1):
        await book_session(
            chat, cast, "Book our first session" if number == 1 else "Book the next session"
        )
        meeting = (await sessions(services))[-1]
        assert meeting.sequence == number and meeting.status == "scheduled"

        await move_clock(services, prep_time(meeting))
        if number == 1:
            await chat.click(mentor, "Add agenda items")
            await chat.submit(mentor, {"items": "Screen reader demo", "share": "yes"})
            assert "Screen reader demo" in chat.texts(mentee)[-1]
        mentor_prep = _prep_prompt(chat, mentor, number)
        mentee_prep = _prep_prompt(chat, mentee, number)
        assert "article or insight" in mentor_prep and "Need support?" in mentor_prep
        assert "Revisit your aims" in mentee_prep and "Add agenda items" in mentee_prep
        assert "Make our tools accessible" in mentee_prep  # shared with her
        assert "MENTEE-PRIVATE-GOAL" not in mentor_prep  # not shared
        if number > 1:
            assert f"Send the audit {number - 1}" in mentor_prep  # last session's actions
            assert "Send the audit" not in mentee_prep

        # A prompt still due from the chemistry meeting may go out in the same pass, in
        # either order: look at everything this step delivered.
        seen = {user: len(chat.texts(user)) for user in (mentor, mentee)}
        await move_clock(services, meeting.starts_at - timedelta(minutes=30))
        for user in (mentor, mentee):
            delivered = chat.texts(user)[seen[user] :]
            assert sum("Block this half hour" in text for text in delivered) == 1

        await move_clock(services, after(meeting, 30))
        prompt = chat.texts(mentor)[-1]
        assert "Write my reflection" in prompt
        assert ("Book the next session" in prompt) == (number < SESSION_COUNT)
        await chat.click(mentor, "Write my reflection")
        await chat.submit(
            mentor,
            {"learned": "Lots", "will_do": "Follow up", "actions": f"Send the audit {number}"},
        )

        # The poll comes the next working morning, not before.
        assert count_of(chat, mentor, POLL) == count_of(chat, mentee, POLL) == number - 1
        await move_clock(services, poll_morning(meeting))
        assert count_of(chat, mentor, POLL) == count_of(chat, mentee, POLL) == number
        await answer_poll(chat, mentor, comment=f"{SECRET} {number}")
        await answer_poll(chat, mentee, safe_space="4")

        if number == 1:
            # The baseline survey arrives when the programme starts, once.
            await move_clock(services, await _programme_start(services))
            for user in (mentor, mentee):
                assert count_of(chat, user, "is starting") == 1
                await take_survey(chat, user, ALL_THREES)
        if number == 3:
            for user in (mentor, mentee):
                assert count_of(chat, user, "revisit your goals") == 1
            await chat.click(mentee, "Revisit my goals")
            await chat.submit(mentee, {"goals": "MENTEE-PRIVATE-GOAL, revisited", "share": ""})

    assert [m.status for m in await sessions(services)] == ["held"] * SESSION_COUNT
    assert await _poll_answers(services) == 2 * SESSION_COUNT
    for user in (mentor, mentee):
        assert count_of(chat, user, "revisit your goals") == 1  # only at the midpoint
        assert count_of(chat, user, "has come to an end") == 0

    # The close: each chooses; the pair ends when both have; the closing survey follows.
    await chat.click(mentor, "Keep in touch informally")
    assert [p.status for p in await pairs(services)] == ["confirmed"]
    await chat.click(mentee, "Close")
    [pair] = await pairs(services)
    assert pair.status == "ended" and pair.end_reason == "completed"
    await chat.click(mentor, "Write our lessons learned")
    await chat.submit(mentor, {"lessons": "Listen first"})
    assert "Listen first" in chat.texts(mentee)[-1]
    for user in (mentor, mentee):
        assert count_of(chat, user, "is starting") == 1
        assert count_of(chat, user, "has come to an end") == 1
        await take_survey(chat, user, ALL_FOURS)

    # Ended: nothing more reaches the pair, however far the clock goes.
    seen = {user: len(chat.texts(user)) for user in (mentor, mentee)}
    await move_clock(services, services.clock.now() + timedelta(days=120))
    assert {user: len(chat.texts(user)) for user in (mentor, mentee)} == seen
    assert await _pair_status(services) == "ended"

    # The admins never saw a poll comment.
    assert not any(SECRET in text for text in chat.texts(cast.admin))

    # Nothing anyone was sent reads "1 pairs", "sign-up(s)" or "(optional) (optional)".
    sent = [text for user in (mentor, mentee, cast.admin) for text in chat.everything_sent(user)]
    assert slips_in(sent) == []


def _readable(answers: dict[str, Any], keys: set[str]) -> set[str]:
    """The sign-up answers under `keys` as they would read in a message."""
    found: set[str] = set()
    for key in keys & {disclosure.OFFERS, disclosure.GOAL_AREAS, disclosure.LIVED}:
        found |= set(catalogue.labels(answers[key], catalogue.AREAS))
    if disclosure.GOALS in keys:
        found.add(answers["goals"])
    if disclosure.JOB in keys:
        found |= {answers["job_title"], answers["department"]}
    return found


def _seniority(answers: dict[str, Any]) -> str:
    return next(c.label for c in catalogue.SENIORITY if c.value == str(answers["seniority"]))


def assert_nothing_unshared_disclosed(chat: PairChat, cast: Cast) -> None:
    """No one was sent their partner's sign-up answers beyond what the partner chose to share,
    nor a comparison phrased as a deficit. The admins' matching review keeps its scoring
    detail: admins read it to review pairs."""
    people = {cast.mentor: MENTOR_SIGNUP, cast.mentee: MENTEE_SIGNUP}
    keys = set(disclosure.KEYS)
    for reader, partner in ((cast.mentor, cast.mentee), (cast.mentee, cast.mentor)):
        theirs, mine = people[partner], people[reader]
        shared = set(theirs.get("share", ()))
        # A reader's own answers may be shown back to them; only the partner's are checked.
        unshared = _readable(theirs, keys - shared) - _readable(theirs, shared)
        unshared = unshared - _readable(mine, keys)
        unshared |= {_seniority(theirs), theirs["manager_user_id"]}
        sent = chat.everything_sent(reader)
        assert sent, f"nothing was sent to {reader}"
        for text in sent:
            leaked = {answer for answer in unshared if answer in text}
            assert not leaked, f"{reader} was sent their partner's unshared {leaked}"
            assert not [w for w in DEFICIT_WORDING if w in text], text
    intro = next(t for t in chat.everything_sent(cast.mentee) if "Meet your" in t)
    for answer in _readable(MENTOR_SIGNUP, set(MENTOR_SIGNUP["share"])):
        assert answer in intro, f"{answer!r}, which the mentor shared, is not in the introduction"
    assert "You both care about Disability and accessibility" in intro
    review = [t for t in chat.everything_sent(cast.admin) if "Proposed pairs" in t]
    assert review, "the admin saw no matching review"
    for text in chat.everything_sent(cast.admin):
        if text not in review:
            leaked = {a for p in people.values() for a in _readable(p, keys) if a in text}
            assert not leaked, f"the admin was sent {leaked} outside the matching review"


def _prep_prompt(chat: PairChat, user: str, number: int) -> str:
    prompts = [t for t in chat.texts(user) if f"session {number} with" in t]
    assert len(prompts) == 1, f"{user} got {len(prompts)} prep prompts for session {number}"
    return prompts[0]


async def _programme_start(services: Services) -> datetime:
    async with services.db.sessions() as session:
        starts_on = await session.scalar(select(Programme.starts_on))
    assert starts_on is not None
    return datetime.combine(starts_on, time(12), tzinfo=UTC)


async def _poll_answers(services: Services) -> int:
    """One "did you meet" answer per person per session, however often each answered."""
    async with services.db.sessions() as session:
        query = select(func.count()).where(Response.kind == "poll", Response.question == "met")
        return int(await session.scalar(query) or 0)


async def _pair_status(services: Services) -> str:
    async with services.db.sessions() as session:
        return str(await session.scalar(select(Pair.status)))

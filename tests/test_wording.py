"""Wording people notice: counts that agree with their noun, labels said once, no literal
markup in forms, and phrases that say what is true."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.runtime.host import Services
from flows.common.wording import agree, in_sentence, plural, programme_title
from flows.matching.engine import Candidate, Weights, explain_pair
from tests.matching_helpers import book_first_slot, meetings, sign_up_pair
from tests.playground_driver import PlaygroundDriver, text_of
from tests.session_cycle_helpers import advance_to
from tests.wording_checks import form_slips, playground_slips, slips_in


@pytest.mark.parametrize(
    ("count", "one", "expected"),
    [
        (0, "pair", "0 pairs"),
        (1, "pair", "1 pair"),
        (2, "pair", "2 pairs"),
        (1, "person", "1 person"),
        (3, "person", "3 people"),
        (1, "sign-up", "1 sign-up"),
        (2, "private reflection", "2 private reflections"),
        (12000, "record", "12,000 records"),
    ],
)
def test_plural_makes_the_noun_agree_with_the_count(count: int, one: str, expected: str) -> None:
    assert plural(count, one) == expected


def test_agree_chooses_the_word_alone() -> None:
    assert (agree(1, "is"), agree(2, "is"), agree(1, "column"), agree(3, "column")) == (
        "is",
        "are",
        "column",
        "columns",
    )
    assert plural(2, "child", "children") == "2 children"


def test_labels_read_naturally_mid_sentence() -> None:
    assert in_sentence("Neurodiversity") == "neurodiversity"
    assert in_sentence("LGBTQ+ inclusion") == "LGBTQ+ inclusion"
    assert in_sentence("Technology and digital") == "technology and digital"


def test_a_programme_is_labelled_with_its_wave_only_when_it_has_one() -> None:
    assert programme_title("Reverse mentoring 2027", "") == "Reverse mentoring 2027"
    assert programme_title("Reverse mentoring 2027", "wave-2") == "Reverse mentoring 2027 (wave-2)"
    assert programme_title("Reverse mentoring pilot", "pilot") == "Reverse mentoring pilot"


@pytest.mark.parametrize(
    "seen",
    [
        "Published Reverse mentoring pilot: 1 pairs introduced by DM.",
        "• 1 sign-up(s)",
        "Anything else? (optional) (optional)",
        "You're paused. Type `status` to resume.",
        "can offer 1 of the 2 things Sam wants: lgbtq+ inclusion",
    ],
)
def test_the_checker_catches_each_slip_once_seen(seen: str) -> None:
    assert slips_in([seen])


def test_the_checker_lets_correct_wording_through() -> None:
    fine = [
        "Published Reverse mentoring pilot: 1 pair introduced by DM.",
        "Showing the best 20 of 41 pairs. 1 is already paired, 1 was paired with them before.",
        "Sam can offer 1 of the 3 things Priya wants. Session 1 with Priya starts at 09:00.",
    ]
    assert slips_in(fine) == []


def test_the_form_checker_catches_doubled_optional_and_literal_markup() -> None:
    form = {
        "title": "Need support?",
        "intro": "We'll let the programme team in *Pilot* know.",
        "fields": [{"label": "Anything else (optional)", "required": False, "options": []}],
    }
    assert len(form_slips(form)) == 2


async def test_a_tour_of_everyday_commands_reads_well(
    playground: PlaygroundDriver, services: Services
) -> None:
    await sign_up_pair(playground)
    await playground.say("ada", "match")
    await playground.click_button("ada", "Publish")
    assert "1 pair introduced" in text_of(await playground.last_dm("ada"))
    for command in ("status", "help", "reflections", "pause"):
        await playground.say("sam", command)
    paused = text_of(await playground.last_dm("sam"))
    assert "Type `resume`" in paused and "`status` to resume" not in paused
    await playground.say("sam", "resume")
    await playground.say("sam", "/mentoring support")
    support = await playground.form("sam")
    assert support is not None
    assert "*" not in support["body"]["intro"]
    await playground.submit("sam", {"message": ""})

    # The chemistry meeting is their first: its nudge speaks of no "last time".
    await book_first_slot(playground)
    [chemistry] = await meetings(services)
    await advance_to(playground, services, chemistry.starts_at - timedelta(minutes=30))
    nudge = text_of(await playground.last_dm("sam"))
    assert "Block this half hour" in nudge and "last time" not in nudge

    await playground.say("priya", "forget-me")
    await playground.click_button("priya", "Erase my data")
    erased = text_of(await playground.last_dm("priya"))
    assert "• 1 sign-up\n" in erased and "(s)" not in erased

    assert await playground_slips(services.db) == []



def candidate(role: str, offers: set[str], goals: set[str]) -> Candidate:
    return Candidate(
        enrolment_id=1 if role == "mentor" else 2,
        person_key=role,
        role=role,  # type: ignore[arg-type]
        seniority=3,
        department="",
        manager_key="",
        offers=frozenset(offers),
        goals=frozenset(goals),
        lived_experience=frozenset(),
        utc_work_start_minute=540,
        utc_work_end_minute=1050,
        medium="online",
        location="",
        display_name=role.title(),
    )


def test_a_single_goal_is_not_counted_as_things() -> None:
    mentor = candidate("mentor", {"digital", "strategy"}, set())
    _, one_goal = explain_pair(
        mentor, candidate("mentee", set(), {"digital"}), kind="reverse", weights=Weights()
    )
    _, two_goals = explain_pair(
        mentor, candidate("mentee", set(), {"digital", "faith"}), kind="reverse", weights=Weights()
    )
    assert one_goal[0] == "Mentor can offer the one thing Mentee wants: digital"
    assert two_goals[0] == "Mentor can offer 1 of the 2 things Mentee wants: digital"
    assert slips_in(one_goal + two_goals) == []

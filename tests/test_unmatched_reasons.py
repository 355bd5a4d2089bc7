"""Matching tells the truth: pairs without time for one session are never proposed, and each
unmatched person is told why, in chat and on the CLI."""

from __future__ import annotations

import asyncio

import pytest

from bot.app.cli.main import main
from bot.runtime.host import Services
from flows.matching.engine import Candidate, Constraints, optimal_assignment, random_assignment
from tests.matching_helpers import MENTEE, MENTOR, pairs, publish_pair
from tests.playground_driver import PlaygroundDriver, text_of

# UTC working windows in January: Los Angeles 08:00-16:30 and Tokyo 09:00-17:30 meet for
# half an hour (00:00-00:30 UTC); London 09:00-17:30 meets Los Angeles for 90 minutes.
LOS_ANGELES = (16 * 60, 30)
TOKYO = (0, 8 * 60 + 30)
LONDON = (9 * 60, 17 * 60 + 30)


def person(enrolment_id: int, role: str, window: tuple[int, int], **extra: object) -> Candidate:
    values: dict[str, object] = {
        "enrolment_id": enrolment_id,
        "person_key": f"U{enrolment_id}",
        "role": role,
        "seniority": 1 if role == "mentor" else 5,
        "department": "",
        "manager_key": "",
        "offers": frozenset(),
        "goals": frozenset(),
        "lived_experience": frozenset(),
        "utc_work_start_minute": window[0],
        "utc_work_end_minute": window[1],
        "medium": "online",
        "location": "",
        **extra,
    }
    return Candidate(**values)  # type: ignore[arg-type]


def reasons(result) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {u.enrolment_id: u.reason for u in result.unmatched}


SESSION = Constraints(min_shared_minutes=60)


def test_half_an_hour_of_shared_time_is_not_enough_for_a_sixty_minute_session() -> None:
    tanaka, tomas = person(1, "mentor", TOKYO), person(10, "mentee", LOS_ANGELES)

    for result in (
        optimal_assignment([tanaka], [tomas], kind="reverse", constraints=SESSION),
        random_assignment([tanaka], [tomas], seed=1, constraints=SESSION),
    ):
        assert result.pairs == []
        assert reasons(result) == {
            10: "no mentor shares enough working hours with them for a 60-minute session",
            1: "no mentee shares enough working hours with them for a 60-minute session",
        }
    half_hour = Constraints(min_shared_minutes=30)
    paired = optimal_assignment([tanaka], [tomas], kind="reverse", constraints=half_hour)
    assert [(p.mentor_enrolment_id, p.mentee_enrolment_id) for p in paired.pairs] == [(1, 10)]


def test_the_hours_rule_still_pairs_everyone_who_can_meet() -> None:
    mentors = [person(1, "mentor", TOKYO), person(2, "mentor", LONDON)]
    mentees = [person(10, "mentee", LOS_ANGELES), person(11, "mentee", TOKYO)]

    result = optimal_assignment(mentors, mentees, kind="reverse", constraints=SESSION)

    assert {(p.mentor_enrolment_id, p.mentee_enrolment_id) for p in result.pairs} == {
        (1, 11),
        (2, 10),
    }


def test_each_unmatched_person_gets_their_own_reason() -> None:
    mentors = [
        person(1, "mentor", LONDON),
        person(2, "mentor", TOKYO),
        person(3, "mentor", LONDON, person_key="UBOSS"),
    ]
    mentees = [
        person(10, "mentee", LONDON),
        person(11, "mentee", LONDON, manager_key="UBOSS"),
        person(12, "mentee", LONDON),
    ]
    constraints = Constraints(
        excluded_pairs={(3, 12), (1, 11)},
        admin_excluded={(3, 12)},
        min_shared_minutes=60,
        mentors_already_paired=2,
    )

    result = optimal_assignment(mentors, mentees, kind="reverse", constraints=constraints)

    # Only 10-3 and 12-1 can both be made; 11 is barred from every mentor for a reason.
    assert len(result.pairs) == 2
    got = reasons(result)
    assert got[11] == (
        "no mentor is free to pair with them: 2 are already paired, "
        "1 shares too few working hours with them for a 60-minute session, "
        "1 is in their reporting line, 1 was paired with them before"
    )
    assert got[2] == "no mentee shares enough working hours with them for a 60-minute session"


def test_someone_left_over_after_everyone_else_was_paired_is_told_so() -> None:
    spare = person(1, "mentor", LONDON)
    alone = optimal_assignment(
        [spare], [], kind="reverse", constraints=Constraints(mentees_already_paired=3)
    )
    nobody = optimal_assignment([spare], [], kind="reverse")

    assert reasons(alone) == {1: "every mentee is already paired"}
    assert reasons(nobody) == {1: "no mentees in this programme"}


def test_an_admins_exclusion_is_named_as_such() -> None:
    constraints = Constraints(excluded_pairs={(1, 10)}, admin_excluded={(1, 10)})
    result = optimal_assignment(
        [person(1, "mentor", LONDON)],
        [person(10, "mentee", LONDON)],
        kind="reverse",
        constraints=constraints,
    )
    assert reasons(result)[10] == "an admin excluded every mentor from pairing with them"


async def test_the_review_never_proposes_los_angeles_with_tokyo_and_says_why(
    playground: PlaygroundDriver, services: Services
) -> None:
    tomas = await playground.add_person("Tomás")
    tanaka = await playground.add_person("Tanaka")
    await playground.sign_up(
        tomas, **MENTEE, time_zone="America/Los_Angeles", work_start="480", work_end="990"
    )
    await playground.sign_up(tanaka, **MENTOR, time_zone="Asia/Tokyo")

    await playground.say("ada", "/mentoring match")

    assert await pairs(services) == []
    preview = text_of(await playground.last_dm("ada"))
    assert "Tomás (mentee): no mentor shares enough working hours with them" in preview
    assert "for a 60-minute session" in preview
    assert "reporting line" not in preview.split("*Not matched*")[1]


async def test_the_cli_says_no_mentees_only_when_there_are_none(
    playground: PlaygroundDriver,
    services: Services,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TANDEM_DATABASE_URL", sqlite_url)
    await publish_pair(playground)  # Sam mentors Priya
    noor = await playground.add_person("Noor")
    await playground.sign_up(noor, **MENTOR)
    capsys.readouterr()

    assert await asyncio.to_thread(main, ["match", "preview", "pilot"]) == 0

    out = capsys.readouterr().out
    assert "Noor (mentor): every mentee is already paired" in out
    assert "no mentees in this programme" not in out

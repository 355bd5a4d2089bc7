"""Matching engine: scores and their explanations, hard rules, optimality, unmatched reasons."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import numpy as np
import pytest

from flows.matching.engine import (
    Candidate,
    Constraints,
    MatchResult,
    Weights,
    explain_pair,
    greedy_assignment,
    optimal_assignment,
    random_assignment,
    score_matrix,
)
from flows.matching.scores import shared_minutes, working_span


def person(enrolment_id: int, role: str = "mentee", **overrides: object) -> Candidate:
    values: dict[str, object] = {
        "enrolment_id": enrolment_id,
        "person_key": f"U{enrolment_id}",
        "role": role,
        "seniority": 5,
        "department": "Engineering",
        "manager_key": "",
        "offers": frozenset(),
        "goals": frozenset(),
        "lived_experience": frozenset(),
        "utc_work_start_minute": 9 * 60,
        "utc_work_end_minute": 17 * 60,
        "medium": "online",
        "location": "London",
    }
    for key in ("offers", "goals", "lived_experience"):
        if key in overrides:
            overrides[key] = frozenset(overrides[key])  # type: ignore[arg-type]
    values.update(overrides)
    return Candidate(**values)  # type: ignore[arg-type]


def mentor(enrolment_id: int, **overrides: object) -> Candidate:
    return person(enrolment_id, "mentor", **overrides)


def pairs_of(result: MatchResult) -> set[tuple[int, int]]:
    return {(p.mentor_enrolment_id, p.mentee_enrolment_id) for p in result.pairs}


def reasons_by_id(result: MatchResult) -> dict[int, str]:
    return {u.enrolment_id: u.reason for u in result.unmatched}


def random_candidate(rng: random.Random, enrolment_id: int, role: str) -> Candidate:
    tags = ["accessibility", "hybrid working", "ai", "gen z", "climate", "budgeting"]
    start = rng.randrange(0, 1440, 30)
    return person(
        enrolment_id,
        role,
        seniority=rng.randint(1, 8),
        department=rng.choice(["Finance", "Engineering", "Sales", ""]),
        offers=rng.sample(tags, rng.randint(0, 4)),
        goals=rng.sample(tags, rng.randint(0, 3)),
        lived_experience=rng.sample(["disability", "carer", "lgbtq+"], rng.randint(0, 2)),
        utc_work_start_minute=start,
        utc_work_end_minute=(start + rng.choice([0, 120, 480, 600])) % 1440,
        medium=rng.choice(["online", "in_person"]),
        location=rng.choice(["London", "Leeds"]),
        capacity=rng.choice([1, 1, 2]) if role == "mentor" else 1,
    )


# --- scores and explanations ---


def test_goals_offer_reason_names_what_the_mentor_can_offer() -> None:
    priya = mentor(1, display_name="Priya", offers={"accessibility", "hybrid working", "ai"})
    sam = person(2, display_name="Sam", goals={"accessibility", "hybrid working", "climate"})
    weaker = replace(priya, offers=frozenset({"accessibility"}))

    score, reasons = explain_pair(priya, sam, kind="reverse", weights=Weights())
    weaker_score, _ = explain_pair(weaker, sam, kind="reverse", weights=Weights())

    assert "Priya can offer 2 of the 3 things Sam wants: accessibility, hybrid working" in reasons
    assert score - weaker_score == pytest.approx(Weights().goals_offer / 3)


def test_difference_rewards_other_department_and_new_lived_experience() -> None:
    sam = person(2, display_name="Sam", department="Engineering", lived_experience={"carer"})
    echo = mentor(1, display_name="Priya", department="Engineering", lived_experience={"carer"})
    different = replace(
        echo, department="Finance", lived_experience=frozenset({"disability", "carer"})
    )

    echo_score, echo_reasons = explain_pair(echo, sam, kind="reverse", weights=Weights())
    score, reasons = explain_pair(different, sam, kind="reverse", weights=Weights())

    assert "Different departments (Finance / Engineering)" in reasons
    assert "Priya listed lived experience Sam did not: disability" in reasons
    assert "Same department (Engineering)" in echo_reasons
    assert score > echo_score


def test_hours_overlap_handles_windows_that_wrap_past_midnight() -> None:
    night = mentor(1, utc_work_start_minute=22 * 60, utc_work_end_minute=6 * 60)
    early = person(2, utc_work_start_minute=4 * 60, utc_work_end_minute=12 * 60 + 30)

    _, reasons = explain_pair(night, early, kind="reverse", weights=Weights())

    assert "2 h of shared working hours" in reasons


def test_shared_minutes_matches_counting_minute_by_minute() -> None:
    rng = random.Random(7)
    for _ in range(300):
        a, b = (
            (rng.randrange(1440), rng.randrange(1440)),
            (rng.randrange(1440), rng.randrange(1440)),
        )

        def minutes(window: tuple[int, int]) -> set[int]:
            start, length = working_span(*window)
            return {(int(start) + k) % 1440 for k in range(int(length))}

        expected = len(minutes(a) & minutes(b))
        assert int(shared_minutes(*working_span(*a), *working_span(*b))) == expected


def test_no_shared_hours_is_a_strong_penalty_but_still_a_possible_pair() -> None:
    sam = person(2, display_name="Sam")
    far_away = mentor(1, utc_work_start_minute=20 * 60, utc_work_end_minute=4 * 60)
    one_hour = mentor(3, utc_work_start_minute=16 * 60, utc_work_end_minute=23 * 60)

    far_score, far_reasons = explain_pair(far_away, sam, kind="reverse", weights=Weights())
    near_score, _ = explain_pair(one_hour, sam, kind="reverse", weights=Weights())
    alone = optimal_assignment([far_away], [sam], kind="reverse")

    assert any(r.startswith("No shared working hours") for r in far_reasons)
    assert near_score - far_score >= Weights().hours_overlap * 2
    assert pairs_of(alone) == {(1, 2)}
    assert any(r.startswith("No shared working hours") for r in alone.pairs[0].reasons)


def test_medium_and_location_explained() -> None:
    sam = person(2, display_name="Sam", medium="in_person", location="Leeds")
    same_city = mentor(1, medium="in_person", location="leeds ")
    other_city = mentor(3, medium="in_person", location="London")
    online = mentor(4, medium="online")

    same_score, same_reasons = explain_pair(same_city, sam, kind="reverse", weights=Weights())
    other_score, other_reasons = explain_pair(other_city, sam, kind="reverse", weights=Weights())
    _, mixed_reasons = explain_pair(online, sam, kind="reverse", weights=Weights())
    _, online_reasons = explain_pair(
        online, replace(sam, medium="online"), kind="reverse", weights=Weights()
    )

    assert "Both prefer in person and are based in leeds" in same_reasons
    assert "Both prefer in person but are based in different places (London / Leeds)" in (
        other_reasons
    )
    assert "The mentor prefers online, Sam in person" in mixed_reasons
    assert "Both prefer online" in online_reasons
    assert same_score - other_score == pytest.approx(Weights().medium)


@pytest.mark.parametrize("kind", ["reverse", "traditional"])
def test_score_matrix_equals_the_explained_score_of_every_pair(kind: str) -> None:
    rng = random.Random(11)
    mentors = [random_candidate(rng, k, "mentor") for k in range(9)]
    mentees = [random_candidate(rng, 100 + k, "mentee") for k in range(300)]
    weights = Weights(goals_offer=2.5, seniority=1.0, difference=0.5, hours_overlap=3, medium=2)

    matrix = score_matrix(mentors, mentees, kind=kind, weights=weights)  # type: ignore[arg-type]

    expected = [
        [explain_pair(m, e, kind=kind, weights=weights)[0] for m in mentors]  # type: ignore[arg-type]
        for e in mentees
    ]
    np.testing.assert_allclose(matrix, expected, rtol=1e-12, atol=1e-12)


def test_weights_from_programme_settings() -> None:
    assert Weights.from_settings(None) == Weights()
    assert Weights.from_settings({"medium": "4", "other": 1}).medium == 4.0
    nested = Weights.from_settings({"matching_weights": {"goals_offer": 0, "seniority": 5}})
    assert (nested.goals_offer, nested.seniority, nested.hours_overlap) == (0.0, 5.0, 1.5)
    with pytest.raises(ValueError, match="medium"):
        Weights.from_settings({"medium": "lots"})
    with pytest.raises(ValueError, match="seniority"):
        Weights.from_settings({"seniority": -1})


# --- direction of mentoring ---


@pytest.mark.parametrize(("kind", "chosen"), [("reverse", 1), ("traditional", 2)])
def test_reverse_prefers_a_junior_mentor_and_traditional_a_senior_one(
    kind: str, chosen: int
) -> None:
    junior, senior = mentor(1, seniority=2), mentor(2, seniority=8)
    mentee = person(10, seniority=5)

    result = optimal_assignment([junior, senior], [mentee], kind=kind)  # type: ignore[arg-type]

    assert pairs_of(result) == {(chosen, 10)}
    assert any(f"as {kind} mentoring intends" in r for r in result.pairs[0].reasons)
    _, wrong_way = explain_pair(
        senior if kind == "reverse" else junior,
        mentee,
        kind=kind,
        weights=Weights(),  # type: ignore[arg-type]
    )
    assert any(f"works against {kind} mentoring" in r for r in wrong_way)


# --- hard rules ---


def test_never_pairs_inside_a_reporting_line_including_skip_levels() -> None:
    # Chain: U10 (mentee) -> U50 -> U1 (mentor): U1 is U10's skip-level manager.
    # U2 (mentor) -> U11 (mentee): the mentee manages the mentor.
    managers = {"U10": "U50", "U50": "U1", "U2": "U11"}
    mentors = [mentor(1, offers={"ai"}), mentor(2, offers={"ai"}), mentor(3)]
    mentees = [person(10, goals={"ai"}), person(11, goals={"ai"})]

    result = optimal_assignment(
        mentors, mentees, kind="reverse", constraints=Constraints(manager_of=managers)
    )

    assert (1, 10) not in pairs_of(result) and (2, 11) not in pairs_of(result)
    assert pairs_of(result) == {(2, 10), (1, 11)}


def test_reporting_line_from_candidate_manager_keys_and_never_the_same_person() -> None:
    boss = mentor(1, person_key="UBOSS")
    report = person(10, manager_key="UBOSS")
    twin = mentor(2, person_key="U11")

    result = optimal_assignment([boss, twin], [report, person(11)], kind="reverse")

    assert pairs_of(result) == {(2, 10), (1, 11)}


def test_manager_cycles_in_bad_data_do_not_hang() -> None:
    managers = {"U1": "U10", "U10": "U99", "U99": "U1"}
    result = optimal_assignment(
        [mentor(1)], [person(10)], kind="reverse", constraints=Constraints(manager_of=managers)
    )
    assert result.pairs == []
    assert reasons_by_id(result)[10] == "every mentor is in their reporting line"


def test_excluded_pair_is_never_proposed_even_when_it_scores_best() -> None:
    best = mentor(1, offers={"ai", "climate"})
    other = mentor(2)
    mentee = person(10, goals={"ai", "climate"})
    excluded = Constraints(excluded_pairs={(1, 10)})

    for solve in (optimal_assignment, greedy_assignment):
        assert pairs_of(solve([best, other], [mentee], kind="reverse", constraints=excluded)) == {
            (2, 10)
        }


def test_mentor_capacity_is_respected_and_shortfall_explained() -> None:
    mentors = [mentor(1, capacity=2), mentor(2)]
    mentees = [person(10 + k) for k in range(4)]

    result = optimal_assignment(mentors, mentees, kind="reverse")

    per_mentor = [p.mentor_enrolment_id for p in result.pairs]
    assert sorted(per_mentor) == [1, 1, 2]
    (left,) = [u for u in result.unmatched]
    assert left.role == "mentee"
    assert left.reason == "every mentor is already paired"


def test_locked_pairs_are_kept_and_use_up_capacity() -> None:
    good = mentor(1, offers={"ai"})
    poor = mentor(2)
    mentees = [person(10, goals={"ai"}), person(11, goals={"ai"})]
    locked = Constraints(locked_pairs={(2, 10)})

    result = optimal_assignment([good, poor], mentees, kind="reverse", constraints=locked)

    assert pairs_of(result) == {(2, 10), (1, 11)}
    kept = next(p for p in result.pairs if p.mentee_enrolment_id == 10)
    assert kept.locked and kept.reasons[0] == "Locked by an admin"


def test_lock_wins_over_exclusion_and_says_so() -> None:
    constraints = Constraints(excluded_pairs={(1, 10)}, locked_pairs={(1, 10)})

    result = optimal_assignment([mentor(1)], [person(10)], kind="reverse", constraints=constraints)

    assert pairs_of(result) == {(1, 10)}
    assert result.pairs[0].reasons[0] == "Locked by an admin although they were paired before"


# --- optimality ---


def chain(key: str, managers: dict[str, str]) -> set[str]:
    above: set[str] = set()
    while (key := managers.get(key, "")) and key not in above:
        above.add(key)
    return above


def brute_force_best(
    mentors: list[Candidate], mentees: list[Candidate], constraints: Constraints, kind: str
) -> tuple[int, float]:
    """Most pairs, then highest total score, over every possible assignment."""
    managers = dict(constraints.manager_of)
    forbidden = set(constraints.excluded_pairs) | {
        (m.enrolment_id, e.enrolment_id)
        for m in mentors
        for e in mentees
        if m.person_key == e.person_key
        or m.person_key in chain(e.person_key, managers)
        or e.person_key in chain(m.person_key, managers)
    }
    slots = [m for m in mentors for _ in range(m.capacity)]
    padded: list[Candidate | None] = [*slots, *([None] * len(mentees))]
    best = (0, 0.0)
    for assignment in set(itertools.permutations(padded, len(mentees))):
        chosen = [(m, e) for m, e in zip(assignment, mentees, strict=True) if m is not None]
        if any((m.enrolment_id, e.enrolment_id) in forbidden for m, e in chosen):
            continue
        total = sum(explain_pair(m, e, kind=kind, weights=Weights())[0] for m, e in chosen)  # type: ignore[arg-type]
        if (len(chosen), total) > (best[0], best[1] + 1e-9):
            best = (len(chosen), total)
    return best


@pytest.mark.parametrize("seed", range(60))
def test_optimal_matches_brute_force_on_small_random_programmes(seed: int) -> None:
    rng = random.Random(seed)
    kind = rng.choice(["reverse", "traditional"])
    mentors = [random_candidate(rng, k, "mentor") for k in range(rng.randint(1, 3))]
    mentees = [random_candidate(rng, 100 + k, "mentee") for k in range(rng.randint(1, 4))]
    pairs = [(m.enrolment_id, e.enrolment_id) for m in mentors for e in mentees]
    # Random org chart over the enrolled people and two managers who are not enrolled,
    # so direct, skip-level and both-direction reporting lines all occur.
    keys = [c.person_key for c in (*mentors, *mentees)] + ["UX", "UY"]
    managers = {k: rng.choice(keys) for k in keys if rng.random() < 0.5}
    constraints = Constraints(
        excluded_pairs=set(rng.sample(pairs, rng.randint(0, len(pairs) // 2))),
        manager_of=managers,
    )

    result = optimal_assignment(mentors, mentees, kind=kind, constraints=constraints)  # type: ignore[arg-type]
    greedy = greedy_assignment(mentors, mentees, kind=kind, constraints=constraints)  # type: ignore[arg-type]

    best_count, best_total = brute_force_best(mentors, mentees, constraints, kind)
    assert len(result.pairs) == best_count
    assert result.total_score == pytest.approx(best_total)
    if len(greedy.pairs) == best_count:
        assert greedy.total_score <= result.total_score + 1e-9


def test_optimal_beats_greedy_where_greedy_grabs_the_first_best_cell() -> None:
    # A and B both score best with X; greedy gives X to A and leaves B a poor pair.
    x = mentor(1, offers={"ai", "climate"})
    y = mentor(2, offers={"climate"})
    a = person(10, goals={"ai", "climate"})
    b = person(11, goals={"ai"})

    optimal = optimal_assignment([x, y], [a, b], kind="reverse")
    greedy = greedy_assignment([x, y], [a, b], kind="reverse")

    assert pairs_of(greedy) == {(1, 10), (2, 11)}
    assert pairs_of(optimal) == {(1, 11), (2, 10)}
    assert optimal.total_score > greedy.total_score


# --- unmatched reasons and bad input ---


def test_no_mentors_no_mentees_and_empty_programmes_do_not_crash() -> None:
    no_mentors = optimal_assignment([], [person(10)], kind="reverse")
    no_mentees = optimal_assignment([mentor(1)], [], kind="traditional")
    empty = optimal_assignment([], [], kind="reverse")

    assert reasons_by_id(no_mentors) == {10: "no mentors in this programme"}
    assert reasons_by_id(no_mentees) == {1: "no mentees in this programme"}
    assert empty == MatchResult([], [], 0.0)


def test_every_leftover_person_gets_a_reason() -> None:
    mentors = [mentor(1), mentor(2, capacity=0), mentor(3, person_key="UBOSS")]
    mentees = [person(10), person(11), person(12, manager_key="UBOSS")]
    excluded = Constraints(excluded_pairs={(1, 12)})

    result = optimal_assignment(mentors, mentees, kind="reverse", constraints=excluded)

    reasons = reasons_by_id(result)
    assert reasons[12] == (
        "no mentor is free to pair with them: "
        "1 is in their reporting line, 1 was paired with them before"
    )
    assert reasons[2] == "offered no mentoring capacity"
    assert len(result.pairs) == 2 and 12 not in {p.mentee_enrolment_id for p in result.pairs}
    assert len(result.unmatched) == 2


def test_spare_mentor_places_are_explained() -> None:
    result = optimal_assignment([mentor(1), mentor(2)], [person(10)], kind="reverse")
    (spare,) = result.unmatched
    assert spare.role == "mentor"
    assert spare.reason == "every mentee is already paired"


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="kind"):
        optimal_assignment([mentor(1)], [person(10)], kind="sideways")  # type: ignore[arg-type]


# --- random assignment ---


def test_random_assignment_honours_every_hard_rule() -> None:
    rng = random.Random(3)
    mentors = [random_candidate(rng, k, "mentor") for k in range(15)]
    mentees = [random_candidate(rng, 100 + k, "mentee") for k in range(25)]
    managers = {mentees[k].person_key: mentors[k % 15].person_key for k in range(0, 25, 2)}
    excluded = {(mentors[k % 15].enrolment_id, mentees[k].enrolment_id) for k in range(1, 25, 2)}
    locked = {(mentors[0].enrolment_id, mentees[1].enrolment_id)}
    constraints = Constraints(excluded_pairs=excluded, locked_pairs=locked, manager_of=managers)
    capacity = {m.enrolment_id: m.capacity for m in mentors}

    first = random_assignment(mentors, mentees, seed=42, constraints=constraints)
    again = random_assignment(mentors, mentees, seed=42, constraints=constraints)
    other = random_assignment(mentors, mentees, seed=43, constraints=constraints)

    chosen = pairs_of(first)
    assert chosen == pairs_of(again) and chosen != pairs_of(other)
    assert (mentors[0].enrolment_id, mentees[1].enrolment_id) in chosen
    assert not chosen & (excluded - locked)
    forbidden_lines = {
        (mentors[k % 15].enrolment_id, mentees[k].enrolment_id) for k in range(0, 25, 2)
    }
    assert not chosen & forbidden_lines
    for mentor_id, places in capacity.items():
        assert sum(1 for m, _ in chosen if m == mentor_id) <= places
    assert len(first.pairs) == len(
        optimal_assignment(mentors, mentees, kind="reverse", constraints=constraints).pairs
    )
    assert all(p.locked or p.reasons[0].startswith("Chosen at random") for p in first.pairs)

"""Propose mentoring pairs for one programme: the best overall set (optimal), a greedy
baseline, or a random draw, all under the same hard rules.

Objective of every solver: pair as many people as the hard rules allow, and among those
pairings take the highest total score. Forbidden pairs (reporting line, exclusions) are
never proposed; locked pairs are always kept. Pure computation: no platform or database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from flows.matching.matrix import score_matrix
from flows.matching.reasons import explain_pair
from flows.matching.rules import Constraints, Problem, prepare
from flows.matching.scores import Candidate, Kind, Role, Weights
from flows.matching.solvers import solve_greedy, solve_optimal, solve_random

__all__ = [
    "Candidate",
    "Constraints",
    "Kind",
    "MatchResult",
    "ProposedPair",
    "Unmatched",
    "Weights",
    "explain_pair",
    "greedy_assignment",
    "optimal_assignment",
    "random_assignment",
    "score_matrix",
]

NO_MENTORS = "no mentors in this programme"
NO_MENTEES = "no mentees in this programme"
NO_ALLOWED_MENTOR = "every mentor in this programme is in their reporting line or was excluded"
NO_ALLOWED_MENTEE = "every mentee in this programme is in their reporting line or was excluded"
NO_CAPACITY_LEFT = "no mentor capacity left: every mentor they could pair with is already full"
NO_CAPACITY = "offered no mentoring capacity"
MENTEES_TAKEN = "more mentor places than mentees: every mentee they could pair with is taken"
LOCKED = "Locked by an admin"
LOCKED_DESPITE_RULES = "Locked by an admin although the pair is excluded or in a reporting line"
RANDOM = "Chosen at random (this programme uses random assignment)"


@dataclass(frozen=True)
class ProposedPair:
    mentor_enrolment_id: int
    mentee_enrolment_id: int
    score: float
    reasons: tuple[str, ...]
    locked: bool = False


@dataclass(frozen=True)
class Unmatched:
    enrolment_id: int
    role: Role
    reason: str


@dataclass(frozen=True)
class MatchResult:
    pairs: list[ProposedPair]
    unmatched: list[Unmatched]
    total_score: float


def _mentee_reason(i: int, problem: Problem) -> str:
    if problem.allowed.shape[1] == 0:
        return NO_MENTORS
    if not (problem.allowed[i] & problem.has_capacity).any() and problem.has_capacity.any():
        return NO_ALLOWED_MENTOR
    return NO_CAPACITY_LEFT


def _mentor_reason(j: int, mentor: Candidate, problem: Problem) -> str:
    if problem.allowed.shape[0] == 0:
        return NO_MENTEES
    if mentor.capacity <= 0:
        return NO_CAPACITY
    if not problem.allowed[:, j].any():
        return NO_ALLOWED_MENTEE
    return MENTEES_TAKEN


def _result(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    problem: Problem,
    chosen: list[tuple[int, int]],
    *,
    kind: Kind,
    weights: Weights,
    note: str | None = None,
) -> MatchResult:
    by_mentee: dict[int, tuple[int, bool]] = {i: (j, True) for i, j in problem.locked}
    by_mentee.update((i, (j, False)) for i, j in chosen)
    pairs: list[ProposedPair] = []
    for i in sorted(by_mentee):
        j, locked = by_mentee[i]
        score, reasons = explain_pair(mentors[j], mentees[i], kind=kind, weights=weights)
        if locked:
            reasons = (LOCKED if problem.allowed[i, j] else LOCKED_DESPITE_RULES, *reasons)
        elif note:
            reasons = (note, *reasons)
        pairs.append(
            ProposedPair(mentors[j].enrolment_id, mentees[i].enrolment_id, score, reasons, locked)
        )
    paired_mentors = {j for j, _ in by_mentee.values()}
    unmatched = [
        Unmatched(mentee.enrolment_id, "mentee", _mentee_reason(i, problem))
        for i, mentee in enumerate(mentees)
        if i not in by_mentee
    ] + [
        Unmatched(mentor.enrolment_id, "mentor", _mentor_reason(j, mentor, problem))
        for j, mentor in enumerate(mentors)
        if j not in paired_mentors
    ]
    return MatchResult(pairs, unmatched, float(sum(p.score for p in pairs)))


def _check_kind(kind: str) -> None:
    if kind not in ("reverse", "traditional"):
        raise ValueError(f"kind must be 'reverse' or 'traditional', got {kind!r}")


def _scored_solve(
    solver: str,
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    kind: Kind,
    weights: Weights,
    constraints: Constraints,
) -> MatchResult:
    _check_kind(kind)
    problem = prepare(mentors, mentees, constraints)
    chosen: list[tuple[int, int]] = []
    if len(problem.rows) and len(problem.cols):
        solve = solve_optimal if solver == "optimal" else solve_greedy
        # The matrix is passed straight in so the solver holds its only reference and can
        # free it as soon as it has made the capacity-expanded copy.
        rows, cols = solve(
            score_matrix(
                [mentors[j] for j in problem.cols],
                [mentees[i] for i in problem.rows],
                kind=kind,
                weights=weights,
            ),
            problem.sub_allowed(),
            problem.slots,
        )
        chosen = list(zip(problem.rows[rows].tolist(), problem.cols[cols].tolist(), strict=True))
    return _result(mentors, mentees, problem, chosen, kind=kind, weights=weights)


def optimal_assignment(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    *,
    kind: Kind,
    weights: Weights | None = None,
    constraints: Constraints | None = None,
) -> MatchResult:
    """The most pairs the rules allow, with the highest total score among them."""
    return _scored_solve(
        "optimal", mentors, mentees, kind, weights or Weights(), constraints or Constraints()
    )


def greedy_assignment(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    *,
    kind: Kind,
    weights: Weights | None = None,
    constraints: Constraints | None = None,
) -> MatchResult:
    """Baseline: repeatedly take the best-scoring pair still open. Not optimal."""
    return _scored_solve(
        "greedy", mentors, mentees, kind, weights or Weights(), constraints or Constraints()
    )


def random_assignment(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    *,
    seed: int,
    kind: Kind = "reverse",
    weights: Weights | None = None,
    constraints: Constraints | None = None,
) -> MatchResult:
    """Random pairs under the same hard rules (as many pairs as they allow); the same seed
    gives the same pairs. Scores and reasons are still reported for the admin."""
    _check_kind(kind)
    problem = prepare(mentors, mentees, constraints or Constraints())
    chosen: list[tuple[int, int]] = []
    if len(problem.rows) and len(problem.cols):
        rng = np.random.default_rng(seed)
        rows, cols = solve_random(problem.sub_allowed(), problem.slots, rng)
        chosen = list(zip(problem.rows[rows].tolist(), problem.cols[cols].tolist(), strict=True))
    return _result(
        mentors, mentees, problem, chosen, kind=kind, weights=weights or Weights(), note=RANDOM
    )

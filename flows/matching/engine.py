"""Propose mentoring pairs for one programme: the best overall set (optimal), a greedy
baseline, or a random draw, all under the same hard rules.

Objective of every solver: pair as many people as the hard rules allow, and among those
pairings take the highest total score. Forbidden pairs (reporting line, exclusions, too few
shared working hours for one session) are never proposed; locked pairs are always kept.
Pure computation: no platform or database.
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
from flows.matching.unmatched import locked_note, mentee_reasons, mentor_reasons

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


def _result(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    problem: Problem,
    chosen: list[tuple[int, int]],
    *,
    kind: Kind,
    weights: Weights,
    constraints: Constraints,
    note: str | None = None,
) -> MatchResult:
    by_mentee: dict[int, tuple[int, bool]] = {i: (j, True) for i, j in problem.locked}
    by_mentee.update((i, (j, False)) for i, j in chosen)
    pairs: list[ProposedPair] = []
    for i in sorted(by_mentee):
        j, locked = by_mentee[i]
        score, reasons = explain_pair(mentors[j], mentees[i], kind=kind, weights=weights)
        if locked:
            note_ = locked_note(int(problem.blocked[i, j]), constraints.min_shared_minutes)
            reasons = (note_, *reasons)
        elif note:
            reasons = (note, *reasons)
        pairs.append(
            ProposedPair(mentors[j].enrolment_id, mentees[i].enrolment_id, score, reasons, locked)
        )
    paired_mentors = {j for j, _ in by_mentee.values()}
    rows = [i for i in range(len(mentees)) if i not in by_mentee]
    columns = [j for j in range(len(mentors)) if j not in paired_mentors]
    unmatched = [
        Unmatched(mentees[i].enrolment_id, "mentee", reason)
        for i, reason in zip(
            rows, mentee_reasons(rows, list(mentors), problem, constraints), strict=True
        )
    ] + [
        Unmatched(mentors[j].enrolment_id, "mentor", reason)
        for j, reason in zip(
            columns, mentor_reasons(columns, list(mentors), problem, constraints), strict=True
        )
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
    return _result(
        mentors, mentees, problem, chosen, kind=kind, weights=weights, constraints=constraints
    )


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
    constraints = constraints or Constraints()
    problem = prepare(mentors, mentees, constraints)
    chosen: list[tuple[int, int]] = []
    if len(problem.rows) and len(problem.cols):
        rng = np.random.default_rng(seed)
        rows, cols = solve_random(problem.sub_allowed(), problem.slots, rng)
        chosen = list(zip(problem.rows[rows].tolist(), problem.cols[cols].tolist(), strict=True))
    return _result(
        mentors,
        mentees,
        problem,
        chosen,
        kind=kind,
        weights=weights or Weights(),
        constraints=constraints,
        note=RANDOM,
    )

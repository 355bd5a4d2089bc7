"""Propose mentoring pairs for one programme: the best overall set (optimal), a greedy
baseline, or a random draw, all under the same hard rules.

Objective of every solver: pair as many people as the hard rules allow, and among those
pairings take the highest total score. Forbidden pairs (reporting line, exclusions) are
never proposed; locked pairs are always kept. Pure computation: no platform or database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from flows.matching.scores import Candidate, Kind, Role, Weights, explain_pair, score_matrix

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
class Constraints:
    # (mentor_enrolment_id, mentee_enrolment_id): previous pairs, rematch requests, admin bans.
    excluded_pairs: Collection[tuple[int, int]] = frozenset()
    # (mentor_enrolment_id, mentee_enrolment_id) kept as they are; the first lock per mentee wins.
    locked_pairs: Collection[tuple[int, int]] = frozenset()
    # person_key -> manager's person_key for the whole organisation, so skip-level managers
    # are caught; falls back to each Candidate.manager_key for people missing here.
    manager_of: Mapping[str, str] = field(default_factory=dict)


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


@dataclass
class _Problem:
    """What is left to solve once locked pairs are taken out."""

    allowed: np.ndarray  # (all mentees, all mentors) bool
    locked: list[tuple[int, int]]  # (mentee index, mentor index)
    rows: np.ndarray  # mentee indices still to pair that have at least one allowed mentor
    cols: np.ndarray  # mentor indices with capacity left and at least one allowed mentee
    slots: np.ndarray  # capacity left per entry of cols, capped at len(rows)
    has_capacity: np.ndarray  # per mentor: offered any places at all

    def sub_allowed(self) -> np.ndarray:
        return self.allowed[np.ix_(self.rows, self.cols)]


def _chain(person: str, manager_of: Mapping[str, str]) -> list[str]:
    """Everyone above person, nearest first; stops at a cycle in bad data."""
    seen, chain = {person}, []
    boss = manager_of.get(person, "")
    while boss and boss not in seen:
        chain.append(boss)
        seen.add(boss)
        boss = manager_of.get(boss, "")
    return chain


def _allowed_cells(
    mentors: Sequence[Candidate], mentees: Sequence[Candidate], constraints: Constraints
) -> np.ndarray:
    managers = {c.person_key: c.manager_key for c in (*mentors, *mentees) if c.manager_key}
    managers.update(constraints.manager_of)
    mentors_by_key: dict[str, list[int]] = defaultdict(list)
    mentees_by_key: dict[str, list[int]] = defaultdict(list)
    for j, mentor in enumerate(mentors):
        if mentor.person_key:
            mentors_by_key[mentor.person_key].append(j)
    for i, mentee in enumerate(mentees):
        if mentee.person_key:
            mentees_by_key[mentee.person_key].append(i)

    # O(people x chain depth) look-ups, never a loop over pairs.
    rows: list[int] = []
    cols: list[int] = []
    for i, mentee in enumerate(mentees):
        if not mentee.person_key:
            continue
        for key in (mentee.person_key, *_chain(mentee.person_key, managers)):
            for j in mentors_by_key.get(key, ()):
                rows.append(i)
                cols.append(j)
    for j, mentor in enumerate(mentors):
        if not mentor.person_key:
            continue
        for key in _chain(mentor.person_key, managers):
            for i in mentees_by_key.get(key, ()):
                rows.append(i)
                cols.append(j)
    mentor_index = {c.enrolment_id: j for j, c in enumerate(mentors)}
    mentee_index = {c.enrolment_id: i for i, c in enumerate(mentees)}
    for mentor_id, mentee_id in constraints.excluded_pairs:
        if mentor_id in mentor_index and mentee_id in mentee_index:
            rows.append(mentee_index[mentee_id])
            cols.append(mentor_index[mentor_id])

    allowed = np.ones((len(mentees), len(mentors)), dtype=bool)
    allowed[np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)] = False
    return allowed


def _prepare(
    mentors: Sequence[Candidate], mentees: Sequence[Candidate], constraints: Constraints
) -> _Problem:
    allowed = _allowed_cells(mentors, mentees, constraints)
    mentor_index = {c.enrolment_id: j for j, c in enumerate(mentors)}
    mentee_index = {c.enrolment_id: i for i, c in enumerate(mentees)}
    remaining = np.asarray([max(c.capacity, 0) for c in mentors], dtype=np.int64)
    locked: list[tuple[int, int]] = []
    locked_mentees: set[int] = set()
    for mentor_id, mentee_id in sorted(constraints.locked_pairs):
        i, j = mentee_index.get(mentee_id), mentor_index.get(mentor_id)
        if i is None or j is None or i in locked_mentees:
            continue
        locked.append((i, j))
        locked_mentees.add(i)
        remaining[j] = max(remaining[j] - 1, 0)

    free = np.asarray([i for i in range(len(mentees)) if i not in locked_mentees], dtype=np.intp)
    open_ = np.flatnonzero(remaining > 0)
    sub = allowed[np.ix_(free, open_)]
    rows, cols = free[sub.any(axis=1)], open_[sub.any(axis=0)]
    slots = np.minimum(remaining[cols], len(rows))
    has_capacity = np.asarray([c.capacity > 0 for c in mentors], dtype=bool)
    return _Problem(allowed, locked, rows, cols, slots, has_capacity)


def _forbidden_value(low: float, high: float, n_pairs: int) -> float:
    """Low enough that one more allowed pair always beats any gain in score, so the solver
    maximises the number of pairs first and the total score second."""
    return low - (high - low + 1.0) * (n_pairs + 1)


def _solve_optimal(
    scores: np.ndarray, allowed: np.ndarray, slots: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    column_mentor = np.repeat(np.arange(len(slots)), slots)
    forbidden = _forbidden_value(scores.min(), scores.max(), min(len(scores), len(column_mentor)))
    np.putmask(scores, ~allowed, forbidden)
    if len(column_mentor) != scores.shape[1]:
        # Capacity k becomes k identical columns; drop the unexpanded matrix straight away.
        scores = scores[:, column_mentor]
    np.negative(scores, out=scores)  # minimise in place: maximize=True would copy the matrix
    rows, slot_cols = linear_sum_assignment(scores)
    cols = column_mentor[slot_cols]
    keep = allowed[rows, cols]
    return rows[keep], cols[keep]


def _solve_greedy(
    scores: np.ndarray, allowed: np.ndarray, slots: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    cells = np.flatnonzero(allowed)
    cells = cells[np.argsort(-scores.ravel()[cells], kind="stable")]
    taken = np.zeros(len(scores), dtype=bool)
    remaining = slots.copy()
    rows: list[int] = []
    cols: list[int] = []
    for low in range(0, len(cells), 8192):
        # Mask out dead cells in bulk; only the few live ones go through the Python loop.
        row_block, col_block = np.divmod(cells[low : low + 8192], scores.shape[1])
        live = ~taken[row_block] & (remaining[col_block] > 0)
        for row, col in zip(row_block[live].tolist(), col_block[live].tolist(), strict=True):
            if taken[row] or remaining[col] == 0:
                continue
            taken[row] = True
            remaining[col] -= 1
            rows.append(row)
            cols.append(col)
        if taken.all() or not remaining.any():
            break
    return np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)


def _solve_random(
    allowed: np.ndarray, slots: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    column_mentor = np.repeat(np.arange(len(slots)), slots)
    costs = rng.random((len(allowed), len(column_mentor)))
    np.putmask(costs, ~allowed[:, column_mentor], min(costs.shape) + 2.0)
    rows, slot_cols = linear_sum_assignment(costs)
    cols = column_mentor[slot_cols]
    keep = allowed[rows, cols]
    return rows[keep], cols[keep]


def _mentee_reason(i: int, problem: _Problem) -> str:
    if problem.allowed.shape[1] == 0:
        return NO_MENTORS
    if not (problem.allowed[i] & problem.has_capacity).any() and problem.has_capacity.any():
        return NO_ALLOWED_MENTOR
    return NO_CAPACITY_LEFT


def _mentor_reason(j: int, mentor: Candidate, problem: _Problem) -> str:
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
    problem: _Problem,
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
    problem = _prepare(mentors, mentees, constraints)
    chosen: list[tuple[int, int]] = []
    if len(problem.rows) and len(problem.cols):
        solve = _solve_optimal if solver == "optimal" else _solve_greedy
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
    problem = _prepare(mentors, mentees, constraints or Constraints())
    chosen: list[tuple[int, int]] = []
    if len(problem.rows) and len(problem.cols):
        rng = np.random.default_rng(seed)
        rows, cols = _solve_random(problem.sub_allowed(), problem.slots, rng)
        chosen = list(zip(problem.rows[rows].tolist(), problem.cols[cols].tolist(), strict=True))
    return _result(
        mentors, mentees, problem, chosen, kind=kind, weights=weights or Weights(), note=RANDOM
    )

"""The hard rules of matching: who may never be paired (reporting line, exclusions, too few
shared working hours for one session), which pairs an admin locked, and what is left for a
solver once both are applied.

Pure computation: no platform or database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from flows.matching.scores import Candidate, shared_minutes, working_span

# Why a cell may not be chosen. When several rules apply, the highest code is recorded: the
# reason an admin can do least about.
ALLOWED = 0
TOO_FEW_HOURS = 1
PAIRED_BEFORE = 2
EXCLUDED_BY_ADMIN = 3
REPORTING_LINE = 4
RULES = (TOO_FEW_HOURS, PAIRED_BEFORE, EXCLUDED_BY_ADMIN, REPORTING_LINE)


@dataclass(frozen=True)
class Constraints:
    # (mentor_enrolment_id, mentee_enrolment_id): previous pairs, rematch requests, admin bans.
    excluded_pairs: Collection[tuple[int, int]] = frozenset()
    # (mentor_enrolment_id, mentee_enrolment_id) kept as they are; the first lock per mentee wins.
    locked_pairs: Collection[tuple[int, int]] = frozenset()
    # person_key -> manager's person_key for the whole organisation, so skip-level managers
    # are caught; falls back to each Candidate.manager_key for people missing here.
    manager_of: Mapping[str, str] = field(default_factory=dict)
    # The part of excluded_pairs an admin removed from a proposal (the rest were pairs once):
    # it only changes how an unmatched person's reason is worded.
    admin_excluded: Collection[tuple[int, int]] = frozenset()
    # Shared daily working time a pair needs: one session. A pair with less is never proposed.
    min_shared_minutes: int = 0
    # People of the programme outside this pool because they are already in a pair: they
    # only change how an unmatched person's reason is worded.
    mentors_already_paired: int = 0
    mentees_already_paired: int = 0


@dataclass
class Problem:
    """What is left to solve once locked pairs are taken out."""

    allowed: np.ndarray  # (all mentees, all mentors) bool
    blocked: np.ndarray  # (all mentees, all mentors) int8: ALLOWED or the rule that forbids it
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


def _windows(people: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct daily windows (start, length) and, per person, the index of theirs."""
    start, length = working_span(
        np.asarray([c.utc_work_start_minute for c in people], dtype=np.int32),
        np.asarray([c.utc_work_end_minute for c in people], dtype=np.int32),
    )
    unique, index = np.unique(np.stack([start, length], axis=1), axis=0, return_inverse=True)
    return unique[:, 0], unique[:, 1], index.reshape(-1)


def _too_few_hours(
    mentors: Sequence[Candidate], mentees: Sequence[Candidate], minimum: int
) -> np.ndarray:
    """(mentees, mentors) bool: True where the two share less than `minimum` minutes a day.

    Thousands of people share a few dozen windows, so the overlap is computed per pair of
    distinct windows and then spread out by index."""
    mentor_start, mentor_length, mentor_index = _windows(mentors)
    mentee_start, mentee_length, mentee_index = _windows(mentees)
    overlap = shared_minutes(
        mentor_start, mentor_length, mentee_start[:, None], mentee_length[:, None]
    )
    return (overlap < minimum)[np.ix_(mentee_index, mentor_index)]


def _blocked_cells(
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
    excluded: dict[int, tuple[list[int], list[int]]] = {
        PAIRED_BEFORE: ([], []),
        EXCLUDED_BY_ADMIN: ([], []),
    }
    by_admin = set(constraints.admin_excluded)
    for mentor_id, mentee_id in constraints.excluded_pairs:
        if mentor_id in mentor_index and mentee_id in mentee_index:
            code = EXCLUDED_BY_ADMIN if (mentor_id, mentee_id) in by_admin else PAIRED_BEFORE
            excluded[code][0].append(mentee_index[mentee_id])
            excluded[code][1].append(mentor_index[mentor_id])

    blocked = np.zeros((len(mentees), len(mentors)), dtype=np.int8)
    if constraints.min_shared_minutes > 0 and blocked.size:
        blocked[_too_few_hours(mentors, mentees, constraints.min_shared_minutes)] = TOO_FEW_HOURS
    # Lowest code first, so the highest one that applies is what stays.
    for code, (mentee_rows, mentor_cols) in sorted(excluded.items()):
        blocked[np.asarray(mentee_rows, dtype=np.intp), np.asarray(mentor_cols, dtype=np.intp)] = (
            code
        )
    blocked[np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)] = REPORTING_LINE
    return blocked


def prepare(
    mentors: Sequence[Candidate], mentees: Sequence[Candidate], constraints: Constraints
) -> Problem:
    blocked = _blocked_cells(mentors, mentees, constraints)
    allowed = blocked == ALLOWED
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
    return Problem(allowed, blocked, locked, rows, cols, slots, has_capacity)

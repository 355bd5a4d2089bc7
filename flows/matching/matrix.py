"""The score of every mentor for every mentee at once, as one matrix for the solver.

Vectorised over numpy arrays, in blocks of rows, so 5,000 x 5,000 people fit in memory and
time. Pure computation: no platform or database imports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from flows.matching.scores import (
    Candidate,
    Kind,
    Weights,
    difference_component,
    goals_component,
    hours_component,
    is_online,
    medium_component,
    norm,
    seniority_component,
    shared_minutes,
    working_span,
)

# Rows scored per block: keeps temporaries small and cache friendly at 5,000 x 5,000.
BLOCK_ROWS = 256


def _codes(values: Iterable[str], table: dict[str, int]) -> np.ndarray:
    """Integer code per value; 0 means unknown (blank), so blanks never count as equal."""
    out = []
    for value in values:
        key = norm(value)
        out.append(table.setdefault(key, len(table) + 1) if key else 0)
    return np.asarray(out, dtype=np.int32)


def _bits(sets: Sequence[frozenset[str]], vocabulary: dict[str, int]) -> np.ndarray:
    """One row per person, one float32 column per tag, so overlaps become matrix products."""
    rows, cols = [], []
    for row, tags in enumerate(sets):
        for tag in tags:
            rows.append(row)
            cols.append(vocabulary.setdefault(tag, len(vocabulary)))
    matrix = np.zeros((len(sets), max(len(vocabulary), 1)), dtype=np.float32)
    matrix[rows, cols] = 1.0
    return matrix


@dataclass
class _Side:
    seniority: np.ndarray
    department: np.ndarray
    location: np.ndarray
    online: np.ndarray
    start: np.ndarray
    length: np.ndarray
    topics: np.ndarray  # offers for mentors, goals for mentees
    lived: np.ndarray


def _encode(mentors: Sequence[Candidate], mentees: Sequence[Candidate]) -> tuple[_Side, _Side]:
    departments: dict[str, int] = {}
    locations: dict[str, int] = {}
    topics: dict[str, int] = {}
    lived: dict[str, int] = {}
    sides = []
    for people, wanted in ((mentors, "offers"), (mentees, "goals")):
        start, length = working_span(
            np.asarray([c.utc_work_start_minute for c in people], dtype=np.int32),
            np.asarray([c.utc_work_end_minute for c in people], dtype=np.int32),
        )
        sides.append(
            _Side(
                seniority=np.asarray([c.seniority for c in people], dtype=np.int32),
                department=_codes((c.department for c in people), departments),
                location=_codes((c.location for c in people), locations),
                online=np.asarray([is_online(c) for c in people], dtype=bool),
                start=start.astype(np.int32),
                length=length.astype(np.int32),
                topics=_bits([getattr(c, wanted) for c in people], topics),
                lived=_bits([c.lived_experience for c in people], lived),
            )
        )
    mentor, mentee = sides
    # Vocabularies grew while encoding the second side; pad the first to the same width.
    mentor.topics = _pad(mentor.topics, mentee.topics.shape[1])
    mentor.lived = _pad(mentor.lived, mentee.lived.shape[1])
    return mentor, mentee


def _pad(matrix: np.ndarray, width: int) -> np.ndarray:
    if matrix.shape[1] >= width:
        return matrix
    return np.pad(matrix, ((0, 0), (0, width - matrix.shape[1])))


def score_matrix(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    *,
    kind: Kind,
    weights: Weights,
) -> np.ndarray:
    """Weighted score of every pair: float64, shape (len(mentees), len(mentors))."""
    scores = np.empty((len(mentees), len(mentors)), dtype=np.float64)
    if scores.size == 0:
        return scores
    mentor, mentee = _encode(mentors, mentees)
    offers_t = np.ascontiguousarray(mentor.topics.T)
    mentor_lived_t = np.ascontiguousarray(mentor.lived.T)
    mentor_lived_count = mentor.lived.sum(axis=1)
    n_goals = mentee.topics.sum(axis=1)
    for low in range(0, len(mentees), BLOCK_ROWS):
        rows = slice(low, low + BLOCK_ROWS)
        column = (rows, None)  # mentee values as a column, to broadcast against mentors
        covered = (mentee.topics[rows] @ offers_t).astype(np.float64)  # exact counts, f64 ratios
        new_lived = mentor_lived_count - mentee.lived[rows] @ mentor_lived_t
        other_department = (
            (mentee.department[column] != mentor.department)
            & (mentee.department[column] > 0)
            & (mentor.department > 0)
        )
        same_location = (mentee.location[column] == mentor.location) & (mentor.location > 0)
        minutes = shared_minutes(
            mentor.start, mentor.length, mentee.start[column], mentee.length[column]
        )
        block = scores[rows]
        np.multiply(goals_component(covered, n_goals[column]), weights.goals_offer, out=block)
        block += weights.seniority * seniority_component(
            mentor.seniority, mentee.seniority[column], kind
        )
        block += weights.difference * difference_component(other_department, new_lived)
        block += weights.hours_overlap * hours_component(minutes)
        block += weights.medium * medium_component(
            mentor.online, mentee.online[column], same_location
        )
    return scores

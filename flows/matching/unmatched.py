"""Why someone was left without a match, in words an admin can act on, for each person.

Every person of the other role is accounted for: already paired (with someone else, or in a
pair from an earlier run), in their reporting line, excluded by an admin, paired with them
before, or sharing too little working time for one session. When one reason covers everyone
it is said plainly ("every mentor is in their reporting line"); otherwise each is counted.
Pure computation: no platform or database.
"""

from __future__ import annotations

import numpy as np

from flows.common.wording import agree
from flows.matching.rules import (
    ALLOWED,
    EXCLUDED_BY_ADMIN,
    PAIRED_BEFORE,
    REPORTING_LINE,
    RULES,
    TOO_FEW_HOURS,
    Constraints,
    Problem,
)
from flows.matching.scores import Candidate

NO_CAPACITY = "offered no mentoring capacity"
NO_PLACES = "no mentor in this programme offered any places"
# How each rule reads when it covers everyone of the other role, and when it covers some.
_ALL = {
    ALLOWED: "every {role} is already paired",
    REPORTING_LINE: "every {role} is in their reporting line",
    EXCLUDED_BY_ADMIN: "an admin excluded every {role} from pairing with them",
    PAIRED_BEFORE: "they have already been paired with every {role}",
    TOO_FEW_HOURS: "no {role} shares enough working hours with them for a {minutes}-minute session",
}
_SOME = {
    ALLOWED: ("is", "are", "already paired"),
    REPORTING_LINE: ("is", "are", "in their reporting line"),
    EXCLUDED_BY_ADMIN: ("was", "were", "excluded by an admin"),
    PAIRED_BEFORE: ("was", "were", "paired with them before"),
    TOO_FEW_HOURS: (
        "shares",
        "share",
        "too few working hours with them for a {minutes}-minute session",
    ),
}
# The order causes are listed in: what most often explains it first.
_ORDER = (ALLOWED, TOO_FEW_HOURS, REPORTING_LINE, EXCLUDED_BY_ADMIN, PAIRED_BEFORE)


def _counts(cells: np.ndarray) -> np.ndarray:
    """(people, others) codes -> (people, code) counts."""
    return np.stack([(cells == code).sum(axis=1) for code in (ALLOWED, *RULES)], axis=1)


def _sentence(counts: dict[int, int], role: str, minutes: int) -> str:
    present = [code for code in _ORDER if counts.get(code)]
    if not present:
        return f"no {role}s in this programme"
    if len(present) == 1:
        return _ALL[present[0]].format(role=role, minutes=minutes)
    parts = []
    for code in present:
        one, many, rest = _SOME[code]
        n = counts[code]
        parts.append(f"{n:,} {agree(n, one, many)} {rest.format(minutes=minutes)}")
    return f"no {role} is free to pair with them: " + ", ".join(parts)


def mentee_reasons(
    rows: list[int], mentors: list[Candidate], problem: Problem, constraints: Constraints
) -> list[str]:
    """One reason per unmatched mentee (by row index)."""
    if not rows:
        return []
    open_ = np.flatnonzero(problem.has_capacity)
    if mentors and not len(open_) and not constraints.mentors_already_paired:
        return [NO_PLACES] * len(rows)
    counts = _counts(problem.blocked[np.ix_(rows, open_)])
    return [
        _sentence(
            _with_paired(row, constraints.mentors_already_paired),
            "mentor",
            constraints.min_shared_minutes,
        )
        for row in counts
    ]


def mentor_reasons(
    columns: list[int], mentors: list[Candidate], problem: Problem, constraints: Constraints
) -> list[str]:
    """One reason per unmatched mentor (by column index)."""
    if not columns:
        return []
    counts = _counts(problem.blocked[:, columns].T)
    return [
        NO_CAPACITY
        if mentors[j].capacity <= 0
        else _sentence(
            _with_paired(row, constraints.mentees_already_paired),
            "mentee",
            constraints.min_shared_minutes,
        )
        for j, row in zip(columns, counts, strict=True)
    ]


def _with_paired(row: np.ndarray, elsewhere: int) -> dict[int, int]:
    """Counts by code; people already in a pair outside the pool count as already paired."""
    counts = {code: int(n) for code, n in zip((ALLOWED, *RULES), row.tolist(), strict=True)}
    counts[ALLOWED] += elsewhere
    return counts


def locked_note(code: int, minutes: int) -> str:
    """The first reason of a pair an admin locked, saying which rule it overrides, if any."""
    despite = {
        REPORTING_LINE: "they are in one reporting line",
        EXCLUDED_BY_ADMIN: "an admin excluded this pair",
        PAIRED_BEFORE: "they were paired before",
        TOO_FEW_HOURS: f"they share too few working hours for a {minutes}-minute session",
    }.get(code)
    return f"Locked by an admin although {despite}" if despite else "Locked by an admin"

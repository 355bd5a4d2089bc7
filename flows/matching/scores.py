"""How well a mentor suits a mentee, component by component: the candidate, the weights and
the component functions.

The solver's score matrix (`matrix`) and the admin's plain-words breakdown (`reasons`) both
call these functions, so the score an admin reads next to a pair is the score the solver
optimised. Pure computation: no platform or database imports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

Kind = Literal["reverse", "traditional"]
Role = Literal["mentor", "mentee"]
Medium = Literal["online", "in_person"]

MINUTES_PER_DAY = 1440
# Four shared hours a day leaves plenty of room to find a slot; more earns nothing extra.
GOOD_OVERLAP_MINUTES = 240
# Component value for pairs with no shared hours: with default weights it outweighs any
# medium bonus, so such a pair is only chosen when nothing better is allowed.
NO_OVERLAP_PENALTY = -2.0
# Levels of seniority gap that earn the full seniority score (either sign).
SENIORITY_SPAN = 3
# New lived-experience areas that earn the full lived-experience half of "difference".
LIVED_EXPERIENCE_SPAN = 2


@dataclass(frozen=True)
class Candidate:
    enrolment_id: int
    person_key: str
    role: Role
    seniority: int
    department: str
    manager_key: str
    offers: frozenset[str]
    goals: frozenset[str]
    lived_experience: frozenset[str]
    utc_work_start_minute: int
    utc_work_end_minute: int
    medium: Medium
    location: str
    capacity: int = 1
    display_name: str = ""


@dataclass(frozen=True)
class Weights:
    goals_offer: float = 3.0
    seniority: float = 2.0
    difference: float = 2.0
    hours_overlap: float = 1.5
    medium: float = 1.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> Weights:
        """Overrides from programme settings: a nested "matching_weights" mapping, or flat
        keys named like the fields. Unknown keys are ignored; bad values raise ValueError."""
        if not settings:
            return cls()
        source = settings.get("matching_weights", settings)
        if not isinstance(source, Mapping):
            raise ValueError("matching_weights must be a mapping of weight name to number")
        overrides: dict[str, float] = {}
        for f in fields(cls):
            if f.name not in source:
                continue
            raw = source[f.name]
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"weight {f.name!r} must be a number, got {raw!r}") from None
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {f.name!r} must be a finite number >= 0, got {raw!r}")
            overrides[f.name] = value
        return cls(**overrides)


# --- component functions: work on numpy arrays (broadcast) and on plain scalars alike ---


def working_span(start: Any, end: Any) -> tuple[Any, Any]:
    """(start in [0, 1440), length in minutes). Equal start and end means "any time"."""
    start = np.mod(start, MINUTES_PER_DAY)
    length = np.mod(np.mod(end, MINUTES_PER_DAY) - start, MINUTES_PER_DAY)
    return start, np.where(length == 0, MINUTES_PER_DAY, length)


def shared_minutes(a_start: Any, a_len: Any, b_start: Any, b_len: Any) -> Any:
    """Overlap of two daily windows on the 24 h circle (either may wrap past midnight).

    Window a lies in [0, 2880); only the copies of b shifted by -1, 0, +1 days can meet it."""
    total = 0
    for shift in (-MINUTES_PER_DAY, 0, MINUTES_PER_DAY):
        low = np.maximum(a_start, b_start + shift)
        high = np.minimum(a_start + a_len, b_start + shift + b_len)
        total = total + np.maximum(high - low, 0)
    return total


def goals_component(covered: Any, n_goals: Any) -> Any:
    return covered / np.maximum(n_goals, 1)


def seniority_component(mentor_seniority: Any, mentee_seniority: Any, kind: Kind) -> Any:
    """+1 when the mentor sits where the kind of mentoring wants them, -1 when opposite."""
    gap = mentee_seniority - mentor_seniority  # > 0: mentor is more junior
    if kind == "traditional":
        gap = -gap
    return np.clip(gap, -SENIORITY_SPAN, SENIORITY_SPAN) / SENIORITY_SPAN


def difference_component(other_department: Any, new_lived_experience: Any) -> Any:
    lived = np.minimum(new_lived_experience, LIVED_EXPERIENCE_SPAN) / LIVED_EXPERIENCE_SPAN
    return 0.5 * other_department + 0.5 * lived


def hours_component(minutes: Any) -> Any:
    return np.where(
        minutes == 0,
        NO_OVERLAP_PENALTY,
        np.minimum(minutes, GOOD_OVERLAP_MINUTES) / GOOD_OVERLAP_MINUTES,
    )


def medium_component(mentor_online: Any, mentee_online: Any, same_location: Any) -> Any:
    both_online = mentor_online & mentee_online
    in_person_together = ~mentor_online & ~mentee_online & same_location
    return (both_online | in_person_together).astype(np.float64)


# --- shared by the matrix and the plain-words breakdown ---


def shared_working_minutes(a: Candidate, b: Candidate) -> int:
    """How many minutes a day the two people both work."""
    a_span = working_span(a.utc_work_start_minute, a.utc_work_end_minute)
    b_span = working_span(b.utc_work_start_minute, b.utc_work_end_minute)
    return int(shared_minutes(*a_span, *b_span))


def is_online(candidate: Candidate) -> bool:
    return candidate.medium != "in_person"


def norm(text: str) -> str:
    return text.strip().casefold()

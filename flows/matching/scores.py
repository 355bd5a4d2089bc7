"""How well a mentor suits a mentee: a vectorised score matrix for the solver, and a
per-pair breakdown in plain words for the admin.

Both paths call the same component functions, so the score an admin reads next to a pair
is the score the solver optimised. Pure computation: no platform or database imports.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
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
# Rows scored per block: keeps temporaries small and cache friendly at 5,000 x 5,000.
BLOCK_ROWS = 256


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


# --- vectorised matrix ---


def _is_online(candidate: Candidate) -> bool:
    return candidate.medium != "in_person"


def _norm(text: str) -> str:
    return text.strip().casefold()


def _codes(values: Iterable[str], table: dict[str, int]) -> np.ndarray:
    """Integer code per value; 0 means unknown (blank), so blanks never count as equal."""
    out = []
    for value in values:
        key = _norm(value)
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
                online=np.asarray([_is_online(c) for c in people], dtype=bool),
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


# --- one pair, in plain words ---


def _name(candidate: Candidate, fallback: str) -> str:
    return candidate.display_name or fallback


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _listing(tags: Iterable[str]) -> str:
    return ", ".join(sorted(tags))


def _clock(minute: int) -> str:
    minute %= MINUTES_PER_DAY
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _duration(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def _levels(gap: int) -> str:
    return f"{gap} level" if gap == 1 else f"{gap} levels"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def explain_pair(
    mentor: Candidate, mentee: Candidate, *, kind: Kind, weights: Weights
) -> tuple[float, tuple[str, ...]]:
    """The pair's score (equal to its score_matrix cell) and one reason per component."""
    mentor_name = _name(mentor, "the mentor")
    mentee_name = _name(mentee, "the mentee")
    reasons: list[str] = []

    offered = mentee.goals & mentor.offers
    goals = goals_component(len(offered), len(mentee.goals))
    if not mentee.goals:
        reasons.append(f"{mentee_name} has not listed any goals")
    elif offered:
        reasons.append(
            f"{mentor_name} can offer {len(offered)} of the {len(mentee.goals)} things "
            f"{mentee_name} wants: {_listing(offered)}"
        )
    else:
        reasons.append(f"{mentor_name} offers none of the things {mentee_name} wants")

    seniority = seniority_component(mentor.seniority, mentee.seniority, kind)
    gap = mentor.seniority - mentee.seniority
    wanted = "more junior" if kind == "reverse" else "more senior"
    if gap == 0:
        reasons.append(f"{mentor_name} and {mentee_name} are at the same seniority level")
    elif seniority > 0:
        reasons.append(
            f"{mentor_name} is {_levels(abs(gap))} {wanted} than {mentee_name}, "
            f"as {kind} mentoring intends"
        )
    else:
        opposite = "more senior" if kind == "reverse" else "more junior"
        reasons.append(
            f"{mentor_name} is {_levels(abs(gap))} {opposite} than {mentee_name}, "
            f"which works against {kind} mentoring"
        )

    mentor_department, mentee_department = mentor.department.strip(), mentee.department.strip()
    other_department = bool(
        mentor_department
        and mentee_department
        and _norm(mentor_department) != _norm(mentee_department)
    )
    if other_department:
        reasons.append(f"different departments ({mentor_department} / {mentee_department})")
    elif mentor_department and mentee_department:
        reasons.append(f"same department ({mentor_department})")
    new_lived = mentor.lived_experience - mentee.lived_experience
    if new_lived:
        reasons.append(
            f"{mentor_name} brings lived experience {_possessive(mentee_name)} background "
            f"lacks: {_listing(new_lived)}"
        )
    elif mentor.lived_experience:
        reasons.append(f"shares the same lived experience: {_listing(mentor.lived_experience)}")
    difference = difference_component(other_department, len(new_lived))

    mentor_span = working_span(mentor.utc_work_start_minute, mentor.utc_work_end_minute)
    mentee_span = working_span(mentee.utc_work_start_minute, mentee.utc_work_end_minute)
    minutes = int(shared_minutes(*mentor_span, *mentee_span))
    hours = hours_component(minutes)
    if minutes:
        reasons.append(f"{_duration(minutes)} of shared working hours")
    else:
        reasons.append(
            f"no shared working hours ({mentor_name} works "
            f"{_clock(mentor.utc_work_start_minute)}-{_clock(mentor.utc_work_end_minute)} UTC, "
            f"{mentee_name} {_clock(mentee.utc_work_start_minute)}-"
            f"{_clock(mentee.utc_work_end_minute)} UTC)"
        )

    mentor_online, mentee_online = np.bool_(_is_online(mentor)), np.bool_(_is_online(mentee))
    same_location = bool(_norm(mentor.location)) and _norm(mentor.location) == _norm(
        mentee.location
    )
    medium = medium_component(mentor_online, mentee_online, np.bool_(same_location))
    if mentor_online and mentee_online:
        reasons.append("both prefer online")
    elif not mentor_online and not mentee_online:
        if same_location:
            reasons.append(f"both prefer in person and are based in {mentor.location.strip()}")
        else:
            reasons.append(
                "both prefer in person but are based in different places "
                f"({mentor.location.strip() or 'unknown'} / {mentee.location.strip() or 'unknown'})"
            )
    else:
        mentor_medium = "online" if mentor_online else "in person"
        mentee_medium = "online" if mentee_online else "in person"
        reasons.append(f"{mentor_name} prefers {mentor_medium}, {mentee_name} {mentee_medium}")

    score = (
        weights.goals_offer * goals
        + weights.seniority * seniority
        + weights.difference * difference
        + weights.hours_overlap * hours
        + weights.medium * medium
    )
    return float(score), tuple(_capitalised(reason) for reason in reasons)

"""One pair's score in plain words for the admin: one reason per score component.

It calls the same component functions as the solver's matrix, so the score it reports
equals the pair's cell in `score_matrix`. Pure computation: no platform or database imports.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from flows.matching.scores import (
    MINUTES_PER_DAY,
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


def _name(candidate: Candidate, fallback: str) -> str:
    return candidate.display_name or fallback


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
    # Admins read these to review pairs: they state what each person listed, never what
    # someone lacks (participants never see them; see flows/common/disclosure.py).
    if not mentee.goals:
        reasons.append(f"{mentee_name} has not listed any goals")
    elif offered:
        share = (
            "the one thing"
            if len(mentee.goals) == 1
            else f"{len(offered)} of the {len(mentee.goals)} things"
        )
        reasons.append(
            f"{mentor_name} can offer {share} {mentee_name} wants: {_listing(offered)}"
        )
    else:
        reasons.append(
            f"no overlap between what {mentor_name} listed to offer and "
            f"{mentee_name}'s learning goals"
        )

    seniority = seniority_component(mentor.seniority, mentee.seniority, kind)
    gap = mentor.seniority - mentee.seniority
    wanted = "more junior" if kind == "reverse" else "more senior"
    if gap == 0:
        reasons.append(f"{mentor_name} and {mentee_name} are at the same seniority level")
    elif seniority > 0:
        reasons.append(
            f"seniority {_levels(abs(gap))} apart, the mentor {wanted}, as {kind} mentoring intends"
        )
    else:
        opposite = "more senior" if kind == "reverse" else "more junior"
        reasons.append(
            f"seniority {_levels(abs(gap))} apart, the mentor {opposite}, "
            f"which works against {kind} mentoring"
        )

    mentor_department, mentee_department = mentor.department.strip(), mentee.department.strip()
    other_department = bool(
        mentor_department
        and mentee_department
        and norm(mentor_department) != norm(mentee_department)
    )
    if other_department:
        reasons.append(f"different departments ({mentor_department} / {mentee_department})")
    elif mentor_department and mentee_department:
        reasons.append(f"same department ({mentor_department})")
    new_lived = mentor.lived_experience - mentee.lived_experience
    if new_lived:
        reasons.append(
            f"{mentor_name} listed lived experience {mentee_name} did not: {_listing(new_lived)}"
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

    mentor_online, mentee_online = np.bool_(is_online(mentor)), np.bool_(is_online(mentee))
    same_location = bool(norm(mentor.location)) and norm(mentor.location) == norm(mentee.location)
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

"""One matching run: enrolments from the database in, proposed Pair rows out.

Who is in the pool: active enrolments of the programme not already in a live pair
(introduced, chemistry_booked or confirmed). People who signed up as "either" are placed
on whichever side is short (see `split_either`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.core.working_hours import WorkingHours, utc_window_minutes
from flows.common.catalogue import AREA_LABELS
from flows.common.wording import in_sentence
from flows.matching.engine import (
    Candidate,
    Constraints,
    MatchResult,
    Weights,
    greedy_assignment,
    optimal_assignment,
    random_assignment,
)
from flows.matching.line_managers import identify_named_managers
from storage.models import Programme
from storage.pair_status import LIVE_STATES, PairStatus
from storage.repositories.matching import PairRow
from storage.uow import UnitOfWork

FORMER_PAIR = "proposed"  # every other status means the pair really happened once


@dataclass(frozen=True)
class Pool:
    mentors: list[Candidate]
    mentees: list[Candidate]
    constraints: Constraints
    weights: Weights
    kind: str
    # Proposed pairs an admin locked, by (mentor, mentee) -> pair id: kept as they are.
    locked_ids: dict[tuple[int, int], int]


@dataclass(frozen=True)
class RunOutcome:
    result: MatchResult
    run_id: int
    pool_size: int


def _candidate(
    row: Any, role: str, windows: dict[tuple[str, int, int], tuple[int, int]]
) -> Candidate:
    return Candidate(
        enrolment_id=row.id,
        person_key=row.platform_user_id,
        role=role,  # type: ignore[arg-type]
        seniority=row.seniority,
        department=row.department,
        manager_key=row.manager_user_id,
        offers=_labelled(row.offers),
        goals=_labelled(row.goal_areas),
        lived_experience=_labelled(row.lived_experience),
        utc_work_start_minute=windows[(row.time_zone, row.work_start_minute, row.work_end_minute)][
            0
        ],
        utc_work_end_minute=windows[(row.time_zone, row.work_start_minute, row.work_end_minute)][1],
        medium="in_person" if row.medium == "in_person" else "online",
        location=row.location,
        capacity=max(int(row.capacity or 0), 0) if role == "mentor" else 1,
        display_name=row.display_name or row.platform_user_id,
    )


def utc_windows(rows: Sequence[Any], on: date) -> dict[tuple[str, int, int], tuple[int, int]]:
    """Each distinct (zone, start, end) converted once: thousands of people share a few dozen."""
    windows: dict[tuple[str, int, int], tuple[int, int]] = {}
    for row in rows:
        key = (row.time_zone, row.work_start_minute, row.work_end_minute)
        if key not in windows:
            hours = WorkingHours.from_strings(key[0], key[1], key[2], [])
            windows[key] = utc_window_minutes(hours, on)
    return windows


def split_either(
    mentors: list[Any], mentees: list[Any], either: list[Any], kind: str
) -> tuple[list[Any], list[Any]]:
    """Place "either" people where they are most useful: on the shorter side, so the most
    people get a match. Mentors are taken from the end of the seniority range the kind of
    mentoring wants (the most junior for reverse, the most senior for traditional)."""
    ordered = sorted(either, key=lambda r: (r.seniority, r.id), reverse=kind == "traditional")
    places = sum(max(r.capacity, 0) for r in mentors)
    wanted = len(mentees)
    new_mentors: list[Any] = []
    new_mentees: list[Any] = []
    low, high = 0, len(ordered) - 1
    while low <= high:
        if places < wanted:
            row = ordered[low]
            low += 1
            new_mentors.append(row)
            places += max(row.capacity, 1)
        else:
            row = ordered[high]
            high -= 1
            new_mentees.append(row)
            wanted += 1
    return mentors + new_mentors, mentees + new_mentees


async def load_pool(uow: UnitOfWork, programme: Programme) -> Pool:
    rows = await uow.matching.active_enrolments(programme.id)
    pairs = await uow.matching.pairs(programme.id)
    excluded = await uow.matching.exclusions(programme.id)
    removed = set(excluded)  # by an admin, from a proposal
    manager_of = await uow.matching.reporting_lines()

    live = [p for p in pairs if p.status in LIVE_STATES]
    busy = {e for p in live for e in _members(p)}
    free = [r for r in rows if r.id not in busy]
    active = {r.id for r in rows}
    mentors, mentees = split_either(
        [r for r in free if r.role == "mentor"],
        [r for r in free if r.role == "mentee"],
        [r for r in free if r.role == "either"],
        programme.kind,
    )
    windows = utc_windows(free, programme.starts_on)
    for p in pairs:
        if p.status != FORMER_PAIR:
            # Never again, whichever way round ("either" people can swap sides).
            excluded.add((p.mentor_enrolment_id, p.mentee_enrolment_id))
            excluded.add((p.mentee_enrolment_id, p.mentor_enrolment_id))
    locked = {
        (p.mentor_enrolment_id, p.mentee_enrolment_id): p.id
        for p in pairs
        if p.status == FORMER_PAIR and p.locked
    }
    return Pool(
        mentors=[_candidate(r, "mentor", windows) for r in mentors],
        mentees=[_candidate(r, "mentee", windows) for r in mentees],
        constraints=Constraints(
            excluded - set(locked),
            set(locked),
            manager_of,
            admin_excluded=removed,
            min_shared_minutes=programme.session_minutes,
            mentors_already_paired=len({p.mentor_enrolment_id for p in live} & active),
            mentees_already_paired=len({p.mentee_enrolment_id for p in live} & active),
        ),
        weights=Weights.from_settings(programme.settings),
        kind=programme.kind if programme.kind in ("reverse", "traditional") else "reverse",
        locked_ids=locked,
    )


def _members(pair: PairRow) -> tuple[int, int]:
    return pair.mentor_enrolment_id, pair.mentee_enrolment_id


def solve(pool: Pool, mode: str, *, seed: int, greedy: bool = False) -> MatchResult:
    args = dict(kind=pool.kind, weights=pool.weights, constraints=pool.constraints)
    if mode == "random":
        return random_assignment(pool.mentors, pool.mentees, seed=seed, **args)  # type: ignore[arg-type]
    solver = greedy_assignment if greedy else optimal_assignment
    return solver(pool.mentors, pool.mentees, **args)  # type: ignore[arg-type]


async def store_proposal(
    uow: UnitOfWork, programme: Programme, pool: Pool, result: MatchResult, now: datetime
) -> int:
    """Replace the unpublished proposal with `result` (locked pairs stay) and record the run."""
    keep = {
        pool.locked_ids[(p.mentor_enrolment_id, p.mentee_enrolment_id)]
        for p in result.pairs
        if p.locked
    }
    rows = [
        {
            "mentor_enrolment_id": p.mentor_enrolment_id,
            "mentee_enrolment_id": p.mentee_enrolment_id,
            "status": PairStatus.PROPOSED,
            "score": round(p.score, 4),
            "reasons": list(p.reasons),
            "locked": False,
            "created_at": now,
            "end_reason": "",
        }
        for p in result.pairs
        if not p.locked
    ]
    await uow.matching.replace_proposal(programme.id, keep, rows)
    unmatched = [[u.enrolment_id, u.role, u.reason] for u in result.unmatched]
    run = await uow.matching.save_run(programme.id, programme.matching_mode, unmatched, now)
    return run.id


async def run_matching(uow: UnitOfWork, programme: Programme, now: datetime) -> RunOutcome:
    """Run the engine for the programme and store its proposal. The caller commits."""
    await identify_named_managers(uow)
    pool = await load_pool(uow, programme)
    result = solve(pool, programme.matching_mode, seed=int(now.timestamp()))
    run_id = await store_proposal(uow, programme, pool, result, now)
    return RunOutcome(result, run_id, len(pool.mentors) + len(pool.mentees))


def _labelled(keys: list[str] | None) -> frozenset[str]:
    """Areas by their labels, so the reasons an admin reads say "Neurodiversity", not a key."""
    return frozenset(in_sentence(AREA_LABELS.get(key, key)) for key in keys or ())

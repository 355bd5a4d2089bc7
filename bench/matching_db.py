"""End-to-end matching benchmark: enrolments in a SQLite file in, proposed pairs stored out.

    python bench/matching_db.py            # 2,000 x 2,000 and 5,000 x 5,000
    python bench/matching_db.py --quick    # 300 x 300 and 1,000 x 1,000

Every hard rule is active: reporting lines (chains through everyone enrolled in the
workspace), previous pairs (stored as ended Pair rows), admin exclusions and locked pairs
(stored as locked proposed Pair rows), mentor capacity. Programmes come from
bench/matching.py's generator. Each case seeds its database in one child process and runs
in a fresh second one, so the peak RSS (ru_maxrss) is the run's alone: interpreter,
imports, loading, scoring, solving and storing. The timed part is `run_matching` and its
commit; the greedy baseline is solved on the same loaded pool afterwards.
The last line printed is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.matching import (  # noqa: E402
    DEFAULT_TARGET,
    FULL_CASES,
    QUICK_CASES,
    TARGETS,
    make_programme,
)

# Winter offsets (minutes) of the zones behind the generator's UTC offsets.
ZONES = ((0, "Europe/London"), (60, "Europe/Paris"), (-300, "America/New_York"))
ZONES += ((330, "Asia/Kolkata"), (480, "Asia/Singapore"), (-480, "America/Los_Angeles"))
STARTS_ON = date(2027, 1, 18)
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _local_hours(utc_start: int, utc_end: int) -> tuple[str, int, int]:
    """A zone and local hours giving this UTC window (the generator starts days 07:00-10:00)."""
    length = (utc_end - utc_start) % 1440 or 1440
    for offset, zone in ZONES:
        local = (utc_start + offset) % 1440
        if 7 * 60 <= local <= 10 * 60:
            return zone, local, local + length
    return "UTC", utc_start, min(utc_start + length, 1440)


def seed(url: str, n_mentees: int, n_mentors: int, seed_value: int) -> dict[str, int]:
    from sqlalchemy import create_engine, insert

    from storage.db import upgrade_sync
    from storage.models import Enrolment, Pair, Person, Programme, Workspace

    upgrade_sync(url)
    mentors, mentees, constraints = make_programme(n_mentees, n_mentors, seed_value)
    engine = create_engine(url)
    enrolled = {c.person_key for c in (*mentors, *mentees)}
    # Managers who are not taking part: enrolled (withdrawn) in an earlier programme, which is
    # how Tandem learns the rest of the reporting lines.
    staff = sorted(
        {k for k in (*constraints.manager_of, *constraints.manager_of.values())} - enrolled
    )
    with engine.begin() as conn:
        conn.execute(
            insert(Workspace),
            [
                {
                    "id": 1,
                    "platform": "playground",
                    "external_id": "local",
                    "name": "",
                    "active": True,
                    "created_at": NOW,
                }
            ],
        )
        common = {"workspace_id": 1, "created_at": NOW, "cadence": "monthly", "status": "open"}
        conn.execute(
            insert(Programme),
            [
                {
                    **common,
                    "id": 1,
                    "slug": "bench",
                    "name": "Bench",
                    "kind": "reverse",
                    "wave": "pilot",
                    "starts_on": STARTS_ON,
                    "ends_on": date(2027, 7, 18),
                    "session_count": 6,
                    "session_minutes": 60,
                    "buffer_minutes": 30,
                    "matching_mode": "optimal",
                    "settings": {},
                },
                {
                    **common,
                    "id": 2,
                    "slug": "earlier",
                    "name": "Earlier",
                    "kind": "reverse",
                    "wave": "pilot",
                    "starts_on": date(2026, 1, 1),
                    "ends_on": date(2026, 7, 1),
                    "session_count": 6,
                    "session_minutes": 60,
                    "buffer_minutes": 30,
                    "matching_mode": "optimal",
                    "settings": {},
                },
            ],
        )
        people, enrolments = [], []
        for person_id, c in enumerate((*mentors, *mentees), start=1):
            zone, start, end = _local_hours(c.utc_work_start_minute, c.utc_work_end_minute)
            people.append(_person(person_id, c.person_key, zone, start, end))
            enrolments.append(
                {
                    "id": c.enrolment_id,
                    "workspace_id": 1,
                    "programme_id": 1,
                    "person_id": person_id,
                    "role": c.role,
                    "job_title": "",
                    "seniority": c.seniority,
                    "department": c.department,
                    "manager_user_id": c.manager_key,
                    "location": c.location,
                    "medium": c.medium,
                    "offers": sorted(c.offers),
                    "goal_areas": sorted(c.goals),
                    "goals": "",
                    "capacity": c.capacity,
                    "lived_experience": sorted(c.lived_experience),
                    "consent_at": NOW,
                    "status": "active",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        first_staff = len(people) + 1
        for offset, key in enumerate(staff):
            person_id = first_staff + offset
            people.append(_person(person_id, key, "Europe/London", 540, 1050))
            enrolments.append(
                {
                    "id": 900_000 + offset,
                    "workspace_id": 1,
                    "programme_id": 2,
                    "person_id": person_id,
                    "role": "mentee",
                    "job_title": "",
                    "seniority": 5,
                    "department": "",
                    "manager_user_id": constraints.manager_of.get(key, ""),
                    "location": "",
                    "medium": "online",
                    "offers": [],
                    "goal_areas": [],
                    "goals": "",
                    "capacity": 1,
                    "lived_experience": [],
                    "consent_at": NOW,
                    "status": "withdrawn",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        for table, rows in ((Person, people), (Enrolment, enrolments)):
            for low in range(0, len(rows), 1000):
                conn.execute(insert(table), rows[low : low + 1000])
        pairs = [
            _pair(mentor, mentee, "ended", False) for mentor, mentee in constraints.excluded_pairs
        ] + [_pair(mentor, mentee, "proposed", True) for mentor, mentee in constraints.locked_pairs]
        for low in range(0, len(pairs), 1000):
            conn.execute(insert(Pair), pairs[low : low + 1000])
    engine.dispose()
    return {
        "mentor_places": sum(c.capacity for c in mentors),
        "previous_pairs": len(constraints.excluded_pairs),
        "locked_pairs": len(constraints.locked_pairs),
        "managers_not_enrolled": len(staff),
    }


def _person(person_id: int, key: str, zone: str, start: int, end: int) -> dict[str, Any]:
    return {
        "id": person_id,
        "workspace_id": 1,
        "platform_user_id": key,
        "display_name": key,
        "time_zone": zone,
        "work_start_minute": start,
        "work_end_minute": end,
        "work_days": ["0", "1", "2", "3", "4"],
        "reachable": True,
        "unreachable_reason": "",
        "created_at": NOW,
    }


def _pair(mentor: int, mentee: int, status: str, locked: bool) -> dict[str, Any]:
    return {
        "workspace_id": 1,
        "programme_id": 1,
        "mentor_enrolment_id": mentor,
        "mentee_enrolment_id": mentee,
        "status": status,
        "score": 0.0,
        "reasons": [],
        "locked": locked,
        "created_at": NOW,
        "end_reason": "",
    }


async def _run(url: str) -> dict[str, Any]:
    from sqlalchemy import func, select

    from bot.core.clock import ManualClock
    from flows.matching.run import load_pool, run_matching, solve
    from storage.models import Pair
    from storage.uow import Database

    db = Database(url, ManualClock(NOW))
    try:
        started = time.perf_counter()
        async with db.unit_of_work(1) as uow:
            programme = await uow.programmes.get(1)
            assert programme is not None
            outcome = await run_matching(uow, programme, NOW)
            await uow.commit()
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        async with db.unit_of_work(1) as uow:
            programme = await uow.programmes.get(1)
            assert programme is not None
            stored = await uow.session.scalar(
                select(func.count()).select_from(Pair).where(Pair.status == "proposed")
            )
            pool = await load_pool(uow, programme)
        started = time.perf_counter()
        greedy = solve(pool, "optimal", seed=0, greedy=True)
        greedy_seconds = time.perf_counter() - started
    finally:
        await db.dispose()
    optimal = outcome.result
    return {
        "seconds": round(seconds, 3),
        "peak_mib": round(peak, 1),
        "pairs": len(optimal.pairs),
        "stored_proposed_pairs": int(stored or 0),
        "unmatched": len(optimal.unmatched),
        "total_score": round(optimal.total_score, 3),
        "greedy_pairs": len(greedy.pairs),
        "greedy_total_score": round(greedy.total_score, 3),
        "greedy_seconds": round(greedy_seconds, 3),
        "ratio_vs_greedy": round(optimal.total_score / greedy.total_score, 4)
        if greedy.total_score
        else None,
    }


def run(url: str) -> dict[str, Any]:
    return asyncio.run(_run(url))


def _in_child(fn: Any, *args: Any) -> Any:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


def case(n_mentees: int, n_mentors: int, seed_value: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        seeded = _in_child(seed, url, n_mentees, n_mentors, seed_value)
        figures = _in_child(run, url)
    max_seconds, max_mib = TARGETS.get(max(n_mentees, n_mentors), DEFAULT_TARGET)
    ratio = figures["ratio_vs_greedy"]
    return {
        "n_mentees": n_mentees,
        "n_mentors": n_mentors,
        **seeded,
        "seed": seed_value,
        **figures,
        "peak_mib_measure": "ru_maxrss of a fresh process: imports + load + engine + store",
        "target_seconds": max_seconds,
        "target_peak_mib": max_mib,
        "seconds_target_met": figures["seconds"] <= max_seconds,
        "memory_target_met": figures["peak_mib"] <= max_mib,
        "ratio_target_met": ratio is not None and ratio >= 1.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--seed", type=int, default=20260105)
    args = parser.parse_args(argv)

    results = []
    for n_mentees, n_mentors in QUICK_CASES if args.quick else FULL_CASES:
        c = case(n_mentees, n_mentors, args.seed)
        results.append(c)
        print(
            f"{n_mentees} mentees x {n_mentors} mentors from SQLite ({c['mentor_places']} places, "
            f"{c['previous_pairs']} previous pairs, {c['locked_pairs']} locked): "
            f"{c['seconds']:.2f} s (target {c['target_seconds']:.0f} s), peak RSS "
            f"{c['peak_mib']:.0f} MiB, {c['stored_proposed_pairs']} proposed pairs stored, "
            f"{c['unmatched']} unmatched"
        )
        print(
            f"  total score {c['total_score']:.1f} vs greedy {c['greedy_total_score']:.1f} "
            f"({c['greedy_pairs']} pairs): ratio {c['ratio_vs_greedy']}"
        )
    met = all(
        c["seconds_target_met"] and c["memory_target_met"] and c["ratio_target_met"]
        for c in results
    )
    print("all targets met" if met else "TARGETS MISSED")
    print(
        json.dumps(
            {"mode": "quick" if args.quick else "full", "cases": results, "all_targets_met": met}
        )
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

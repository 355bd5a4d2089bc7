"""Benchmark of the matching engine on synthetic programmes with every hard rule active.

    python bench/matching.py            # 2,000 x 2,000 and 5,000 x 5,000
    python bench/matching.py --quick    # 300 x 300 and 1,000 x 1,000

Each case runs in a fresh child process so its peak RSS (resource.getrusage ru_maxrss)
belongs to that case alone: interpreter, generated candidates and the engine run. The
engine's own traced peak (tracemalloc, numpy included) is measured on a second, untimed run.
The last line printed is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.matching.engine import Candidate, Constraints, greedy_assignment, optimal_assignment

FULL_CASES = ((2000, 2000), (5000, 5000))
QUICK_CASES = ((300, 300), (1000, 1000))
# (max seconds, max peak MiB) by size; smaller cases must meet the 2,000 targets.
TARGETS = {5000: (20.0, 2048.0)}
DEFAULT_TARGET = (3.0, 2048.0)

DEPARTMENTS = ("Finance", "Engineering", "Sales", "Marketing", "People", "Legal", "Operations")
DEPARTMENTS += ("Product", "Design", "Data", "Support", "Facilities")
TOPICS = tuple(
    "accessibility hybrid-working ai social-media gen-z-culture inclusion neurodiversity "
    "climate mental-health wellbeing tiktok gaming remote-first career-change parenting "
    "faith lgbtq-inclusion disability-confidence data-literacy automation coding "
    "public-speaking negotiation strategy budgeting leadership feedback hiring "
    "customer-insight product-thinking design-thinking storytelling networking "
    "sustainability procurement compliance ethics security open-source agile".split()
)
LIVED = ("disability", "neurodivergent", "lgbtq+", "first-generation", "carer", "ethnic-minority")
LIVED += ("parent", "veteran")
CITIES = ("London", "Leeds", "New York", "Bangalore", "Singapore", "Berlin")
UTC_OFFSET_HOURS = (0.0, 0.0, 1.0, -5.0, 5.5, 8.0, -8.0)
# Pairs sharing less working time than one session are never proposed (a hard rule).
SESSION_MINUTES = 60


def _tags(rng: np.random.Generator, pool: tuple[str, ...], low: int, high: int) -> frozenset[str]:
    # Zipf-like popularity: a few topics are very common, most are niche.
    popularity = 1.0 / np.arange(1, len(pool) + 1)
    count = int(rng.integers(low, high + 1))
    picks = rng.choice(len(pool), size=count, replace=False, p=popularity / popularity.sum())
    return frozenset(pool[k] for k in picks)


def make_programme(
    n_mentees: int, n_mentors: int, seed: int
) -> tuple[list[Candidate], list[Candidate], Constraints]:
    """A reverse-mentoring programme: junior mentors, senior mentees, a real org chart."""
    rng = np.random.default_rng(seed)
    n_staff = n_mentors + n_mentees + (n_mentors + n_mentees) // 5  # plus managers not enrolled
    seniority = np.concatenate(
        [
            rng.integers(1, 5, n_mentors),  # mentors: junior
            rng.integers(4, 10, n_mentees),  # mentees: senior
            rng.integers(5, 11, n_staff - n_mentors - n_mentees),
        ]
    )
    department = rng.integers(0, len(DEPARTMENTS), n_staff)
    keys = [f"U{k:06d}" for k in range(n_staff)]
    manager_of: dict[str, str] = {}
    for dept in range(len(DEPARTMENTS)):
        members = np.flatnonzero(department == dept)
        members = members[np.argsort(-seniority[members], kind="stable")]
        for rank, person in enumerate(members[1:], start=1):
            # A manager is someone earlier (more senior) in the department: chains get deep.
            boss = members[int(rng.integers(max(0, rank - 40), rank))]
            manager_of[keys[person]] = keys[boss]

    def candidate(person: int, enrolment_id: int, role: str) -> Candidate:
        offset = int(rng.choice(UTC_OFFSET_HOURS) * 60)
        start = (int(rng.integers(7, 11)) * 60 - offset) % 1440
        in_person = rng.random() < 0.3
        return Candidate(
            enrolment_id=enrolment_id,
            person_key=keys[person],
            role=role,  # type: ignore[arg-type]
            seniority=int(seniority[person]),
            department=DEPARTMENTS[department[person]],
            manager_key=manager_of.get(keys[person], ""),
            offers=_tags(rng, TOPICS, 2, 5),
            goals=_tags(rng, TOPICS, 1, 4),
            lived_experience=_tags(rng, LIVED, 0, 2),
            utc_work_start_minute=start,
            utc_work_end_minute=(start + int(rng.integers(6, 10)) * 60) % 1440,
            medium="in_person" if in_person else "online",
            location=CITIES[int(rng.integers(0, len(CITIES)))],
            capacity=int(rng.choice((1, 1, 1, 1, 1, 1, 1, 2, 2, 3))) if role == "mentor" else 1,
        )

    mentors = [candidate(p, 100_000 + p, "mentor") for p in range(n_mentors)]
    mentees = [candidate(n_mentors + k, 200_000 + k, "mentee") for k in range(n_mentees)]
    excluded = {
        (mentors[int(rng.integers(0, n_mentors))].enrolment_id, mentee.enrolment_id)
        for mentee in mentees
        for _ in range(int(rng.integers(0, 3)))  # previous pairs and rematch requests
    }
    locked = {
        (mentors[int(rng.integers(0, n_mentors))].enrolment_id, mentee.enrolment_id)
        for mentee in mentees[: max(1, n_mentees // 100)]
    }
    constraints = Constraints(
        excluded - locked, locked, manager_of, min_shared_minutes=SESSION_MINUTES
    )
    return mentors, mentees, constraints


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_case(n_mentees: int, n_mentors: int, seed: int) -> dict[str, Any]:
    """Generate one programme, time the optimal engine end to end (Candidate lists in,
    MatchResult out) and compare it with the greedy baseline on the same input."""
    mentors, mentees, constraints = make_programme(n_mentees, n_mentors, seed)
    started = time.perf_counter()
    optimal = optimal_assignment(mentors, mentees, kind="reverse", constraints=constraints)
    seconds = time.perf_counter() - started
    peak_rss = _peak_rss_mib()

    tracemalloc.start()
    optimal_assignment(mentors, mentees, kind="reverse", constraints=constraints)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    started = time.perf_counter()
    greedy = greedy_assignment(mentors, mentees, kind="reverse", constraints=constraints)
    greedy_seconds = time.perf_counter() - started

    max_seconds, max_mib = TARGETS.get(max(n_mentees, n_mentors), DEFAULT_TARGET)
    ratio = optimal.total_score / greedy.total_score if greedy.total_score else None
    return {
        "n_mentees": n_mentees,
        "n_mentors": n_mentors,
        "mentor_places": sum(c.capacity for c in mentors),
        "excluded_pairs": len(constraints.excluded_pairs),
        "locked_pairs": len(constraints.locked_pairs),
        "seed": seed,
        "seconds": round(seconds, 3),
        "peak_mib": round(peak_rss, 1),
        "peak_mib_measure": "ru_maxrss of a fresh process: generation + engine",
        "engine_traced_peak_mib": round(traced_peak, 1),
        "pairs": len(optimal.pairs),
        "unmatched": len(optimal.unmatched),
        "total_score": round(optimal.total_score, 3),
        "greedy_pairs": len(greedy.pairs),
        "greedy_total_score": round(greedy.total_score, 3),
        "greedy_seconds": round(greedy_seconds, 3),
        "ratio_vs_greedy": round(ratio, 4) if ratio is not None else None,
        "target_seconds": max_seconds,
        "target_peak_mib": max_mib,
        "seconds_target_met": seconds <= max_seconds,
        "memory_target_met": peak_rss <= max_mib,
        "ratio_target_met": ratio is not None and ratio >= 1.0,
    }


def _run_isolated(n_mentees: int, n_mentors: int, seed: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(run_case, n_mentees, n_mentors, seed).result()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--seed", type=int, default=20260105)
    args = parser.parse_args(argv)

    results = []
    for n_mentees, n_mentors in QUICK_CASES if args.quick else FULL_CASES:
        case = _run_isolated(n_mentees, n_mentors, args.seed)
        results.append(case)
        print(
            f"{n_mentees} mentees x {n_mentors} mentors ({case['mentor_places']} places, "
            f"{case['excluded_pairs']} excluded, {case['locked_pairs']} locked): "
            f"{case['seconds']:.2f} s (target {case['target_seconds']:.0f} s), "
            f"peak RSS {case['peak_mib']:.0f} MiB (engine traced {case['engine_traced_peak_mib']:.0f}"
            f" MiB), {case['pairs']} pairs, {case['unmatched']} unmatched"
        )
        print(
            f"  total score {case['total_score']:.1f} vs greedy {case['greedy_total_score']:.1f} "
            f"({case['greedy_pairs']} pairs, {case['greedy_seconds']:.2f} s): "
            f"ratio {case['ratio_vs_greedy']}"
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

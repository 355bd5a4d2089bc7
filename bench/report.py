"""Benchmark of `tandem report` on SQLite: a big programme with surveys answered twice.

    python bench/report.py            # 10,000 participants, 20 questions, pre and post
    python bench/report.py --quick    # 1,000 participants

The data (people, enrolments, pairs, six sessions per pair, a feedback poll per person per
session, and every survey question answered before and after) is bulk-inserted untimed.
Then `write_report`, the function `tandem report` calls, runs against a fresh engine and
is timed end to end: queries, k-anonymity, text and CSV. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app.cli.report import write_report
from bot.core.clock import ManualClock
from bot.core.refs import Platform, WorkspaceRef
from storage.db import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Enrolment,
    Meeting,
    Pair,
    Person,
    Programme,
    Response,
    Workspace,
)
from storage.uow import Database  # noqa: E402

TARGET_SECONDS = 3.0
QUESTIONS = 20
SESSIONS = 6
NOW = datetime(2027, 9, 1, 9, 0, tzinfo=UTC)
WORKSPACE = WorkspaceRef(Platform.PLAYGROUND, "bench")
BATCH = 20_000


def _insert(conn: Any, model: type, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(model), rows[start : start + BATCH])


def generate(url: str, participants: int, seed: int = 7) -> dict[str, int]:
    """Bulk-insert a finished programme; returns how many rows of each kind it wrote."""
    rng = random.Random(seed)
    engine = create_engine(url)
    stamp = {"created_at": NOW}
    with engine.begin() as conn:
        conn.execute(
            insert(Workspace),
            [{"id": 1, "platform": "playground", "external_id": "bench", "name": "", **stamp}],
        )
        questions = [
            {"key": f"q{k:02d}", "text": f"Survey statement {k}"} for k in range(QUESTIONS)
        ]
        conn.execute(
            insert(Programme),
            [
                {
                    "id": 1,
                    "workspace_id": 1,
                    "slug": "bench",
                    "name": "Benchmark programme",
                    "starts_on": date(2027, 1, 4),
                    "ends_on": date(2027, 7, 4),
                    "settings": {"survey": {"questions": questions}},
                    **stamp,
                }
            ],
        )
        people = range(1, participants + 1)
        _insert(
            conn,
            Person,
            [{"id": p, "workspace_id": 1, "platform_user_id": f"U{p}", **stamp} for p in people],
        )
        statuses = ("active",) * 17 + ("paused", "withdrawn", "withdrawn")
        _insert(
            conn,
            Enrolment,
            [
                {
                    "id": p,
                    "workspace_id": 1,
                    "programme_id": 1,
                    "person_id": p,
                    "role": "mentor" if p % 2 else "mentee",
                    "status": rng.choice(statuses),
                    "goals": "private goals never reported",
                    "consent_at": NOW,
                    "updated_at": NOW,
                    **stamp,
                }
                for p in people
            ],
        )
        pairs = participants // 2
        _insert(
            conn,
            Pair,
            [
                {
                    "id": k + 1,
                    "workspace_id": 1,
                    "programme_id": 1,
                    "mentor_enrolment_id": 2 * k + 1,
                    "mentee_enrolment_id": 2 * k + 2,
                    "status": "confirmed",
                    **stamp,
                }
                for k in range(pairs)
            ],
        )
        meetings, polls = [], []
        for k in range(pairs):
            for n in range(SESSIONS):
                meeting_id = k * SESSIONS + n + 1
                status = rng.choices(("held", "missed", "cancelled"), (8, 1, 1))[0]
                starts = NOW - timedelta(days=30 * (SESSIONS - n))
                meetings.append(
                    {
                        "id": meeting_id,
                        "workspace_id": 1,
                        "pair_id": k + 1,
                        "kind": "session",
                        "sequence": n + 1,
                        "starts_at": starts,
                        "ends_at": starts + timedelta(hours=1),
                        "status": status,
                        "updated_at": NOW,
                        **stamp,
                    }
                )
                for person in (2 * k + 1, 2 * k + 2):
                    met = {"held": "yes", "missed": "no", "cancelled": "rescheduled"}[status]
                    answers = (("met", None, met), ("valuable", rng.randint(1, 5), ""))
                    answers += (("safe_space", rng.randint(1, 5), ""),)
                    for question, number, text in answers:
                        polls.append(
                            _response(
                                person, "poll", f"meeting:{meeting_id}", question, number, text
                            )
                        )
        _insert(conn, Meeting, meetings)
        _insert(conn, Response, polls)
        surveys = []
        for person in people:
            for q in range(QUESTIONS):
                before = rng.randint(1, 5)
                after = min(5, before + rng.choice((0, 0, 1, 1, 2)))
                surveys.append(_response(person, "survey_pre", "programme:1", f"q{q:02d}", before))
                surveys.append(_response(person, "survey_post", "programme:1", f"q{q:02d}", after))
        _insert(conn, Response, surveys)
    engine.dispose()
    return {
        "participants": participants,
        "pairs": pairs,
        "meetings": len(meetings),
        "poll_answers": len(polls),
        "survey_answers": len(surveys),
    }


def _response(
    person: int, kind: str, subject: str, question: str, number: float | None, text: str = ""
) -> dict[str, Any]:
    return {
        "workspace_id": 1,
        "person_id": person,
        "programme_id": 1,
        "kind": kind,
        "subject": subject,
        "question": question,
        "value_number": number,
        "value_text": text,
        "shared_with_partner": False,
        "created_at": NOW,
        "updated_at": NOW,
    }


async def timed_report(url: str, csv_path: Path) -> tuple[float, int]:
    db = Database(url, ManualClock(NOW))
    try:
        await db.workspace_id(WORKSPACE)  # resolving the tenant is not the report's work
        started = time.perf_counter()
        output = await write_report(db, WORKSPACE, "bench", csv_path)
        elapsed = time.perf_counter() - started
    finally:
        await db.dispose()
    return elapsed, output.rows


async def run(participants: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        started = time.perf_counter()
        counts = generate(url, participants)
        print(f"generated {counts} in {time.perf_counter() - started:.1f} s (untimed)")
        seconds, rows = await timed_report(url, Path(tmp) / "report.csv")
    return {**counts, "report_seconds": round(seconds, 3), "csv_rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 participants")
    args = parser.parse_args()
    participants = 1_000 if args.quick else 10_000
    result = asyncio.run(run(participants))
    result.update(
        benchmark="report",
        database="sqlite",
        questions=QUESTIONS,
        target_seconds=TARGET_SECONDS,
        within_target=result["report_seconds"] <= TARGET_SECONDS,
    )
    print(
        f"tandem report over {participants:,} participants, {QUESTIONS} questions x 2 phases, "
        f"{result['poll_answers']:,} poll answers: {result['report_seconds']:.2f} s "
        f"(target <= {TARGET_SECONDS:.0f} s) {'OK' if result['within_target'] else 'TOO SLOW'}"
    )
    print(json.dumps(result))
    return 0 if result["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())

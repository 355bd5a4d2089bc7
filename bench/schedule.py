"""Creating the nudges for many meetings: Tandem's bulk insert against one APScheduler job each.

    python bench/schedule.py           # 10,000 meetings = 40,000 messages
    python bench/schedule.py --quick   # 1,000 meetings = 4,000 messages

Tandem: flows.meetings.schedule.schedule_meetings (a few reads, then one bulk INSERT ... ON CONFLICT
in chunks) and a commit, on a SQLite file. Baseline: APScheduler 3's SQLAlchemyJobStore on
a SQLite file, one job per message, timed for a sample and extrapolated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # noqa: E402
from apscheduler.schedulers.background import BackgroundScheduler  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.outbox_common import (  # noqa: E402
    add_meetings,
    add_pairs,
    add_people,
    add_programme,
    enrol_all,
    fresh_database,
    utcnow,
)
from flows.meetings.schedule import schedule_meetings
from storage.models import Delivery, Meeting  # noqa: E402

TARGET_SECONDS = 5.0


async def tandem(workdir: Path, meetings: int) -> tuple[float, int]:
    now = utcnow()
    db, workspace_id = await fresh_database(f"sqlite:///{workdir / 'tandem.db'}", now)
    people = await add_people(db, workspace_id, meetings * 2, now)
    programme_id = await add_programme(db, workspace_id, now)
    enrolments = await enrol_all(db, workspace_id, programme_id, people, now)
    pairs = await add_pairs(db, workspace_id, programme_id, enrolments, now)
    starts = [(pair, now + timedelta(days=7, minutes=30 * n)) for n, pair in enumerate(pairs)]
    await add_meetings(db, workspace_id, starts, now)

    started = time.perf_counter()
    async with db.unit_of_work(workspace_id) as uow:
        rows = list(await uow.session.scalars(select(Meeting)))
        await schedule_meetings(uow, rows, now=now)
        await uow.commit()
    elapsed = time.perf_counter() - started
    async with db.sessions() as session:
        planned = int(await session.scalar(select(func.count()).select_from(Delivery)) or 0)
    await db.dispose()
    return elapsed, planned


def apscheduler_per_job(workdir: Path, sample: int) -> float:
    store = SQLAlchemyJobStore(url=f"sqlite:///{workdir / 'jobs.db'}")
    scheduler = BackgroundScheduler(jobstores={"default": store})
    scheduler.start(paused=True)
    when = utcnow() + timedelta(days=7)
    started = time.perf_counter()
    for n in range(sample):
        scheduler.add_job(
            "builtins:print",
            "date",
            run_date=when + timedelta(seconds=n),
            args=[f"nudge_before:{n}"],
            id=f"nudge:{n}",
        )
    elapsed = time.perf_counter() - started
    scheduler.shutdown(wait=False)
    return elapsed / sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    meetings = 1000 if args.quick else 10_000
    sample = 200 if args.quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, planned = asyncio.run(tandem(Path(tmp), meetings))
        per_job = apscheduler_per_job(Path(tmp), sample)
    baseline = per_job * planned
    print(f"Nudges for {meetings:,} meetings: {planned:,} delivery rows in {elapsed:.2f} s")
    print(
        f"APScheduler SQLAlchemyJobStore: {per_job * 1000:.2f} ms a job ({sample} sampled), "
        f"{baseline:.1f} s extrapolated to {planned:,}"
    )
    ratio = baseline / elapsed if elapsed else None
    print(
        f"Tandem is {ratio:.0f}x faster; target <= {TARGET_SECONDS} s: "
        f"{'PASS' if elapsed <= TARGET_SECONDS else 'FAIL'}"
    )
    print(
        json.dumps(
            {
                "benchmark": "schedule",
                "meetings": meetings,
                "messages": planned,
                "seconds": round(elapsed, 3),
                "target_seconds": TARGET_SECONDS,
                "apscheduler_ms_per_job": round(per_job * 1000, 3),
                "apscheduler_sample_jobs": sample,
                "apscheduler_extrapolated_seconds": round(baseline, 1),
                "speedup": round(ratio, 1) if ratio else None,
                "pass": elapsed <= TARGET_SECONDS and planned == meetings * 4,
            }
        )
    )


if __name__ == "__main__":
    main()

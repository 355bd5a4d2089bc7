"""A worker restarting over 100,000 pending nudges: memory, time to first delivery, lateness.

    python bench/pending.py           # 100,000 pending, 30 s measured window
    python bench/pending.py --quick   # 20,000 pending, 10 s window

The database holds N pending nudges for meetings in the coming weeks. Some prep nudges
became due while the worker was down (their meetings have not started), and a stream of
prep nudges falls due during the window at 40 a second, inside the 100/s budget, each to a
different person. The worker (bench/outbox_worker.py: APScheduler + dispatcher + slack_sdk
against the fake Slack server in its own process) is started cold and measured:
  - restart to first delivery: worker process spawned -> first message at the fake;
  - lateness of the in-window stream: sent_at - due_at, p50/p99/max;
  - peak resident memory of the worker (ru_maxrss).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from bench.outbox_common import (  # noqa: E402
    FakeSlack,
    add_meetings,
    add_pairs,
    add_people,
    add_programme,
    enrol_all,
    fresh_database,
    start_worker,
    utcnow,
    wait_for_line,
)
from flows.meetings.schedule import schedule_meetings
from storage.models import Delivery, Meeting  # noqa: E402
from storage.uow import Database  # noqa: E402

RATE = 100
STREAM_PER_SECOND = 40  # prep nudges falling due each second of the window
OVERDUE_MEETINGS = 50
LEAD = timedelta(seconds=4)  # the stream starts this long after the worker is spawned
TARGETS = {"rss_mib": 300.0, "first_delivery_s": 10.0, "p99_lateness_s": 2.0}


async def pairs_for(
    db: Database, workspace_id: int, programme_id: int, count: int, now
) -> list[int]:  # type: ignore[no-untyped-def]
    people = await add_people(db, workspace_id, count * 2, now)
    # add_people returns every id so far; only the newest belong to this batch.
    enrolments = await enrol_all(db, workspace_id, programme_id, people[-count * 2 :], now)
    return (await add_pairs(db, workspace_id, programme_id, enrolments[-count * 2 :], now))[-count:]


async def schedule_all(db: Database, workspace_id: int, now: datetime, where) -> None:  # type: ignore[no-untyped-def]
    async with db.unit_of_work(workspace_id) as uow:
        meetings = list(await uow.session.scalars(select(Meeting).where(where)))
        await schedule_meetings(uow, meetings, now=now)
        await uow.commit()


async def prepare(url: str, pending: int, window: int) -> tuple[datetime, set[int]]:
    now = utcnow()
    db, workspace_id = await fresh_database(url, now)
    programme_id = await add_programme(db, workspace_id, now)
    stream_meetings = STREAM_PER_SECOND // 2 * window
    background_meetings = pending // 4 - stream_meetings - OVERDUE_MEETINGS
    background_pairs = await pairs_for(db, workspace_id, programme_id, 2000, now)
    starts = [
        (background_pairs[n % len(background_pairs)], now + timedelta(days=2, minutes=7 * n))
        for n in range(background_meetings)
    ]
    await add_meetings(db, workspace_id, starts, now)
    await schedule_all(db, workspace_id, now, Meeting.id > 0)

    # The stream and the overdue ones, planned last so their times are close to the start.
    special_pairs = await pairs_for(
        db, workspace_id, programme_id, stream_meetings + OVERDUE_MEETINGS, now
    )
    first_id = int(await _scalar(db, select(func.coalesce(func.max(Meeting.id), 0))))
    base = utcnow() + LEAD
    buffer = timedelta(minutes=30)
    special = [
        (pair, base - timedelta(seconds=10) + buffer) for pair in special_pairs[:OVERDUE_MEETINGS]
    ]
    special += [
        (pair, base + timedelta(seconds=n * 2 / STREAM_PER_SECOND) + buffer)
        for n, pair in enumerate(special_pairs[OVERDUE_MEETINGS:])
    ]
    await add_meetings(db, workspace_id, special, now)
    await schedule_all(db, workspace_id, now, Meeting.id > first_id)
    stream_ids = set(range(first_id + OVERDUE_MEETINGS + 1, first_id + len(special) + 1))
    await db.dispose()
    return base, stream_ids


async def _scalar(db: Database, query):  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        return await session.scalar(query)


async def measure(url: str, stream_ids: set[int]) -> dict[str, float | int]:
    now = utcnow()
    db, _ = await fresh_database(url, now)
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(Delivery.due_at, Delivery.sent_at).where(
                    Delivery.kind == "nudge_before",
                    Delivery.meeting_id.in_(stream_ids),
                    Delivery.state == "sent",
                )
            )
        ).all()
        pending = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.state == "pending")
        )
        states = dict(
            (
                await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))
            ).all()
        )
    await db.dispose()
    lateness = sorted(max(0.0, (sent - due).total_seconds()) for due, sent in rows)
    p99 = lateness[max(0, int(len(lateness) * 0.99) - 1)] if lateness else float("nan")
    return {
        "stream_sent": len(lateness),
        "stream_expected": len(stream_ids) * 2,
        "p50_lateness_s": round(statistics.median(lateness), 3) if lateness else float("nan"),
        "p99_lateness_s": round(p99, 3),
        "max_lateness_s": round(lateness[-1], 3) if lateness else float("nan"),
        "still_pending": int(pending or 0),
        "states": {str(k): int(v) for k, v in states.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    pending, window = (20_000, 10) if args.quick else (100_000, 30)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'pending.db'}"
        started = time.perf_counter()
        base, stream_ids = asyncio.run(prepare(url, pending, window))
        setup = time.perf_counter() - started
        fake = FakeSlack(workdir / "calls.jsonl", post_per_minute=RATE * 60)
        try:
            spawned = time.monotonic()
            run_for = (base - utcnow()).total_seconds() + window + 5
            worker = start_worker(url, fake.url, RATE, "--run-seconds", f"{run_for:.1f}")
            wait_for_line(worker, "ready", 60)
            done = wait_for_line(worker, "done", run_for + 120).split()
            worker.wait(60)
            posts = fake.posts()
        finally:
            fake.stop()
        first = min(p["at"] for p in posts) - spawned if posts else float("nan")
        figures = asyncio.run(measure(url, stream_ids))
    rss = float(done[2])
    result = {
        "benchmark": "pending",
        "pending_at_start": pending,
        "setup_seconds": round(setup, 1),
        "window_seconds": window,
        "restart_to_first_delivery_s": round(first, 2),
        "worker_peak_rss_mib": rss,
        **figures,
        "targets": TARGETS,
    }
    result["pass"] = (
        rss <= TARGETS["rss_mib"]
        and first <= TARGETS["first_delivery_s"]
        and figures["p99_lateness_s"] <= TARGETS["p99_lateness_s"]
        and figures["stream_sent"] == figures["stream_expected"]
    )
    print(f"{pending:,} pending nudges (set up in {setup:.1f} s)")
    print(f"  restart to first delivery: {first:.2f} s (target <= 10)")
    print(f"  worker peak RSS: {rss} MiB (target <= 300)")
    print(
        f"  in-window stream: {figures['stream_sent']}/{figures['stream_expected']} sent, "
        f"lateness p50 {figures['p50_lateness_s']} s, p99 {figures['p99_lateness_s']} s "
        f"(target <= 2), max {figures['max_lateness_s']} s"
    )
    print(f"  {'PASS' if result['pass'] else 'FAIL'}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

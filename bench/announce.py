"""One announcement to N people over Slack's rate limits, with and without a kill -9.

    python bench/announce.py           # 10,000 people
    python bench/announce.py --quick   # 1,000 people

The fake Slack Web API runs as its own process and records every request. Tandem's budget
and the fake's match: 1 chat.postMessage per second per channel (every DM is its own
channel, so that limit never binds here) and RATE per second for the workspace. Tandem's
workspace limit is a sliding one-second window, so the fastest the limits allow is RATE
messages at once and RATE more each second after: ceil(N / RATE) - 1 seconds.

Run 1 ("clean") times the worker from ready to the last message the fake received.
Run 2 ("kill") kills the worker with SIGKILL at a random point and restarts it.
Both are checked against the fake's record: each person exactly once, by delivery key.

`--faults plan.json` has the fake act out a FaultPlan (tests/fakes/faults.py) in both runs,
e.g. {"seed": 1, "rules": [{"fault": "error_after", "method": "chat.postMessage",
"probability": 0.05}]}; the time target is then not checked, only duplicates and losses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from bench.outbox_common import (  # noqa: E402
    FakeSlack,
    add_people,
    add_programme,
    duplicates_and_losses,
    enrol_all,
    fresh_database,
    key_of,
    start_worker,
    utcnow,
    wait_for_line,
)
from flows.announcements.audience import fan_out_rows  # noqa: E402
from flows.announcements.message import KIND  # noqa: E402
from flows.announcements.report import follow_up_row  # noqa: E402
from storage.models import Announcement, Person, ProgrammeRole  # noqa: E402
from storage.repositories import deliveries  # noqa: E402

RATE = 100  # messages per second for the workspace


async def prepare(url: str, people: int) -> set[str]:
    """N enrolled people, a champion, and the champion's announcement fanned out to all."""
    now = utcnow()
    db, workspace_id = await fresh_database(url, now)
    person_ids = await add_people(db, workspace_id, people + 1, now)
    champion_id, audience_ids = person_ids[0], person_ids[1:]
    programme_id = await add_programme(db, workspace_id, now)
    await enrol_all(db, workspace_id, programme_id, audience_ids, now)
    async with db.unit_of_work(workspace_id) as uow:
        uow.session.add(
            ProgrammeRole(
                workspace_id=workspace_id,
                programme_id=programme_id,
                person_id=champion_id,
                role="champion",
            )
        )
        announcement = Announcement(
            workspace_id=workspace_id,
            programme_id=programme_id,
            sender_person_id=champion_id,
            body="The programme kick-off is on Thursday at 14:00. Everyone is welcome.",
            audience={"audience": "everyone", "channel": ""},
            send_at=now,
            status="scheduled",
            created_at=now,
        )
        uow.session.add(announcement)
        await uow.session.flush()
        audience = list(
            await uow.session.scalars(select(Person).where(Person.id.in_(audience_ids)))
        )
        rows = fan_out_rows(announcement, audience, "", now)
        await deliveries.plan(uow.session, [*rows, follow_up_row(announcement, now)])
        await uow.commit()
        expected = {f"{KIND}:{announcement.id}:{pid}" for pid in audience_ids}
    await db.dispose()
    return expected


def run(people: int, *, kill: bool, workdir: Path, faults: Path | None) -> dict[str, object]:
    name = "kill" if kill else "clean"
    url = f"sqlite:///{workdir / f'{name}.db'}"
    expected = asyncio.run(prepare(url, people))
    fake = FakeSlack(workdir / f"{name}.jsonl", post_per_minute=RATE * 60, faults=faults)
    try:
        worker = start_worker(url, fake.url, RATE)
        ready = float(wait_for_line(worker, "ready", 60).split()[1])
        kills = 0
        if kill:
            minimum = math.ceil(people / RATE) - 1
            time.sleep(random.uniform(0.2, 0.8) * max(minimum, 1))
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
            kills = 1
            worker = start_worker(url, fake.url, RATE)
            wait_for_line(worker, "ready", 60)
        done = wait_for_line(worker, "done", 3600).split()
        worker.wait(60)
        posts = fake.posts()
        announcement_posts = [p for p in posts if key_of(p).startswith(f"{KIND}:")]
        duplicates, losses = duplicates_and_losses(announcement_posts, expected)
        last = max(p["at"] for p in announcement_posts)
        return {
            "run": name,
            "people": people,
            "kills": kills,
            "seconds": round(last - ready, 2),
            "worker_peak_mib": float(done[2]),
            "received": len(announcement_posts),
            "duplicates": duplicates,
            "losses": losses,
            "rate_limited_429": fake.rate_limited(),
            "faults_injected": fake.faults_injected(),
            "report_sent": any(key_of(p).startswith("announcement_report:") for p in posts),
        }
    finally:
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 people")
    parser.add_argument("--people", type=int)
    parser.add_argument("--faults", type=Path, help="a FaultPlan as JSON for the fake to act out")
    args = parser.parse_args()
    people = args.people or (1000 if args.quick else 10_000)
    minimum = math.ceil(people / RATE) - 1
    print(f"Announcement to {people:,} people at {RATE}/s (minimum {minimum} s by the limits)")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kill in (False, True):
            result = run(people, kill=kill, workdir=Path(tmp), faults=args.faults)
            results.append(result)
            print(
                f"  {result['run']:>5}: {result['seconds']} s, {result['received']:,} received, "
                f"{result['duplicates']} duplicates, {result['losses']} lost, "
                f"{result['rate_limited_429']} x 429, {result['faults_injected']} faults, "
                f"report sent: {result['report_sent']}, "
                f"worker peak {result['worker_peak_mib']} MiB"
            )
    clean = results[0]
    ratio = round(float(clean["seconds"]) / minimum, 3) if minimum else None
    fast = args.faults is not None or (ratio is not None and ratio <= 1.1)
    ok = fast and all(r["duplicates"] == 0 and r["losses"] == 0 for r in results)
    target = "not checked with faults" if args.faults else "target <= 1.1"
    print(f"  clean run / minimum = {ratio} ({target}): {'PASS' if ok else 'FAIL'}")
    print(
        json.dumps(
            {
                "benchmark": "announce",
                "people": people,
                "rate_per_second": RATE,
                "minimum_seconds": minimum,
                "ratio_to_minimum": ratio,
                "runs": results,
                "pass": ok,
            }
        )
    )


if __name__ == "__main__":
    main()

"""Shared by the delivery benchmarks: the fake Slack server process, the worker process, data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.refs import Platform, WorkspaceRef  # noqa: E402
from storage.db import upgrade  # noqa: E402
from storage.models import Enrolment, Meeting, Pair, Person  # noqa: E402
from storage.uow import Database  # noqa: E402

TEAM = "T0TANDEM"
SLACK = WorkspaceRef(Platform.SLACK, TEAM)
ALL_DAYS = ["0", "1", "2", "3", "4", "5", "6"]


class FakeSlack:
    """`python -m tests.fakes.slack_api` in its own process, recording every request."""

    def __init__(
        self,
        record: Path,
        post_per_minute: int,
        faults: Path | None = None,
        *,
        slack_limits: bool = True,
    ) -> None:
        """`faults`: a FaultPlan as JSON (tests/fakes/faults.py) the fake acts out.
        `slack_limits=False` limits chat.postMessage only, not the other methods."""
        self.record = record
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.fakes.slack_api",
                "--port",
                "0",
                *(["--slack-limits"] if slack_limits else []),
                "--record",
                str(record),
                "--post-per-minute",
                str(post_per_minute),
                *(["--faults", str(faults)] if faults else []),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)

    def posts(self) -> list[dict[str, Any]]:
        """chat.postMessage calls that posted a message (whatever the client was answered,
        when faults are injected), in the order the fake answered them."""
        calls = []
        if not self.record.exists():
            return calls
        for line in self.record.read_text(encoding="utf-8").splitlines():
            call = json.loads(line)
            if call["method"] == "chat.postMessage" and call["delivered"]:
                calls.append(call)
        return calls

    def faults_injected(self) -> int:
        if not self.record.exists():
            return 0
        lines = self.record.read_text(encoding="utf-8").splitlines()
        return sum(1 for line in lines if json.loads(line).get("fault"))

    def rate_limited(self) -> int:
        if not self.record.exists():
            return 0
        return sum(
            1
            for line in self.record.read_text(encoding="utf-8").splitlines()
            if json.loads(line)["status"] == 429
        )


def key_of(call: dict[str, Any]) -> str:
    metadata = call["params"].get("metadata") or {}
    return str((metadata.get("event_payload") or {}).get("key", ""))


def duplicates_and_losses(posts: list[dict[str, Any]], expected: set[str]) -> tuple[int, int]:
    counts = Counter(key_of(p) for p in posts)
    duplicates = sum(n - 1 for key, n in counts.items() if key in expected and n > 1)
    losses = len(expected - set(counts))
    return duplicates, losses


def start_worker(db_url: str, api_url: str, rate: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "outbox_worker.py"),
            "--db",
            db_url,
            "--api-url",
            api_url,
            "--rate",
            str(rate),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def fresh_database(url: str, now: datetime) -> tuple[Database, int]:
    await upgrade(url)

    class Fixed:
        def now(self) -> datetime:
            return now

    db = Database(url, Fixed())
    return db, await db.workspace_id(SLACK, "Bench")


async def add_people(db: Database, workspace_id: int, count: int, now: datetime) -> list[int]:
    """People who work around the clock, so quiet hours never hold a benchmark message."""
    async with db.sessions() as session:
        first = int(await session.scalar(select(func.count()).select_from(Person)) or 0)
    rows = [
        {
            "workspace_id": workspace_id,
            "platform_user_id": f"U{n:08d}",
            "display_name": f"Person {n}",
            "time_zone": "UTC",
            "work_start_minute": 0,
            "work_end_minute": 24 * 60,
            "work_days": ALL_DAYS,
            "reachable": True,
            "unreachable_reason": "",
            "created_at": now,
        }
        for n in range(first, first + count)
    ]
    async with db.sessions() as session:
        for start in range(0, len(rows), 2000):
            await session.execute(insert(Person), rows[start : start + 2000])
        await session.commit()
        ids = await session.scalars(
            Person.__table__.select().with_only_columns(Person.id).order_by(Person.id)
        )
        return list(ids)


async def add_programme(db: Database, workspace_id: int, now: datetime) -> int:
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.create(
            slug="bench",
            name="Bench programme",
            kind="reverse",
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
            now=now,
        )
        await uow.commit()
        return programme.id


async def enrol_all(
    db: Database, workspace_id: int, programme_id: int, person_ids: list[int], now: datetime
) -> list[int]:
    rows = [
        {
            "workspace_id": workspace_id,
            "programme_id": programme_id,
            "person_id": pid,
            "role": "mentor" if n % 2 == 0 else "mentee",
            "job_title": "",
            "seniority": 1,
            "department": "",
            "manager_user_id": "",
            "location": "",
            "medium": "online",
            "offers": [],
            "goal_areas": [],
            "goals": "",
            "lived_experience": [],
            "capacity": 1,
            "consent_at": now,
            "status": "active",
            "created_at": now,
            "updated_at": now,
        }
        for n, pid in enumerate(person_ids)
    ]
    async with db.sessions() as session:
        for start in range(0, len(rows), 2000):
            await session.execute(insert(Enrolment), rows[start : start + 2000])
        await session.commit()
        ids = await session.scalars(
            Enrolment.__table__.select().with_only_columns(Enrolment.id).order_by(Enrolment.id)
        )
        return list(ids)


async def add_pairs(
    db: Database, workspace_id: int, programme_id: int, enrolment_ids: list[int], now: datetime
) -> list[int]:
    rows = [
        {
            "workspace_id": workspace_id,
            "programme_id": programme_id,
            "mentor_enrolment_id": enrolment_ids[i],
            "mentee_enrolment_id": enrolment_ids[i + 1],
            "status": "confirmed",
            "score": 0.0,
            "reasons": [],
            "locked": False,
            "created_at": now,
            "end_reason": "",
        }
        for i in range(0, len(enrolment_ids) - 1, 2)
    ]
    async with db.sessions() as session:
        await session.execute(insert(Pair), rows)
        await session.commit()
        ids = await session.scalars(
            Pair.__table__.select().with_only_columns(Pair.id).order_by(Pair.id)
        )
        return list(ids)


async def add_meetings(
    db: Database, workspace_id: int, starts: list[tuple[int, datetime]], now: datetime
) -> None:
    rows = [
        {
            "workspace_id": workspace_id,
            "pair_id": pair_id,
            "kind": "session",
            "sequence": 0,
            "starts_at": start,
            "ends_at": start + timedelta(hours=1),
            "status": "scheduled",
            "created_at": now,
            "updated_at": now,
        }
        for pair_id, start in starts
    ]
    async with db.sessions() as session:
        for chunk in range(0, len(rows), 2000):
            await session.execute(insert(Meeting), rows[chunk : chunk + 2000])
        await session.commit()


def utcnow() -> datetime:
    return datetime.now(UTC)


def wait_for_line(process: subprocess.Popen[str], prefix: str, timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith(prefix):
            return line.strip()
    raise RuntimeError(f"worker never printed {prefix!r}")

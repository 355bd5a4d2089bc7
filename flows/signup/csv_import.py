"""`tandem participants import FILE.csv`: enrol many people at once from an HR export.

Good rows are imported, bad rows are skipped and reported (row, column, problem).
Re-importing a file updates people and enrolments in place, never duplicates them, and
never re-activates someone who paused or withdrew. The file is checked for its encoding
first (UTF-8, with or without a BOM), so a Latin-1 or UTF-16 file is refused whole,
before anything is written; then it is streamed in batches.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from flows.common import catalogue
from storage.models import Enrolment, Person
from storage.uow import Database, UnitOfWork
from storage.upsert import insert_ignore

COLUMNS = (
    "user_id",
    "display_name",
    "role",
    "job_title",
    "seniority",
    "department",
    "manager",
    "time_zone",
    "work_start",
    "work_end",
    "medium",
    "location",
    "offers",
    "goal_areas",
    "goals",
    "lived_experience",
    "consent",
    "capacity",
)
REQUIRED_COLUMNS = ("user_id", "role", "seniority", "consent")
BATCH_ROWS = 500
SHORT_LIMIT = 120
GOALS_LIMIT = 2000
YES = {"yes", "y", "true", "1"}
AREA_KEYS = {c.value for c in catalogue.AREAS}
MEDIUMS = {
    "online": "online",
    "in_person": "in_person",
    "in person": "in_person",
    "either": "either",
}
CHUNK_BYTES = 1 << 20

Progress = Callable[[int, int], None]


class ImportFileError(Exception):
    """The whole file can't be read (encoding, missing columns): nothing was imported."""


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    problem: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def skipped_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass(frozen=True, slots=True)
class Participant:
    row: int
    user_id: str
    profile: dict[str, Any]  # Person fields to set
    enrolment: dict[str, Any]  # Enrolment fields to set


def check_encoding(path: Path) -> int:
    """Raises ImportFileError unless the file is UTF-8; returns the number of lines."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or (
            len(head) >= 2 and b"\x00" in head
        ):
            raise ImportFileError(
                'This file is saved as UTF-16 ("Unicode text"). Save it as '
                "'CSV UTF-8 (Comma delimited)' and import it again. Nothing was imported."
            )
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        lines, offset = 0, 0
        while chunk := handle.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line = lines + chunk[: exc.start].count(b"\n") + 1
                raise ImportFileError(
                    f"Line {line} isn't valid UTF-8 (byte 0x{chunk[exc.start]:02x} at byte "
                    f"{offset + exc.start:,}); the file looks like it was saved as Latin-1 or "
                    "Windows-1252. Save it as 'CSV UTF-8 (Comma delimited)' and import it "
                    "again. Nothing was imported."
                ) from None
            lines += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportFileError(
                "The file ends in the middle of a character: it isn't valid UTF-8. "
                "Nothing was imported."
            ) from None
        return lines


def _handle(text: str) -> str:
    return text.strip().removeprefix("<").removesuffix(">").lstrip("@").split("|")[0]


def _minute(text: str) -> int | None:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return None
    value = int(hours) * 60 + int(minutes)
    return value if int(minutes) < 60 and value <= 24 * 60 else None


def _areas(text: str) -> tuple[list[str], list[str]]:
    keys = [k.strip().lower() for k in text.split(";") if k.strip()]
    return [k for k in keys if k in AREA_KEYS], [k for k in keys if k not in AREA_KEYS]


def parse_row(raw: dict[str, str], row: int) -> tuple[Participant | None, list[RowError]]:
    value = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    errors: list[RowError] = []

    def bad(column: str, problem: str) -> None:
        errors.append(RowError(row, column, problem))

    user_id = _handle(value["user_id"])
    if not user_id:
        bad("user_id", "is empty")
    role = value["role"].lower()
    if role not in ("mentor", "mentee", "either"):
        bad("role", f"must be mentor, mentee or either, not {value['role']!r}")
    seniority = value["seniority"]
    if not (seniority.isdigit() and 1 <= int(seniority) <= 5):
        bad("seniority", f"must be a number from 1 to 5, not {seniority!r}")
    if value["consent"].lower() not in YES:
        bad("consent", "must be yes: only people who agreed can be imported")
    for column in ("job_title", "department", "location", "display_name"):
        if len(value[column]) > SHORT_LIMIT:
            bad(column, f"is longer than {SHORT_LIMIT} characters")
    if len(value["goals"]) > GOALS_LIMIT:
        bad("goals", f"is longer than {GOALS_LIMIT:,} characters")
    zone = value["time_zone"]
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            bad("time_zone", f"{zone!r} isn't a time zone name like Europe/London")
    start = _minute(value["work_start"]) if value["work_start"] else 9 * 60
    end = _minute(value["work_end"]) if value["work_end"] else 17 * 60 + 30
    if start is None:
        bad("work_start", f"must be a time like 09:00, not {value['work_start']!r}")
    if end is None:
        bad("work_end", f"must be a time like 17:30, not {value['work_end']!r}")
    if start is not None and end is not None and end - start < 60:
        bad("work_end", "must be at least an hour after work_start")
    medium = MEDIUMS.get(value["medium"].lower() or "online")
    if medium is None:
        bad("medium", f"must be online, in_person or either, not {value['medium']!r}")
    if medium == "in_person" and not value["location"]:
        bad("location", "is needed to meet in person")
    areas: dict[str, list[str]] = {}
    for column in ("offers", "goal_areas", "lived_experience"):
        areas[column], unknown = _areas(value[column])
        if unknown:
            bad(
                column, f"unknown area(s) {', '.join(unknown)}; use keys such as digital;leadership"
            )
    if (
        role in ("mentor", "either")
        and not areas["offers"]
        and not any(e.column == "offers" for e in errors)
    ):
        bad("offers", "a mentor needs at least one area they can offer")
    capacity = value["capacity"] or "1"
    if not (capacity.isdigit() and int(capacity) <= 10):
        bad("capacity", f"must be a whole number from 0 to 10, not {capacity!r}")
    if errors:
        return None, errors
    profile: dict[str, Any] = {"work_start_minute": start, "work_end_minute": end}
    if value["display_name"]:
        profile["display_name"] = value["display_name"]
    if zone:
        profile["time_zone"] = zone
    enrolment = {
        "role": role,
        "job_title": value["job_title"],
        "seniority": int(seniority),
        "department": value["department"],
        "manager_user_id": _handle(value["manager"]),
        "location": value["location"],
        "medium": medium,
        "offers": areas["offers"],
        "goal_areas": areas["goal_areas"],
        "goals": value["goals"],
        "lived_experience": areas["lived_experience"],
        "capacity": int(capacity),
    }
    return Participant(row, user_id, profile, enrolment), []


def _rows(path: Path, report: ImportReport) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ImportFileError("The file is empty. Nothing was imported.")
        names = [h.strip().lower() for h in header]
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            raise ImportFileError(
                f"The header row has no {', '.join(missing)} column(s). "
                f"Expected columns: {', '.join(COLUMNS)}. Nothing was imported."
            )
        report.ignored_columns = [n for n in names if n not in COLUMNS and n]
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            yield number, dict(zip(names, cells, strict=False))


async def import_participants(
    db: Database,
    workspace_id: int,
    programme_slug: str,
    path: Path,
    *,
    progress: Progress | None = None,
) -> ImportReport:
    total = max(check_encoding(path) - 1, 0)
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.by_slug(programme_slug)
    if programme is None:
        raise ImportFileError(f"There's no programme called '{programme_slug}' in this workspace.")
    report = ImportReport()
    seen: dict[str, int] = {}
    batch: list[Participant] = []
    for number, raw in _rows(path, report):
        report.rows += 1
        participant, errors = parse_row(raw, number)
        if participant and participant.user_id in seen:
            errors = [
                RowError(
                    number, "user_id", f"appears again (first on row {seen[participant.user_id]})"
                )
            ]
            participant = None
        report.errors.extend(errors)
        if participant:
            seen[participant.user_id] = number
            batch.append(participant)
        if len(batch) >= BATCH_ROWS:
            await _save(db, workspace_id, programme.id, batch, report)
            batch = []
            if progress:
                progress(report.rows, total)
    if batch:
        await _save(db, workspace_id, programme.id, batch, report)
    if progress:
        progress(report.rows, max(total, report.rows))
    return report


async def _save(
    db: Database,
    workspace_id: int,
    programme_id: int,
    batch: list[Participant],
    report: ImportReport,
) -> None:
    now = db.clock.now()
    async with db.unit_of_work(workspace_id) as uow:
        people = await _ensure_people(uow, batch, now)
        existing = {
            e.person_id: e
            for e in await uow.session.scalars(
                select(Enrolment).where(
                    Enrolment.workspace_id == workspace_id,
                    Enrolment.programme_id == programme_id,
                    Enrolment.person_id.in_([p.id for p in people.values()]),
                )
            )
        }
        for participant in batch:
            person = people[participant.user_id]
            for key, value in participant.profile.items():
                setattr(person, key, value)
            enrolment = existing.get(person.id)
            if enrolment is None:
                enrolment = Enrolment(
                    programme_id=programme_id,
                    person_id=person.id,
                    status="active",
                    created_at=now,
                )
                uow.enrolments.add(enrolment)
                report.created += 1
            else:
                report.updated += 1
            for key, value in participant.enrolment.items():
                setattr(enrolment, key, value)
            enrolment.consent_at = now
            enrolment.updated_at = now
        await uow.commit()


async def _ensure_people(
    uow: UnitOfWork, batch: list[Participant], now: datetime
) -> dict[str, Person]:
    ids = [p.user_id for p in batch]
    people = await uow.people.by_user_ids(ids)
    missing = [p for p in batch if p.user_id not in people]
    if missing:
        await uow.session.execute(
            insert_ignore(
                uow.session,
                Person,
                [
                    {
                        "workspace_id": uow.workspace_id,
                        "platform_user_id": p.user_id,
                        "display_name": p.profile.get("display_name", ""),
                        "time_zone": p.profile.get("time_zone", "UTC"),
                        "work_start_minute": p.profile["work_start_minute"],
                        "work_end_minute": p.profile["work_end_minute"],
                        "work_days": ["0", "1", "2", "3", "4"],
                        "reachable": True,
                        "unreachable_reason": "",
                        "created_at": now,
                    }
                    for p in missing
                ],
            )
        )
        people = await uow.people.by_user_ids(ids)
    return people

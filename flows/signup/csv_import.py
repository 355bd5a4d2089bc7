"""`tandem participants import FILE.csv`: enrol many people at once from an HR export.

Good rows are imported, bad rows are skipped and reported (row, column, problem).
Re-importing a file updates people and enrolments in place, never duplicates them, and
never re-activates someone who paused or withdrew. Line managers, by user id or email, are
looked up once every row is in, so a manager further down the file is found; one no one can
be found by is reported on its row and kept in words until someone can. The file is checked for its encoding
first (UTF-8, with or without a BOM), so a Latin-1 or UTF-16 file is refused whole,
before anything is written; then it is streamed in batches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from flows.common.person_names import PersonNames
from flows.signup.csv_file import ImportFileError, check_encoding, read_rows
from flows.signup.csv_rows import ImportReport, Participant, RowError, parse_row
from storage.models import Enrolment, Person
from storage.uow import Database, UnitOfWork
from storage.upsert import insert_ignore

BATCH_ROWS = 500

Progress = Callable[[int, int], None]


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
    with_managers: list[Participant] = []
    for number, raw in read_rows(path, report):
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
            if participant.manager:
                with_managers.append(participant)
        if len(batch) >= BATCH_ROWS:
            await _save(db, workspace_id, programme.id, batch, report)
            batch = []
            if progress:
                progress(report.rows, total)
    if batch:
        await _save(db, workspace_id, programme.id, batch, report)
    for start in range(0, len(with_managers), BATCH_ROWS):
        chunk = with_managers[start : start + BATCH_ROWS]
        await _identify_managers(db, workspace_id, programme.id, chunk, report)
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
            if not participant.manager:
                enrolment.manager_user_id, enrolment.manager_named = "", ""
            enrolment.consent_at = now
            enrolment.updated_at = now
        await uow.commit()


async def _identify_managers(
    db: Database,
    workspace_id: int,
    programme_id: int,
    participants: list[Participant],
    report: ImportReport,
) -> None:
    async with db.unit_of_work(workspace_id) as uow:
        people = PersonNames(await uow.people.names())
        enrolments = {
            user_id: enrolment
            for enrolment, user_id in (
                await uow.session.execute(
                    select(Enrolment, Person.platform_user_id)
                    .join(Person, Person.id == Enrolment.person_id)
                    .where(
                        Enrolment.workspace_id == workspace_id,
                        Enrolment.programme_id == programme_id,
                        Person.platform_user_id.in_([p.user_id for p in participants]),
                    )
                )
            ).tuples()
        }
        for participant in participants:
            enrolment = enrolments[participant.user_id]
            manager = people.resolve(participant.manager)
            enrolment.manager_user_id = manager or ""
            enrolment.manager_named = "" if manager else participant.manager
            if manager is None:
                report.warnings.append(
                    RowError(
                        participant.row,
                        "manager",
                        f"no one Tandem knows has the user id or email {participant.manager!r}; "
                        "imported without a line manager until they can be identified",
                    )
                )
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

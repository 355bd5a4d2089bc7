"""`tandem report`: aggregates only, k-anonymity on every answer figure, no private text."""

from __future__ import annotations

import asyncio
import csv
import io
import statistics
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.app.cli.main import main
from bot.app.cli.report import write_report
from bot.core.clock import OffsetClock
from bot.core.refs import Platform, WorkspaceRef
from flows.reports.figures import SMALL, SUPPRESSED, TOO_FEW_STATES
from storage.db import upgrade
from storage.models import Enrolment, Meeting, Pair, Person, Response
from storage.repositories.answers import AnswerRepository
from storage.uow import Database
from tests.conftest import START

WORKSPACE = WorkspaceRef(Platform.PLAYGROUND, "local")
SECRETS = ("SECRET-REFLECTION-TEXT", "SECRET-POLL-COMMENT", "SECRET-GOAL-TEXT")


class Seed:
    """Writes people, pairs, meetings and answers straight into the database."""

    def __init__(self, db: Database, workspace_id: int, programme_id: int) -> None:
        self.db, self.workspace_id, self.programme_id = db, workspace_id, programme_id
        self.count = 0

    async def people(self, n: int, status: str = "active") -> list[int]:
        ids = []
        async with self.db.sessions() as session:
            for _ in range(n):
                self.count += 1
                person = Person(
                    workspace_id=self.workspace_id,
                    platform_user_id=f"U{self.count}",
                    display_name=f"Person {self.count}",
                    created_at=START,
                )
                session.add(person)
                await session.flush()
                session.add(
                    Enrolment(
                        workspace_id=self.workspace_id,
                        programme_id=self.programme_id,
                        person_id=person.id,
                        role="mentor" if self.count % 2 else "mentee",
                        goals=SECRETS[2],
                        status=status,
                        consent_at=START,
                        created_at=START,
                        updated_at=START,
                    )
                )
                ids.append(person.id)
            await session.commit()
        return ids

    async def answer(
        self, kind: str, subject: str, question: str, people: list[int], values: list[float]
    ) -> None:
        async with self.db.unit_of_work(self.workspace_id) as uow:
            answers = AnswerRepository(uow.session, self.workspace_id)
            for person_id, value in zip(people, values, strict=True):
                await answers.record(
                    person_id=person_id,
                    programme_id=self.programme_id,
                    kind=kind,
                    subject=subject,
                    answers={question: value},
                    now=START,
                )
            await uow.commit()

    async def survey(self, phase: str, question: str, people: list[int], values: list[float]):  # type: ignore[no-untyped-def]
        kind = {"pre": "survey_pre", "post": "survey_post"}[phase]
        await self.answer(kind, f"programme:{self.programme_id}", question, people, values)

    async def pair_with_sessions(self, statuses: list[str]) -> int:
        async with self.db.sessions() as session:
            mentor, mentee = await self.people(2)
            enrolments = [
                e
                for e in (await session.execute(Enrolment.__table__.select())).mappings()
                if e["person_id"] in (mentor, mentee)
            ]
            pair = Pair(
                workspace_id=self.workspace_id,
                programme_id=self.programme_id,
                mentor_enrolment_id=enrolments[0]["id"],
                mentee_enrolment_id=enrolments[1]["id"],
                status="confirmed",
                created_at=START,
            )
            session.add(pair)
            await session.flush()
            for n, status in enumerate(statuses):
                starts = START + timedelta(days=30 * n)
                session.add(
                    Meeting(
                        workspace_id=self.workspace_id,
                        pair_id=pair.id,
                        kind="session",
                        sequence=n + 1,
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=1),
                        status=status,
                        created_at=START,
                        updated_at=START,
                    )
                )
            await session.commit()
            return pair.id

    async def polls(self, people: list[int], question: str, values: list, meetings: int = 1):  # type: ignore[no-untyped-def,type-arg]
        """Each person answers `meetings` polls with their value (text for "met")."""
        async with self.db.sessions() as session:
            for meeting in range(meetings):
                for person_id, value in zip(people, values, strict=True):
                    session.add(
                        Response(
                            workspace_id=self.workspace_id,
                            person_id=person_id,
                            programme_id=self.programme_id,
                            kind="poll",
                            subject=f"meeting:{1000 + meeting}",
                            question=question,
                            value_number=None if isinstance(value, str) else value,
                            value_text=value if isinstance(value, str) else "",
                            created_at=START,
                            updated_at=START,
                        )
                    )
            await session.commit()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    await upgrade(database_url)
    database = Database(database_url, OffsetClock(base=START))
    yield database
    await database.dispose()


@pytest.fixture
async def seed(db: Database) -> Seed:
    workspace_id = await db.workspace_id(WORKSPACE)
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.create(
            slug="pilot",
            name="Reverse mentoring pilot",
            kind="reverse",
            starts_on=date(2027, 1, 18),
            ends_on=date(2027, 7, 18),
            now=START,
        )
        await uow.commit()
    return Seed(db, workspace_id, programme.id)


async def report(db: Database, tmp_path: Path) -> tuple[str, list[dict[str, str]], str]:
    output = await write_report(db, WORKSPACE, "pilot", tmp_path / "report.csv")
    raw = output.csv_path.read_text(encoding="utf-8")
    return output.text, list(csv.DictReader(io.StringIO(raw))), raw


def value(rows: list[dict[str, str]], item: str, measure: str) -> str:
    matches = [r["value"] for r in rows if r["item"] == item and r["measure"] == measure]
    assert len(matches) == 1, (item, measure, rows)
    return matches[0]


CONFIDENCE = "I feel confident talking about inclusion with colleagues"
BELONGING = "I feel a sense of belonging at work"


async def test_four_respondents_are_hidden_and_five_are_shown_per_phase(
    db: Database, seed: Seed, tmp_path: Path
) -> None:
    people = await seed.people(5)
    await seed.survey("pre", "confidence", people[:4], [1, 1, 1, 2])
    await seed.survey("post", "confidence", people, [3, 4, 4, 5, 5])

    text, rows, raw = await report(db, tmp_path)

    assert value(rows, CONFIDENCE, "mean before") == SUPPRESSED
    assert value(rows, CONFIDENCE, "respondents before") == SUPPRESSED
    assert value(rows, CONFIDENCE, "change") == SUPPRESSED
    post_mean = f"{statistics.mean([3, 4, 4, 5, 5]):.2f}"
    assert value(rows, CONFIDENCE, "mean after") == post_mean
    assert value(rows, CONFIDENCE, "respondents after") == "5"
    hidden_mean = f"{statistics.mean([1, 1, 1, 2]):.2f}"
    assert hidden_mean not in raw and hidden_mean not in text
    assert f"{CONFIDENCE} — mean before: {SUPPRESSED}" in text
    assert f"{CONFIDENCE} — mean after: {post_mean}" in text


async def test_k_anonymity_applies_to_each_question_separately(
    db: Database, seed: Seed, tmp_path: Path
) -> None:
    people = await seed.people(5)
    await seed.survey("pre", "confidence", people, [2, 2, 3, 3, 4])
    await seed.survey("pre", "belonging", people[:4], [5, 5, 5, 4])

    _, rows, _ = await report(db, tmp_path)

    assert value(rows, CONFIDENCE, "mean before") == f"{statistics.mean([2, 2, 3, 3, 4]):.2f}"
    assert value(rows, BELONGING, "mean before") == SUPPRESSED
    assert value(rows, BELONGING, "respondents before") == SUPPRESSED


async def test_the_change_is_mean_after_minus_mean_before(
    db: Database, seed: Seed, tmp_path: Path
) -> None:
    people = await seed.people(6)
    before, after = [1, 2, 3, 4, 5, 2], [3, 4, 5, 5, 5, 4]
    await seed.survey("pre", "confidence", people, before)
    await seed.survey("post", "confidence", people, after)

    _, rows, _ = await report(db, tmp_path)

    change = statistics.mean(after) - statistics.mean(before)
    assert value(rows, CONFIDENCE, "change") == f"{change:+.2f}"
    assert value(rows, CONFIDENCE, "respondents before") == "6"


async def test_answering_twice_counts_only_the_last_answer(
    db: Database, seed: Seed, tmp_path: Path
) -> None:
    people = await seed.people(5)
    await seed.survey("pre", "confidence", people, [1, 1, 1, 1, 1])
    await seed.survey("pre", "confidence", people, [5, 5, 5, 5, 4])

    _, rows, _ = await report(db, tmp_path)

    assert value(rows, CONFIDENCE, "respondents before") == "5"
    assert value(rows, CONFIDENCE, "mean before") == f"{statistics.mean([5, 5, 5, 5, 4]):.2f}"


async def test_a_programme_with_no_answers_says_so_in_each_section(
    db: Database, seed: Seed, tmp_path: Path
) -> None:
    text, rows, _ = await report(db, tmp_path)

    notes = [r["value"] for r in rows if r["measure"] == "note"]
    assert notes == [
        "No one has signed up yet.",
        "No sessions booked yet.",
        "No feedback poll answers yet.",
        "No survey answers yet.",
    ]
    assert all(note in text for note in notes)


def small_counts(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows whose value is a count of 1 to 4: a group small enough to identify someone."""
    return [r for r in rows if r["value"].replace(",", "").isdigit() and 0 < int(r["value"]) < 5]


async def test_no_group_under_five_is_shown_even_as_a_count(
    db: Database, seed: Seed, tmp_path: Path
) -> None:
    await seed.people(1, status="paused")
    await seed.people(2, status="withdrawn")
    await seed.pair_with_sessions(["held", "held", "missed", "cancelled", "scheduled"])

    text, rows, _ = await report(db, tmp_path)

    assert small_counts(rows) == []
    assert "withdrawn — people: 1" not in text and "cancelled — sessions: 1" not in text
    assert value(rows, "signed up", "people") == "5"
    assert value(rows, "matched pairs", "pairs") == SMALL
    assert [value(rows, s, "sessions") for s in ("held", "missed", "cancelled")] == [SMALL] * 3
    # Any breakdown of the 5 by state would show a group under 5, or let one be worked out.
    assert TOO_FEW_STATES in text
    assert "fewer than 5" in text


async def test_a_small_group_is_counted_with_the_next_smallest_so_the_total_hides_it(
    db: Database, seed: Seed, tmp_path: Path
) -> None:
    await seed.people(10)
    await seed.people(5, status="paused")
    await seed.people(1, status="withdrawn")

    text, rows, _ = await report(db, tmp_path)

    assert small_counts(rows) == []
    assert value(rows, "signed up", "people") == "16"
    assert value(rows, "active", "people") == "10"
    assert value(rows, "paused or withdrawn", "people") == "6"
    assert not [r for r in rows if r["item"] in ("paused", "withdrawn")]
    assert (
        "Paused and withdrawn are shown together because fewer than 5 people are withdrawn."
        in text
    )


async def test_poll_figures_count_people_not_answers(
    db: Database, seed: Seed, tmp_path: Path
) -> None:
    many, few = await seed.people(6), await seed.people(3)
    await seed.polls(many, "met", ["yes"] * 6, meetings=2)
    await seed.polls(few, "met", ["no"] * 3, meetings=4)  # 12 answers, 3 people
    await seed.polls(many, "valuable", [5, 4, 4, 3, 5, 4])
    await seed.polls(many[:4], "safe_space", [2, 1, 2, 1], meetings=6)

    _, rows, raw = await report(db, tmp_path)

    assert value(rows, "Did you meet: yes", "answers") == "12"
    assert value(rows, "Did you meet: no", "answers") == SUPPRESSED
    assert value(rows, "Did you meet", "respondents") == "9"
    label = "How valuable was it (1-5)"
    assert value(rows, label, "mean") == f"{statistics.mean([5, 4, 4, 3, 5, 4]):.2f}"
    assert value(rows, "Felt a safe space (1-5)", "mean") == SUPPRESSED
    assert value(rows, "Felt a safe space (1-5)", "respondents") == SUPPRESSED
    assert f"{statistics.mean([2, 1, 2, 1]):.2f}" not in raw


async def test_no_private_text_reaches_the_report(db: Database, seed: Seed, tmp_path: Path) -> None:
    people = await seed.people(6)
    await seed.polls(people, "comment", [SECRETS[1]] * 6)
    await seed.answer("reflection", "meeting:1", "notes", people, [1.0] * 6)
    async with db.sessions() as session:
        session.add(
            Response(
                workspace_id=seed.workspace_id,
                person_id=people[0],
                programme_id=seed.programme_id,
                kind="reflection",
                subject="meeting:2",
                question="notes",
                value_text=SECRETS[0],
                created_at=START,
                updated_at=START,
            )
        )
        await session.commit()

    text, _, raw = await report(db, tmp_path)

    for secret in SECRETS:
        assert secret not in text and secret not in raw


def test_the_cli_prints_the_report_and_writes_the_csv(
    sqlite_url: str, seed_cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    assert main(["report", "pilot", "--csv", str(target)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Report for Reverse mentoring pilot\n")  # no wave, no label
    assert f"CSV written to {target}" in printed
    assert target.read_text(encoding="utf-8").startswith("section,item,measure,value\n")

    assert main(["report", "nope"]) == 2
    assert "no programme called 'nope'" in capsys.readouterr().err


@pytest.fixture
def seed_cli(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("TANDEM_PLAYGROUND", "on")
    asyncio.run(_create_pilot(sqlite_url))


async def _create_pilot(url: str) -> None:
    await upgrade(url)
    database = Database(url, OffsetClock(base=START))
    workspace_id = await database.workspace_id(WORKSPACE)
    async with database.unit_of_work(workspace_id) as uow:
        await uow.programmes.create(
            slug="pilot",
            name="Reverse mentoring pilot",
            kind="reverse",
            starts_on=date(2027, 1, 18),
            ends_on=date(2027, 7, 18),
            now=START,
        )
        await uow.commit()
    await database.dispose()

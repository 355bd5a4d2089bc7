"""`tandem participants import`: good rows in, bad rows reported, re-import updates, encodings."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bot.app.cli.main import main
from storage.models import Enrolment, Person

HEADER = (
    "user_id,display_name,role,job_title,seniority,department,manager,time_zone,work_start,"
    "work_end,medium,location,offers,goal_areas,goals,lived_experience,consent"
)
GOOD = [
    "sam,Sam Okafor,mentor,Data analyst,1,Finance,lee,Europe/London,09:00,17:30,online,,"
    "digital;disability,leadership,Help leaders,disability,yes",
    "priya,Priya Shah,mentee,COO,5,Operations,,Europe/Berlin,08:30,17:00,online,,strategy,"
    "digital;disability,Learn how our tools feel,,yes",
    "noor,Noor Ali,either,Engineer,2,Engineering,,Asia/Kolkata,10:00,18:00,in_person,Pune,"
    'digital,,"Grow, and help others",,yes',
]
BAD = [
    "leo,Leo,mentor,Designer,9,Design,,Mars/Olympus,9am,17:00,online,,,,,,no",
    "kim,Kim,mentee,Lead,4,Legal,,Europe/London,09:00,17:00,in_person,,,telepathy,,,yes",
    "sam,Sam Again,mentor,Analyst,1,Finance,,Europe/London,09:00,17:30,online,,digital,,,,yes",
]


@pytest.fixture
def cli(sqlite_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TANDEM_DATABASE_URL", sqlite_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "MICROSOFT_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    assert main(["programme", "create", "--name", "Pilot", "--slug", "pilot"]) == 0
    return main


def counts(sqlite_url: str) -> tuple[int, int]:
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        people = conn.scalar(select(func.count()).select_from(Person))
        enrolments = conn.scalar(select(func.count()).select_from(Enrolment))
    engine.dispose()
    return int(people or 0), int(enrolments or 0)


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_good_rows_are_imported_and_bad_rows_reported(
    cli, tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(tmp_path / "people.csv", [HEADER, *GOOD, *BAD])
    capsys.readouterr()

    assert cli(["participants", "import", str(file), "--programme", "pilot"]) == 1

    out, err = capsys.readouterr()
    assert "Importing [" in err and "6/6 rows" in err
    assert "6 rows read: 3 enrolled, 0 updated, 3 skipped." in out
    for expected in (
        "row 5, column seniority: must be a number from 1 to 5",
        "row 5, column time_zone: 'Mars/Olympus' isn't a time zone",
        "row 5, column work_start: must be a time like 09:00",
        "row 5, column consent: must be yes",
        "row 5, column offers: a mentor needs at least one area",
        "row 6, column location: is needed to meet in person",
        "row 6, column goal_areas: unknown area telepathy",
        "row 7, column user_id: appears again (first on row 2)",
    ):
        assert expected in out
    assert counts(sqlite_url) == (3, 3)


def test_reimporting_updates_and_never_duplicates(
    cli, tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(tmp_path / "people.csv", [HEADER, *GOOD])
    assert cli(["participants", "import", str(file), "--programme", "pilot"]) == 0
    changed = [GOOD[0].replace("Data analyst", "Senior analyst"), *GOOD[1:]]
    write(file, [HEADER, *changed])
    capsys.readouterr()

    assert cli(["participants", "import", str(file), "--programme", "pilot"]) == 0

    assert "0 enrolled, 3 updated, 0 skipped" in capsys.readouterr().out
    assert counts(sqlite_url) == (3, 3)
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        titles = set(conn.scalars(select(Enrolment.job_title)))
        sam = conn.execute(
            select(Person.time_zone, Person.work_start_minute).where(
                Person.platform_user_id == "priya"
            )
        ).one()
    engine.dispose()
    assert "Senior analyst" in titles and "Data analyst" not in titles
    assert tuple(sam) == ("Europe/Berlin", 8 * 60 + 30)


@pytest.mark.parametrize(
    ("encoding", "message"),
    [("latin-1", "isn't valid UTF-8"), ("utf-16", "UTF-16")],
)
def test_a_wrong_encoding_is_refused_whole(
    cli,
    tmp_path: Path,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    encoding: str,
    message: str,
) -> None:
    lines = [HEADER, *GOOD[:2], GOOD[2].replace("Noor Ali", "Noór Ali")]
    file = write(tmp_path / "people.csv", lines, encoding)
    capsys.readouterr()

    assert cli(["participants", "import", str(file), "--programme", "pilot"]) == 2

    err = capsys.readouterr().err
    assert message in err and "CSV UTF-8" in err and "Nothing was imported" in err
    if encoding == "latin-1":
        assert "Line 4" in err
    assert counts(sqlite_url) == (0, 0)


def test_excel_bom_and_missing_columns(
    cli, tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bom = write(tmp_path / "excel.csv", [HEADER, GOOD[0]], "utf-8-sig")
    assert cli(["participants", "import", str(bom), "--programme", "pilot"]) == 0
    assert counts(sqlite_url) == (1, 1)

    no_consent = write(tmp_path / "short.csv", ["user_id,role,seniority", "ann,mentee,4"])
    capsys.readouterr()
    assert cli(["participants", "import", str(no_consent), "--programme", "pilot"]) == 2
    assert "no consent column" in capsys.readouterr().err
    assert cli(["participants", "import", str(bom), "--programme", "nope"]) == 2
    assert "no programme called 'nope'" in capsys.readouterr().err


def test_a_large_file_is_streamed_in_batches(
    cli, tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    for n in range(1_234):
        role = "mentor" if n % 2 else "mentee"
        writer.writerow(
            [
                f"u{n}",
                f"Person {n}",
                role,
                "Analyst",
                str(n % 5 + 1),
                "Ops",
                "",
                "UTC",
                "09:00",
                "17:00",
                "online",
                "",
                "digital",
                "leadership",
                "",
                "",
                "yes",
            ]
        )
    file = tmp_path / "big.csv"
    file.write_text(buffer.getvalue(), encoding="utf-8")
    capsys.readouterr()

    assert cli(["participants", "import", str(file), "--programme", "pilot"]) == 0

    out, err = capsys.readouterr()
    assert err.count("\rImporting [") == 3  # after each batch of 500, then the end
    assert "1,234 rows read: 1,234 enrolled" in out
    assert counts(sqlite_url) == (1_234, 1_234)


MANAGERS_HEADER = "user_id,display_name,email,role,seniority,manager,offers,consent"


def managers(sqlite_url: str) -> dict[str, tuple[str, str]]:
    """user id -> (manager's user id, manager still in words) for every enrolment."""
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Person.platform_user_id, Enrolment.manager_user_id, Enrolment.manager_named
            ).join(Enrolment, Enrolment.person_id == Person.id)
        ).all()
    engine.dispose()
    return {user_id: (manager, named) for user_id, manager, named in rows}


def test_a_manager_is_found_by_email_or_id_even_further_down_the_file(
    cli, tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(
        tmp_path / "people.csv",
        [
            MANAGERS_HEADER,
            "sam,Sam Okafor,sam@example.com,mentor,1,Lee@Example.com,digital,yes",
            "noor,Noor Ali,,mentor,2,<@lee>,digital,yes",
            "lee,Lee Chan,lee@example.com,mentee,5,,,yes",
        ],
    )
    capsys.readouterr()

    assert cli(["participants", "import", str(file), "--programme", "pilot"]) == 0

    assert "without a line manager" not in capsys.readouterr().out
    assert managers(sqlite_url) == {"sam": ("lee", ""), "noor": ("lee", ""), "lee": ("", "")}


def test_a_manager_no_one_can_be_found_by_is_reported_on_its_row_and_kept_in_words(
    cli, tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(
        tmp_path / "people.csv",
        [
            MANAGERS_HEADER,
            "sam,Sam Okafor,sam@example.com,mentor,1,grace@example.com,digital,yes",
            "lee,Lee Chan,not-an-email,mentee,5,,,yes",
        ],
    )
    capsys.readouterr()

    assert cli(["participants", "import", str(file), "--programme", "pilot"]) == 1

    out = capsys.readouterr().out
    assert "row 3, column email: 'not-an-email' isn't an email address" in out
    assert (
        "row 2, column manager: no one Tandem knows has the user id or email "
        "'grace@example.com'; imported without a line manager" in out
    )
    assert managers(sqlite_url) == {"sam": ("", "grace@example.com")}

    # Grace joins later: the next import (or matching run) finds her by the same email.
    write(
        file,
        [
            MANAGERS_HEADER,
            "grace,Grace Hopper,grace@example.com,mentee,5,,,yes",
            "sam,Sam Okafor,sam@example.com,mentor,1,grace@example.com,digital,yes",
        ],
    )
    assert cli(["participants", "import", str(file), "--programme", "pilot"]) == 0
    assert managers(sqlite_url)["sam"] == ("grace", "")

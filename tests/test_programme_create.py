"""`tandem programme create` refuses names people could not use, and a programme is a pilot
(or any wave) only when someone says so."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text

from bot.app.cli.main import main
from bot.runtime.host import Services
from flows.reports.figures import ProgrammeReport, as_text
from storage.models import Programme
from tests.playground_driver import PlaygroundDriver, text_of


@pytest.fixture
def cli_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TANDEM_DATABASE_URL", sqlite_url)
    return sqlite_url


def create(*args: str) -> int:
    return main(["programme", "create", "--workspace", "slack:T1", *args])


def stored(url: str) -> list[tuple[str, str, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT slug, name, wave FROM programmes ORDER BY id")).all()
    engine.dispose()
    return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.mark.parametrize("name", ["", "   ", "AB", "x" * 61])
def test_an_empty_or_unreasonable_name_is_refused(
    cli_db: str, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert create("--name", name) == 2
    assert "give the programme a name of 3 to 60 characters" in capsys.readouterr().err
    assert stored(cli_db) == []


def test_a_name_with_no_typeable_short_name_asks_for_a_slug(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert create("--name", "逆メンタリング") == 2
    assert "give one with --slug" in capsys.readouterr().err
    assert create("--name", "Mentoría inversa") == 0
    assert create("--name", "逆メンタリング", "--slug", "tokyo") == 0
    assert create("--name", "Another", "--slug", "Not a slug!") == 2
    assert "lower-case letters, digits and single hyphens" in capsys.readouterr().err
    assert [slug for slug, _, _ in stored(cli_db)] == ["mentoria-inversa", "tokyo"]


def test_a_duplicate_short_name_is_refused_naming_the_programme_that_has_it(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert create("--name", "Reverse mentoring 2027") == 0
    assert create("--name", "Reverse Mentoring  2027") == 2
    err = capsys.readouterr().err
    assert "short name 'reverse-mentoring-2027' already exists" in err
    assert "('Reverse mentoring 2027')" in err
    assert "--slug" in err
    assert len(stored(cli_db)) == 1


def test_a_programme_has_no_wave_unless_given_one(cli_db: str) -> None:
    assert create("--name", "Reverse mentoring 2027") == 0
    assert create("--name", "Second cohort", "--wave", "wave-2") == 0
    assert stored(cli_db) == [
        ("reverse-mentoring-2027", "Reverse mentoring 2027", ""),
        ("second-cohort", "Second cohort", "wave-2"),
    ]


async def test_the_sign_up_form_labels_a_programme_only_with_a_wave_it_has(
    playground: PlaygroundDriver,
) -> None:
    await playground.say("sam", "/mentoring signup")
    form = await playground.form("sam")
    assert form is not None
    [programme] = [f for f in form["body"]["fields"] if f["name"] == "programme"]
    assert [o["label"] for o in programme["options"]] == ["Reverse mentoring pilot"]


async def test_status_and_the_report_name_the_wave_only_when_there_is_one(
    playground: PlaygroundDriver, services: Services
) -> None:
    await playground.sign_up("sam")
    await playground.say("sam", "status")
    assert "Reverse mentoring pilot (" not in text_of(await playground.last_dm("sam"))
    report = as_text(ProgrammeReport("Reverse mentoring pilot", "pilot"), [])
    assert report.splitlines()[0] == "Report for Reverse mentoring pilot"

    async with services.db.sessions() as session:
        programme = await session.scalar(select(Programme))
        assert programme is not None
        programme.wave = "wave-2"
        await session.commit()
    await playground.say("sam", "status")
    assert "Reverse mentoring pilot (wave-2)" in text_of(await playground.last_dm("sam"))
    report = as_text(ProgrammeReport("Reverse mentoring pilot", "pilot", "wave-2"), [])
    assert report.splitlines()[0] == "Report for Reverse mentoring pilot (wave-2)"

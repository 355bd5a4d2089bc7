"""The `tandem` command line and how configuration is read."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, text

from bot.app.cli.main import main
from bot.core.config import Config


def test_playground_is_the_default_without_platform_credentials() -> None:
    config = Config.from_env({})
    assert config.playground and config.host == "127.0.0.1" and config.port == 3978
    assert config.database_url == "sqlite:///./tandem.db"


@pytest.mark.parametrize("variable", ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID"])
def test_playground_is_off_next_to_a_real_platform(variable: str) -> None:
    config = Config.from_env({variable: "x"})
    assert not config.playground and config.host == "0.0.0.0"


def test_playground_can_be_switched_on_deliberately() -> None:
    assert Config.from_env({"SLACK_BOT_TOKEN": "x", "TANDEM_PLAYGROUND": "on"}).playground
    assert not Config.from_env({"TANDEM_PLAYGROUND": "off"}).playground


def test_db_upgrade_and_programme_create(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TANDEM_DATABASE_URL", sqlite_url)
    assert main(["db", "upgrade"]) == 0
    code = main(
        [
            "programme",
            "create",
            "--workspace",
            "slack:T1",
            "--name",
            "Reverse mentoring 2027",
            "--starts",
            "2027-02-01",
            "--admin",
            "U1",
            "--champion",
            "U2",
            "--wave",
            "wave-2",
            "--matching",
            "random",
        ]
    )
    assert code == 0
    assert "Created 'Reverse mentoring 2027' (reverse-mentoring-2027)" in capsys.readouterr().out
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT kind, wave, starts_on, ends_on, session_count, matching_mode FROM programmes"
            )
        ).one()
        roles = conn.execute(
            text(
                "SELECT p.platform_user_id, r.role FROM programme_roles r JOIN people p ON p.id = r.person_id"
            )
        ).all()
    engine.dispose()
    assert row[0:2] == ("reverse", "wave-2") and row[4] == 6 and row[5] == "random"
    assert str(row[2]) == "2027-02-01" and str(row[3]) == str(date(2027, 8, 1))
    assert sorted(roles) == [("U1", "admin"), ("U2", "champion")]

    assert (
        main(["programme", "create", "--workspace", "slack:T1", "--name", "Reverse mentoring 2027"])
        == 2
    )
    assert "already exists" in capsys.readouterr().err
    assert main(["programme", "list", "--workspace", "slack:T1"]) == 0
    assert "reverse-mentoring-2027" in capsys.readouterr().out


def test_a_bad_workspace_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["programme", "list", "--workspace", "irc:x"])
    assert "slack:<team id>" in capsys.readouterr().err

"""Teams endpoint security with real credentials configured, and the app package command."""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft4Validator, Draft6Validator, validators
from jsonschema.exceptions import best_match
from sqlalchemy import select

from bot.app.bootstrap import build
from bot.app.cli.main import main
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.runtime.host import Services
from storage.models import Person
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams_driver import TeamsDriver

APP_ID = "8c2f6a1e-5b7d-4e0a-9f3c-1d2e3f4a5b6c"
MANIFEST_SCHEMA = Path(__file__).parent / "schemas" / "teams" / "MicrosoftTeams.v1.24.schema.json"


@pytest.fixture
async def secured(sqlite_url: str, clock: OffsetClock) -> AsyncIterator[Services]:
    config = Config(
        database_url=sqlite_url,
        playground=False,
        run_scheduler=False,
        teams_app_id=APP_ID,
        teams_app_password="not-a-real-secret",
    )
    services = await build(config, clock)
    yield services
    await services.close()


@pytest.fixture
async def driver(secured: Services) -> AsyncIterator[TeamsDriver]:
    async with FakeBotConnector() as fake, TestClient(TestServer(secured.web_app())) as client:
        yield TeamsDriver(client, fake)


def _forged_token() -> str:
    claims = {"iss": "https://evil.example.com", "aud": APP_ID, "serviceurl": "http://x/"}
    return jwt.encode(claims, "a-guessed-secret-that-is-long-enough-for-hs256", algorithm="HS256")


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "forged"],
)
async def test_requests_without_a_valid_token_get_401_and_do_nothing(
    driver: TeamsDriver, secured: Services, authorization: str | None
) -> None:
    headers = {}
    if authorization == "forged":
        headers["Authorization"] = f"Bearer {_forged_token()}"
    elif authorization is not None:
        headers["Authorization"] = authorization
    response = await driver.post(driver.message("29:sam", "signup"), headers=headers)
    assert response.status == 401
    assert driver.fake.received == []
    async with secured.db.sessions() as session:
        assert list(await session.scalars(select(Person))) == []


async def test_health_says_requests_are_authenticated(driver: TeamsDriver) -> None:
    body = await (await driver.client.get("/healthz")).json()
    assert body["teams"]["mode"] == "authenticated"


def _manifest_validator():  # type: ignore[no-untyped-def]
    schema = json.loads(MANIFEST_SCHEMA.read_text(encoding="utf-8"))
    with_const = validators.extend(Draft4Validator, {"const": Draft6Validator.VALIDATORS["const"]})
    return with_const(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def test_teams_package_command_writes_an_uploadable_zip(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    out = tmp_path / "tandem-teams.zip"
    assert (
        main(["teams-package", "--out", str(out), "--base-url", "https://tandem.contoso.com"]) == 0
    )
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
    error = best_match(_manifest_validator().iter_errors(manifest))
    assert error is None, f"{error.message} at {list(error.absolute_path)}"
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["tandem.contoso.com"]


def test_teams_package_command_needs_an_app_id(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    assert main(["teams-package", "--out", str(tmp_path / "x.zip")]) == 2
    assert "MICROSOFT_APP_ID" in capsys.readouterr().err
    assert main(["teams-package", "--out", str(tmp_path / "x.zip"), "--app-id", "nope"]) == 2
    assert not (tmp_path / "x.zip").exists()

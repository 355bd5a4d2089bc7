"""`tandem match preview|publish` against the database the playground uses."""

from __future__ import annotations

import asyncio

import pytest

from bot.app.cli.main import main
from bot.runtime.host import Services
from tests.matching_helpers import pairs, sign_up_pair
from tests.playground_driver import PlaygroundDriver


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_DATABASE_URL", sqlite_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "MICROSOFT_APP_ID"):
        monkeypatch.delenv(name, raising=False)


async def tandem(*argv: str) -> int:
    # The CLI runs its own event loop, as it does from a shell.
    return await asyncio.to_thread(main, list(argv))


async def test_preview_then_publish(
    env: None,
    playground: PlaygroundDriver,
    services: Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await sign_up_pair(playground)
    await playground.add_person("Noor")
    await playground.sign_up("noor", role="mentee", seniority="4", time_zone="Asia/Tokyo")
    capsys.readouterr()

    assert await tandem("match", "preview", "pilot") == 0
    out = capsys.readouterr().out
    assert "Reverse mentoring pilot (pilot): 1 proposed pair," in out
    assert "Sam" in out and "Priya" in out
    assert "- Different departments (Finance / Operations)" in out
    assert "Unmatched (1):" in out
    assert "Noor (mentee): no mentor shares enough working hours with them" in out
    assert "tandem match publish pilot" in out

    [proposed] = await pairs(services)
    assert await tandem("match", "preview", "pilot", "--current") == 0
    assert [p.id for p in await pairs(services)] == [proposed.id]  # not re-run

    assert await tandem("match", "publish", "pilot") == 0
    assert "Published: 1 pair introduced by DM." in capsys.readouterr().out
    assert [p.status for p in await pairs(services)] == ["introduced"]
    for user in ("sam", "priya"):
        intros = [t for t in await playground.dm_texts(user) if "Meet your match" in t]
        assert len(intros) == 1

    assert await tandem("match", "publish", "pilot") == 0
    assert "Nothing to publish" in capsys.readouterr().out


async def test_unknown_programme_and_platform(
    env: None, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await tandem("match", "preview", "nope") == 2
    assert "no programme called 'nope'" in capsys.readouterr().err
    assert await tandem("match", "publish", "pilot", "--workspace", "slack:T1") == 2
    assert "isn't configured for slack" in capsys.readouterr().err

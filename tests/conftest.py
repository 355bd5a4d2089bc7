"""Shared fixtures: real databases (SQLite file, PostgreSQL when configured) and the real app."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, text

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.runtime.host import Services
from tests.playground_driver import PlaygroundDriver

# A Monday morning in January: working hours, no DST edge.
START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
pytest_plugins = ["tests.slack_fixtures", "tests.teams_driver"]

POSTGRES_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "")


@pytest.fixture(autouse=True)
def keep_logging_as_pytest_set_it() -> Iterator[None]:
    """`tandem` commands run in tests configure logging for a process: their handler writes to
    the stream pytest captured for that test, closed afterwards. Put pytest's back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def postgres_schema_url(base_url: str) -> tuple[str, str]:
    """A fresh schema per test, so runs never see each other's rows."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}", schema


def drop_postgres_schema(base_url: str, schema: str) -> None:
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tandem.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Runs the test once on a SQLite file and once on PostgreSQL (skipped when not configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tandem.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TANDEM_TEST_POSTGRES_URL is not set")
    url, schema = postgres_schema_url(POSTGRES_URL)
    yield url
    drop_postgres_schema(POSTGRES_URL, schema)


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock(base=START)


@pytest.fixture
async def services(sqlite_url: str, clock: OffsetClock) -> AsyncIterator[Services]:
    config = Config(database_url=sqlite_url, playground=True, run_scheduler=False)
    services = await build(config, clock)
    yield services
    await services.close()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(services.web_app())) as test_client:
        yield test_client


@pytest.fixture
def playground(client: TestClient) -> PlaygroundDriver:
    return PlaygroundDriver(client)

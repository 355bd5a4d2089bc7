"""Forget-me erases physically: after it, what the person wrote cannot be read back from the
database files, and no row anywhere names them by platform user id.

A mentor writes a reflection through the real Slack and Teams adapters, then erases
everything. SQLite's files (`tandem.db`, its write-ahead log and shared-memory index) are
read as raw bytes; every table, on SQLite and PostgreSQL, is read row by row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import MetaData, make_url, select

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.refs import Platform, WorkspaceRef
from bot.runtime.host import Services
from flows.common.actions import SESSION_BOOK_ACTION
from storage.models import Pair
from tests.fakes.slack_api import FakeSlackApi
from tests.matching_helpers import enrol
from tests.programme_cycle import Cast, PairChat, book_session, confirm_fit
from tests.session_cycle_helpers import after, move_clock, sessions
from tests.slack_fixtures import ALICE, TEAM, SlackChat, SlackDriver, add_programme, slack_config
from tests.teams_driver import WORKSPACE, TeamsChat, TeamsDriver

MARKER = "REFLECTION-MARKER-7f3a9c"
MENTOR, MENTEE = "U0ERASE01", "U0KEEP002"


async def reflect_then_forget(chat: PairChat, services: Services, cast: Cast) -> None:
    """The pair's booked session takes place; the mentor writes a reflection, then asks to
    be forgotten."""
    meeting = (await sessions(services))[-1]
    await move_clock(services, after(meeting, 30))
    await chat.click(cast.mentor, "Write my reflection")
    await chat.submit(cast.mentor, {"learned": MARKER, "will_do": MARKER, "actions": MARKER})
    assert MARKER in await every_value(services)  # the check below reads the right places

    await chat.command(cast.mentor, "forget-me")
    await chat.click(cast.mentor, "Erase my data")
    assert "I've erased" in chat.texts(cast.mentor)[-1]
    assert "0 private reflections" not in chat.texts(cast.mentor)[-1]


async def every_value(services: Services) -> str:
    """Every value in every table of the database, as one string."""
    metadata = MetaData()
    async with services.db.engine.connect() as conn:
        await conn.run_sync(metadata.reflect)
        values = []
        for table in metadata.sorted_tables:
            for row in await conn.execute(select(table)):
                values.extend(str(value) for value in row)
    return "\n".join(values)


def database_files(services: Services) -> dict[str, bytes]:
    database = make_url(services.db.url).database
    assert database
    paths = [Path(database + suffix) for suffix in ("", "-wal", "-shm")]
    return {path.name: path.read_bytes() for path in paths if path.exists()}


async def assert_forgotten(services: Services, user_id: str) -> None:
    stored = await every_value(services)
    assert MARKER not in stored
    assert user_id not in stored, "a row still names the erased person"
    if services.db.engine.dialect.name == "sqlite":
        for name, content in database_files(services).items():
            assert MARKER.encode() not in content, f"the reflection is readable in {name}"
            assert user_id.encode() not in content, f"the person's id is readable in {name}"


@pytest.fixture
async def any_database_slack(
    database_url: str, clock: OffsetClock, fake: FakeSlackApi
) -> AsyncIterator[SlackDriver]:
    services = await build(slack_config(database_url, fake.url), clock)
    services.pacer.limits = {}
    async with TestClient(TestServer(services.web_app())) as client:
        driver = SlackDriver(client, fake, services)
        services.sender.sleep = driver.sleep
        yield driver
        await driver.settle()
    await services.close()


async def test_forget_me_on_slack_leaves_nothing_to_recover(
    any_database_slack: SlackDriver, fake: FakeSlackApi
) -> None:
    slack, services = any_database_slack, any_database_slack.services
    programme_id = await add_programme(services)
    workspace_id = await services.db.workspace_id(WorkspaceRef(Platform.SLACK, TEAM))
    for user in (MENTOR, MENTEE):
        fake.set_user(user, real_name=user.title())
    mentor = await enrol(services.db, workspace_id, programme_id, MENTOR, role="mentor")
    mentee = await enrol(services.db, workspace_id, programme_id, MENTEE, role="mentee")
    async with services.db.unit_of_work(workspace_id) as uow:
        pair = Pair(
            programme_id=programme_id,
            mentor_enrolment_id=mentor,
            mentee_enrolment_id=mentee,
            status="confirmed",
            created_at=services.clock.now(),
        )
        uow.pairs.add(pair)
        await uow.commit()
    # The mentor also installed the app: slack_sdk's store records the installer.
    store = AsyncSQLAlchemyInstallationStore("client-id", services.db.engine)
    await store.async_save(
        Installation(app_id="A0TANDEM", team_id=TEAM, bot_token="xoxb-1", user_id=MENTOR)
    )
    chat = SlackChat(slack, fake)
    await slack.click(SESSION_BOOK_ACTION, str(pair.id), user=MENTOR)
    await slack.settle()
    await chat.click_first(MENTOR, "sess_slot")
    await chat.click(MENTEE, "Accept")

    await reflect_then_forget(chat, services, Cast(mentor=MENTOR, mentee=MENTEE, admin=ALICE))

    await assert_forgotten(services, MENTOR)
    assert "has had to step back" in chat.texts(MENTEE)[-1]
    bot = await store.async_find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == "xoxb-1", "Tandem lost its workspace's bot"


async def test_every_sqlite_connection_overwrites_what_it_deletes(services: Services) -> None:
    """Some SQLite builds have secure_delete on by default, others not: Tandem turns it on."""
    async with services.db.engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar() == 1


async def test_forget_me_on_teams_leaves_nothing_to_recover(
    driver: TeamsDriver, teams: Services
) -> None:
    teams.pacer.limits = {}
    mentor, mentee, admin = "29:erase-me", "29:keep-me", "29:ada"
    workspace_id = await teams.db.workspace_id(WORKSPACE)
    for user in (mentor, mentee, admin):
        await driver.say(user, "help")  # Teams only lets the bot DM people it has met
    await enrol(teams.db, workspace_id, 1, mentor, role="mentor")
    await enrol(teams.db, workspace_id, 1, mentee, role="mentee")

    chat, cast = TeamsChat(driver), Cast(mentor=mentor, mentee=mentee, admin=admin)
    await confirm_fit(chat, teams, cast)
    await book_session(chat, cast, "Book our first session")
    await reflect_then_forget(chat, teams, cast)

    await assert_forgotten(teams, mentor)

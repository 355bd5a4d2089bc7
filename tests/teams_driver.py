"""Realistic Teams activities, POSTed to /api/messages the way the Bot Connector does."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

from bot.bootstrap import Services, build
from bot.clock import OffsetClock
from bot.config import Config
from bot.refs import Platform, WorkspaceRef
from storage.uow import Database
from tests.fakes.bot_connector import FakeBotConnector

TENANT = "6f1c2a9e-0000-4000-8000-000000000001"
WORKSPACE = WorkspaceRef(Platform.TEAMS, TENANT)
BOT_ID = "28:8c2f6a1e-5b7d-4e0a-9f3c-1d2e3f4a5b6c"
TEAM_ID = "19:team-general@thread.tacv2"
CARD_SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "schemas"
    / "adaptive-card"
    / "adaptive-card-1.5.json"
)
# What a person picks in the Teams sign-up card (values as Teams sends them back).
SIGNUP_INPUTS: dict[str, Any] = {
    "programme": "1",
    "role": "mentee",
    "job_title": "Chief Operating Officer",
    "seniority": "3",
    "department": "Operations",
    "manager": "",
    "time_zone": "Europe/London",
    "work_start": "540",
    "work_end": "1050",
    "medium": "online",
    "location": "",
    "offers": "leadership,digital",
    "goal_areas": "disability",
    "goals": "Understand how our tools feel to colleagues who work differently.",
    "lived_experience": "",
    "consent": "yes",
}


def dm_id(user_id: str) -> str:
    return f"a:1:dm-{user_id}"


def card_validator() -> Draft6Validator:
    schema = json.loads(CARD_SCHEMA.read_text(encoding="utf-8"))
    return Draft6Validator(schema, format_checker=Draft6Validator.FORMAT_CHECKER)


def assert_valid_card(card: dict[str, Any]) -> None:
    error = best_match(card_validator().iter_errors(card))
    assert error is None, f"{error.message} at {list(error.absolute_path)}"


def card_texts(card: dict[str, Any]) -> str:
    """Every piece of text a person reads on a card, as one string."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "label", "value", "errorMessage"):
                if isinstance(node.get(key), str):
                    out.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(out)


def submit_data(card: dict[str, Any]) -> dict[str, Any]:
    """The `data` of the card's submit action, as a client would echo it back."""
    (action,) = [a for a in card.get("actions", []) if a["type"] == "Action.Execute"]
    return dict(action["data"])


def button_data(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The `data` of the button with this title, wherever it sits on the card."""
    for element in card["body"]:
        for action in element.get("actions", []):
            if action.get("title") == title:
                return dict(action["data"])
    raise AssertionError(f"no button {title!r} on the card")


async def seed_programme(db: Database, admin_id: str = "29:ada") -> None:
    """An open programme in the Teams tenant, with Ada as its admin."""
    workspace_id = await db.workspace_id(WORKSPACE, "Contoso")
    now = db.clock.now()
    async with db.unit_of_work(workspace_id) as uow:
        admin = await uow.people.ensure(admin_id, now, display_name="Ada Admin")
        programme = await uow.programmes.create(
            slug="pilot",
            name="Reverse mentoring pilot",
            kind="reverse",
            wave="pilot",
            starts_on=(now + timedelta(days=14)).date(),
            ends_on=(now + timedelta(days=200)).date(),
            now=now,
        )
        await uow.programmes.add_role(programme.id, admin.id, "admin")
        await uow.commit()


class TeamsDriver:
    def __init__(self, client: TestClient, fake: FakeBotConnector) -> None:
        self.client = client
        self.fake = fake
        self._ids = itertools.count(1)

    def activity(self, user_id: str, activity_type: str, **fields: Any) -> dict[str, Any]:
        return {
            "type": activity_type,
            "id": f"1700000000{next(self._ids):03d}",
            "timestamp": "2027-01-04T09:00:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.fake.url,
            "from": {"id": user_id, "name": user_id.split(":")[-1].title(), "aadObjectId": "aad"},
            "recipient": {"id": BOT_ID, "name": "Tandem"},
            "conversation": {
                "id": dm_id(user_id),
                "conversationType": "personal",
                "tenantId": TENANT,
            },
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
            "localTimezone": "Europe/London",
            **fields,
        }

    def message(self, user_id: str, text: str, **fields: Any) -> dict[str, Any]:
        return self.activity(user_id, "message", text=text, textFormat="plain", **fields)

    def installed(self, user_id: str) -> dict[str, Any]:
        return self.activity(
            user_id, "conversationUpdate", membersAdded=[{"id": BOT_ID}], text=None
        )

    def invoke(self, user_id: str, data: dict[str, Any], reply_to_id: str) -> dict[str, Any]:
        value = {
            "action": {"type": "Action.Execute", "verb": "x", "data": data},
            "trigger": "manual",
        }
        return self.activity(
            user_id, "invoke", name="adaptiveCard/action", value=value, replyToId=reply_to_id
        )

    def submit(self, user_id: str, data: dict[str, Any], reply_to_id: str) -> dict[str, Any]:
        """An Action.Submit: a message with `value` and no text."""
        return self.activity(user_id, "message", value=data, replyToId=reply_to_id)

    def channel_message(
        self, user_id: str, text: str, channel_id: str, name: str
    ) -> dict[str, Any]:
        activity = self.message(
            user_id,
            f"<at>Tandem</at> {text}",
            entities=[
                {
                    "type": "mention",
                    "text": "<at>Tandem</at>",
                    "mentioned": {"id": BOT_ID, "name": "Tandem"},
                }
            ],
        )
        activity["conversation"] = {
            "id": f"{channel_id};messageid=1699999999999",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        }
        activity["channelData"] = {
            "tenant": {"id": TENANT},
            "team": {"id": TEAM_ID, "name": "Contoso"},
            "channel": {"id": channel_id, "name": name},
        }
        return activity

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return await self.client.post("/api/messages", json=activity, headers=headers)

    async def send(self, activity: dict[str, Any]) -> dict[str, Any] | None:
        response = await self.post(activity)
        assert response.status in (200, 201), await response.text()
        return await response.json() if response.status == 200 else None

    async def say(self, user_id: str, text: str) -> None:
        await self.send(self.message(user_id, text))


@pytest.fixture
async def connector() -> AsyncIterator[FakeBotConnector]:
    """A fake Bot Connector on localhost, where the bot's replies arrive."""
    async with FakeBotConnector() as fake:
        yield fake


@pytest.fixture
async def teams(sqlite_url: str, clock: OffsetClock) -> AsyncIterator[Services]:
    """Tandem with Teams in local development mode and an open programme Ada runs."""
    config = Config(
        database_url=sqlite_url, playground=False, run_scheduler=False, teams_local=True
    )
    services = await build(config, clock)
    await seed_programme(services.db)
    yield services
    await services.close()


@pytest.fixture
async def driver(teams: Services, connector: FakeBotConnector) -> AsyncIterator[TeamsDriver]:
    async with TestClient(TestServer(teams.web_app())) as client:
        yield TeamsDriver(client, connector)

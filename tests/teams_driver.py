"""Realistic Teams activities, POSTed to /api/messages the way the Bot Connector does."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.refs import Platform, WorkspaceRef
from bot.runtime.host import Services
from storage.uow import Database
from tests.fakes.bot_connector import FakeBotConnector

TENANT = "6f1c2a9e-0000-4000-8000-000000000001"
WORKSPACE = WorkspaceRef(Platform.TEAMS, TENANT)
BOT_ID = "28:8c2f6a1e-5b7d-4e0a-9f3c-1d2e3f4a5b6c"
TEAM_ID = "19:team-general@thread.tacv2"
CARD_SCHEMA = Path(__file__).parent / "schemas" / "adaptive-card" / "adaptive-card-1.5.json"
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


def object_id(user_id: str) -> str:
    """The person's Entra object id, as Teams sends it with each activity and as its people
    picker answers with."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"entra:{user_id}"))


def _with_people_picker(schema: dict[str, Any]) -> dict[str, Any]:
    """The 1.5 schema plus the one Teams extension Tandem uses: the people picker, a ChoiceSet
    whose `choices.data` is a `Data.Query` (defined as in the Adaptive Cards 1.6 schema,
    which adopted it). Every other property stays refused."""
    definitions = schema["definitions"]
    definitions["Data.Query"] = {
        "type": "object",
        "properties": {
            "type": {"enum": ["Data.Query"]},
            "dataset": {"type": "string"},
            "count": {"type": "number"},
            "skip": {"type": "number"},
        },
        "required": ["type", "dataset"],
        "additionalProperties": False,
    }
    choice_set = definitions["Input.ChoiceSet"]["properties"]
    choice_set["choices.data"] = {"$ref": "#/definitions/Data.Query"}
    return schema


def card_validator() -> Draft6Validator:
    schema = _with_people_picker(json.loads(CARD_SCHEMA.read_text(encoding="utf-8")))
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
            "from": {
                "id": user_id,
                "name": user_id.split(":")[-1].title(),
                "aadObjectId": object_id(user_id),
            },
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


CARD_CONTENT = "application/vnd.microsoft.card.adaptive"


def card_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Execute on the card, in reading order (action sets, then the card's own)."""
    found = [a for e in card.get("body", []) for a in e.get("actions", [])]
    found += card.get("actions", [])
    return [a for a in found if a.get("type") == "Action.Execute"]


def _input_answer(element: dict[str, Any], answer: Any) -> Any:
    """What Teams sends back for one input: its current value unless the person changed it."""
    if answer is None:
        return element.get("value", "")
    if isinstance(answer, list):
        return ",".join(answer)
    return answer


class TeamsChat:
    """Tandem on Teams as the people in a pair use it: card buttons by title, form cards, DMs.

    Clicks are `adaptiveCard/action` invokes replying to the card's activity; a card the bot
    answers an invoke with replaces that card, as Teams shows it. Every card seen, sent or
    answered, is checked against the Adaptive Card schema.
    """

    def __init__(self, driver: TeamsDriver) -> None:
        self.driver = driver
        self.fake = driver.fake
        self.validator = card_validator()
        # (position in the connector's log, activity id, card) for cards answered to invokes
        self._answered: list[tuple[int, str, dict[str, Any]]] = []
        self._valid: set[str] = set()

    def assert_valid(self, card: dict[str, Any]) -> None:
        key = json.dumps(card, sort_keys=True)
        if key in self._valid:  # the schema is large: check each distinct card once
            return
        error = best_match(self.validator.iter_errors(card))
        assert error is None, f"{error.message} at {list(error.absolute_path)}"
        self._valid.add(key)

    def assert_every_card_valid(self) -> int:
        cards = self.fake.cards() + [card for _, _, card in self._answered]
        for card in cards:
            self.assert_valid(card)
        return len(cards)

    def activities(self, user: str) -> list[tuple[str, dict[str, Any]]]:
        """(activity id, activity) in the user's chat as it reads now, oldest first."""
        current: dict[str, dict[str, Any]] = {}
        answered = iter(self._answered)
        pending = next(answered, None)
        for position, received in enumerate(self.fake.received):
            while pending is not None and pending[0] <= position:
                if pending[1] in current:
                    current[pending[1]] = {"attachments": [_card_attachment(pending[2])]}
                pending = next(answered, None)
            if received.conversation_id != dm_id(user):
                continue
            if received.operation == "delete":
                current.pop(received.activity_id, None)
            else:
                current[received.activity_id] = received.activity
        while pending is not None:
            if pending[1] in current:
                current[pending[1]] = {"attachments": [_card_attachment(pending[2])]}
            pending = next(answered, None)
        return list(current.items())

    def texts(self, user: str) -> list[str]:
        return [
            "\n".join(
                [activity.get("text") or ""]
                + [
                    card_texts(a["content"])
                    for a in activity.get("attachments") or ()
                    if a.get("contentType") == CARD_CONTENT
                ]
            )
            for _, activity in self.activities(user)
        ]

    def everything_sent(self, user: str) -> list[str]:
        """Every activity sent into the user's chat and every card answered to their clicks,
        each version as sent."""
        sent = [r for r in self.fake.received if r.conversation_id == dm_id(user)]
        ids = {r.activity_id for r in sent}
        return [json.dumps(r.activity, ensure_ascii=False) for r in sent] + [
            json.dumps(card, ensure_ascii=False)
            for _, activity_id, card in self._answered
            if activity_id in ids
        ]

    def _cards(self, user: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (activity_id, a["content"])
            for activity_id, activity in self.activities(user)
            for a in activity.get("attachments") or ()
            if a.get("contentType") == CARD_CONTENT
        ]

    async def command(self, user: str, text: str) -> None:
        await self.driver.say(user, text)

    async def click(self, user: str, label: str) -> None:
        await self._click_newest(user, lambda a: a.get("title") == label, label)

    async def click_first(self, user: str, action_id: str) -> None:
        await self._click_newest(user, lambda a: a["data"].get("action_id") == action_id, action_id)

    async def _click_newest(self, user: str, wanted: Any, what: str) -> None:
        for activity_id, card in reversed(self._cards(user)):
            for action in card_actions(card):
                if "form_id" not in action["data"] and wanted(action):
                    self.assert_valid(card)
                    await self._invoke(user, action, dict(action["data"]), activity_id)
                    return
        raise AssertionError(f"{user} has no {what!r} button")

    async def _invoke(
        self, user: str, action: dict[str, Any], data: dict[str, Any], activity_id: str
    ) -> dict[str, Any] | None:
        activity = self.driver.invoke(user, data, activity_id)
        activity["value"]["action"]["verb"] = action.get("verb", "")
        answer = await self.driver.send(activity)
        assert answer is not None and answer.get("statusCode") == 200, answer
        if answer.get("type") != CARD_CONTENT:
            return None
        card = answer["value"]
        self.assert_valid(card)
        self._answered.append((len(self.fake.received), activity_id, card))
        return card

    def _newest_form(self, user: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """(activity id, card, its submit action) of the newest form card in the chat."""
        for activity_id, card in reversed(self._cards(user)):
            for action in card_actions(card):
                if "form_id" in action["data"]:
                    return activity_id, card, action
        raise AssertionError(f"{user} has no form card")

    async def submit(self, user: str, values: dict[str, Any]) -> None:
        """Fill in the newest form card in the person's chat and press its submit button."""
        activity_id, card, send = self._newest_form(user)
        self.assert_valid(card)
        inputs = {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}
        unknown = set(values) - set(inputs)
        assert not unknown, f"the {send['data']['form_id']} form has no {unknown}"
        answers = {name: _input_answer(e, values.get(name)) for name, e in inputs.items()}
        answer = await self._invoke(user, send, {**send["data"], **answers}, activity_id)
        assert answer is not None, f"{user}'s form got no card back"
        assert "Thanks, that's done" in card_texts(answer), card_texts(answer)


def _card_attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT, "content": card}

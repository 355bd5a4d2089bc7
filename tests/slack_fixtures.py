"""Tandem with its Slack adapter, the real bolt app and slack_sdk client, against FakeSlackApi.

Requests reach /slack/events on Tandem's real aiohttp app, signed the way Slack signs them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from types import CodeType
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from slack_bolt.listener.asyncio_runner import AsyncioListenerRunner
from slack_bolt.version import __version__ as bolt_version
from slack_sdk.signature import SignatureVerifier

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.refs import Platform, WorkspaceRef
from bot.runtime.host import Services
from tests.fakes.slack_api import FakeSlackApi
from tests.playground_driver import SIGNUP_ANSWERS

PAYLOADS = Path(__file__).parent / "slack_payloads"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0TANDEM"
ALICE = "U0ALICE01"
BOB = "U0BOB0002"


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


class SteppedClock:
    """Monotonic seconds for the fake and the Pacer: they move only when something sleeps on
    them (the Sender's back-off, the Pacer's waits), which takes no real time at all."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)


def sign(body: str, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature or ""}


# Bolt runs each listener after its ack as a task of this private nested function. If bolt
# renamed it, settle() would find nothing to wait for and return at once, and every "nothing was
# sent" assertion after it would pass without checking anything.
BOLT_LISTENER_TASK = "run_ack_function_asynchronously"


def assert_bolt_names_its_listener_task(runner: type = AsyncioListenerRunner) -> None:
    nested = {c.co_name for c in runner.run.__code__.co_consts if isinstance(c, CodeType)}
    assert BOLT_LISTENER_TASK in nested, (
        f"slack_bolt {bolt_version} no longer defines {BOLT_LISTENER_TASK}() in "
        f"{runner.__qualname__}.run (it defines {sorted(nested)}), so settle() cannot tell its "
        "listener tasks apart: update BOLT_LISTENER_TASK in tests/slack_fixtures.py"
    )


def is_bolt_listener(task: asyncio.Task[Any]) -> bool:
    return task.get_coro().__qualname__.endswith(BOLT_LISTENER_TASK)  # type: ignore[union-attr]


async def settle() -> None:
    """Wait for every bolt listener still running after its ack (flows, DMs, Home tab)."""
    assert_bolt_names_its_listener_task()
    while pending := [t for t in asyncio.all_tasks() if is_bolt_listener(t) and not t.done()]:
        await asyncio.gather(*pending)


class SlackDriver:
    """Speaks to Tandem as Slack does; `settle()` waits for listeners still running after ack."""

    def __init__(self, client: TestClient, fake: FakeSlackApi, services: Services) -> None:
        self.client = client
        self.fake = fake
        self.services = services
        self._clock = fake.clock

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> ClientResponse:
        signed = sign(body) if headers is None else headers
        return await self.client.post(
            "/slack/events", data=body, headers={"Content-Type": content_type, **signed}
        )

    async def form_post(self, fields: dict[str, str], **kw: Any) -> ClientResponse:
        return await self.post(urlencode(fields), "application/x-www-form-urlencoded", **kw)

    async def command(self, text: str, user: str = ALICE) -> ClientResponse:
        body = {**payload("slash_command_signup"), "text": text, "user_id": user}
        body["trigger_id"] = f"trigger-{user}-{text}-{time.monotonic_ns()}"
        return await self.form_post(body)

    async def interactive(self, body: dict[str, Any]) -> ClientResponse:
        return await self.form_post({"payload": json.dumps(body)})

    async def click(
        self, action_id: str, value: str = "", user: str = ALICE, view: dict[str, Any] | None = None
    ) -> ClientResponse:
        body = payload("block_actions")
        body["user"] = {**body["user"], "id": user}
        body["actions"] = [{**body["actions"][0], "action_id": action_id, "value": value}]
        if view is not None:
            body["view"] = view
        return await self.interactive(body)

    def opened_view(self, callback_id: str, user: str = ALICE) -> dict[str, Any] | None:
        """The newest modal Tandem opened with this callback id, the user's own if known."""
        opened = [
            call
            for call in self.fake.calls("views.open")
            if call.ok and call.response["view"].get("callback_id") == callback_id
        ]
        own = [c for c in opened if str(c.params.get("trigger_id")).startswith(f"trigger-{user}-")]
        newest = (own or opened)[-1:] if opened else []
        return newest[0].response["view"] if newest else None

    async def submit(
        self,
        values: dict[str, Any],
        user: str = ALICE,
        callback_id: str = "signup",
        states: dict[str, Any] | None = None,
    ) -> ClientResponse:
        """Submit the modal Tandem opened (opening the sign-up form first if none is open),
        as Slack sends it back: its own blocks, with `values` filled in. `states` replaces
        whole inputs' `view.state` entries, as a tampered submission would."""
        view = self.opened_view(callback_id, user)
        if view is None and callback_id == "signup":
            await self.command("signup", user=user)
            await self.settle()
            view = self.opened_view(callback_id, user)
        assert view is not None, f"no {callback_id} modal was opened"
        body = payload("view_submission")
        body["user"] = {**body["user"], "id": user}
        state = filled_in(view, values)
        state.update({name: {name: element} for name, element in (states or {}).items()})
        body["view"] = {**view, "state": {"values": state}}
        return await self.interactive(body)

    async def event(self, body: dict[str, Any], **headers: str) -> ClientResponse:
        raw = json.dumps(body)
        return await self.post(raw, "application/json", {**sign(raw), **headers})

    async def say(self, text: str, user: str = ALICE, event_id: str = "Ev0MSG") -> ClientResponse:
        body = payload("message_im")
        body["event"] = {**body["event"], "text": text, "user": user}
        body["event_id"] = event_id
        return await self.event(body)

    async def settle(self) -> None:
        await settle()

    def dm_texts(self, user: str = ALICE) -> list[str]:
        return [
            json.dumps(m.get("blocks")) + m.get("text", "") for m in self.fake.messages_to(user)
        ]

    async def sleep(self, seconds: float) -> None:
        """The Sender's back-off: moves the fake's clock instead of waiting."""
        await self._clock.sleep(seconds)  # type: ignore[attr-defined]


def view_state(values: dict[str, Any]) -> dict[str, Any]:
    """Answers shaped as view.state.values, with the element types render_form gives each field."""
    selects = {"programme", "role", "seniority", "time_zone", "work_start", "work_end", "medium"}
    state: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, list):
            element = {
                "type": "multi_static_select",
                "selected_options": [{"value": v} for v in value],
            }
        elif name == "consent":
            element = {
                "type": "checkboxes",
                "selected_options": [{"value": "yes"}] if value else [],
            }
        elif name == "manager":
            element = {"type": "users_select", "selected_user": value or None}
        elif name in selects:
            element = {
                "type": "static_select",
                "selected_option": {"value": value} if value else None,
            }
        else:
            element = {"type": "plain_text_input", "value": value or None}
        state[name] = {name: element}
    return state


def filled_in(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` for a modal: `values` where given, else each input's initial value.

    Names the modal has no input for are sent too, shaped by `view_state`, as a tampered
    submission would send them.
    """
    inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
    state = {
        b["block_id"]: {
            b["element"]["action_id"]: _state_of(b["element"], values.get(b["block_id"]))
        }
        for b in inputs
    }
    extra = {name: value for name, value in values.items() if name not in state}
    return {**state, **view_state(extra)}


def slack_config(database_url: str, api_url: str, **overrides: Any) -> Config:
    options: dict[str, Any] = {
        "database_url": database_url,
        "playground": False,
        "run_scheduler": False,
        "slack_bot_token": "xoxb-test",
        "slack_signing_secret": SECRET,
        "slack_api_url": api_url,
        **overrides,
    }
    return Config(**options)


async def add_programme(services: Services, team: str = TEAM) -> int:
    db = services.db
    workspace_id = await db.workspace_id(WorkspaceRef(Platform.SLACK, team), "Tandem Test")
    now = services.clock.now()
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.create(
            slug="pilot",
            name="Reverse mentoring pilot",
            kind="reverse",
            wave="pilot",
            starts_on=(now + timedelta(days=14)).date(),
            ends_on=(now + timedelta(days=200)).date(),
            now=now,
        )
        await uow.commit()
        return programme.id


def signup_answers(programme_id: int) -> dict[str, Any]:
    return {**SIGNUP_ANSWERS, "programme": str(programme_id)}


@pytest.fixture
def slack_clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
async def fake(slack_clock: SteppedClock) -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(clock=slack_clock) as api:
        yield api


@pytest.fixture
async def slack_services(
    sqlite_url: str, clock: OffsetClock, fake: FakeSlackApi, slack_clock: SteppedClock
) -> AsyncIterator[Services]:
    services = await build(slack_config(sqlite_url, fake.url), clock)
    # Pacing is tested in its own module; here it would only make tests wait.
    services.pacer.limits = {}
    # A 429's pause runs on the fake's clock, so Retry-After takes no real time.
    services.pacer.monotonic, services.pacer.sleep = slack_clock, slack_clock.sleep
    yield services
    await services.close()


@pytest.fixture
async def slack(slack_services: Services, fake: FakeSlackApi) -> AsyncIterator[SlackDriver]:
    async with TestClient(TestServer(slack_services.web_app())) as client:
        driver = SlackDriver(client, fake, slack_services)
        slack_services.sender.sleep = driver.sleep
        yield driver
        await driver.settle()


@pytest.fixture
async def programme_id(slack_services: Services) -> int:
    return await add_programme(slack_services)


def slack_texts(node: Any) -> list[str]:
    """Every string a person reads in a message or view: mrkdwn, plain text, button labels."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [text for item in node for text in slack_texts(item)]
    if isinstance(node, dict):
        return slack_texts(node.get("text")) + slack_texts(
            [v for k, v in node.items() if k in ("blocks", "elements", "fields", "accessory")]
        )
    return []


def _state_of(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    """One input's `view.state` entry as Slack builds it; None keeps the element's initial value."""
    kind = element["type"]
    if kind in ("plain_text_input", "number_input"):
        value = element.get("initial_value") if answer is None else answer
        return {"type": kind, "value": value or None}
    if kind == "static_select":
        chosen = element.get("initial_option") if answer is None else {"value": answer}
        return {"type": kind, "selected_option": chosen if answer != "" else None}
    if kind == "multi_static_select":
        if answer is None:
            return {"type": kind, "selected_options": element.get("initial_options") or []}
        return {"type": kind, "selected_options": [{"value": v} for v in answer]}
    if kind == "users_select":
        return {
            "type": kind,
            "selected_user": element.get("initial_user") if answer is None else answer or None,
        }
    if kind == "checkboxes":
        ticked = bool(element.get("initial_options")) if answer is None else bool(answer)
        return {"type": kind, "selected_options": [{"value": "yes"}] if ticked else []}
    if kind == "datetimepicker":
        if isinstance(answer, str):
            answer = int(datetime.fromisoformat(answer).timestamp()) if answer else None
        chosen = element.get("initial_date_time") if answer is None else answer
        return {"type": kind, "selected_date_time": chosen}
    raise AssertionError(f"no view state for a {kind} element")


class SlackChat:
    """Tandem on Slack as the people in a pair use it: buttons by label, modals, their DMs.

    Clicks carry the real message's channel and ts, so updates land on real messages; every
    modal Tandem opens is filled in from its own blocks, as Slack would send it back.
    """

    def __init__(self, slack: SlackDriver, fake: FakeSlackApi) -> None:
        self.slack = slack
        self.fake = fake
        self._triggers = 0
        self._open_forms: dict[str, dict[str, Any]] = {}

    def messages(self, user: str) -> list[dict[str, Any]]:
        """The user's DM (or a channel) as it reads now: what Slack holds, in order, each
        message as last updated."""
        current = {
            (p.channel, p.ts): {**p.params, "channel": p.channel, "ts": p.ts}
            for p in self.fake.posts(user)
        }
        for call in self.fake.calls("chat.update"):
            key = (call.response.get("channel"), call.response.get("ts"))
            if call.ok and key in current:
                current[key] = {**call.params, "channel": key[0], "ts": key[1]}  # type: ignore[index]
        return list(current.values())

    def texts(self, user: str) -> list[str]:
        return ["\n".join(slack_texts(m)) for m in self.messages(user)]

    def everything_sent(self, user: str) -> list[str]:
        """Every post, update and view Slack accepted for the user, each version as sent."""
        channels, views, sent = {user}, set(), []
        for call in self.fake.calls():
            if not call.ok:
                continue
            params = call.params
            if call.method in ("chat.postMessage", "chat.update"):
                if params.get("channel") == user:
                    channels.add(call.response["channel"])
                if call.response.get("channel") not in channels:
                    continue
            elif call.method == "views.open":
                if not str(params.get("trigger_id", "")).startswith(f"trigger-{user}-"):
                    continue
                views.add(call.response["view"]["id"])
            elif call.method == "views.publish":
                if params.get("user_id") != user:
                    continue
                views.add(call.response["view"]["id"])
            elif call.method == "views.update":
                if params.get("view_id") not in views:
                    continue
            else:
                continue
            sent.append(json.dumps(params, ensure_ascii=False))
        return sent

    async def command(self, user: str, text: str) -> None:
        response = await self.slack.command(text, user=user)
        assert response.status == 200
        await self.slack.settle()

    async def click(self, user: str, label: str) -> None:
        await self._click_newest(user, lambda e: slack_texts(e.get("text")) == [label], label)

    async def click_first(self, user: str, action_id: str) -> None:
        await self._click_newest(
            user, lambda e: e.get("action_id", "").split(":")[0] == action_id, action_id
        )

    async def _click_newest(self, user: str, wanted: Any, what: str) -> None:
        for message in reversed(self.messages(user)):
            for block in message.get("blocks") or []:
                for element in block.get("elements") or []:
                    if element.get("type") == "button" and wanted(element):
                        await self._click(user, message, block, element)
                        return
        raise AssertionError(f"{user} has no {what!r} button")

    async def _click(
        self, user: str, message: dict[str, Any], block: dict[str, Any], element: dict[str, Any]
    ) -> None:
        self._triggers += 1
        trigger = f"trigger-{user}-{self._triggers}"
        channel, ts = message["channel"], message["ts"]
        body = payload("block_actions")
        body["user"] = {**body["user"], "id": user}
        body["trigger_id"] = trigger
        body["container"] = {**body["container"], "message_ts": ts, "channel_id": channel}
        body["channel"] = {"id": channel, "name": "directmessage"}
        body["message"] = {
            **body["message"],
            "ts": ts,
            "text": message.get("text", ""),
            "blocks": message.get("blocks") or [],
        }
        body["actions"] = [
            {
                **body["actions"][0],
                "action_id": element["action_id"],
                "block_id": block.get("block_id", ""),
                "text": element["text"],
                "value": element.get("value", ""),
            }
        ]
        response = await self.slack.interactive(body)
        assert response.status == 200
        await self.slack.settle()
        for call in self.fake.calls("views.open"):
            if call.ok and call.params.get("trigger_id") == trigger:
                self._open_forms[user] = call.response["view"]

    async def submit(self, user: str, values: dict[str, Any]) -> None:
        view = self._open_forms.pop(user, None)
        assert view is not None, f"{user} has no form open"
        inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
        unknown = set(values) - {b["block_id"] for b in inputs}
        assert not unknown, f"the {view['callback_id']} form has no {unknown}"
        state = {
            b["block_id"]: {
                b["element"]["action_id"]: _state_of(b["element"], values.get(b["block_id"]))
            }
            for b in inputs
        }
        body = payload("view_submission")
        body["user"] = {**body["user"], "id": user}
        body["view"] = {**view, "state": {"values": state}}
        not_saved = sum("couldn't save that form" in t for t in self.texts(user))
        response = await self.slack.interactive(body)
        assert response.status == 200
        answer = await response.text()
        assert "response_action" not in answer, f"{view['callback_id']} form refused: {answer}"
        await self.slack.settle()
        assert sum("couldn't save that form" in t for t in self.texts(user)) == not_saved

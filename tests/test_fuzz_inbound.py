"""Every inbound payload shape, spoilt: the server never answers 500 and never keeps half a change.

Realistic payloads (the recorded Slack ones, the modal and card Tandem really sent, the
playground page's requests) get keys dropped or replaced with wrong types, garbage and control
characters. Whatever arrives, the answer is below 500, and a refused submission leaves no
enrolment behind.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app.bootstrap import build
from bot.core.clock import OffsetClock
from bot.runtime.host import Services
from storage.models import Enrolment
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlackApi
from tests.fuzzing import FORM_TEXT, FUZZ, spoil
from tests.playground_driver import SIGNUP_ANSWERS, PlaygroundDriver
from tests.slack_fixtures import (
    SlackDriver,
    filled_in,
    payload,
    sign,
    signup_answers,
    slack_config,
)
from tests.teams_driver import SIGNUP_INPUTS, TeamsDriver, dm_id, submit_data

SAM = "29:sam"


@pytest.fixture
async def slack_services(
    database_url: str, clock: OffsetClock, fake: FakeSlackApi
) -> AsyncIterator[Services]:
    """On SQLite and on PostgreSQL, which refuses some text SQLite keeps."""
    services = await build(slack_config(database_url, fake.url), clock)
    services.pacer.limits = {}
    yield services
    await services.close()


async def enrolments(services: Services) -> int:
    async with services.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Enrolment)) or 0)


async def assert_answered(response: ClientResponse) -> str:
    body = await response.text()
    assert response.status < 500, body
    return body


def refused(body: str) -> bool:
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and bool(answer.get("errors") or answer.get("error"))


# --- Slack -------------------------------------------------------------------------------


async def signup_view(slack: SlackDriver) -> dict[str, Any]:
    view = slack.opened_view("signup")
    if view is None:
        await slack.command("signup")
        await slack.settle()
        view = slack.opened_view("signup")
    assert view is not None
    return view


@FUZZ
@given(data=st.data())
async def test_slack_view_submissions(
    slack: SlackDriver, slack_services: Services, programme_id: int, data: st.DataObject
) -> None:
    view = await signup_view(slack)
    body = payload("view_submission")
    body["view"] = {**view, "state": {"values": filled_in(view, signup_answers(programme_id))}}
    under = data.draw(st.sampled_from([("view", "state", "values"), ("view",), ()]))
    before = await enrolments(slack_services)

    answer = await assert_answered(await slack.interactive(spoil(data, body, under)))
    await slack.settle()

    if refused(answer):
        assert await enrolments(slack_services) == before
    # Acknowledged answers are kept: the modal has closed, so a late failure would lose them.
    assert not any("couldn't save that form" in str(c.params) for c in slack.fake.calls())


@FUZZ
@given(data=st.data())
async def test_slack_block_actions_and_events(
    slack: SlackDriver, programme_id: int, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(["block_actions", "message_im", "app_home_opened"]))
    spoilt = spoil(data, payload(name))
    if name == "block_actions":
        response = await slack.interactive(spoilt)
    else:
        response = await slack.event(spoilt)
    await assert_answered(response)
    await slack.settle()


@FUZZ
@given(data=st.data())
async def test_slack_slash_commands(slack: SlackDriver, data: st.DataObject) -> None:
    fields = spoil(data, payload("slash_command_signup"), junk=FORM_TEXT)
    await assert_answered(await slack.form_post(fields))
    await slack.settle()


@FUZZ
@given(raw=st.binary(max_size=64), content_type=st.sampled_from(["application/json", "x/y"]))
async def test_slack_signed_garbage(slack: SlackDriver, raw: bytes, content_type: str) -> None:
    text = raw.decode("utf-8", errors="replace")
    response = await slack.client.post(
        "/slack/events",
        data=text.encode(),
        headers={"Content-Type": content_type, **sign(text)},
    )
    await assert_answered(response)
    await slack.settle()


# --- Teams -------------------------------------------------------------------------------


def signup_cards(connector: FakeBotConnector) -> list[dict[str, Any]]:
    return [
        card
        for card in connector.cards(dm_id(SAM))
        if any(a.get("data", {}).get("form_id") == "signup" for a in card.get("actions", []))
    ]


async def signup_card_data(driver: TeamsDriver, connector: FakeBotConnector) -> dict[str, Any]:
    """The first sign-up card Tandem sent Sam, as its submit button sends it back."""
    if not signup_cards(connector):
        await driver.say(SAM, "signup")
    return {**submit_data(signup_cards(connector)[0]), **SIGNUP_INPUTS}


@FUZZ
@given(data=st.data())
async def test_teams_activities_and_invokes(
    driver: TeamsDriver, connector: FakeBotConnector, teams: Services, data: st.DataObject
) -> None:
    form = await signup_card_data(driver, connector)
    shapes = {
        "form": driver.invoke(SAM, form, "1:1"),
        "submit": driver.submit(SAM, form, "1:1"),
        "message": driver.message(SAM, "status"),
        "installed": driver.installed(SAM),
        "button": driver.invoke(SAM, {"action_id": "pause", "value": "1"}, "1:2"),
    }
    name = data.draw(st.sampled_from(sorted(shapes)))
    under = ("value", "action", "data") if name == "form" and data.draw(st.booleans()) else ()
    before = await enrolments(teams)

    response = await driver.post(spoil(data, shapes[name], under))
    answer = await assert_answered(response)

    card = json.loads(answer).get("value") if response.status == 200 else None
    if name == "form" and "Thanks, that's done" not in json.dumps(card):
        assert await enrolments(teams) == before


# --- Playground ----------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
async def test_playground_posts(
    playground: PlaygroundDriver, client: TestClient, services: Services, data: st.DataObject
) -> None:
    if await playground.form("sam") is None:
        await playground.say("sam", "signup")
    form = await playground.form("sam")
    shapes = {
        "submit": {"as": "sam", "item_id": form["id"] if form else 0, "values": SIGNUP_ANSWERS},
        "say": {"as": "sam", "text": "status", "request_id": "r1"},
        "click": {"as": "sam", "action_id": "pause", "value": "1", "values": {"choices": ["a"]}},
        "people": {"name": "Jo Bloggs"},
        "clock": {"minutes": 30},
        "close-form": {"as": "sam", "item_id": 1},
    }
    name = data.draw(st.sampled_from(sorted(shapes)))
    before = await enrolments(services)

    response = await client.post(
        f"/playground/{name}",
        data=json.dumps(spoil(data, shapes[name])),
        headers={**await playground.page_headers(), "Content-Type": "application/json"},
    )
    answer = await assert_answered(response)

    if name == "submit" and (response.status != 200 or refused(answer)):
        assert await enrolments(services) == before

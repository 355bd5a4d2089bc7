"""Slack's Request URL under bad input: refused with a short answer, never a 500, nothing saved.

Every test runs on SQLite and on PostgreSQL (which refuses NUL characters outright).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from sqlalchemy import func, select

from bot.app.bootstrap import build
from bot.core.answers import OFF_LIST, UNSTORABLE
from bot.core.clock import OffsetClock
from bot.runtime.host import Services
from storage.models import Enrolment
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_fixtures import SlackDriver, sign, signup_answers, slack_config

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@pytest.fixture
async def slack_services(
    database_url: str, clock: OffsetClock, fake: FakeSlackApi
) -> AsyncIterator[Services]:
    services = await build(slack_config(database_url, fake.url), clock)
    services.pacer.limits = {}
    yield services
    await services.close()


async def enrolments(services: Services) -> int:
    async with services.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Enrolment)) or 0)


async def refused_briefly(response: ClientResponse, status: int) -> None:
    body = await response.text()
    assert response.status == status, body
    assert len(body) < 100 and "Traceback" not in body


def field_errors(body: str) -> dict[str, str]:
    answer = json.loads(body)
    assert answer["response_action"] == "errors", answer
    return answer["errors"]


# Case: unsigned garbage answered 500 with a traceback (bolt parsed before it verified).
@pytest.mark.parametrize(
    ("body", "content_type", "headers"),
    [
        (b"\xff\xfe\x00garbage", FORM, {}),
        (b"{not json", JSON, {}),
        (b"{not json", JSON, {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=1"}),
        (b"payload=%7Bnot", FORM, {"X-Slack-Request-Timestamp": "\u0661\u0662"}),
        (b"command=%2Fmentoring", FORM, {"X-Slack-Signature": "v0=\u00e9"}),
    ],
)
async def test_unsigned_garbage_gets_a_short_401(
    slack: SlackDriver, body: bytes, content_type: str, headers: dict[str, str]
) -> None:
    response = await slack.client.post(
        "/slack/events", data=body, headers={"Content-Type": content_type, **headers}
    )
    await refused_briefly(response, 401)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{not json", JSON), ("[1, 2]", JSON), ('"text"', JSON), ("payload=%7Bnot", FORM)],
)
async def test_signed_but_unreadable_bodies_get_a_short_400(
    slack: SlackDriver, body: str, content_type: str
) -> None:
    response = await slack.post(body, content_type)
    await refused_briefly(response, 400)


# Case: wrong-typed fields in a signed submission answered 500.
@pytest.mark.parametrize(
    ("states", "field"),
    [
        ({"job_title": {"type": "plain_text_input", "value": {"nested": "object"}}}, "job_title"),
        ({"department": {"type": "plain_text_input", "value": ["a", "list"]}}, "department"),
        ({"role": {"type": "static_select", "selected_option": {"text": "no value"}}}, "role"),
        ({"offers": {"type": "multi_static_select", "selected_options": [{}]}}, "offers"),
        ({"work_start": {"type": "static_select", "selected_option": {"value": "²"}}}, None),
        ({"goals": "not an element"}, "goals"),
    ],
)
async def test_wrong_typed_answers_get_a_field_error_and_nothing_is_saved(
    slack: SlackDriver, slack_services: Services, programme_id: int, states: dict, field: str
) -> None:
    response = await slack.submit(signup_answers(programme_id), states=states)
    await slack.settle()

    assert response.status == 200
    errors = field_errors(await response.text())
    assert (field or "work_start") in errors
    assert await enrolments(slack_services) == 0


async def test_a_number_where_text_is_expected_is_read_as_its_digits(
    slack: SlackDriver, slack_services: Services, programme_id: int
) -> None:
    states = {"department": {"type": "plain_text_input", "value": 42}}
    response = await slack.submit(signup_answers(programme_id), states=states)
    await slack.settle()

    assert (response.status, await response.text()) == (200, "")
    assert await enrolments(slack_services) == 1


# Case: an off-list work_end=100000 was saved.
async def test_an_option_the_form_never_offered_is_refused_on_its_field(
    slack: SlackDriver, slack_services: Services, programme_id: int
) -> None:
    response = await slack.submit({**signup_answers(programme_id), "work_end": "100000"})
    await slack.settle()

    assert field_errors(await response.text()) == {"work_end": OFF_LIST}
    assert await enrolments(slack_services) == 0


async def test_answers_to_fields_the_modal_never_had_are_dropped(
    slack: SlackDriver, slack_services: Services, programme_id: int
) -> None:
    response = await slack.submit({**signup_answers(programme_id), "is_admin": "yes"})
    await slack.settle()

    assert (response.status, await response.text()) == (200, "")
    assert await enrolments(slack_services) == 1


# Case: a NUL byte in an answer failed after the ack on PostgreSQL; the answers were lost.
@pytest.mark.parametrize("bad", ["Finance\x00", "Fin\x1bance", "\ud800"])
async def test_a_control_character_is_refused_on_its_field_before_the_ack(
    slack: SlackDriver, slack_services: Services, programme_id: int, bad: str
) -> None:
    answers = signup_answers(programme_id)
    response = await slack.submit({**answers, "department": bad})
    await slack.settle()

    assert field_errors(await response.text()) == {"department": UNSTORABLE}
    assert await enrolments(slack_services) == 0
    assert slack.fake.calls("chat.postMessage") == []

    # Tabs and line breaks are ordinary text.
    response = await slack.submit({**answers, "goals": "Listen first.\r\n\tThen ask."})
    await slack.settle()
    assert (response.status, await response.text()) == (200, "")
    assert await enrolments(slack_services) == 1


async def test_a_submission_naming_no_person_is_acknowledged_and_ignored(
    slack: SlackDriver, slack_services: Services
) -> None:
    view = {"type": "modal", "callback_id": "signup", "state": {"values": {}}}
    body: dict[str, Any] = {"type": "view_submission", "team": {"id": "T0TANDEM"}, "view": view}
    response = await slack.interactive(body)
    await slack.settle()

    assert (response.status, await response.text()) == (200, "")
    assert await enrolments(slack_services) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"type": "view_submission", "view": 7},
        {"type": "view_submission", "view": {"callback_id": ["signup"]}},
        {"type": "block_actions", "actions": ["not an action"]},
        {"type": "event_callback", "event": {"type": {"nested": 1}}},
        {"type": 5},
    ],
)
async def test_a_signed_payload_of_another_shape_gets_a_short_400(
    slack: SlackDriver, body: dict[str, Any]
) -> None:
    await refused_briefly(await slack.interactive(body), 400)


async def test_an_old_timestamp_is_still_refused(slack: SlackDriver) -> None:
    body = "command=%2Fmentoring&text=help&user_id=U0ALICE01&team_id=T0TANDEM"
    response = await slack.post(body, FORM, headers=sign(body, at=time.time() - 3600))
    await refused_briefly(response, 401)

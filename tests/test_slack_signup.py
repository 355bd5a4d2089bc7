"""Sign-up works on Slack end to end: slash command, modal, field errors, enrolment, DM."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.runtime.host import Services
from storage.models import Enrolment
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_fixtures import (
    ALICE,
    SlackDriver,
    signup_answers,
)


async def enrolments(services: Services) -> int:
    async with services.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Enrolment)) or 0)


async def test_slash_command_opens_the_signup_modal_with_the_trigger(
    slack: SlackDriver, fake: FakeSlackApi, programme_id: int
) -> None:
    response = await slack.command("signup")
    await slack.settle()

    assert response.status == 200
    assert await response.text() == ""
    [opened] = fake.calls("views.open")
    assert opened.ok
    assert opened.params["trigger_id"].startswith(f"trigger-{ALICE}-signup")
    view = opened.params["view"]
    assert view["type"] == "modal"
    assert view["callback_id"] == "signup"
    assert "Reverse mentoring pilot" in str(view["blocks"])


async def test_missing_answers_come_back_on_the_fields_and_nothing_is_stored(
    slack: SlackDriver, slack_services: Services, programme_id: int
) -> None:
    answers = signup_answers(programme_id)
    answers.update(job_title="", consent="")

    response = await slack.submit(answers)
    await slack.settle()

    assert response.status == 200
    body = await response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"job_title", "consent"}
    assert await enrolments(slack_services) == 0
    assert slack.fake.calls("chat.postMessage") == []


async def test_valid_submission_enrols_and_confirms_by_dm(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    response = await slack.submit(signup_answers(programme_id))
    await slack.settle()

    assert response.status == 200
    assert await response.text() == ""
    assert await enrolments(slack_services) == 1
    [confirmation] = fake.messages_to(ALICE)
    # Posted straight to the person's app DM: no conversations.open round trip.
    assert fake.calls("conversations.open") == []
    assert "signed up for" in confirmation["text"]
    assert "Reverse mentoring pilot" in confirmation["text"]


async def test_the_ack_is_sent_before_the_database_write_and_the_dm(
    slack: SlackDriver, fake: FakeSlackApi, slack_services: Services, programme_id: int
) -> None:
    gate = fake.hold("chat.postMessage")

    response = await asyncio.wait_for(slack.submit(signup_answers(programme_id)), timeout=5)

    assert response.status == 200
    assert fake.calls("chat.postMessage") == []
    gate.set()
    await slack.settle()
    assert await enrolments(slack_services) == 1
    assert len(fake.messages_to(ALICE)) == 1


async def test_signup_typed_in_a_dm_sends_a_button_that_opens_the_form(
    slack: SlackDriver, fake: FakeSlackApi, programme_id: int
) -> None:
    response = await slack.say("signup")
    await slack.settle()

    assert response.status == 200
    assert fake.calls("views.open") == []
    [offer] = fake.messages_to(ALICE)
    [button] = [e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == "Open the form"

    await slack.click(button["action_id"], button.get("value", ""))
    await slack.settle()
    [opened] = fake.calls("views.open")
    assert opened.params["view"]["callback_id"] == "signup"


async def test_an_expired_trigger_falls_back_to_the_button(
    slack: SlackDriver, fake: FakeSlackApi, programme_id: int
) -> None:
    fake.fail("views.open", "expired_trigger_id")

    await slack.command("signup")
    await slack.settle()

    [offer] = fake.messages_to(ALICE)
    assert "Open the form" in str(offer["blocks"])

"""Commands, clicks, DMs, the Home tab and uninstalls arrive through bolt as Slack sends them."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from bot.core.outbound import Message, Text
from bot.core.refs import Platform, UserRef, WorkspaceRef
from bot.runtime.host import Services
from storage.models import Delivery, Enrolment, Workspace
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_fixtures import (
    ALICE,
    TEAM,
    SlackDriver,
    payload,
    sign,
    signup_answers,
)

WORKSPACE = WorkspaceRef(Platform.SLACK, TEAM)


async def signed_up(slack: SlackDriver, programme_id: int) -> dict[str, Any]:
    await slack.submit(signup_answers(programme_id))
    await slack.settle()
    return slack.fake.messages_to(ALICE)[-1]


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        e["text"]["text"]: e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


async def test_status_before_signing_up_says_how_to_join(slack: SlackDriver) -> None:
    await slack.command("status")
    await slack.settle()

    [reply] = slack.fake.messages_to(ALICE)
    assert "not signed up" in reply["text"]


async def test_status_after_signing_up_shows_the_programme(
    slack: SlackDriver, programme_id: int
) -> None:
    await signed_up(slack, programme_id)

    await slack.command("status")
    await slack.settle()

    reply = slack.fake.messages_to(ALICE)[-1]
    assert "Reverse mentoring pilot" in str(reply["blocks"])
    assert "not matched yet" in str(reply["blocks"])


async def test_bare_command_and_unknown_subcommand_get_help(slack: SlackDriver) -> None:
    await slack.command("")
    await slack.command("frobnicate now")
    await slack.settle()

    help_text, unknown = [str(m["blocks"]) for m in slack.fake.messages_to(ALICE)]
    assert "`signup`" in help_text
    assert "I don't know `frobnicate`" in unknown
    assert "`signup`" in unknown


async def test_pause_button_pauses_the_signup(
    slack: SlackDriver, slack_services: Services, programme_id: int
) -> None:
    confirmation = await signed_up(slack, programme_id)
    pause = buttons(confirmation)["Pause"]

    response = await slack.click(pause["action_id"], pause["value"])
    await slack.settle()

    assert response.status == 200
    assert "You're paused" in slack.fake.messages_to(ALICE)[-1]["text"]
    async with slack_services.db.sessions() as session:
        assert await session.scalar(select(Enrolment.status)) == "paused"


async def test_an_unknown_or_stale_button_gets_a_friendly_reply(slack: SlackDriver) -> None:
    await slack.click("session_feedback:0", "great")
    await slack.settle()

    [reply] = slack.fake.messages_to(ALICE)
    assert "expired" in reply["text"]


async def test_a_slack_retry_of_the_same_event_is_handled_once(slack: SlackDriver) -> None:
    body = {**payload("message_im"), "event_id": "Ev0RETRY01"}
    first = await slack.event(body)
    retry = await slack.event(
        body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    await slack.settle()

    assert (first.status, retry.status) == (200, 200)
    assert len(slack.fake.messages_to(ALICE)) == 1


async def test_bot_messages_and_edits_are_ignored(slack: SlackDriver) -> None:
    body = payload("message_im")
    body["event"] = {**body["event"], "subtype": "message_changed"}
    await slack.event(body)
    body = payload("message_im")
    body["event"] = {**body["event"], "bot_id": "B0OTHER"}
    body["event_id"] = "Ev0BOTMSG"
    await slack.event(body)
    await slack.settle()

    assert slack.fake.calls("chat.postMessage") == []


async def test_unsigned_forged_and_replayed_requests_are_rejected(slack: SlackDriver) -> None:
    body = "command=%2Fmentoring&text=help&user_id=U0ALICE01&team_id=T0TANDEM"
    form = "application/x-www-form-urlencoded"

    unsigned = await slack.post(body, form, headers={})
    forged = await slack.post(body, form, headers=sign(body, secret="not-the-secret"))
    replayed = await slack.post(body, form, headers=sign(body, at=time.time() - 6 * 60))
    tampered = await slack.post(body.replace("help", "forget-me"), form, headers=sign(body))
    await slack.settle()

    assert [r.status for r in (unsigned, forged, replayed, tampered)] == [401, 401, 401, 401]
    assert slack.fake.calls() == []


async def test_home_tab_shows_the_persons_programme_and_quick_actions(
    slack: SlackDriver, programme_id: int
) -> None:
    await signed_up(slack, programme_id)

    await slack.event(payload("app_home_opened"))
    await slack.settle()

    [published] = slack.fake.calls("views.publish")
    assert published.params["user_id"] == ALICE
    view = published.params["view"]
    assert view["type"] == "home"
    assert "Reverse mentoring pilot" in str(view["blocks"])
    assert {"Edit my answers", "Pause"} <= set(buttons(view))


async def test_pausing_from_the_home_tab_refreshes_it(
    slack: SlackDriver, programme_id: int
) -> None:
    await signed_up(slack, programme_id)
    await slack.event(payload("app_home_opened"))
    await slack.settle()
    home = slack.fake.calls("views.publish")[-1].params["view"]
    pause = buttons(home)["Pause"]

    await slack.click(pause["action_id"], pause["value"], view={"type": "home", "id": "V1"})
    await slack.settle()

    refreshed = slack.fake.calls("views.publish")[-1].params["view"]
    assert "Resume" in buttons(refreshed)


async def test_home_tab_before_signing_up_offers_sign_up(slack: SlackDriver) -> None:
    await slack.event(payload("app_home_opened"))
    await slack.settle()

    [published] = slack.fake.calls("views.publish")
    assert "Sign up" in buttons(published.params["view"])


async def test_after_uninstall_nothing_more_is_sent_to_that_workspace(
    slack: SlackDriver, slack_services: Services
) -> None:
    response = await slack.event(payload("app_uninstalled"))
    await slack.settle()
    assert response.status == 200

    workspace_id = await slack_services.db.workspace_id(WORKSPACE)
    sent = await slack_services.sender.send_now(
        workspace_id, UserRef(WORKSPACE, ALICE), Message("Hello", (Text("Hello"),)), kind="test"
    )

    assert sent is None
    assert slack.fake.calls("chat.postMessage") == []
    async with slack_services.db.sessions() as session:
        assert (
            await session.scalar(select(Workspace.active).where(Workspace.id == workspace_id))
            is False
        )
        assert await session.scalar(select(Delivery.state)) == "unreachable"


async def test_revoked_bot_token_also_stops_sending(
    slack: SlackDriver, slack_services: Services, fake: FakeSlackApi
) -> None:
    await slack.event(payload("tokens_revoked"))
    await slack.settle()

    workspace_id = await slack_services.db.workspace_id(WORKSPACE)
    sent = await slack_services.sender.send_now(
        workspace_id, UserRef(WORKSPACE, ALICE), Message("Hello", (Text("Hello"),)), kind="test"
    )
    assert sent is None
    assert fake.calls("chat.postMessage") == []

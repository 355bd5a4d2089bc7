"""The fake Bot Connector, driven by the real botframework-connector client.

These tests also pin down how Bot Connector failures reach the adapter, so it can tell
"this person blocked the bot" (never retry) from "slow down" (retry after a while).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from botbuilder.core import CardFactory
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from msrest.exceptions import ClientRequestError

from adapters.teams.cards import render_message_card
from bot.core.outbound import Message, Text
from tests.fakes.bot_connector import FakeBotConnector

DM = "a:1:dm-with-ana"
CHANNEL_THREAD = "19:general@thread.tacv2;messageid=1700000000000"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotConnector]:
    async with FakeBotConnector() as connector:
        yield connector


@pytest.fixture
def client(fake: FakeBotConnector) -> ConnectorClient:
    # No app id: the credentials add no token, which is all a local fake needs.
    return ConnectorClient(MicrosoftAppCredentials("", ""), base_url=fake.url)


def _message(text: str) -> Activity:
    return Activity(type="message", text=text)


async def test_send_to_conversation_is_recorded(fake, client) -> None:
    sent = await client.conversations.send_to_conversation(DM, _message("Welcome!"))
    again = await client.conversations.send_to_conversation(DM, _message("Still there?"))
    assert sent.id and again.id and sent.id != again.id
    assert fake.texts(DM) == ["Welcome!", "Still there?"]
    assert [r.operation for r in fake.activities(DM)] == ["send", "send"]
    assert fake.activities(DM)[0].activity_id == sent.id


async def test_reply_keeps_teams_style_conversation_ids_intact(fake, client) -> None:
    reply = await client.conversations.reply_to_activity(
        CHANNEL_THREAD, "1700000000000", _message("Thread reply")
    )
    (received,) = fake.activities(CHANNEL_THREAD)
    assert (received.operation, received.reply_to_id) == ("reply", "1700000000000")
    assert received.activity_id == reply.id
    assert fake.texts() == ["Thread reply"]


async def test_cards_arrive_intact_and_updates_replace_them(fake, client) -> None:
    first = render_message_card(Message("Match", (Text("You have a match"),)))
    second = render_message_card(Message("Done", (Text("Thanks, noted"),)))
    activity = Activity(type="message", attachments=[CardFactory.adaptive_card(first)])
    sent = await client.conversations.send_to_conversation(DM, activity)
    update = Activity(type="message", id=sent.id, attachments=[CardFactory.adaptive_card(second)])
    await client.conversations.update_activity(DM, sent.id, update)
    assert fake.cards(DM) == [first, second]
    assert fake.activities(DM)[-1].operation == "update"
    assert fake.activities(DM)[-1].activity_id == sent.id


async def test_create_conversation_opens_a_dm_and_sends_its_first_activity(fake, client) -> None:
    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id="28:bot"),
        members=[ChannelAccount(id="29:ana")],
        tenant_id="tenant-1",
        activity=_message("Hello Ana"),
    )
    created = await client.conversations.create_conversation(parameters)
    assert created.id == "a:1:new-29:ana"
    assert created.activity_id
    assert fake.texts(created.id) == ["Hello Ana"]
    assert fake.created[0]["members"] == [{"id": "29:ana"}]


async def test_create_conversation_in_a_channel_starts_a_thread(fake, client) -> None:
    parameters = ConversationParameters(
        is_group=True,
        channel_data={"channel": {"id": "19:general@thread.tacv2"}},
        activity=_message("Programme starts today"),
    )
    created = await client.conversations.create_conversation(parameters)
    assert created.id == f"19:general@thread.tacv2;messageid={created.activity_id}"
    assert fake.texts(created.id) == ["Programme starts today"]


async def test_member_lookup_returns_registered_details(fake, client) -> None:
    fake.members["29:ana"] = {"name": "Ana", "aadObjectId": "aad-ana"}
    member = await client.conversations.get_conversation_member(DM, "29:ana")
    assert (member.name, member.aad_object_id) == ("Ana", "aad-ana")


@pytest.mark.parametrize("code", ["ConversationBlockedByUser", "BotNotInConversationRoster"])
async def test_blocked_person_surfaces_as_403_with_teams_error_code(fake, client, code) -> None:
    fake.block_user(DM, code)
    with pytest.raises(ErrorResponseException) as raised:
        await client.conversations.send_to_conversation(DM, _message("Are you there?"))
    error = raised.value
    assert error.response.status_code == 403
    assert error.error.error.code == code
    assert fake.texts(DM) == []
    await client.conversations.send_to_conversation("a:1:someone-else", _message("Hi"))
    assert fake.texts() == ["Hi"]


async def test_opening_a_dm_with_a_person_who_blocked_the_bot_is_refused(fake, client) -> None:
    fake.block_user("29:ana")
    parameters = ConversationParameters(
        bot=ChannelAccount(id="28:bot"), members=[ChannelAccount(id="29:ana")]
    )
    with pytest.raises(ErrorResponseException) as raised:
        await client.conversations.create_conversation(parameters)
    assert raised.value.error.error.code == "ConversationBlockedByUser"
    assert fake.created == []


async def test_throttling_surfaces_as_429_with_retry_after(fake, client) -> None:
    fake.throttle(1, retry_after=3)
    with pytest.raises(ErrorResponseException) as raised:
        await client.conversations.send_to_conversation(DM, _message("Nudge"))
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "3"
    assert raised.value.error.error.code == "Throttled"
    await client.conversations.send_to_conversation(DM, _message("Nudge"))
    assert fake.texts(DM) == ["Nudge"]
    assert [r.status for r in fake.rejected] == [429]


async def test_server_error_on_send_is_not_retried_by_the_client(fake, client) -> None:
    fake.fail(1, status=500)
    with pytest.raises(ErrorResponseException) as raised:
        await client.conversations.send_to_conversation(DM, _message("Reminder"))
    assert raised.value.response.status_code == 500
    assert fake.texts(DM) == []


async def test_client_itself_retries_one_server_error_on_update(fake, client) -> None:
    # msrest retries 5xx for PUT/GET/DELETE through urllib3 (never for POST); the first
    # retry has no back-off, so one failure is invisible to the adapter.
    fake.fail(1, status=503)
    await client.conversations.update_activity(DM, "1:1", _message("Edited"))
    assert fake.texts(DM) == ["Edited"]
    assert [r.status for r in fake.rejected] == [503]


async def test_update_failing_past_the_retries_raises_client_request_error(fake, client) -> None:
    client.config.retry_policy.retries = 0  # the default 3 retries back off for ~5 s
    fake.fail(1, status=502)
    with pytest.raises(ClientRequestError):
        await client.conversations.update_activity(DM, "1:1", _message("Edited"))
    assert fake.texts(DM) == []

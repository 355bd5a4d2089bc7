"""The fake Slack API keeps chat.postMessage metadata and answers conversations.history,
which is how a Slack messenger can tell, after a crash, whether a delivery went out."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlackApi

KEY = "announcement:7:42"


async def test_history_shows_delivery_keys_only_when_asked_for_metadata() -> None:
    async with FakeSlackApi() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)
        await client.chat_postMessage(
            channel="U0ALICE01",
            text="Kick-off on Thursday",
            metadata={"event_type": "tandem_delivery", "event_payload": {"key": KEY}},
        )
        await client.chat_postMessage(channel="U0ALICE01", text="Later message")

        with_metadata = await client.conversations_history(
            channel="D" + "U0ALICE01", include_all_metadata=True
        )
        plain = await client.conversations_history(channel="DU0ALICE01")

    texts = [m["text"] for m in with_metadata["messages"]]
    assert texts == ["Later message", "Kick-off on Thursday"]  # newest first, as on Slack
    keys = [
        (m.get("metadata") or {}).get("event_payload", {}).get("key")
        for m in with_metadata["messages"]
    ]
    assert keys == [None, KEY]
    assert all("metadata" not in m for m in plain["messages"])

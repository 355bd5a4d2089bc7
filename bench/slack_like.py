"""A tiny Slack Messenger on the real slack_sdk AsyncWebClient, for the delivery benchmarks.

It posts DMs straight to the user id (Slack delivers those to the bot's DM), stamps every
message with the delivery key in chat.postMessage `metadata`, and answers
`already_delivered` from conversations.history, which is what adapters/slack should do too.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery_key import SLACK_EVENT_TYPE, current_delivery_key
from bot.messenger import DeliveryError, Unreachable
from bot.outbound import Form, Message
from bot.refs import ConversationRef, MessageRef, UserRef


def _error(exc: SlackApiError) -> DeliveryError:
    status = exc.response.status_code
    if status == 429:
        retry_after = float(exc.response.headers.get("Retry-After", 1) or 1)
        return DeliveryError("ratelimited", retryable=True, retry_after=retry_after)
    error = str(exc.response.get("error") or f"http_{status}")
    if status >= 500:
        return DeliveryError(error, retryable=True)
    if error in ("user_not_found", "channel_not_found", "account_inactive"):
        return Unreachable(error)
    return DeliveryError(error)


class SlackLikeMessenger:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def _post(self, channel: str, message: Message) -> dict[str, Any]:
        key = current_delivery_key()
        metadata = {"event_type": SLACK_EVENT_TYPE, "event_payload": {"key": key}} if key else None
        try:
            response = await self.client.chat_postMessage(
                channel=channel, text=message.summary, metadata=metadata
            )
        except SlackApiError as exc:
            raise _error(exc) from exc
        return response.data  # type: ignore[return-value]

    async def send_dm(self, user: UserRef, message: Message) -> MessageRef:
        posted = await self._post(user.user_id, message)
        conversation = ConversationRef(user.workspace, posted["channel"], is_direct=True)
        return MessageRef(conversation, posted["ts"])

    async def post_to_channel(self, channel: ConversationRef, message: Message) -> MessageRef:
        posted = await self._post(channel.conversation_id, message)
        return MessageRef(channel, posted["ts"])

    async def open_form(self, user: UserRef, form: Form, *, interaction: str | None) -> None:
        raise NotImplementedError

    async def update_message(self, ref: MessageRef, message: Message) -> None:
        raise NotImplementedError

    async def already_delivered(self, target: UserRef | ConversationRef, key: str) -> bool | None:
        channel = target.user_id if isinstance(target, UserRef) else target.conversation_id
        for _ in range(5):
            try:
                history = await self.client.conversations_history(
                    channel=channel, limit=50, include_all_metadata=True
                )
            except SlackApiError as exc:
                error = _error(exc)
                if not error.retryable:
                    return None
                await asyncio.sleep(error.retry_after or 1)
                continue
            return any(
                (m.get("metadata") or {}).get("event_payload", {}).get("key") == key
                for m in history.get("messages", [])
            )
        return None

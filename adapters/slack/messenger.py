"""The Messenger port on Slack's Web API: DMs, channel posts, modals, updates and profiles.

It never sleeps or retries itself: a 429 becomes RateLimited, a reply that leaves open
whether Slack posted the message becomes OutcomeUnknown, and bot/delivery/sender.py decides,
so pacing, reconciling and the delivery log stay in one place.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.oauth import BotTokens
from adapters.slack.render import render_message
from adapters.slack.render_form import render_modal
from adapters.slack.workspaces import SlackWorkspaces
from bot.core.messenger import (
    DeliveryError,
    Messenger,
    NotSupported,
    OutcomeUnknown,
    RateLimited,
    Unreachable,
    WorkspaceUnreachable,
)
from bot.core.outbound import Button, Buttons, ButtonStyle, Form, Message, Text
from bot.core.refs import ConversationRef, MessageRef, UserRef, WorkspaceRef

log = logging.getLogger(__name__)
T = TypeVar("T")

# ok:false errors that no retry will fix: the person or channel is gone.
UNREACHABLE_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
    }
)
# ...or the installation is: nobody in the workspace can be reached with this token.
WORKSPACE_ERRORS = frozenset(
    {
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "team_not_found",
        "team_access_not_granted",
        "not_installed",
    }
)
# ok:false errors where, in Slack's words, "it's possible some aspect of the operation
# succeeded": the message may be posted.
UNKNOWN_OUTCOME_ERRORS = frozenset({"fatal_error", "internal_error", "service_unavailable"})
# Slack got no usable request (the POST body was cut short): nothing was posted.
RETRYABLE_ERRORS = frozenset({"request_timeout"})
STALE_TRIGGER_ERRORS = frozenset(
    {"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id", "trigger_exchanged"}
)
DEFAULT_RETRY_AFTER = 1.0
MODAL_CACHE_SIZE = 64
# Slack message metadata event type carrying a delivery's idempotency key.
SLACK_EVENT_TYPE = "tandem_delivery"
# A crashed send is looked for among this many of the conversation's newest messages.
HISTORY_LOOKBACK = 100


def _retry_after(headers: Any) -> float:
    headers = headers or {}
    raw = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


def delivery_error(exc: Exception) -> DeliveryError:
    """What a failed Web API call means for the Sender: slow down, look before sending again
    (the message may be there), retry, or give up."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429 or error == "ratelimited":
            return RateLimited(_retry_after(exc.response.headers))
        if status >= 500 or error in UNKNOWN_OUTCOME_ERRORS:
            return OutcomeUnknown(error)
        if error in RETRYABLE_ERRORS:
            return DeliveryError(error, retryable=True)
        if error in WORKSPACE_ERRORS:
            return WorkspaceUnreachable(error)
        if error in UNREACHABLE_ERRORS:
            return Unreachable(error)
        return DeliveryError(error)
    if isinstance(exc, aiohttp.ClientConnectorError):
        # No connection was made, so Slack never saw the request.
        return DeliveryError(type(exc).__name__, retryable=True)
    if isinstance(exc, aiohttp.ClientError | TimeoutError):
        # Sent, and then the answer was lost: a timeout, a reset, a dropped connection.
        return OutcomeUnknown(type(exc).__name__)
    return DeliveryError(type(exc).__name__)


def reopen_form_message(form: Form) -> Message:
    """Sent when a form cannot open in place (typed in a DM, or Slack's trigger expired)."""
    action = form.reopen_action
    if not action:
        text = "That form took too long to open. Please try again."
        return Message(summary=text, blocks=(Text(text),))
    return Message(
        summary=form.title,
        blocks=(
            Text(f"*{form.title}*: click below to open the form."),
            Buttons((Button("Open the form", action, style=ButtonStyle.PRIMARY),)),
        ),
    )


class SlackMessenger(Messenger):
    def __init__(
        self, client: AsyncWebClient, tokens: BotTokens, workspaces: SlackWorkspaces
    ) -> None:
        self.client = client
        self.tokens = tokens
        self.workspaces = workspaces
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._modals: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def _modal(self, form: Form) -> dict[str, Any]:
        """render_modal, remembered: building a big form with slack_sdk's validating models
        takes milliseconds of event loop, and most people are shown the same form."""
        key = repr(form)
        view = self._modals.get(key)
        if view is None:
            view = self._modals[key] = render_modal(form)
            if len(self._modals) > MODAL_CACHE_SIZE:
                self._modals.popitem(last=False)
        else:
            self._modals.move_to_end(key)
        return view

    async def _call(self, workspace: WorkspaceRef, call: Callable[[str], Awaitable[T]]) -> T:
        team = workspace.external_id
        if not await self.workspaces.is_active(team):
            raise WorkspaceUnreachable("app_uninstalled")
        token = await self.tokens.for_team(team)
        try:
            return await call(token)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            raise delivery_error(exc) from exc

    async def _dm_channel(self, user: UserRef) -> str:
        key = (user.workspace.external_id, user.user_id)
        channel = self._dm_channels.get(key)
        if channel is None:
            opened: Any = await self._call(
                user.workspace,
                lambda token: self.client.conversations_open(token=token, users=user.user_id),
            )
            channel = str(opened["channel"]["id"])
            self._dm_channels[key] = channel
        return channel

    async def _post(
        self, workspace: WorkspaceRef, channel: str, message: Message, key: str | None
    ) -> str:
        ts, _ = await self._post_reporting_channel(workspace, channel, message, key)
        return ts

    async def _post_reporting_channel(
        self, workspace: WorkspaceRef, channel: str, message: Message, key: str | None
    ) -> tuple[str, str]:
        text, blocks = render_message(message)
        # The delivery key rides along in message metadata, so after a crash mid-send
        # already_delivered() can tell whether this message reached Slack.
        metadata = {"event_type": SLACK_EVENT_TYPE, "event_payload": {"key": key}} if key else None
        posted: Any = await self._call(
            workspace,
            lambda token: self.client.chat_postMessage(
                token=token, channel=channel, text=text, blocks=blocks, metadata=metadata
            ),
        )
        return str(posted["ts"]), str(posted.get("channel") or channel)

    async def already_delivered(self, target: UserRef | ConversationRef, key: str) -> bool:
        """Look for the delivery key in the conversation's recent history: the DM's with
        `im:history`, a channel's only where the app was given `channels:history` or
        `groups:history` (without them, NotSupported). Raises DeliveryError when Slack cannot
        say right now (workspace gone, API failing)."""
        if isinstance(target, UserRef):
            workspace, channel = target.workspace, await self._dm_channel(target)
        else:
            workspace, channel = target.workspace, target.conversation_id
        try:
            history: Any = await self._call(
                workspace,
                lambda token: self.client.conversations_history(
                    token=token, channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
                ),
            )
        except DeliveryError as exc:
            if exc.reason == "missing_scope":
                raise NotSupported("already_delivered without a history scope") from exc
            raise
        return any(
            ((m.get("metadata") or {}).get("event_payload") or {}).get("key") == key
            for m in history.get("messages", [])
        )

    async def send_dm(self, user: UserRef, message: Message, *, key: str | None) -> MessageRef:
        """Post to the person's DM with the app. Until its channel id is known, post to the
        user id (Slack opens the DM) and learn the channel from the reply: conversations.open
        has a far lower rate limit than chat.postMessage, and a 10,000-person announcement
        must not wait on it."""
        person = (user.workspace.external_id, user.user_id)
        channel = self._dm_channels.get(person)
        ts, posted_in = await self._post_reporting_channel(
            user.workspace, channel or user.user_id, message, key
        )
        if channel is None:
            channel = self._dm_channels[person] = posted_in
        return MessageRef(ConversationRef(user.workspace, channel, is_direct=True), ts)

    async def post_to_channel(
        self, channel: ConversationRef, message: Message, *, key: str | None
    ) -> MessageRef:
        ts = await self._post(channel.workspace, channel.conversation_id, message, key)
        return MessageRef(channel, ts)

    async def update_message(self, ref: MessageRef, message: Message) -> None:
        text, blocks = render_message(message)
        await self._call(
            ref.conversation.workspace,
            lambda token: self.client.chat_update(
                token=token,
                channel=ref.conversation.conversation_id,
                ts=ref.message_id,
                text=text,
                blocks=blocks,
            ),
        )

    async def open_form(self, user: UserRef, form: Form, *, interaction: str | None) -> None:
        """views.open while the trigger is fresh; otherwise a DM with a button that reopens it."""
        if interaction:
            view = self._modal(form)
            try:
                await self._call(
                    user.workspace,
                    lambda token: self.client.views_open(
                        token=token, trigger_id=interaction, view=view
                    ),
                )
                return
            except DeliveryError as exc:
                if exc.reason not in STALE_TRIGGER_ERRORS:
                    raise
                log.info(
                    "trigger expired; sending the form as a button", extra={"form": form.form_id}
                )
        await self.send_dm(user, reopen_form_message(form), key=None)

    async def publish_home(self, user: UserRef, message: Message) -> None:
        _, blocks = render_message(message)
        await self._call(
            user.workspace,
            lambda token: self.client.views_publish(
                token=token, user_id=user.user_id, view={"type": "home", "blocks": blocks}
            ),
        )

    async def profile(self, user: UserRef) -> dict[str, str]:
        info: Any = await self._call(
            user.workspace, lambda token: self.client.users_info(token=token, user=user.user_id)
        )
        person = info["user"]
        profile = person.get("profile") or {}
        real_name = profile.get("real_name") or person.get("real_name")
        found = {
            "display_name": profile.get("display_name") or real_name,
            "time_zone": person.get("tz"),
            "real_name": real_name,
            "handle": person.get("name"),
            # Only with the users:read.email scope; without it Slack leaves it out.
            "email": profile.get("email"),
        }
        return {key: str(value) for key, value in found.items() if value}

    def forget_team(self, team_id: str) -> None:
        self._dm_channels = {k: v for k, v in self._dm_channels.items() if k[0] != team_id}

"""The Messenger port: what every platform adapter does for the flows."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.core.outbound import Form, Message
from bot.core.refs import ConversationRef, MessageRef, UserRef


class DeliveryError(Exception):
    """A send failed. `retry_after` is set when the platform asked to slow down."""

    def __init__(
        self, reason: str, *, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """The person uninstalled or blocked the bot, or left the workspace: do not retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


class Messenger(Protocol):
    async def send_dm(self, user: UserRef, message: Message) -> MessageRef: ...

    async def post_to_channel(self, channel: ConversationRef, message: Message) -> MessageRef: ...

    async def open_form(self, user: UserRef, form: Form, *, interaction: str | None) -> None: ...

    async def update_message(self, ref: MessageRef, message: Message) -> None: ...


@runtime_checkable
class ProfileSource(Protocol):
    """What a platform knows about a person (display name, time zone), when it knows it."""

    async def profile(self, user: UserRef) -> dict[str, str]: ...

"""The Messenger port: everything the system asks of a platform adapter, and how it fails.

Every adapter implements every method. What a platform cannot do raises `NotSupported`, so
a missing capability is a decision written down in the adapter, and each caller says what
it means there (the dispatcher: "cannot tell"; the Sender's profile lookup: "no profile").
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from bot.core.outbound import Form, Message
from bot.core.refs import ConversationRef, MessageRef, UserRef


class DeliveryError(Exception):
    """A send failed, and the platform did not post the message: it refused the request
    (4xx) or never got it. `retryable` when trying again later may work, `retry_after` when
    the platform said how long to wait. The subclasses below say what else is known."""

    def __init__(
        self, reason: str, *, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class RateLimited(DeliveryError):
    """The platform asked to slow down (HTTP 429) and posted nothing. Not a failure of this
    message: wait `retry_after` seconds and ask again, as often as it takes."""

    def __init__(self, retry_after: float, reason: str = "ratelimited") -> None:
        super().__init__(reason, retryable=True, retry_after=retry_after)


class OutcomeUnknown(DeliveryError):
    """The request may have reached the platform, so the message may have been posted: a
    timeout, a dropped connection, a 5xx. Sending again blindly could post it twice; ask
    `already_delivered` first."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason, retryable=True, retry_after=retry_after)


class Unreachable(DeliveryError):
    """The person uninstalled or blocked the bot, or left the workspace: do not retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


class WorkspaceUnreachable(Unreachable):
    """Nobody in the workspace can be reached: the app was uninstalled there, or its token
    revoked. A fact about the installation, not about the person the message was for."""


class NotSupported(DeliveryError):
    """The platform cannot do this at all; asking again will not help."""

    def __init__(self, capability: str) -> None:
        super().__init__(f"not supported: {capability}", retryable=False)
        self.capability = capability


class Messenger(ABC):
    """One platform, as the flows and the outbox see it.

    Failures are DeliveryErrors: `Unreachable` when the person or workspace is gone for
    good, `RateLimited` when the platform said to slow down, `OutcomeUnknown` when the
    message may have been posted all the same, and otherwise a plain DeliveryError, which
    means it was not posted (`retryable=True` when trying again later may work). Adapters
    never sleep or retry themselves: the Sender paces, reconciles, retries and records
    every attempt in the delivery log.
    """

    @abstractmethod
    async def send_dm(self, user: UserRef, message: Message, *, key: str | None) -> MessageRef:
        """Post `message` in the person's direct conversation with the bot.

        `key` is the delivery's idempotency key (None for a message not in the delivery
        log). An adapter that can store it with the message does, so `already_delivered`
        can find it after a crash between the send and the recording of its outcome.
        """

    @abstractmethod
    async def post_to_channel(
        self, channel: ConversationRef, message: Message, *, key: str | None
    ) -> MessageRef:
        """Post `message` in a shared channel; `key` as for `send_dm`."""

    @abstractmethod
    async def update_message(self, ref: MessageRef, message: Message) -> None:
        """Replace a message the bot sent, where it is, so the conversation does not grow."""

    @abstractmethod
    async def open_form(self, user: UserRef, form: Form, *, interaction: str | None) -> None:
        """Show `form` to the person. `interaction` is the platform's handle on the click or
        command that asked for it (Slack's trigger id), when there was one; without it, or
        once it has expired, the adapter still gets the form to the person its own way."""

    @abstractmethod
    async def already_delivered(self, target: UserRef | ConversationRef, key: str) -> bool:
        """Whether a message sent with this delivery key reached `target`.

        True or False only when the platform can say for sure. Raises NotSupported where it
        never can, and DeliveryError when it cannot say right now; both mean "cannot tell".
        """

    @abstractmethod
    async def profile(self, user: UserRef) -> dict[str, str]:
        """What the platform knows about the person: `display_name` and `time_zone` (an IANA
        name), and the names and address colleagues may know them by (`real_name`, `handle`,
        `email`), each only when known. Raises NotSupported where the platform has no
        profiles."""

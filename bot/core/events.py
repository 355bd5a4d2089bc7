"""The few inbound events every adapter translates its platform's payloads into."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.refs import ConversationRef, MessageRef, UserRef


@dataclass(frozen=True, slots=True)
class Command:
    """`/mentoring <name> <args>` or the same words typed in a DM."""

    user: UserRef
    name: str
    args: str = ""
    conversation: ConversationRef | None = None
    event_id: str | None = None
    # Opaque, short-lived token some platforms need to open a form (Slack's trigger_id).
    interaction: str | None = None


@dataclass(frozen=True, slots=True)
class MessageReceived:
    user: UserRef
    text: str
    conversation: ConversationRef
    event_id: str | None = None
    interaction: str | None = None


@dataclass(frozen=True, slots=True)
class ButtonClicked:
    user: UserRef
    action_id: str
    value: str = ""
    message: MessageRef | None = None
    event_id: str | None = None
    interaction: str | None = None
    # Values of inputs shown next to the button (a poll's choices on a card).
    values: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FormSubmitted:
    user: UserRef
    form_id: str
    values: dict[str, str | list[str]]
    context: str = ""
    message: MessageRef | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class MemberJoined:
    """The bot was installed for a person, or a person joined a conversation with the bot."""

    user: UserRef
    conversation: ConversationRef | None = None
    event_id: str | None = None


InboundEvent = Command | MessageReceived | ButtonClicked | FormSubmitted | MemberJoined

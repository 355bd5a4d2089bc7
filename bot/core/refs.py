"""Platform-neutral identities: who, where, and which message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Platform(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    PLAYGROUND = "playground"


@dataclass(frozen=True, slots=True)
class WorkspaceRef:
    """A Slack workspace, a Teams tenant or a playground: the unit of tenant isolation."""

    platform: Platform
    external_id: str


@dataclass(frozen=True, slots=True)
class UserRef:
    workspace: WorkspaceRef
    user_id: str


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """A DM or a channel. `is_direct` tells a person's private conversation with the bot."""

    workspace: WorkspaceRef
    conversation_id: str
    is_direct: bool = False


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the bot sent, so it can be updated in place later."""

    conversation: ConversationRef
    message_id: str

"""Slack payloads (as bolt hands them to listeners) to Tandem's neutral inbound events.

Pure functions over dicts: no I/O, so every quirk of Slack's payload shapes is testable alone.
"""

from __future__ import annotations

from typing import Any

from adapters.slack.render import (
    SUBMIT_SUFFIX,
    is_selection_change,
    neutral_action_id,
    poll_selection,
)
from adapters.slack.render_form import offered_fields, values_from_view_state
from bot.core.events import ButtonClicked, Command, FormSubmitted, MessageReceived
from bot.core.outbound import FormField
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef, WorkspaceRef

Payload = dict[str, Any]
DEFAULT_SUBCOMMAND = "help"


def workspace(team_id: str) -> WorkspaceRef:
    return WorkspaceRef(Platform.SLACK, team_id)


def team_of(body: Payload) -> str:
    """The workspace a payload belongs to, whichever of Slack's shapes it has."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return str(body.get("team_id") or "")


def _dict(value: object) -> Payload:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _person(ws: WorkspaceRef, user_id: object) -> UserRef:
    """Raises ValueError when the payload names no person: there is no one to answer."""
    if not isinstance(user_id, str) or not user_id:
        raise ValueError("a Slack payload without a user")
    return UserRef(ws, user_id)


def command(body: Payload) -> Command:
    """`/mentoring <sub> <args>`; a bare `/mentoring` asks for help."""
    words = _str(body.get("text")).strip().split(maxsplit=1)
    team = team_of(body)
    channel = _str(body.get("channel_id"))
    return Command(
        user=_person(workspace(team), body.get("user_id")),
        name=words[0].lower() if words else DEFAULT_SUBCOMMAND,
        args=words[1] if len(words) > 1 else "",
        conversation=(
            ConversationRef(workspace(team), channel, is_direct=channel.startswith("D"))
            if channel
            else None
        ),
        # Slack never retries slash commands, so there is nothing to de-duplicate.
        event_id=None,
        interaction=_str(body.get("trigger_id")) or None,
    )


def is_person_message(event: Payload) -> bool:
    """A person typing in their DM with the bot: not an edit, a join notice or a bot."""
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


def message(body: Payload) -> MessageReceived:
    """Raises ValueError for a message event without a person or a channel."""
    event = _dict(body.get("event"))
    ws = workspace(team_of(body) or _str(event.get("team")))
    channel = _str(event.get("channel"))
    if not channel:
        raise ValueError("a message event without a channel")
    return MessageReceived(
        user=_person(ws, event.get("user")),
        text=_str(event.get("text")),
        conversation=ConversationRef(ws, channel, is_direct=True),
        # Slack resends an event it thinks we missed with the same event_id.
        event_id=_str(body.get("event_id")) or None,
    )


def home_opened(body: Payload) -> UserRef:
    """Who opened the App Home; ValueError if the event names no one."""
    return _person(workspace(team_of(body)), _dict(body.get("event")).get("user"))


def _message_ref(body: Payload, ws: WorkspaceRef) -> MessageRef | None:
    container = _dict(body.get("container"))
    channel = _str(container.get("channel_id")) or _str(_dict(body.get("channel")).get("id"))
    ts = _str(container.get("message_ts")) or _str(_dict(body.get("message")).get("ts"))
    if not channel or not ts:
        return None
    conversation = ConversationRef(ws, channel, is_direct=channel.startswith("D"))
    return MessageRef(conversation, ts)


def button(body: Payload) -> ButtonClicked | None:
    """The click in a block_actions payload, or None for a tick that is not an answer yet."""
    actions = body.get("actions")
    action = _dict(actions[0]) if isinstance(actions, list) and actions else {}
    slack_id = _str(action.get("action_id"))
    if not slack_id or is_selection_change(slack_id):
        return None
    ws = workspace(team_of(body))
    flow_id = neutral_action_id(slack_id)
    values: dict[str, str | list[str]] = {}
    if slack_id.endswith(SUBMIT_SUFFIX):
        values["choices"] = poll_selection(_dict(body.get("state")).get("values"), flow_id)
    return ButtonClicked(
        user=_person(ws, _dict(body.get("user")).get("id")),
        action_id=flow_id,
        value=_str(action.get("value")),
        message=_message_ref(body, ws),
        event_id=None,
        interaction=_str(body.get("trigger_id")) or None,
        values=values,
    )


def form(body: Payload) -> tuple[FormSubmitted, tuple[FormField, ...]]:
    """The submission and the fields the modal offered; ValueError if it names no person."""
    view = _dict(body.get("view"))
    submitted = FormSubmitted(
        user=_person(workspace(team_of(body)), _dict(body.get("user")).get("id")),
        form_id=_str(view.get("callback_id")),
        values=values_from_view_state(_dict(view.get("state")).get("values")),
        context=_str(view.get("private_metadata")),
    )
    return submitted, offered_fields(view)


def field_names(view: Payload) -> set[str]:
    """Block ids of the modal's inputs: the only keys Slack accepts in `response_action: errors`."""
    blocks = view.get("blocks")
    inputs = [_dict(b) for b in blocks] if isinstance(blocks, list) else []
    names = [b.get("block_id") for b in inputs if b.get("type") == "input"]
    names.extend(_dict(_dict(view.get("state")).get("values")).keys())
    return {n for n in names if isinstance(n, str) and n}

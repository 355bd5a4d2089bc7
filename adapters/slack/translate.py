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
from adapters.slack.render_form import values_from_view_state
from bot.core.events import ButtonClicked, Command, FormSubmitted, MessageReceived
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


def command(body: Payload) -> Command:
    """`/mentoring <sub> <args>`; a bare `/mentoring` asks for help."""
    words = str(body.get("text") or "").strip().split(maxsplit=1)
    team = team_of(body)
    channel = body.get("channel_id")
    return Command(
        user=UserRef(workspace(team), str(body["user_id"])),
        name=words[0].lower() if words else DEFAULT_SUBCOMMAND,
        args=words[1] if len(words) > 1 else "",
        conversation=(
            ConversationRef(workspace(team), str(channel), is_direct=str(channel).startswith("D"))
            if channel
            else None
        ),
        # Slack never retries slash commands, so there is nothing to de-duplicate.
        event_id=None,
        interaction=body.get("trigger_id"),
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
    event = body["event"]
    ws = workspace(team_of(body) or str(event.get("team") or ""))
    return MessageReceived(
        user=UserRef(ws, str(event["user"])),
        text=str(event.get("text") or ""),
        conversation=ConversationRef(ws, str(event["channel"]), is_direct=True),
        # Slack resends an event it thinks we missed with the same event_id.
        event_id=body.get("event_id"),
    )


def _message_ref(body: Payload, ws: WorkspaceRef) -> MessageRef | None:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if not channel or not ts:
        return None
    conversation = ConversationRef(ws, str(channel), is_direct=str(channel).startswith("D"))
    return MessageRef(conversation, str(ts))


def button(body: Payload) -> ButtonClicked | None:
    """The click in a block_actions payload, or None for a tick that is not an answer yet."""
    action = (body.get("actions") or [{}])[0]
    slack_id = str(action.get("action_id") or "")
    if not slack_id or is_selection_change(slack_id):
        return None
    ws = workspace(team_of(body))
    flow_id = neutral_action_id(slack_id)
    values: dict[str, str | list[str]] = {}
    if slack_id.endswith(SUBMIT_SUFFIX):
        state = (body.get("state") or {}).get("values") or {}
        values["choices"] = poll_selection(state, flow_id)
    return ButtonClicked(
        user=UserRef(ws, str(body["user"]["id"])),
        action_id=flow_id,
        value=str(action.get("value") or ""),
        message=_message_ref(body, ws),
        event_id=None,
        interaction=body.get("trigger_id"),
        values=values,
    )


def form(body: Payload) -> FormSubmitted:
    view = body["view"]
    ws = workspace(team_of(body))
    return FormSubmitted(
        user=UserRef(ws, str(body["user"]["id"])),
        form_id=str(view.get("callback_id") or ""),
        values=values_from_view_state((view.get("state") or {}).get("values") or {}),
        context=str(view.get("private_metadata") or ""),
    )


def field_names(view: Payload) -> set[str]:
    """Block ids of the modal's inputs: the only keys Slack accepts in `response_action: errors`."""
    names = {b.get("block_id") for b in view.get("blocks") or () if b.get("type") == "input"}
    names.update(((view.get("state") or {}).get("values") or {}).keys())
    return {str(n) for n in names if n}

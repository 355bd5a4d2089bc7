"""Bot Framework activities as Tandem's neutral events. Pure functions, no I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.schema import Activity

from adapters.teams.card_submissions import parse_submission
from adapters.teams.references import ChannelInfo
from bot.core.events import ButtonClicked, FormSubmitted, MemberJoined, MessageReceived
from bot.core.outbound import FormField
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef, WorkspaceRef

_AT_TAG = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def tenant_of(activity: Activity) -> str:
    """The Entra tenant the activity comes from: the Teams workspace."""
    conversation = activity.conversation
    tenant = getattr(conversation, "tenant_id", None) or _dict(
        getattr(conversation, "additional_properties", None)
    ).get("tenantId")
    tenant = tenant or _dict(_dict(activity.channel_data).get("tenant")).get("id")
    return tenant if isinstance(tenant, str) else ""


def workspace_of(activity: Activity) -> WorkspaceRef | None:
    tenant = tenant_of(activity)
    return WorkspaceRef(Platform.TEAMS, tenant) if tenant else None


def user_of(activity: Activity) -> UserRef | None:
    workspace = workspace_of(activity)
    sender = activity.from_property
    user_id = getattr(sender, "id", None)
    if workspace is None or not isinstance(user_id, str) or not user_id:
        return None
    return UserRef(workspace, user_id)


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None)
    return kind == "personal" or (kind is None and not getattr(conversation, "is_group", False))


def conversation_of(activity: Activity, workspace: WorkspaceRef) -> ConversationRef | None:
    conversation_id = getattr(activity.conversation, "id", None)
    if not isinstance(conversation_id, str) or not conversation_id:
        return None
    return ConversationRef(workspace, conversation_id, is_direct=is_personal(activity))


def channel_of(activity: Activity) -> ChannelInfo | None:
    """The team channel an activity happened in, if any."""
    data = _dict(activity.channel_data)
    channel, team = _dict(data.get("channel")), _dict(data.get("team"))
    team_id = team.get("id") if isinstance(team.get("id"), str) else ""
    # Installing into a team names only the team: its General channel shares the team's id.
    channel_id = channel.get("id") or team_id
    if not isinstance(channel_id, str) or not channel_id:
        return None
    name = channel.get("name") if isinstance(channel.get("name"), str) else ""
    # The General channel's id is the team's id, and Teams leaves its name out.
    return ChannelInfo(channel_id, name or ("General" if channel_id == team_id else ""), team_id)


def message_text(activity: Activity) -> str:
    """What the person typed, without the @mention of the bot a channel message starts with."""
    text = activity.text if isinstance(activity.text, str) else ""
    bot_id = getattr(activity.recipient, "id", None)
    for entity in activity.entities or ():
        props = _dict(getattr(entity, "additional_properties", None))
        mentioned = _dict(props.get("mentioned"))
        if getattr(entity, "type", None) == "mention" and mentioned.get("id") == bot_id:
            mention = props.get("text")
            if isinstance(mention, str) and mention:
                text = text.replace(mention, " ")
    if not is_personal(activity):
        text = _AT_TAG.sub(" ", text)
    return " ".join(text.split())


def message_event(activity: Activity) -> MessageReceived | None:
    user = user_of(activity)
    conversation = conversation_of(activity, user.workspace) if user else None
    if user is None or conversation is None:
        return None
    return MessageReceived(
        user=user, text=message_text(activity), conversation=conversation, event_id=activity.id
    )


def member_joined(activity: Activity) -> MemberJoined | None:
    """The bot itself was added (installed): welcome the person who installed it."""
    bot_id = getattr(activity.recipient, "id", None)
    added = [getattr(member, "id", None) for member in activity.members_added or ()]
    user = user_of(activity)
    if user is None or not bot_id or bot_id not in added or user.user_id == bot_id:
        return None
    workspace = user.workspace
    return MemberJoined(
        user=user, conversation=conversation_of(activity, workspace), event_id=activity.id
    )


def time_zone_of(activity: Activity) -> tzinfo | None:
    name = activity.local_timezone
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def card_message(activity: Activity, user: UserRef) -> MessageRef | None:
    """The card that was clicked: Teams names it in `replyToId`."""
    conversation = conversation_of(activity, user.workspace)
    card_id = activity.reply_to_id
    if conversation is None or not isinstance(card_id, str) or not card_id:
        return None
    return MessageRef(conversation, card_id)


def form_submitted(
    activity: Activity,
    user: UserRef,
    data: Mapping[str, Any],
    fields: tuple[FormField, ...],
    context: str,
) -> FormSubmitted:
    """Only `fields` are read from the card: anything else it carries is ignored."""
    form_id, values, _ = parse_submission(data, fields=fields, tz=time_zone_of(activity))
    return FormSubmitted(
        user=user,
        form_id=form_id,
        values=values,
        context=context,
        message=card_message(activity, user),
        event_id=activity.id,
    )


def button_clicked(activity: Activity, user: UserRef, data: Mapping[str, Any]) -> ButtonClicked:
    """Raises ValueError for data no Tandem card produced."""
    action_id, values, _ = parse_submission(data, tz=time_zone_of(activity))
    value = values.get("value", "")
    return ButtonClicked(
        user=user,
        action_id=action_id,
        value=value if isinstance(value, str) else ",".join(value),
        message=card_message(activity, user),
        event_id=activity.id,
        values=values,
    )


def invoke_action_data(activity: Activity) -> Mapping[str, Any] | None:
    """`action.data` of an `adaptiveCard/action` invoke, when it is a JSON object."""
    action = _dict(_dict(activity.value).get("action"))
    data = action.get("data")
    return data if isinstance(data, Mapping) else None

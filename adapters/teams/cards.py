"""Render the neutral outbound model's messages, and the confirmation that replaces a
submitted form, as Adaptive Cards 1.5.

Buttons and polls are `Action.Execute` (Universal Actions); adapters/teams/card_submissions.py
reads their clicks back. Forms are rendered by adapters/teams/card_forms.py.
"""

from __future__ import annotations

from typing import Any

from adapters.teams.card_elements import (
    KINDS_KEY,
    MAX_LABEL_CHARS,
    Clipper,
    adaptive_card,
    execute_action,
    fit,
    input_choices,
    markdown,
    text_block,
)
from bot.core.outbound import (
    Button,
    Buttons,
    ButtonStyle,
    Context,
    Divider,
    FieldKind,
    Message,
    Poll,
    Section,
    Text,
)

_ACTION_STYLES = {ButtonStyle.PRIMARY: "positive", ButtonStyle.DANGER: "destructive"}


def _button(button: Button, clip: Clipper) -> dict[str, Any]:
    title = clip(button.label, MAX_LABEL_CHARS)
    if button.url:
        return {"type": "Action.OpenUrl", "title": title, "url": button.url}
    data = {"action_id": button.action_id, "value": button.value}
    return execute_action(title, button.action_id, data, _ACTION_STYLES.get(button.style))


def _poll(poll: Poll, clip: Clipper) -> list[dict[str, Any]]:
    question = clip(markdown(poll.question))
    if not poll.multi:
        actions = [
            execute_action(
                clip(choice.label, MAX_LABEL_CHARS),
                poll.action_id,
                {"action_id": poll.action_id, "value": choice.value, "context": poll.context},
            )
            for choice in poll.choices
        ]
        return [text_block(question), {"type": "ActionSet", "actions": actions}]
    choice_set = {
        "type": "Input.ChoiceSet",
        "id": poll.action_id,
        "label": question,
        "isMultiSelect": True,
        "style": "expanded",
        "choices": input_choices(poll.choices, clip, multi=True),
    }
    data = {
        "action_id": poll.action_id,
        "context": poll.context,
        KINDS_KEY: {poll.action_id: FieldKind.MULTI_SELECT.value},
    }
    submit = execute_action("Submit", poll.action_id, data, "positive")
    return [choice_set, {"type": "ActionSet", "actions": [submit]}]


def _block(block: Text | Section | Buttons | Poll | Context, clip: Clipper) -> list[dict[str, Any]]:
    match block:
        case Text():
            return [text_block(clip(markdown(block.text)))]
        case Section():
            out = [text_block(clip(markdown(block.title), MAX_LABEL_CHARS), weight="bolder")]
            if block.text:
                out.append(text_block(clip(markdown(block.text))))
            if block.fields:
                facts = [
                    {"title": clip(title, MAX_LABEL_CHARS), "value": clip(markdown(value))}
                    for title, value in block.fields
                ]
                out.append({"type": "FactSet", "facts": facts})
            return out
        case Buttons():
            actions = [_button(button, clip) for button in block.buttons]
            return [{"type": "ActionSet", "actions": actions}] if actions else []
        case Poll():
            return _poll(block, clip)
        case Context():
            return [text_block(clip(markdown(block.text)), size="small", isSubtle=True)]
    raise TypeError(f"cannot render {type(block).__name__}")


def render_message_card(message: Message) -> dict[str, Any]:
    clip = Clipper()
    body: list[dict[str, Any]] = []
    # Adaptive Cards have no divider element: the element after a Divider draws a separator.
    separate_next = False
    for block in message.blocks:
        if isinstance(block, Divider):
            separate_next = bool(body)
            continue
        elements = _block(block, clip)
        if separate_next and elements:
            elements[0] = {**elements[0], "separator": True, "spacing": "medium"}
            separate_next = False
        body.extend(elements)
    if not body:
        body.append(text_block(clip(message.summary)))
    return fit(adaptive_card(body, fallback=clip(message.summary, MAX_LABEL_CHARS)), clip)


def render_confirmation_card(title: str, lines: list[str]) -> dict[str, Any]:
    """Replaces a submitted form in place, so it cannot be submitted twice."""
    clip = Clipper()
    heading = clip(title, MAX_LABEL_CHARS)
    body = [text_block(heading, size="medium", weight="bolder", color="good")]
    body.extend(text_block(clip(markdown(line))) for line in lines)
    return fit(adaptive_card(body, fallback=heading), clip)

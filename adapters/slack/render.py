"""Render a neutral Message to Block Kit, shortened and split to fit Slack's limits.

Blocks are built with slack_sdk's models and serialised with `to_dict()`, which runs their
validators, so a limit we missed fails here in tests rather than as `invalid_blocks` in production.

Slack action ids: Slack wants action ids unique within a block, but flows reuse one id with
different values (a row of "rate 1..5" buttons), so every button gets a ":<i>" suffix, the
multi-choice poll's checkboxes ":choices" and its Submit button ":submit".
`neutral_action_id` strips the suffix when a click comes back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)

from bot.core import outbound

log = logging.getLogger(__name__)

SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
SECTION_FIELDS_MAX = 10
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
ACTIONS_ELEMENTS_MAX = 25
CHECKBOX_OPTIONS_MAX = 10
MESSAGE_BLOCKS_MAX = 50
# Slack truncates `text` at 40,000 characters; notifications show far less.
FALLBACK_TEXT_MAX = 4000
MORE_IN_APP = "…and more in the app"
POLL_SUBMIT_LABEL = "Submit"
CHOICES_SUFFIX = ":choices"
SUBMIT_SUFFIX = ":submit"

_SLACK_SUFFIX = re.compile(r":(\d+|choices|submit)$")
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")


def escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut_point(text: str, limit: int) -> int:
    """Index <= limit to cut at: never inside an `&amp;`-style entity."""
    tail = _ENTITY_TAIL.search(text[:limit])
    return tail.start() if tail else limit


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: _cut_point(text, limit - 1)].rstrip() + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph, line or word breaks into chunks of at most `limit` characters."""
    chunks: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            at = window.rfind(sep)
            if at > limit // 2:
                cut = at
                break
        if cut < 0:
            cut = _cut_point(text, limit)
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def _clip_value(value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        # A clipped value no longer round-trips: this is a flow bug worth seeing in logs.
        log.warning("%s value of %d chars clipped to %d", what, len(value), limit)
    return value[:limit]


def neutral_action_id(slack_action_id: str) -> str:
    """The flow's action id for a Slack action id this module rendered."""
    return _SLACK_SUFFIX.sub("", slack_action_id)


def is_selection_change(slack_action_id: str) -> bool:
    """A tick in a multi-choice poll: Slack reports it, but only Submit means an answer."""
    return slack_action_id.endswith(CHOICES_SUFFIX)


def poll_selection(state_values: object, poll_action_id: str) -> list[str]:
    """Values ticked in a multi-choice poll, from a block_actions payload's `state.values`.

    Whatever the payload holds: anything but a ticked option's text value is skipped.
    """
    wanted = poll_action_id + CHOICES_SUFFIX
    picked: list[str] = []
    for actions in state_values.values() if isinstance(state_values, dict) else ():
        state = actions.get(wanted) if isinstance(actions, dict) else None
        options = state.get("selected_options") if isinstance(state, dict) else None
        for option in options if isinstance(options, list) else ():
            value = option.get("value") if isinstance(option, dict) else None
            if isinstance(value, str):
                picked.append(value)
    return picked


def plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=shorten(text, limit), emoji=True)


def mrkdwn_sections(text: str) -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text=c))
        for c in split_text(escape(text), SECTION_TEXT_MAX)
    ]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _button(button: outbound.Button, index: int) -> ButtonElement:
    style = None if button.style == outbound.ButtonStyle.DEFAULT else str(button.style)
    value = _clip_value(button.value, BUTTON_VALUE_MAX, "button") or None
    return ButtonElement(
        text=plain(button.label, BUTTON_TEXT_MAX),
        action_id=f"{button.action_id}:{index}",
        value=value,
        style=style,
        url=button.url,
    )


def _actions(elements: list[ButtonElement]) -> list[Block]:
    return [ActionsBlock(elements=list(c)) for c in _chunks(elements, ACTIONS_ELEMENTS_MAX)]


def _section(section: outbound.Section) -> list[Block]:
    blocks: list[Block] = []
    if section.title:
        blocks.append(HeaderBlock(text=plain(section.title, HEADER_MAX)))
    if section.text:
        blocks.extend(mrkdwn_sections(section.text))
    fields = [
        MarkdownTextObject(text=shorten(f"*{escape(label)}*\n{escape(value)}", SECTION_FIELD_MAX))
        for label, value in section.fields
    ]
    blocks.extend(SectionBlock(fields=list(c)) for c in _chunks(fields, SECTION_FIELDS_MAX))
    return blocks


def _poll(poll: outbound.Poll) -> list[Block]:
    blocks = mrkdwn_sections(poll.question)
    if not poll.multi:
        buttons = [
            _button(outbound.Button(label=c.label, action_id=poll.action_id, value=c.value), i)
            for i, c in enumerate(poll.choices)
        ]
        blocks.extend(_actions(buttons))
    else:
        options = [
            Option(
                value=_clip_value(c.value, OPTION_VALUE_MAX, "option"),
                text=plain(c.label, OPTION_TEXT_MAX),
            )
            for c in poll.choices
        ]
        blocks.extend(
            ActionsBlock(
                elements=[
                    CheckboxesElement(action_id=poll.action_id + CHOICES_SUFFIX, options=list(c))
                ]
            )
            for c in _chunks(options, CHECKBOX_OPTIONS_MAX)
        )
        submit = ButtonElement(
            text=plain(POLL_SUBMIT_LABEL, BUTTON_TEXT_MAX),
            action_id=poll.action_id + SUBMIT_SUFFIX,
            style="primary",
        )
        blocks.append(ActionsBlock(elements=[submit]))
    if poll.context:
        blocks.append(_context(poll.context))
    return blocks


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=shorten(escape(text), SECTION_TEXT_MAX))])


def render_block(block: outbound.Block) -> list[Block]:
    match block:
        case outbound.Text(text=text):
            return mrkdwn_sections(text)
        case outbound.Section():
            return _section(block)
        case outbound.Buttons(buttons=buttons):
            return _actions([_button(b, i) for i, b in enumerate(buttons)])
        case outbound.Poll():
            return _poll(block)
        case outbound.Divider():
            return [DividerBlock()]
        case outbound.Context(text=text):
            return [_context(text)]
    raise TypeError(f"cannot render {type(block).__name__} for Slack")


def render_message(message: outbound.Message) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for chat.postMessage / chat.update."""
    blocks = [b for block in message.blocks for b in render_block(block)]
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        blocks = blocks[: MESSAGE_BLOCKS_MAX - 1] + [_context(MORE_IN_APP)]
    text = shorten(escape(message.summary.strip()), FALLBACK_TEXT_MAX) or "Tandem"
    return text, [b.to_dict() for b in blocks]

"""Render a neutral Form as a Slack modal, and read a view_submission back into field values.

Each FormField becomes one input block whose block_id and action_id are the field's name,
so `view.state.values[name][name]` holds its answer.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DateTimePickerElement,
    InputBlock,
    InteractiveElement,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from adapters.slack.render import (
    OPTION_TEXT_MAX,
    OPTION_VALUE_MAX,
    escape,
    mrkdwn_sections,
    plain,
    shorten,
)
from bot.core.outbound import Choice, FieldKind, Form, FormField

log = logging.getLogger(__name__)

MODAL_TITLE_MAX = 24
MODAL_BUTTON_MAX = 24
MODAL_BLOCKS_MAX = 100
LABEL_MAX = 2000
HINT_MAX = 2000
PLACEHOLDER_MAX = 150
TEXT_INPUT_MAX = 3000
SELECT_OPTIONS_MAX = 100
CHECKED = "yes"
CLOSE_LABEL = "Cancel"


def _option(choice: Choice) -> Option:
    if len(choice.value) > OPTION_VALUE_MAX:
        log.warning("option value of %d chars clipped", len(choice.value))
    return Option(value=choice.value[:OPTION_VALUE_MAX], text=plain(choice.label, OPTION_TEXT_MAX))


def _options(field: FormField) -> list[Option]:
    if len(field.options) > SELECT_OPTIONS_MAX:
        log.warning(
            "field %s has %d options; Slack shows %d",
            field.name,
            len(field.options),
            SELECT_OPTIONS_MAX,
        )
    return [_option(c) for c in field.options[:SELECT_OPTIONS_MAX]]


def _initial_values(field: FormField) -> tuple[str, ...]:
    if field.initial is None:
        return ()
    return (field.initial,) if isinstance(field.initial, str) else field.initial


def _epoch(iso: str) -> int:
    when = datetime.fromisoformat(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def _element(field: FormField) -> InteractiveElement:
    name = field.name
    placeholder = plain(field.placeholder, PLACEHOLDER_MAX) if field.placeholder else None
    initial = _initial_values(field)
    match field.kind:
        case FieldKind.TEXT | FieldKind.LONG_TEXT:
            limit = min(field.max_length or TEXT_INPUT_MAX, TEXT_INPUT_MAX)
            return PlainTextInputElement(
                action_id=name,
                multiline=field.kind == FieldKind.LONG_TEXT,
                max_length=limit,
                initial_value=initial[0][:limit] if initial else None,
                placeholder=placeholder,
            )
        case FieldKind.SELECT | FieldKind.MULTI_SELECT:
            options = _options(field)
            chosen = [o for o in options if o.value in initial] or None
            if field.kind == FieldKind.SELECT:
                return StaticSelectElement(
                    action_id=name,
                    options=options,
                    initial_option=chosen[0] if chosen else None,
                    placeholder=placeholder,
                )
            return StaticMultiSelectElement(
                action_id=name, options=options, initial_options=chosen, placeholder=placeholder
            )
        case FieldKind.CHECKBOX:
            box = Option(value=CHECKED, text=plain(field.label, OPTION_TEXT_MAX))
            ticked = [box] if CHECKED in initial else None
            return CheckboxesElement(action_id=name, options=[box], initial_options=ticked)
        case FieldKind.NUMBER:
            return NumberInputElement(
                action_id=name,
                is_decimal_allowed=False,
                initial_value=initial[0] if initial else None,
                placeholder=placeholder,
            )
        case FieldKind.DATETIME:
            return DateTimePickerElement(
                action_id=name, initial_date_time=_epoch(initial[0]) if initial else None
            )
        case FieldKind.USER:
            # Slack's own people picker: its answer is always a member of the workspace.
            return UserSelectElement(
                action_id=name,
                initial_user=initial[0] if initial else None,
                placeholder=placeholder,
            )
    raise ValueError(f"no Slack element for field kind {field.kind}")


def _input_block(field: FormField) -> InputBlock:
    return InputBlock(
        block_id=field.name,
        label=plain(field.label, LABEL_MAX),
        element=_element(field),
        hint=plain(field.hint, HINT_MAX) if field.hint else None,
        optional=not field.required,
    )


def render_modal(form: Form) -> dict[str, Any]:
    """A modal view dict for views.open / views.update.

    `form.context` goes into private_metadata untouched; over 3000 characters it raises
    SlackObjectFormationError, since shortening it would lose the flow's state.
    """
    blocks: list[Block] = mrkdwn_sections(form.intro) if form.intro else []
    for field in form.fields:
        blocks.append(_input_block(field))
        if field.name in form.errors:
            # Shown when a form is re-rendered with errors (e.g. response_action "update").
            warning = shorten(f":warning: {escape(form.errors[field.name])}", 3000)
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=warning)]))
    if len(blocks) > MODAL_BLOCKS_MAX:
        log.warning(
            "form %s has %d blocks; Slack shows %d", form.form_id, len(blocks), MODAL_BLOCKS_MAX
        )
        blocks = blocks[:MODAL_BLOCKS_MAX]
    view = View(
        type="modal",
        callback_id=form.form_id,
        private_metadata=form.context,
        title=plain(form.title, MODAL_TITLE_MAX),
        submit=plain(form.submit_label, MODAL_BUTTON_MAX),
        close=plain(CLOSE_LABEL, MODAL_BUTTON_MAX),
        blocks=blocks,
    )
    return view.to_dict()


def form_errors(errors: dict[str, str]) -> dict[str, Any]:
    """The ack body that shows each message under the input whose block_id is the field name."""
    return {"response_action": "errors", "errors": dict(errors)}


def _iso_utc(epoch: object) -> str:
    if not isinstance(epoch, int | float) or isinstance(epoch, bool):
        return ""
    try:
        return datetime.fromtimestamp(epoch, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return ""


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    """Text as sent, a number as its digits; None for any other shape."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _chosen(options: object) -> list[str]:
    chosen = options if isinstance(options, list) else []
    return [v for o in chosen if (v := _text(_dict(o).get("value"))) is not None]


def _value(state: dict[str, Any]) -> str | list[str] | None:
    """The answer in the neutral shape; a wrong-typed value reads as no answer."""
    match state.get("type"):
        case "plain_text_input" | "number_input":
            return _text(state.get("value")) or ""
        case "static_select":
            return _text(_dict(state.get("selected_option")).get("value")) or ""
        case "multi_static_select":
            return _chosen(state.get("selected_options"))
        case "checkboxes":
            return CHECKED if _chosen(state.get("selected_options")) else ""
        case "datetimepicker":
            return _iso_utc(state.get("selected_date_time"))
        case "datepicker":
            return _text(state.get("selected_date")) or ""
        case "timepicker":
            return _text(state.get("selected_time")) or ""
        case "users_select":
            return _text(state.get("selected_user")) or ""
    return None


def values_from_view_state(state_values: object) -> dict[str, str | list[str]]:
    """Field name -> answer from a view_submission's `view.state.values`.

    Dates come back as ISO 8601 in UTC; an unticked checkbox and an empty input as "".
    """
    values: dict[str, str | list[str]] = {}
    for actions in _dict(state_values).values():
        for action_id, state in _dict(actions).items():
            value = _value(_dict(state))
            if value is None:
                log.warning("unrendered element type in view state")
                continue
            values[action_id] = value
    return values


_KINDS = {
    "static_select": FieldKind.SELECT,
    "multi_static_select": FieldKind.MULTI_SELECT,
    "checkboxes": FieldKind.CHECKBOX,
    "number_input": FieldKind.NUMBER,
    "datetimepicker": FieldKind.DATETIME,
    "users_select": FieldKind.USER,
}


def _offered(block: dict[str, Any]) -> FormField | None:
    element = _dict(block.get("element"))
    name, kind = element.get("action_id"), element.get("type")
    if not isinstance(name, str) or not isinstance(kind, str):
        return None
    if kind == "plain_text_input":
        field_kind = FieldKind.LONG_TEXT if element.get("multiline") is True else FieldKind.TEXT
    elif kind in _KINDS:
        field_kind = _KINDS[kind]
    else:
        return None
    options = element.get("options") if field_kind is not FieldKind.CHECKBOX else None
    limit = element.get("max_length")
    return FormField(
        name=name,
        label="",
        kind=field_kind,
        required=block.get("optional") is not True,
        options=tuple(Choice(value, value) for value in _chosen(options)),
        max_length=limit if isinstance(limit, int) and not isinstance(limit, bool) else None,
    )


def offered_fields(view: object) -> tuple[FormField, ...]:
    """The inputs of a submitted modal, as the neutral fields it was rendered from.

    Slack returns the view as Tandem rendered it, so its blocks say which fields and options
    were offered; answers to anything else are not Tandem's to read.
    """
    blocks = _dict(view).get("blocks")
    inputs = [_dict(b) for b in blocks] if isinstance(blocks, list) else []
    fields = (_offered(b) for b in inputs if b.get("type") == "input")
    return tuple(field for field in fields if field is not None)

"""Render the neutral outbound model as Adaptive Cards 1.5 and read card submissions back.

Buttons, polls and form submits are `Action.Execute` (Universal Actions), so a click arrives
as an `adaptiveCard/action` invoke whose `action.data` is the action's `data` merged with the
card's input values. Older clients send the same dict as an `Action.Submit` message `value`;
`parse_submission` reads both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from bot.outbound import (
    Button,
    Buttons,
    ButtonStyle,
    Context,
    Divider,
    FieldKind,
    Form,
    FormField,
    Message,
    Poll,
    Section,
    Text,
)

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
FORM_VERB_PREFIX = "form:"
# Teams rejects activities over ~28 KB (MessageSizeTooBig); keep room for the activity envelope.
MAX_CARD_BYTES = 24_000
MAX_TEXT_CHARS = 4_000
MAX_LABEL_CHARS = 300
TRUNCATION_NOTE = "Part of this message was shortened to fit in Teams."
# Submit data carries each input's kind so a submission can be parsed without the Form at hand.
KINDS_KEY = "kinds"
RESERVED_FIELD_NAMES = frozenset({"form_id", "action_id", "context", KINDS_KEY})
DATE_SUFFIX = "__date"
TIME_SUFFIX = "__time"
CHECKBOX_ON = "yes"

_ACTION_STYLES = {ButtonStyle.PRIMARY: "positive", ButtonStyle.DANGER: "destructive"}
# The neutral model marks bold as *bold*; Adaptive Card markdown wants **bold**.
_SINGLE_STAR_BOLD = re.compile(r"(?<![\w*])\*([^\s*](?:[^*\n]*[^\s*])?)\*(?![\w*])")


class _Clipper:
    """Shortens over-long strings and remembers that it did, so the card can say so."""

    def __init__(self) -> None:
        self.clipped = False

    def __call__(self, text: str, limit: int = MAX_TEXT_CHARS) -> str:
        if len(text) <= limit:
            return text
        self.clipped = True
        return text[: limit - 1].rstrip() + "…"


def _markdown(text: str) -> str:
    return _SINGLE_STAR_BOLD.sub(r"**\1**", text)


def _text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _small_print(text: str) -> dict[str, Any]:
    return _text_block(text, size="small", isSubtle=True, spacing="none")


def _error_block(text: str) -> dict[str, Any]:
    return _text_block(text, color="attention", size="small", spacing="none")


def _card(
    body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] = (), *, fallback: str
) -> dict[str, Any]:
    card: dict[str, Any] = {"$schema": SCHEMA_URL, "type": "AdaptiveCard", "version": "1.5"}
    card["body"] = body
    if actions:
        card["actions"] = list(actions)
    if fallback:
        card["fallbackText"] = fallback
    return card


def _size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode())


def _fit(card: dict[str, Any], clip: _Clipper) -> dict[str, Any]:
    """Say when text was shortened; drop trailing elements if the card is still too big."""
    if not clip.clipped and _size(card) <= MAX_CARD_BYTES:
        return card
    body = card["body"]
    body.append(_small_print(TRUNCATION_NOTE))
    while _size(card) > MAX_CARD_BYTES and len(body) > 1:
        del body[-2]
    return card


def _execute(
    title: str, verb: str, data: dict[str, Any], style: str | None = None
) -> dict[str, Any]:
    action = {"type": "Action.Execute", "title": title, "verb": verb, "data": data}
    if style:
        action["style"] = style
    return action


def _button(button: Button, clip: _Clipper) -> dict[str, Any]:
    title = clip(button.label, MAX_LABEL_CHARS)
    if button.url:
        return {"type": "Action.OpenUrl", "title": title, "url": button.url}
    data = {"action_id": button.action_id, "value": button.value}
    return _execute(title, button.action_id, data, _ACTION_STYLES.get(button.style))


def _poll(poll: Poll, clip: _Clipper) -> list[dict[str, Any]]:
    question = clip(_markdown(poll.question))
    if not poll.multi:
        actions = [
            _execute(
                clip(choice.label, MAX_LABEL_CHARS),
                poll.action_id,
                {"action_id": poll.action_id, "value": choice.value, "context": poll.context},
            )
            for choice in poll.choices
        ]
        return [_text_block(question), {"type": "ActionSet", "actions": actions}]
    choice_set = {
        "type": "Input.ChoiceSet",
        "id": poll.action_id,
        "label": question,
        "isMultiSelect": True,
        "style": "expanded",
        "choices": _choices(poll.choices, clip, multi=True),
    }
    data = {
        "action_id": poll.action_id,
        "context": poll.context,
        KINDS_KEY: {poll.action_id: FieldKind.MULTI_SELECT.value},
    }
    submit = _execute("Submit", poll.action_id, data, "positive")
    return [choice_set, {"type": "ActionSet", "actions": [submit]}]


def _block(
    block: Text | Section | Buttons | Poll | Context, clip: _Clipper
) -> list[dict[str, Any]]:
    match block:
        case Text():
            return [_text_block(clip(_markdown(block.text)))]
        case Section():
            out = [_text_block(clip(_markdown(block.title), MAX_LABEL_CHARS), weight="bolder")]
            if block.text:
                out.append(_text_block(clip(_markdown(block.text))))
            if block.fields:
                facts = [
                    {"title": clip(title, MAX_LABEL_CHARS), "value": clip(_markdown(value))}
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
            return [_text_block(clip(_markdown(block.text)), size="small", isSubtle=True)]
    raise TypeError(f"cannot render {type(block).__name__}")


def render_message_card(message: Message) -> dict[str, Any]:
    clip = _Clipper()
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
        body.append(_text_block(clip(message.summary)))
    return _fit(_card(body, fallback=clip(message.summary, MAX_LABEL_CHARS)), clip)


def _choices(choices: Sequence[Any], clip: _Clipper, *, multi: bool) -> list[dict[str, str]]:
    if multi and any("," in choice.value for choice in choices):
        # Teams returns a multi-select as one comma-joined string.
        raise ValueError("multi-select choice values must not contain commas")
    return [{"title": clip(c.label, MAX_LABEL_CHARS), "value": c.value} for c in choices]


def _number(text: str) -> float | int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def _datetime_inputs(field: FormField, common: dict[str, Any]) -> list[dict[str, Any]]:
    day = {**common, "type": "Input.Date", "id": field.name + DATE_SUFFIX}
    clock = {**common, "type": "Input.Time", "id": field.name + TIME_SUFFIX, "label": "Time"}
    if isinstance(field.initial, str) and field.initial:
        try:
            initial = datetime.fromisoformat(field.initial)
        except ValueError:
            pass
        else:
            day["value"] = initial.date().isoformat()
            clock["value"] = initial.strftime("%H:%M")
    return [day, clock]


def _field_inputs(field: FormField, error: str | None, clip: _Clipper) -> list[dict[str, Any]]:
    label = clip(field.label, MAX_LABEL_CHARS)
    common: dict[str, Any] = {
        "id": field.name,
        "label": label,
        "isRequired": field.required,
        "errorMessage": error or f"Please fill in {label}.",
    }
    initial = field.initial if isinstance(field.initial, str) else None
    if field.placeholder and field.kind is not FieldKind.CHECKBOX:
        common["placeholder"] = field.placeholder
    kind = field.kind
    if kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        element = {**common, "type": "Input.Text", "isMultiline": kind is FieldKind.LONG_TEXT}
        if field.max_length:
            element["maxLength"] = field.max_length
        if initial is not None:
            element["value"] = initial
    elif kind in (FieldKind.SELECT, FieldKind.MULTI_SELECT):
        multi = kind is FieldKind.MULTI_SELECT
        element = {**common, "type": "Input.ChoiceSet", "isMultiSelect": multi}
        element["style"] = "expanded" if multi else "compact"
        element["choices"] = _choices(field.options, clip, multi=multi)
        if isinstance(field.initial, tuple):
            element["value"] = ",".join(field.initial)
        elif initial is not None:
            element["value"] = initial
    elif kind is FieldKind.CHECKBOX:
        element = {k: v for k, v in common.items() if k != "label"}
        element.update(type="Input.Toggle", title=label, valueOn=CHECKBOX_ON, valueOff="")
        element.update(wrap=True, value=CHECKBOX_ON if initial == CHECKBOX_ON else "")
    elif kind is FieldKind.NUMBER:
        element = {**common, "type": "Input.Number"}
        if initial is not None and (number := _number(initial)) is not None:
            element["value"] = number
    else:
        return [*_datetime_inputs(field, common), *_under_field(field, error, clip)]
    return [element, *_under_field(field, error, clip)]


def _under_field(field: FormField, error: str | None, clip: _Clipper) -> list[dict[str, Any]]:
    out = [_small_print(clip(field.hint))] if field.hint else []
    if error:
        out.append(_error_block(clip(error, MAX_LABEL_CHARS)))
    return out


def render_form_card(form: Form) -> dict[str, Any]:
    """A card with one input per field; `form.errors` show in red under their field."""
    clip = _Clipper()
    body = [
        _text_block(clip(form.title, MAX_LABEL_CHARS), size="medium", weight="bolder"),
    ]
    if form.intro:
        body.append(_text_block(clip(_markdown(form.intro))))
    names = {field.name for field in form.fields}
    body.extend(_error_block(clip(msg)) for key, msg in form.errors.items() if key not in names)
    kinds: dict[str, str] = {}
    for field in form.fields:
        if field.name in RESERVED_FIELD_NAMES:
            raise ValueError(f"form field name {field.name!r} is reserved")
        body.extend(_field_inputs(field, form.errors.get(field.name), clip))
        kinds[field.name] = field.kind.value
    data = {"form_id": form.form_id, "context": form.context, KINDS_KEY: kinds}
    submit = _execute(
        clip(form.submit_label, MAX_LABEL_CHARS), FORM_VERB_PREFIX + form.form_id, data, "positive"
    )
    return _fit(_card(body, [submit], fallback=clip(form.title, MAX_LABEL_CHARS)), clip)


def render_confirmation_card(title: str, lines: list[str]) -> dict[str, Any]:
    """Replaces a submitted form in place, so it cannot be submitted twice."""
    clip = _Clipper()
    heading = clip(title, MAX_LABEL_CHARS)
    body = [_text_block(heading, size="medium", weight="bolder", color="good")]
    body.extend(_text_block(clip(_markdown(line))) for line in lines)
    return _fit(_card(body, fallback=heading), clip)


def invoke_response_body(card: dict | None = None, message: str | None = None) -> dict[str, Any]:
    """Body of the HTTP 200 answering an `adaptiveCard/action` invoke: a new card or a toast."""
    if card is not None and message is not None:
        raise ValueError("answer an invoke with a card or a message, not both")
    if card is not None:
        return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}
    return {"statusCode": 200, "type": MESSAGE_CONTENT_TYPE, "value": message or ""}


def is_form_submission(data: Mapping[str, Any]) -> bool:
    """True for a form's submit; False for a button or poll (both carry `action_id`)."""
    return isinstance(data.get("form_id"), str) and bool(data["form_id"])


def _declared_kinds(
    data: Mapping[str, Any], fields: Sequence[FormField] | None
) -> dict[str, FieldKind]:
    if fields is not None:
        return {field.name: field.kind for field in fields}
    raw = data.get(KINDS_KEY)
    if not isinstance(raw, Mapping):
        return {}
    known = {kind.value for kind in FieldKind}
    return {
        name: FieldKind(kind)
        for name, kind in raw.items()
        if isinstance(name, str) and isinstance(kind, str) and kind in known
    }


def _join_datetime(day_raw: Any, time_raw: Any, tz: tzinfo) -> str | None:
    if not isinstance(day_raw, str) or not day_raw:
        return None
    try:
        day = date.fromisoformat(day_raw)
        clock = time.fromisoformat(time_raw) if isinstance(time_raw, str) and time_raw else None
    except ValueError:
        return None
    if clock is None:
        return day.isoformat()
    return datetime.combine(day, clock, tzinfo=clock.tzinfo or tz).isoformat()


def _as_text(raw: Any) -> str | None:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(int(raw)) if float(raw).is_integer() else str(raw)
    return None


def _read_inputs(
    data: Mapping[str, Any], kinds: Mapping[str, FieldKind], tz: tzinfo
) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {}
    for name, kind in kinds.items():
        if kind is FieldKind.DATETIME:
            joined = _join_datetime(data.get(name + DATE_SUFFIX), data.get(name + TIME_SUFFIX), tz)
            if joined is not None:
                values[name] = joined
            continue
        text = _as_text(data.get(name))
        if text is None:
            continue
        if kind is FieldKind.MULTI_SELECT:
            values[name] = [part.strip() for part in text.split(",") if part.strip()]
        else:
            values[name] = text
    return values


def _drop_unknown_options(
    values: dict[str, str | list[str]], fields: Sequence[FormField]
) -> dict[str, str | list[str]]:
    for field in fields:
        allowed = {choice.value for choice in field.options}
        value = values.get(field.name)
        if not allowed or value is None or field.kind is FieldKind.CHECKBOX:
            continue
        if isinstance(value, list):
            values[field.name] = [v for v in value if v in allowed]
        elif value not in allowed:
            del values[field.name]
    return values


def parse_submission(
    data: Mapping[str, Any],
    *,
    fields: Sequence[FormField] | None = None,
    tz: tzinfo | None = None,
) -> tuple[str, dict[str, str | list[str]], str]:
    """Read `(form_id or action_id, values, context)` from a card submission.

    `data` is an `adaptiveCard/action` invoke's `action.data` or an Action.Submit message
    `value`. Multi-selects come back as lists. A DATETIME field's date and time inputs are
    joined into one ISO 8601 string in `tz` (Teams sends neither a zone nor an offset; pass
    the person's zone, e.g. from the activity's `local_timezone`, else UTC is assumed); a date
    without a time comes back as a plain ISO date. Inputs the card did not declare are
    ignored and inputs left out are absent. Pass the form's `fields` to trust only them (and
    their options) rather than the kinds the card carried. For a button or a single-choice
    poll `values` is `{"value": str}`; for a multi-choice poll it is `{"value": list[str]}`.
    Raises ValueError for data no card of ours produced.
    """
    if not isinstance(data, Mapping):
        raise ValueError("a card submission must be a JSON object")
    zone = tz or UTC
    context = data.get("context")
    context = context if isinstance(context, str) else ""
    if is_form_submission(data):
        values = _read_inputs(data, _declared_kinds(data, fields), zone)
        if fields is not None:
            values = _drop_unknown_options(values, fields)
        return data["form_id"], values, context
    action_id = data.get("action_id")
    if not isinstance(action_id, str) or not action_id:
        raise ValueError("not a submission from a Tandem card")
    inputs = _read_inputs(data, _declared_kinds(data, None), zone)
    values = {}
    if action_id in inputs:
        values["value"] = inputs[action_id]
    elif (value := _as_text(data.get("value"))) is not None:
        values["value"] = value
    return action_id, values, context

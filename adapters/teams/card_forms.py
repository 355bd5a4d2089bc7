"""Render a neutral `Form` as an Adaptive Card 1.5 with one input per field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.teams.card_elements import (
    DATE_SUFFIX,
    KINDS_KEY,
    MAX_LABEL_CHARS,
    TIME_SUFFIX,
    Clipper,
    adaptive_card,
    error_block,
    execute_action,
    fit,
    input_choices,
    markdown,
    small_print,
    text_block,
)
from bot.core.outbound import Choice, FieldKind, Form, FormField

FORM_VERB_PREFIX = "form:"
# Teams' people picker: an Input.ChoiceSet that searches the organisation's directory as the
# person types and answers with the Entra object id of whoever they pick. Clients without it
# show the ChoiceSet's own choices instead: the people Tandem knows.
PEOPLE_QUERY = {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
RESERVED_FIELD_NAMES = frozenset({"form_id", "action_id", "context", KINDS_KEY})
CHECKBOX_ON = "yes"


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


def _field_inputs(
    field: FormField, error: str | None, clip: Clipper, people: Sequence[Choice]
) -> list[dict[str, Any]]:
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
        element["choices"] = input_choices(field.options, clip, multi=multi)
        if isinstance(field.initial, tuple):
            element["value"] = ",".join(field.initial)
        elif initial is not None:
            element["value"] = initial
    elif kind is FieldKind.USER:
        element = {**common, "type": "Input.ChoiceSet", "isMultiSelect": False, "style": "compact"}
        element["choices"] = input_choices(people, clip, multi=False)
        element["choices.data"] = dict(PEOPLE_QUERY)
        if initial:
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


def _under_field(field: FormField, error: str | None, clip: Clipper) -> list[dict[str, Any]]:
    out = [small_print(clip(field.hint))] if field.hint else []
    if error:
        out.append(error_block(clip(error, MAX_LABEL_CHARS)))
    return out


def render_form_card(form: Form, people: Sequence[Choice] = ()) -> dict[str, Any]:
    """A card with one input per field; `form.errors` show in red under their field.
    `people` (name, member id) are offered by a person field to clients without the picker."""
    clip = Clipper()
    body = [
        text_block(clip(form.title, MAX_LABEL_CHARS), size="medium", weight="bolder"),
    ]
    if form.intro:
        body.append(text_block(clip(markdown(form.intro))))
    names = {field.name for field in form.fields}
    body.extend(error_block(clip(msg)) for key, msg in form.errors.items() if key not in names)
    kinds: dict[str, str] = {}
    for field in form.fields:
        if field.name in RESERVED_FIELD_NAMES:
            raise ValueError(f"form field name {field.name!r} is reserved")
        body.extend(_field_inputs(field, form.errors.get(field.name), clip, people))
        kinds[field.name] = field.kind.value
    data = {"form_id": form.form_id, "context": form.context, KINDS_KEY: kinds}
    submit = execute_action(
        clip(form.submit_label, MAX_LABEL_CHARS), FORM_VERB_PREFIX + form.form_id, data, "positive"
    )
    return fit(adaptive_card(body, [submit], fallback=clip(form.title, MAX_LABEL_CHARS)), clip)

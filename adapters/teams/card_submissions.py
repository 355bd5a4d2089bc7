"""Read card submissions back, and answer the invoke that carried them.

Buttons, polls and form submits are `Action.Execute` (Universal Actions), so a click arrives
as an `adaptiveCard/action` invoke whose `action.data` is the action's `data` merged with the
card's input values. Older clients send the same dict as an `Action.Submit` message `value`;
`parse_submission` reads both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from adapters.teams.card_elements import DATE_SUFFIX, KINDS_KEY, TIME_SUFFIX
from bot.core.outbound import FieldKind, FormField

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"


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
    ignored and inputs left out are absent. Pass the form's `fields` to trust only them rather
    than the kinds the card carried; their options are checked by `Tandem.validate`, as on
    every platform. For a button or a single-choice poll `values` is `{"value": str}`; for a
    multi-choice poll it is `{"value": list[str]}`.
    Raises ValueError for data no card of ours produced.
    """
    if not isinstance(data, Mapping):
        raise ValueError("a card submission must be a JSON object")
    zone = tz or UTC
    context = data.get("context")
    context = context if isinstance(context, str) else ""
    if is_form_submission(data):
        values = _read_inputs(data, _declared_kinds(data, fields), zone)
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

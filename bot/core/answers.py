"""Screening a submitted form against the form that was offered, the same on every platform.

A submission is only as trustworthy as the request that carried it: a tampered or garbled one
can name fields the form never had, choose options it never offered, or carry characters no
database stores (PostgreSQL refuses NUL). Screening happens before the acknowledgement, so
the person sees the problem on the field and keeps their answers; flows' own checks run after.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.outbound import FieldKind, FormField

Answers = dict[str, str | list[str]]

OFF_LIST = "Please choose one of the options."
UNREADABLE = "I couldn't read this answer. Please fill it in again."
UNSTORABLE = "This answer has a character I can't keep (a control character). Please retype it."
TOO_LONG = "Please keep this under {limit:,} characters; it's {length:,} now."
MAX_CHOICES = 200

# C0 control characters other than tab, newline and carriage return (CRLF line ends are
# ordinary text), and lone surrogates, which no UTF-8 column can hold.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_CHOICE_KINDS = (FieldKind.SELECT, FieldKind.MULTI_SELECT)


@dataclass(frozen=True, slots=True)
class Screened:
    """The answers to the offered fields, in the neutral shape, and what is wrong with them."""

    answers: Answers
    errors: dict[str, str]


def screen_answers(offered: Sequence[FormField], submitted: Mapping[str, object]) -> Screened:
    """Keep only the offered fields' answers; refuse wrong shapes, unknown options, bad text."""
    answers: Answers = {}
    errors: dict[str, str] = {}
    for field in offered:
        if field.name not in submitted:
            continue
        value = _neutral(submitted[field.name])
        if value is None:
            errors[field.name] = UNREADABLE
            continue
        answers[field.name] = value
        if problem := _problem(field, value):
            errors[field.name] = problem
    return Screened(answers, errors)


def is_storable(text: str) -> bool:
    """False for text with a character no database column should be asked to hold."""
    return _UNSTORABLE.search(text) is None


def _neutral(value: object) -> str | list[str] | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) <= MAX_CHOICES:
        if all(isinstance(item, str) for item in value):
            return list(value)
    return None


def _problem(field: FormField, value: str | list[str]) -> str | None:
    texts = [value] if isinstance(value, str) else value
    if not all(is_storable(text) for text in texts):
        return UNSTORABLE
    if field.kind in _CHOICE_KINDS:
        allowed = {choice.value for choice in field.options}
        chosen = _chosen(field, value)
        return OFF_LIST if any(item not in allowed for item in chosen) else None
    if field.max_length is not None:
        length = max((len(text) for text in texts), default=0)
        if length > field.max_length:
            return TOO_LONG.format(limit=field.max_length, length=length)
    return None


def _chosen(field: FormField, value: str | list[str]) -> list[str]:
    """The options picked; an empty answer picks none (flows say whether one is required)."""
    if isinstance(value, list):
        return [item for item in value if item]
    if field.kind is FieldKind.MULTI_SELECT:
        # Some platforms send a multi-select as one comma-joined string.
        return [item.strip() for item in value.split(",") if item.strip()]
    return [value] if value else []

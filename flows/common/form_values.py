"""Reading submitted form values, whichever shape the platform gave them."""

from __future__ import annotations

FormValues = dict[str, str | list[str]]


def one(values: FormValues, name: str) -> str:
    value = values.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value.strip()


def many(values: FormValues, name: str) -> list[str]:
    value = values.get(name, [])
    if isinstance(value, str):
        value = [v for v in value.split(",")] if value else []
    return [v.strip() for v in value if v and v.strip()]


def too_long(text: str, limit: int) -> str | None:
    if len(text) <= limit:
        return None
    return f"Please keep this under {limit:,} characters; it's {len(text):,} now."


def text_problem(values: FormValues, name: str, limit: int, when_empty: str | None) -> str | None:
    """What is wrong with a text answer: empty (when required) or too long; None if fine."""
    text = one(values, name)
    if not text:
        return when_empty
    return too_long(text, limit)


def check_text(values: FormValues, name: str, limit: int, when_empty: str) -> dict[str, str]:
    """Field errors for one required text answer."""
    problem = text_problem(values, name, limit, when_empty)
    return {name: problem} if problem else {}

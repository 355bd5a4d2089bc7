"""Adaptive Card 1.5 building blocks shared by every card Tandem renders for Teams:
text blocks, actions, choices, and keeping a card inside Teams' size limit."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams rejects activities over ~28 KB (MessageSizeTooBig); keep room for the activity envelope.
MAX_CARD_BYTES = 24_000
MAX_TEXT_CHARS = 4_000
MAX_LABEL_CHARS = 300
TRUNCATION_NOTE = "Part of this message was shortened to fit in Teams."
# Submit data carries each input's kind so a submission can be parsed without the Form at hand.
KINDS_KEY = "kinds"
DATE_SUFFIX = "__date"
TIME_SUFFIX = "__time"

# The neutral model marks bold as *bold*; Adaptive Card markdown wants **bold**.
_SINGLE_STAR_BOLD = re.compile(r"(?<![\w*])\*([^\s*](?:[^*\n]*[^\s*])?)\*(?![\w*])")


class Clipper:
    """Shortens over-long strings and remembers that it did, so the card can say so."""

    def __init__(self) -> None:
        self.clipped = False

    def __call__(self, text: str, limit: int = MAX_TEXT_CHARS) -> str:
        if len(text) <= limit:
            return text
        self.clipped = True
        return text[: limit - 1].rstrip() + "…"


def markdown(text: str) -> str:
    return _SINGLE_STAR_BOLD.sub(r"**\1**", text)


def text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def small_print(text: str) -> dict[str, Any]:
    return text_block(text, size="small", isSubtle=True, spacing="none")


def error_block(text: str) -> dict[str, Any]:
    return text_block(text, color="attention", size="small", spacing="none")


def adaptive_card(
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


def fit(card: dict[str, Any], clip: Clipper) -> dict[str, Any]:
    """Say when text was shortened; drop trailing elements if the card is still too big."""
    if not clip.clipped and _size(card) <= MAX_CARD_BYTES:
        return card
    body = card["body"]
    body.append(small_print(TRUNCATION_NOTE))
    while _size(card) > MAX_CARD_BYTES and len(body) > 1:
        del body[-2]
    return card


def execute_action(
    title: str, verb: str, data: dict[str, Any], style: str | None = None
) -> dict[str, Any]:
    action = {"type": "Action.Execute", "title": title, "verb": verb, "data": data}
    if style:
        action["style"] = style
    return action


def input_choices(choices: Sequence[Any], clip: Clipper, *, multi: bool) -> list[dict[str, str]]:
    if multi and any("," in choice.value for choice in choices):
        # Teams returns a multi-select as one comma-joined string.
        raise ValueError("multi-select choice values must not contain commas")
    return [{"title": clip(c.label, MAX_LABEL_CHARS), "value": c.value} for c in choices]

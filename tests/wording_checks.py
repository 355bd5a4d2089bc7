"""Wording slips a reader notices, found by pattern in everything Tandem sent: counts that
disagree with their noun ("1 pairs", "sign-up(s)"), a label said twice ("(optional)
(optional)"), markup a form shows literally, and a few phrasings once seen and fixed.

Used by the whole-programme runs on every platform (tests/programme_cycle.py, the
playground's stored messages and forms) and by tests/test_wording.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from storage.models import PlaygroundItem
from storage.uow import Database

# "1" then a lower-case word ending in s: a plural noun after a count of one. The words that
# end in s without being plural are let through.
ONE_THEN_PLURAL = re.compile(
    r"(?<![\w.,:/-])1 (?!(?:has|is|was|does|this|plus|yes|as|its|us|across)\b)[a-z][a-z-]*s\b"
)
SLIPS = {
    "a count of one with a plural noun": ONE_THEN_PLURAL,
    "(s) where the count should choose the word": re.compile(r"[a-z]\(s\)"),
    "the same label twice": re.compile(r"(\([^()]{2,}\))\s*\1"),
    "resuming explained as typing status": re.compile(r"`status` to resume"),
    "an acronym in lower case": re.compile(r"\blgbtq\+"),
}
# What a form shows is plain text everywhere: *bold* there appears as asterisks.
FORM_TEXT_KEYS = ("title", "intro", "label", "hint", "placeholder", "submit_label")


def slips_in(texts: Iterable[str]) -> list[str]:
    """Each slip found, as "what: ...the words around it...", over any text or JSON."""
    found = []
    for text in texts:
        for what, pattern in SLIPS.items():
            for match in pattern.finditer(text):
                around = text[max(0, match.start() - 40) : match.end() + 40]
                found.append(f"{what}: …{around}…")
    return found


def form_slips(form: dict[str, Any]) -> list[str]:
    """Slips only a form can have, on a stored neutral form (playground JSON)."""
    found = []
    for key in FORM_TEXT_KEYS:
        if "*" in str(form.get(key) or ""):
            found.append(f"markup shown literally in the form's {key}: {form[key]}")
    for field in form.get("fields", []):
        # Every platform marks an optional field itself; a label that says so is said twice.
        if not field.get("required", True) and "optional" in field.get("label", "").lower():
            found.append(f"'optional' twice on the field {field['label']!r}")
        for key in ("label", "hint", "placeholder"):
            if "*" in str(field.get(key) or ""):
                found.append(f"markup shown literally in a field's {key}: {field[key]}")
        for option in field.get("options", []):
            if "*" in option.get("label", ""):
                found.append(f"markup shown literally in an option: {option['label']}")
    return found


async def playground_slips(db: Database) -> list[str]:
    """Every slip in every message, post and form the playground holds, as people read them."""
    async with db.sessions() as session:
        items = list(await session.scalars(select(PlaygroundItem).order_by(PlaygroundItem.id)))
    found = slips_in(json.dumps(item.body, ensure_ascii=False) for item in items)
    for item in items:
        if item.kind == "form":
            found += form_slips(item.body)
    return found

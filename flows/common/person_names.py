"""Who a person written in words is: a user id, a `<@U123>` mention, an email, an @handle or a
name, looked up among the people Tandem knows in one workspace.

A name counts only when it names exactly one person; anything else names no one, so a guess
never decides who may be paired with whom. Pure: the people come in as rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

_MENTION = re.compile(r"<@([^>|\s]+)(?:\|([^>]*))?>")
# "@ada.lovelace", "Ada Lovelace" and "ada_lovelace" are one name written three ways.
_SEPARATORS = re.compile(r"[\s._-]+")


def _name_key(text: str) -> str:
    return _SEPARATORS.sub(" ", text.strip().lstrip("@").casefold()).strip()


def looks_like_email(text: str) -> bool:
    local, at, domain = text.strip().partition("@")
    return bool(local and at and "." in domain.strip(".")) and " " not in text.strip()


class PersonNames:
    """The people of one workspace by id, email and every name they go by.

    Rows need `platform_user_id`, `display_name`, `real_name`, `handle` and `email`
    (`PeopleRepository.names`)."""

    def __init__(self, people: Iterable[Any]) -> None:
        self.ids: set[str] = set()
        self._emails: dict[str, set[str]] = defaultdict(set)
        self._names: dict[str, set[str]] = defaultdict(set)
        for person in people:
            user_id = person.platform_user_id
            self.ids.add(user_id)
            if person.email:
                self._emails[person.email.strip().casefold()].add(user_id)
            for name in (person.display_name, person.real_name, person.handle):
                if key := _name_key(name or ""):
                    self._names[key].add(user_id)

    def add(self, user_id: str, email: str = "") -> None:
        """Someone known by id (and email) only, e.g. a row of a file being imported."""
        self.ids.add(user_id)
        if email:
            self._emails[email.strip().casefold()].add(user_id)

    def resolve(self, text: str) -> str | None:
        """The user id of the one person `text` names, or None."""
        text = text.strip()
        if not text:
            return None
        if mention := _MENTION.fullmatch(text):
            user_id, name = mention.group(1), mention.group(2) or ""
            return user_id if user_id in self.ids else self._only(self._names, _name_key(name))
        for candidate in (text, text.lstrip("@")):
            if candidate in self.ids:
                return candidate
        if looks_like_email(text):
            return self._only(self._emails, text.casefold())
        return self._only(self._names, _name_key(text))

    @staticmethod
    def _only(index: dict[str, set[str]], key: str) -> str | None:
        found = index.get(key, set()) if key else set()
        return next(iter(found)) if len(found) == 1 else None

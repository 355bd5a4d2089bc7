"""The neutral outbound model that adapters render to Block Kit, Adaptive Cards or HTML."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle = ButtonStyle.DEFAULT
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph. Markup is limited to *bold*, _italic_ and line breaks."""

    text: str


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    text: str = ""
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Buttons:
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Choice:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Poll:
    """A question answered in place; each choice is a button (single) or a checkbox (multi)."""

    question: str
    action_id: str
    choices: tuple[Choice, ...]
    multi: bool = False
    context: str = ""


@dataclass(frozen=True, slots=True)
class Divider:
    pass


@dataclass(frozen=True, slots=True)
class Context:
    """Small print under a message."""

    text: str


Block = Text | Section | Buttons | Poll | Divider | Context


@dataclass(frozen=True, slots=True)
class Message:
    """`summary` is the plain-text fallback shown in notifications."""

    summary: str
    blocks: tuple[Block, ...] = ()


class FieldKind(StrEnum):
    """`USER` asks for a person in the workspace: each platform offers its own people picker,
    and the answer (like `initial`) is that person's platform user id."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    CHECKBOX = "checkbox"
    NUMBER = "number"
    DATETIME = "datetime"
    USER = "user"


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    options: tuple[Choice, ...] = ()
    initial: str | tuple[str, ...] | None = None
    hint: str = ""
    max_length: int | None = None
    placeholder: str = ""


@dataclass(frozen=True, slots=True)
class Form:
    """A modal, a card with inputs or an HTML form; `context` round-trips to the submission."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"
    intro: str = ""
    context: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    # The button action that opens this form again, for a platform that cannot open it in
    # place (typed in a DM, or the interaction expired); "" when there is none.
    reopen_action: str = ""


def to_json(value: Message | Form) -> dict[str, Any]:
    """Serialise for storage (outbox rows, the playground's inbox)."""
    data = asdict(value)
    data["type"] = type(value).__name__
    if isinstance(value, Message):
        data["blocks"] = [{"type": type(b).__name__, **asdict(b)} for b in value.blocks]
    return data


_BLOCK_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (Text, Section, Buttons, Poll, Divider, Context)
}


def _block_from_json(data: dict[str, Any]) -> Block:
    data = dict(data)
    kind = data.pop("type")
    if kind == "Section":
        data["fields"] = tuple(tuple(f) for f in data.get("fields", ()))
    elif kind == "Buttons":
        data["buttons"] = tuple(
            Button(**{**b, "style": ButtonStyle(b.get("style", "default"))})
            for b in data["buttons"]
        )
    elif kind == "Poll":
        data["choices"] = tuple(Choice(**c) for c in data["choices"])
    return _BLOCK_TYPES[kind](**data)


def from_json(data: dict[str, Any]) -> Message | Form:
    data = dict(data)
    kind = data.pop("type")
    if kind == "Message":
        return Message(
            summary=data["summary"], blocks=tuple(_block_from_json(b) for b in data["blocks"])
        )
    fields = []
    for f in data["fields"]:
        f = dict(f)
        f["options"] = tuple(Choice(**c) for c in f.get("options", ()))
        f["kind"] = FieldKind(f.get("kind", FieldKind.TEXT))
        if isinstance(f.get("initial"), list):
            f["initial"] = tuple(f["initial"])
        fields.append(FormField(**f))
    data["fields"] = tuple(fields)
    return Form(**data)

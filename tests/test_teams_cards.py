"""Adaptive Cards rendered for Teams: schema-valid, readable, and their submissions read back."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

from adapters.teams.card_elements import MAX_CARD_BYTES, TRUNCATION_NOTE
from adapters.teams.card_forms import render_form_card
from adapters.teams.card_submissions import (
    invoke_response_body,
    is_form_submission,
    parse_submission,
)
from adapters.teams.cards import render_confirmation_card, render_message_card
from bot.core.answers import OFF_LIST, screen_answers
from bot.core.outbound import (
    Button,
    Buttons,
    ButtonStyle,
    Choice,
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

SCHEMA_PATH = Path(__file__).parent / "schemas" / "adaptive-card" / "adaptive-card-1.5.json"

TOPICS = (Choice("AI tools", "ai"), Choice("Public speaking", "speaking"), Choice("Git", "git"))
ALL_KINDS_FORM = Form(
    form_id="signup",
    title="Join the programme",
    intro="Tell us a little about *yourself*.",
    context="programme-7",
    fields=(
        FormField("pitch", "One line about you", max_length=120, placeholder="I build…"),
        FormField("story", "Your story", FieldKind.LONG_TEXT, required=False, hint="Optional"),
        FormField("role", "Role", FieldKind.SELECT, options=TOPICS[:2], initial="speaking"),
        FormField(
            "topics", "Topics", FieldKind.MULTI_SELECT, options=TOPICS, initial=("ai", "git")
        ),
        FormField("consent", "I agree to the code of conduct", FieldKind.CHECKBOX, initial="yes"),
        FormField("hours", "Hours per month", FieldKind.NUMBER, initial="2"),
        FormField(
            "first", "First session", FieldKind.DATETIME, initial="2025-03-04T15:30:00+00:00"
        ),
    ),
)


def _long_text() -> str:
    return "Reverse mentoring pairs people across generations. " * 2_000


def every_card() -> dict[str, dict[str, Any]]:
    """Each kind of card the renderer can produce, by a name that says what it shows."""
    buttons = Buttons(
        (
            Button("Accept", "accept", "m-1", ButtonStyle.PRIMARY),
            Button("Decline", "decline", "m-1", ButtonStyle.DANGER),
            Button("Later", "later"),
            Button("Guide", "guide", url="https://example.com/guide"),
        )
    )
    return {
        "text": render_message_card(Message("hi", (Text("Hello *there*, _friend_\nbye"),))),
        "section": render_message_card(
            Message("s", (Section("Your match", "Meet Ana", (("Team", "Data"), ("Tz", "CET"))),))
        ),
        "section_title_only": render_message_card(Message("s", (Section("Only a title"),))),
        "buttons": render_message_card(Message("b", (buttons,))),
        "empty_buttons": render_message_card(Message("b", (Buttons(()),))),
        "poll_single": render_message_card(
            Message("p", (Poll("How was it?", "rate", TOPICS, context="pair-3"),))
        ),
        "poll_multi": render_message_card(
            Message("p", (Poll("Pick topics", "topics", TOPICS, multi=True, context="c"),))
        ),
        "context": render_message_card(Message("c", (Text("Body"), Context("Sent by Tandem")))),
        "dividers": render_message_card(
            Message("d", (Divider(), Text("a"), Divider(), Text("b"), Divider()))
        ),
        "summary_only": render_message_card(Message("Just the summary")),
        "long_text": render_message_card(Message("long", (Text(_long_text()),))),
        "many_blocks": render_message_card(
            Message("many", tuple(Text("x" * 3_000) for _ in range(20)))
        ),
        "form_all_kinds": render_form_card(ALL_KINDS_FORM),
        "form_with_errors": render_form_card(
            Form(
                "signup",
                "Join",
                ALL_KINDS_FORM.fields,
                errors={"pitch": "Too long", "first": "Pick a future date", "": "Try again"},
            )
        ),
        "form_empty": render_form_card(Form("nothing", "Nothing to ask", ())),
        "form_long_title": render_form_card(Form("t", "T" * 10_000, ())),
        "confirmation": render_confirmation_card("Thanks, you're in!", ["Role: *mentor*", "Hi"]),
        "confirmation_no_lines": render_confirmation_card("Saved", []),
        "confirmation_long": render_confirmation_card("Saved", [_long_text()]),
    }


@pytest.fixture(scope="module")
def validator() -> Draft6Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # The published schema declares draft-06 and only uses local #/definitions refs.
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema, format_checker=Draft6Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("name", sorted(every_card()))
def test_every_card_is_a_valid_adaptive_card_1_5(validator: Draft6Validator, name: str) -> None:
    card = every_card()[name]
    error = best_match(validator.iter_errors(card))
    assert error is None, f"{name}: {error.message} at {list(error.absolute_path)}"
    assert card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= MAX_CARD_BYTES


def test_schema_validation_catches_a_broken_card(validator: Draft6Validator) -> None:
    card = render_message_card(Message("hi", (Text("hello"),)))
    card["body"][0]["colour"] = "red"
    assert not validator.is_valid(card)


def _texts(card: dict[str, Any]) -> list[str]:
    return [element["text"] for element in card["body"] if element["type"] == "TextBlock"]


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(card.get("actions", []))
    for element in card["body"]:
        if element["type"] == "ActionSet":
            found.extend(element["actions"])
    return found


def test_text_keeps_bold_italic_and_line_breaks_in_card_markdown() -> None:
    card = render_message_card(Message("hi", (Text("Hello *there*, _friend_\nbye"),)))
    assert _texts(card) == ["Hello **there**, _friend_\nbye"]
    assert card["body"][0]["wrap"] is True
    assert card["fallbackText"] == "hi"


def test_section_shows_bold_title_and_fields_as_facts() -> None:
    card = render_message_card(Message("s", (Section("Your match", "Ana", (("Team", "Data"),)),)))
    title, text, facts = card["body"]
    assert (title["text"], title["weight"]) == ("Your match", "bolder")
    assert text["text"] == "Ana"
    assert facts["facts"] == [{"title": "Team", "value": "Data"}]


def test_buttons_execute_their_action_or_open_their_link() -> None:
    card = render_message_card(
        Message(
            "b",
            (
                Buttons(
                    (
                        Button("Accept", "accept", "m-1", ButtonStyle.PRIMARY),
                        Button("Decline", "decline", "m-1", ButtonStyle.DANGER),
                        Button("Guide", "guide", url="https://example.com/guide"),
                    )
                ),
            ),
        )
    )
    accept, decline, guide = _actions(card)
    assert accept == {
        "type": "Action.Execute",
        "title": "Accept",
        "verb": "accept",
        "data": {"action_id": "accept", "value": "m-1"},
        "style": "positive",
    }
    assert decline["style"] == "destructive"
    assert guide == {"type": "Action.OpenUrl", "title": "Guide", "url": "https://example.com/guide"}


def test_single_choice_poll_is_one_button_per_choice() -> None:
    card = render_message_card(Message("p", (Poll("How was it?", "rate", TOPICS, context="c9"),)))
    assert _texts(card) == ["How was it?"]
    assert [(a["title"], a["verb"], a["data"]) for a in _actions(card)] == [
        (c.label, "rate", {"action_id": "rate", "value": c.value, "context": "c9"}) for c in TOPICS
    ]


def test_multi_choice_poll_is_a_checklist_with_a_submit_button() -> None:
    card = render_message_card(Message("p", (Poll("Pick", "topics", TOPICS, multi=True),)))
    choice_set = card["body"][0]
    assert choice_set["type"] == "Input.ChoiceSet" and choice_set["isMultiSelect"] is True
    assert [c["value"] for c in choice_set["choices"]] == [c.value for c in TOPICS]
    (submit,) = _actions(card)
    assert submit["type"] == "Action.Execute" and submit["verb"] == "topics"


def test_context_is_small_subtle_print_and_divider_separates_the_next_block() -> None:
    card = render_message_card(Message("c", (Text("a"), Divider(), Context("fine print"))))
    body_text, small = card["body"]
    assert "separator" not in body_text
    assert small["separator"] is True
    assert (small["size"], small["isSubtle"]) == ("small", True)


def test_message_without_blocks_shows_its_summary() -> None:
    assert _texts(render_message_card(Message("Your match is ready"))) == ["Your match is ready"]


def test_very_long_text_is_cut_with_an_ellipsis_and_the_card_says_so() -> None:
    card = render_message_card(Message("long", (Text(_long_text()),)))
    first, note = _texts(card)
    assert first.endswith("…") and len(first) < len(_long_text())
    assert note == TRUNCATION_NOTE


def test_short_messages_carry_no_truncation_note() -> None:
    card = render_message_card(Message("hi", (Text("hello"),)))
    assert TRUNCATION_NOTE not in _texts(card)


def test_too_many_blocks_are_dropped_to_stay_under_the_teams_size_limit() -> None:
    card = render_message_card(Message("many", tuple(Text("x" * 3_000) for _ in range(20))))
    assert 1 < len(card["body"]) < 20
    assert _texts(card)[-1] == TRUNCATION_NOTE
    assert len(json.dumps(card).encode()) <= MAX_CARD_BYTES


def _inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


def test_form_has_one_input_per_field_of_the_right_kind() -> None:
    inputs = _inputs(render_form_card(ALL_KINDS_FORM))
    assert {name: element["type"] for name, element in inputs.items()} == {
        "pitch": "Input.Text",
        "story": "Input.Text",
        "role": "Input.ChoiceSet",
        "topics": "Input.ChoiceSet",
        "consent": "Input.Toggle",
        "hours": "Input.Number",
        "first__date": "Input.Date",
        "first__time": "Input.Time",
    }
    assert inputs["pitch"]["maxLength"] == 120 and inputs["pitch"]["isMultiline"] is False
    assert inputs["story"]["isMultiline"] is True and inputs["story"]["isRequired"] is False
    assert (inputs["role"]["style"], inputs["role"]["value"]) == ("compact", "speaking")
    assert (inputs["topics"]["isMultiSelect"], inputs["topics"]["value"]) == (True, "ai,git")
    consent = inputs["consent"]
    assert (consent["valueOn"], consent["valueOff"], consent["value"]) == ("yes", "", "yes")
    assert inputs["hours"]["value"] == 2
    assert (inputs["first__date"]["value"], inputs["first__time"]["value"]) == (
        "2025-03-04",
        "15:30",
    )
    assert inputs["pitch"]["label"] == "One line about you"


def test_form_submit_carries_the_form_id_and_context() -> None:
    (submit,) = render_form_card(ALL_KINDS_FORM)["actions"]
    assert submit["type"] == "Action.Execute"
    assert submit["verb"] == "form:signup"
    assert submit["data"]["form_id"] == "signup"
    assert submit["data"]["context"] == "programme-7"


def test_field_errors_show_in_red_right_under_their_field() -> None:
    form = Form("f", "F", ALL_KINDS_FORM.fields, errors={"pitch": "Too long", "first": "Past"})
    body = render_form_card(form)["body"]
    ids = [element.get("id") for element in body]
    after_pitch = body[ids.index("pitch") + 1]
    assert (after_pitch["text"], after_pitch["color"]) == ("Too long", "attention")
    after_time = body[ids.index("first__time") + 1]
    assert (after_time["text"], after_time["color"]) == ("Past", "attention")
    assert _inputs(render_form_card(form))["pitch"]["errorMessage"] == "Too long"


def test_empty_form_still_has_a_title_and_a_submit_button() -> None:
    card = render_form_card(Form("nothing", "Nothing to ask", ()))
    assert _texts(card) == ["Nothing to ask"]
    assert len(card["actions"]) == 1


def test_reserved_field_names_and_commas_in_multi_select_values_are_refused() -> None:
    with pytest.raises(ValueError):
        render_form_card(Form("f", "F", (FormField("context", "Context"),)))
    bad = FormField("t", "T", FieldKind.MULTI_SELECT, options=(Choice("a, b", "a,b"),))
    with pytest.raises(ValueError):
        render_form_card(Form("f", "F", (bad,)))


def test_confirmation_card_shows_title_and_lines() -> None:
    card = render_confirmation_card("You're in", ["Role: *mentor*", "Topics: AI"])
    assert _texts(card) == ["You're in", "Role: **mentor**", "Topics: AI"]
    assert "actions" not in card


def _submit(card: dict[str, Any], typed: dict[str, Any], title: str | None = None) -> dict:
    """What Teams sends back: the clicked action's data merged with every input on the card."""
    action = next(a for a in _actions(card) if title is None or a["title"] == title)
    return {**action["data"], **typed}


FILLED_IN = {
    "pitch": "I like maps",
    "story": "",
    "role": "speaking",
    "topics": "ai,git",
    "consent": "yes",
    "hours": "3",
    "first__date": "2025-06-01",
    "first__time": "09:15",
}


def test_form_submission_round_trips_every_field_kind() -> None:
    data = _submit(render_form_card(ALL_KINDS_FORM), FILLED_IN)
    assert is_form_submission(data)
    form_id, values, context = parse_submission(data)
    assert (form_id, context) == ("signup", "programme-7")
    assert values == {
        "pitch": "I like maps",
        "story": "",
        "role": "speaking",
        "topics": ["ai", "git"],
        "consent": "yes",
        "hours": "3",
        "first": "2025-06-01T09:15:00+00:00",
    }


def test_datetime_is_read_in_the_persons_time_zone_when_given() -> None:
    data = _submit(render_form_card(ALL_KINDS_FORM), FILLED_IN)
    _, values, _ = parse_submission(data, tz=ZoneInfo("Europe/Berlin"))
    when = datetime.fromisoformat(values["first"])
    assert when.utcoffset() is not None and when.utcoffset().total_seconds() == 7_200


def test_unchecked_box_empty_multi_select_and_missing_inputs() -> None:
    typed = {"consent": "", "topics": "", "hours": 4, "first__date": "2025-06-01"}
    _, values, _ = parse_submission(_submit(render_form_card(ALL_KINDS_FORM), typed))
    assert values == {"consent": "", "topics": [], "hours": "4", "first": "2025-06-01"}


def test_tampered_and_unknown_keys_are_ignored() -> None:
    typed = {
        **FILLED_IN,
        "is_admin": "yes",
        "first__date": "not a date",
        "role": ["speaking"],
        "kinds": {"is_admin": "text"},
    }
    card = render_form_card(ALL_KINDS_FORM)
    _, values, _ = parse_submission(_submit(card, typed), fields=ALL_KINDS_FORM.fields)
    assert "is_admin" not in values and "first" not in values and "role" not in values


def test_choices_the_form_never_offered_are_refused_on_their_fields() -> None:
    typed = {**FILLED_IN, "role": "admin", "topics": "ai,root"}
    card = render_form_card(ALL_KINDS_FORM)
    _, values, _ = parse_submission(_submit(card, typed), fields=ALL_KINDS_FORM.fields)
    screened = screen_answers(ALL_KINDS_FORM.fields, values)
    assert screened.errors == {"role": OFF_LIST, "topics": OFF_LIST}


def test_button_and_poll_clicks_round_trip() -> None:
    card = render_message_card(Message("b", (Buttons((Button("Accept", "accept", "m-1"),)),)))
    data = _submit(card, {})
    assert not is_form_submission(data)
    assert parse_submission(data) == ("accept", {"value": "m-1"}, "")

    poll = render_message_card(Message("p", (Poll("How was it?", "rate", TOPICS, context="p3"),)))
    assert parse_submission(_submit(poll, {}, title="Git")) == ("rate", {"value": "git"}, "p3")

    multi = render_message_card(Message("p", (Poll("Pick", "topics", TOPICS, multi=True),)))
    assert parse_submission(_submit(multi, {"topics": "ai,speaking"})) == (
        "topics",
        {"value": ["ai", "speaking"]},
        "",
    )


def test_data_from_elsewhere_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_submission({"msteams": {"type": "messageBack"}})
    with pytest.raises(ValueError):
        parse_submission(["not", "a", "dict"])  # type: ignore[arg-type]


def test_invoke_response_is_a_card_or_a_message() -> None:
    card = render_confirmation_card("Saved", [])
    assert invoke_response_body(card, None) == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.card.adaptive",
        "value": card,
    }
    assert invoke_response_body(None, "Thanks!") == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "Thanks!",
    }
    with pytest.raises(ValueError):
        invoke_response_body(card, "both")

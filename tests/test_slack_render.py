"""What a Slack user sees: every neutral block renders to valid Block Kit within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack.render import (
    MESSAGE_BLOCKS_MAX,
    MORE_IN_APP,
    is_selection_change,
    neutral_action_id,
    poll_selection,
    render_message,
)
from adapters.slack.render_form import form_errors, render_modal, values_from_view_state
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

PAYLOADS = Path(__file__).parent / "slack_payloads"


def revalidate(blocks: list[dict[str, Any]]) -> None:
    """Parse the dicts back into slack_sdk models and run their validators again."""
    for block in Block.parse_all(blocks):
        block.validate_json()
    assert len(blocks) <= MESSAGE_BLOCKS_MAX


def texts(blocks: list[dict[str, Any]], kind: str) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == kind and "text" in b]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"
    ]


def test_every_block_kind_renders_to_valid_block_kit() -> None:
    message = Message(
        summary="Meet your mentor",
        blocks=(
            Text("Hello *Alice*, meet _Bob_."),
            Section("Your match", "Bob works in Data.", (("Time zone", "Europe/Paris"),)),
            Buttons((Button("Accept", "accept_match", "42", ButtonStyle.PRIMARY),)),
            Poll("When suits you?", "slot", (Choice("Mon", "mon"), Choice("Tue", "tue"))),
            Divider(),
            Context("You can leave any time with /mentoring leave"),
        ),
    )
    fallback, blocks = render_message(message)
    revalidate(blocks)
    assert fallback == "Meet your mentor"
    assert [b["type"] for b in blocks] == [
        "section", "header", "section", "section", "actions", "section", "actions", "divider", "context",
    ]  # fmt: skip
    assert texts(blocks, "section")[0] == "Hello *Alice*, meet _Bob_."
    assert texts(blocks, "header") == ["Your match"]
    assert blocks[3]["fields"][0]["text"] == "*Time zone*\nEurope/Paris"
    accept = buttons(blocks)[0]
    assert (accept["style"], accept["value"], neutral_action_id(accept["action_id"])) == (
        "primary", "42", "accept_match",
    )  # fmt: skip


def test_user_text_is_escaped_but_bold_and_italic_survive() -> None:
    _, blocks = render_message(Message("x", (Text("*Goals*: <script> & _growth_"),)))
    assert texts(blocks, "section") == ["*Goals*: &lt;script&gt; &amp; _growth_"]


def test_long_goals_text_splits_into_sections_without_losing_words() -> None:
    goals = " ".join(f"goal{i}" for i in range(1700))  # ~10,000 characters
    assert len(goals) > 10_000
    _, blocks = render_message(Message("Your goals", (Text(goals),)))
    revalidate(blocks)
    parts = texts(blocks, "section")
    assert len(parts) >= 4
    assert all(len(p) <= 3000 for p in parts)
    assert " ".join(parts).split() == goals.split()


def test_sixty_buttons_split_into_actions_blocks_of_at_most_25() -> None:
    row = tuple(Button(f"Slot {i}", "pick_slot", str(i)) for i in range(60))
    _, blocks = render_message(Message("Pick a slot", (Buttons(row),)))
    revalidate(blocks)
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 25, 10]
    assert [b["value"] for b in buttons(blocks)] == [str(i) for i in range(60)]
    ids = [b["action_id"] for b in buttons(blocks)]
    assert len(set(ids)) == 60
    assert {neutral_action_id(i) for i in ids} == {"pick_slot"}


def test_long_labels_and_titles_are_shortened() -> None:
    label = "L" * 200
    message = Message("x", (Section(label), Buttons((Button(label, "go", "v" * 2500),))))
    _, blocks = render_message(message)
    revalidate(blocks)
    header, button = texts(blocks, "header")[0], buttons(blocks)[0]
    assert len(header) == 150 and header.endswith("…")
    assert len(button["text"]["text"]) == 75 and button["text"]["text"].endswith("…")
    assert len(button["value"]) == 2000


def test_too_many_blocks_end_with_a_pointer_to_the_app() -> None:
    message = Message("Digest", tuple(Text(f"Item {i}") for i in range(80)))
    _, blocks = render_message(message)
    revalidate(blocks)
    assert len(blocks) == 50
    assert blocks[-1]["type"] == "context"
    assert blocks[-1]["elements"][0]["text"] == MORE_IN_APP
    assert texts(blocks, "section")[-1] == "Item 48"


def test_link_button_opens_the_url() -> None:
    guide = Button("Read the guide", "open_guide", url="https://example.com/guide")
    _, blocks = render_message(Message("x", (Buttons((guide,)),)))
    revalidate(blocks)
    assert buttons(blocks)[0]["url"] == "https://example.com/guide"


def test_single_choice_poll_is_a_row_of_buttons_with_unique_ids() -> None:
    poll = Poll("How was it?", "rate", tuple(Choice(str(n), str(n)) for n in range(1, 6)))
    _, blocks = render_message(Message("Rate", (poll,)))
    revalidate(blocks)
    row = buttons(blocks)
    assert [b["value"] for b in row] == ["1", "2", "3", "4", "5"]
    assert [b["action_id"] for b in row] == [f"rate:{i}" for i in range(5)]
    assert {neutral_action_id(b["action_id"]) for b in row} == {"rate"}


def test_multi_choice_poll_is_checkboxes_and_a_submit_button() -> None:
    choices = tuple(Choice(f"Topic {i}", f"t{i}") for i in range(12))
    poll = Poll("Pick topics", "topics", choices, multi=True, context="Pick any")
    _, blocks = render_message(Message("Topics", (poll,)))
    revalidate(blocks)
    boxes = [
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "checkboxes"
    ]
    assert sum(len(b["options"]) for b in boxes) == 12
    assert all(len(b["options"]) <= 10 for b in boxes)
    assert all(is_selection_change(b["action_id"]) for b in boxes)
    submit = buttons(blocks)[-1]
    assert submit["text"]["text"] == "Submit"
    assert not is_selection_change(submit["action_id"])
    assert neutral_action_id(submit["action_id"]) == "topics"
    state = {
        blocks[1].get("block_id", "b1"): {boxes[0]["action_id"]: {"type": "checkboxes", "selected_options": [boxes[0]["options"][2]]}},
        "b2": {boxes[1]["action_id"]: {"type": "checkboxes", "selected_options": [boxes[1]["options"][1]]}},
    }  # fmt: skip
    assert poll_selection(state, "topics") == ["t2", "t11"]


def test_neutral_action_id_keeps_ids_without_a_slack_suffix() -> None:
    assert neutral_action_id("session_feedback:0") == "session_feedback"
    assert neutral_action_id("programme:7:join:12") == "programme:7:join"
    assert neutral_action_id("open_home") == "open_home"


def signup_form(**overrides: Any) -> Form:
    fields = (
        FormField("goals", "What do you want to learn?", FieldKind.LONG_TEXT, hint="Be specific"),
        FormField("role", "Role", FieldKind.SELECT, options=(Choice("Mentor", "mentor"), Choice("Mentee", "mentee")), initial="mentor"),
        FormField("topics", "Topics", FieldKind.MULTI_SELECT, options=tuple(Choice(f"T{i}", f"t{i}") for i in range(150)), initial=("t1", "t2")),
        FormField("consent", "I agree to share my answers with my match", FieldKind.CHECKBOX),
        FormField("hours", "Hours a month", FieldKind.NUMBER, required=False, initial="2"),
        FormField("first_session", "First session", FieldKind.DATETIME, initial="2026-01-05T09:00:00+00:00"),
        FormField("nickname", "Nickname", max_length=40, placeholder="Optional"),
    )  # fmt: skip
    data: dict[str, Any] = {
        "form_id": "signup",
        "title": "Join the reverse mentoring programme",
        "fields": fields,
        "intro": "Tell us a little about you.",
        "context": '{"programme": 7}',
    }
    return Form(**{**data, **overrides})


def test_form_renders_to_a_modal_with_a_block_per_field() -> None:
    view = render_modal(signup_form())
    View(**view).validate_json()
    assert view["type"] == "modal"
    assert view["callback_id"] == "signup"
    assert view["private_metadata"] == '{"programme": 7}'
    assert len(view["title"]["text"]) <= 24 and view["title"]["text"].endswith("…")
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == [
        "goals",
        "role",
        "topics",
        "consent",
        "hours",
        "first_session",
        "nickname",
    ]
    assert all(b["element"]["action_id"] == name for name, b in inputs.items())
    kinds = {name: b["element"]["type"] for name, b in inputs.items()}
    assert kinds == {
        "goals": "plain_text_input", "role": "static_select", "topics": "multi_static_select",
        "consent": "checkboxes", "hours": "number_input", "first_session": "datetimepicker",
        "nickname": "plain_text_input",
    }  # fmt: skip
    assert inputs["goals"]["element"]["multiline"] is True
    assert inputs["goals"]["hint"]["text"] == "Be specific"
    assert inputs["role"]["element"]["initial_option"]["value"] == "mentor"
    assert len(inputs["topics"]["element"]["options"]) == 100
    assert [o["value"] for o in inputs["topics"]["element"]["initial_options"]] == ["t1", "t2"]
    assert [o["value"] for o in inputs["consent"]["element"]["options"]] == ["yes"]
    assert inputs["hours"]["optional"] is True and inputs["goals"]["optional"] is False
    first = inputs["first_session"]["element"]["initial_date_time"]
    assert first == int(datetime(2026, 1, 5, 9, tzinfo=UTC).timestamp())
    assert inputs["nickname"]["element"]["max_length"] == 40


def test_form_errors_are_shown_next_to_their_field() -> None:
    view = render_modal(signup_form(errors={"goals": "Please write at least 20 characters"}))
    after_goals = view["blocks"][[b.get("block_id") for b in view["blocks"]].index("goals") + 1]
    assert after_goals["type"] == "context"
    assert "at least 20 characters" in after_goals["elements"][0]["text"]
    assert form_errors({"goals": "Please write at least 20 characters"}) == {
        "response_action": "errors",
        "errors": {"goals": "Please write at least 20 characters"},
    }


def test_modal_button_labels_fit() -> None:
    view = render_modal(signup_form(submit_label="Sign me up for the programme now"))
    assert len(view["submit"]["text"]) <= 24
    assert len(view["close"]["text"]) <= 24


def test_view_submission_values_for_every_field_kind() -> None:
    payload = json.loads((PAYLOADS / "view_submission.json").read_text(encoding="utf-8"))
    values = values_from_view_state(payload["view"]["state"]["values"])
    assert values == {
        "goals": "Learn how *our* teams use AI & data",
        "role": "mentor",
        "topics": ["ai", "leadership"],
        "consent": "yes",
        "newsletter": "",
        "hours": "4",
        "first_session": "2026-01-05T09:00:00+00:00",
        "bio": "",
    }
    assert datetime.fromisoformat(values["first_session"]).tzinfo == UTC


def test_unanswered_select_and_datetime_read_as_empty() -> None:
    state = {
        "role": {"role": {"type": "static_select", "selected_option": None}},
        "topics": {"topics": {"type": "multi_static_select", "selected_options": []}},
        "when": {"when": {"type": "datetimepicker", "selected_date_time": None}},
    }
    assert values_from_view_state(state) == {"role": "", "topics": [], "when": ""}


def test_rendered_modal_round_trips_through_a_submission() -> None:
    """Answer the rendered modal the way Slack would, and read the same answers back."""
    view = render_modal(signup_form())
    state: dict[str, Any] = {}
    for block in (b for b in view["blocks"] if b["type"] == "input"):
        element = block["element"]
        answer: dict[str, Any] = {"type": element["type"]}
        if element["type"] in ("plain_text_input", "number_input"):
            answer["value"] = element.get("initial_value", "typed")
        elif element["type"] == "static_select":
            answer["selected_option"] = element["options"][1]
        elif element["type"] in ("multi_static_select", "checkboxes"):
            answer["selected_options"] = element["options"][:1]
        elif element["type"] == "datetimepicker":
            answer["selected_date_time"] = element["initial_date_time"]
        state[block["block_id"]] = {element["action_id"]: answer}
    values = values_from_view_state(state)
    assert values["role"] == "mentee"
    assert values["topics"] == ["t0"]
    assert values["consent"] == "yes"
    assert values["hours"] == "2"
    assert values["first_session"] == "2026-01-05T09:00:00+00:00"

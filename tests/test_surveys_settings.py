"""Admins edit a programme's survey and support resources; bad files are refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app.cli.main import main
from flows.surveys.questions import DEFAULT_QUESTIONS, SurveyError, parse_survey_settings
from tests.test_reports import seed_cli  # noqa: F401 - a fixture, used by name

QUESTIONS = [
    {"key": "voice", "text": "I feel able to speak up"},
    {"key": "growth", "text": "I am learning things that matter to me"},
]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"questions": []}, "at least one question"),
        ({"questions": [{"key": "Bad Key", "text": "x"}]}, "lower-case"),
        ({"questions": [QUESTIONS[0], QUESTIONS[0]]}, "used twice"),
        ({"questions": [{"key": "a", "text": ""}]}, "1-200 characters"),
        ({"questions": QUESTIONS, "post_days": -1}, "post_days"),
        ({"questions": QUESTIONS, "pulse": "yes"}, "pulse"),
        ({"questions": QUESTIONS, "colour": "red"}, "unknown setting"),
    ],
)
def test_a_bad_survey_file_names_its_problem(data: object, problem: str) -> None:
    with pytest.raises(SurveyError, match=problem):
        parse_survey_settings(data)


def test_admins_replace_and_show_the_survey_and_support_settings(
    seed_cli: None,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["programme", "survey", "pilot", "--show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [q["key"] for q in shown["questions"]] == [q.key for q in DEFAULT_QUESTIONS]
    assert shown["pulse"] is False and shown["post_days"] == 30

    survey_file = tmp_path / "survey.json"
    survey_file.write_text(json.dumps({"questions": QUESTIONS, "pulse": True}))
    assert main(["programme", "survey", "pilot", "--set", str(survey_file)]) == 0
    assert "Saved survey settings for pilot: 2 questions." in capsys.readouterr().out
    assert main(["programme", "survey", "pilot", "--show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == {"questions": QUESTIONS, "pulse": True, "post_days": 30}

    support_file = tmp_path / "support.json"
    support_file.write_text(json.dumps({"text": "Call Careline", "links": [{"label": "x"}]}))
    assert main(["programme", "support", "pilot", "--set", str(support_file)]) == 2
    assert "link 1" in capsys.readouterr().err
    support = {"text": "Call Careline", "links": [{"label": "EAP", "url": "https://eap.example"}]}
    support_file.write_text(json.dumps(support))
    assert main(["programme", "support", "pilot", "--set", str(support_file)]) == 0
    capsys.readouterr()
    assert main(["programme", "support", "pilot", "--show"]) == 0
    assert json.loads(capsys.readouterr().out) == support


def test_sending_a_survey_by_hand_reports_what_happened(
    seed_cli: None,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["survey", "send", "pilot", "--phase", "pulse"]) == 0
    assert "Nothing sent: the quarterly pulse is switched off" in capsys.readouterr().out
    assert main(["survey", "send", "pilot", "--phase", "pre"]) == 0
    assert "Queued the pre survey for 0 people" in capsys.readouterr().out

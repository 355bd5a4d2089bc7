"""A programme's survey: its questions, the 1-5 scale, its phases and when each is open.

Pure: no database, no platform. The questions live in `programme.settings["survey"]` so
admins can edit them; stable keys let the report compare the same question before and after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.outbound import Choice
from flows.common.wording import agree

# phase as admins type it -> Response.kind the answers are stored under
PHASE_KINDS = {"pre": "survey_pre", "post": "survey_post", "pulse": "pulse"}
DEFAULT_POST_DAYS = 30
MAX_QUESTIONS = 30
MAX_TEXT = 200
KEY_PATTERN = re.compile(r"^[a-z0-9_]{1,48}$")

SCALE = (
    Choice("1 — strongly disagree", "1"),
    Choice("2 — disagree", "2"),
    Choice("3 — neither agree nor disagree", "3"),
    Choice("4 — agree", "4"),
    Choice("5 — strongly agree", "5"),
)
SCALE_VALUES = frozenset(c.value for c in SCALE)


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    text: str


DEFAULT_QUESTIONS = (
    Question("confidence", "I feel confident talking about inclusion with colleagues"),
    Question("belonging", "I feel a sense of belonging at work"),
    Question("lived_experience", "I understand colleagues' lived experience different from mine"),
    Question("development", "I feel supported in my development"),
)


class SurveyError(ValueError):
    """An admin's survey settings that cannot be used, with a message saying why."""


def questions_for(settings: dict[str, Any]) -> tuple[Question, ...]:
    """The programme's questions, or the defaults when none are configured."""
    raw = (settings.get("survey") or {}).get("questions")
    if not raw:
        return DEFAULT_QUESTIONS
    return tuple(Question(q["key"], q["text"]) for q in raw)


def post_days(settings: dict[str, Any]) -> int:
    return int((settings.get("survey") or {}).get("post_days", DEFAULT_POST_DAYS))


def pulse_enabled(settings: dict[str, Any]) -> bool:
    return bool(settings.get("pulse", False))


def parse_survey_settings(data: Any) -> dict[str, Any]:
    """Check an admin's survey file: `{"questions": [{"key", "text"}...], "pulse", "post_days"}`.

    Returns the settings to store; raises SurveyError naming the first problem.
    """
    if isinstance(data, list):
        data = {"questions": data}
    if not isinstance(data, dict):
        raise SurveyError('expected {"questions": [{"key": ..., "text": ...}, ...]}')
    unknown = set(data) - {"questions", "pulse", "post_days"}
    if unknown:
        raise SurveyError(f"unknown {agree(len(unknown), 'setting')}: {', '.join(sorted(unknown))}")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise SurveyError("the survey needs at least one question")
    if len(questions) > MAX_QUESTIONS:
        raise SurveyError(f"keep the survey to {MAX_QUESTIONS} questions or fewer")
    seen: set[str] = set()
    clean = []
    for number, q in enumerate(questions, start=1):
        if not isinstance(q, dict) or set(q) != {"key", "text"}:
            raise SurveyError(f'question {number}: give exactly "key" and "text"')
        key, text = q["key"], q["text"]
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise SurveyError(
                f"question {number}: the key must be 1-48 lower-case letters, digits or _"
            )
        if key in seen:
            raise SurveyError(f"question {number}: the key '{key}' is used twice")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise SurveyError(f"question {number}: the text must be 1-{MAX_TEXT} characters")
        seen.add(key)
        clean.append({"key": key, "text": text.strip()})
    days = data.get("post_days", DEFAULT_POST_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365:
        raise SurveyError("post_days must be a whole number of days from 0 to 365")
    pulse = data.get("pulse", False)
    if not isinstance(pulse, bool):
        raise SurveyError("pulse must be true or false")
    return {"questions": clean, "post_days": days, "pulse": pulse}


def pulse_round(now: datetime) -> str:
    """The calendar quarter a pulse belongs to, e.g. 2027-Q1: one pulse answer per quarter."""
    return f"{now.year}-Q{(now.month - 1) // 3 + 1}"


def subject_for(programme_id: int, phase: str, round_: str = "") -> str:
    """Pre and post share a subject so the same question pairs up; each pulse round has its own."""
    if phase == "pulse":
        return f"programme:{programme_id}:pulse:{round_}"
    return f"programme:{programme_id}"


def closes_on(phase: str, ends_on: date, settings: dict[str, Any]) -> date:
    """The last day answers are accepted."""
    if phase == "post":
        return ends_on + timedelta(days=post_days(settings))
    return ends_on


def closed_reason(phase: str, ends_on: date, settings: dict[str, Any], today: date) -> str | None:
    """Why this survey no longer takes answers, in words for the person, or None if open."""
    if today <= closes_on(phase, ends_on, settings):
        return None
    if phase == "post":
        return (
            "Thank you for wanting to answer. The closing survey for this programme has now "
            "closed, so we can't take new answers."
        )
    if phase == "pre":
        return (
            "Thank you for wanting to answer. This programme has ended, so the starting survey "
            "is closed. If there's a closing survey, it will reach you here."
        )
    return "Thank you. This programme has ended, so the check-in survey is closed."

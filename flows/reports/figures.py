"""Turning report aggregates into the figures people read, with k-anonymity applied.

Pure: no database. Every figure that describes answers passes through `figure()`, which
shows "fewer than 5 responses" instead of a value when fewer than 5 people gave it. The
console text and the CSV are both made from the same rows, so they can never disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_RESPONDENTS = 5
SUPPRESSED = "fewer than 5 responses"
CSV_HEADER = ("section", "item", "measure", "value")

POLL_LABELS = {"valuable": "How valuable was it (1-5)", "safe_space": "Felt a safe space (1-5)"}
MET_ANSWERS = ("yes", "rescheduled", "no")
ENROLMENT_STATES = ("active", "paused", "withdrawn")
SESSION_STATES = ("held", "missed", "cancelled", "scheduled")


@dataclass(frozen=True, slots=True)
class Aggregate:
    """What a group of answers adds up to. `respondents` counts distinct people."""

    respondents: int
    answers: int = 0
    mean: float | None = None


@dataclass(frozen=True, slots=True)
class SurveyQuestion:
    key: str
    text: str
    pre: Aggregate | None
    post: Aggregate | None


@dataclass(slots=True)
class ProgrammeReport:
    name: str
    slug: str
    enrolments: dict[str, int] = field(default_factory=dict)
    pairs: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)
    polls: dict[str, Aggregate] = field(default_factory=dict)
    met: dict[str, Aggregate] = field(default_factory=dict)
    survey: list[SurveyQuestion] = field(default_factory=list)


Row = tuple[str, str, str, str]


def enough(group: Aggregate | None) -> bool:
    return group is not None and group.respondents >= MIN_RESPONDENTS


def figure(group: Aggregate | None, value: str) -> str:
    """`value` if at least 5 people are behind it, otherwise the suppression notice."""
    return value if enough(group) else SUPPRESSED


def _mean(group: Aggregate | None) -> str:
    return figure(group, f"{group.mean:.2f}" if group and group.mean is not None else "")


def _people(group: Aggregate | None) -> str:
    return figure(group, str(group.respondents) if group else "")


def _change(before: Aggregate | None, after: Aggregate | None) -> str:
    """Shown only when both phases have enough people behind them."""
    if not (enough(before) and enough(after)) or before is None or after is None:
        return SUPPRESSED
    if before.mean is None or after.mean is None:
        return SUPPRESSED
    return f"{after.mean - before.mean:+.2f}"


def _participation(report: ProgrammeReport) -> list[Row]:
    section = "participation"
    if not report.enrolments:
        return [(section, "", "note", "No one has signed up yet.")]
    rows = [(section, "signed up", "people", str(sum(report.enrolments.values())))]
    rows += [(section, s, "people", str(report.enrolments.get(s, 0))) for s in ENROLMENT_STATES]
    matched = sum(n for s, n in report.pairs.items() if s not in ("proposed", "rematch_requested"))
    rows.append((section, "matched pairs", "pairs", str(matched)))
    rows.append((section, "confirmed pairs", "pairs", str(report.pairs.get("confirmed", 0))))
    return rows


def _sessions(report: ProgrammeReport) -> list[Row]:
    if not report.sessions:
        return [("sessions", "", "note", "No sessions booked yet.")]
    return [("sessions", s, "sessions", str(report.sessions.get(s, 0))) for s in SESSION_STATES]


def _polls(report: ProgrammeReport) -> list[Row]:
    section = "feedback polls"
    if not report.polls:
        return [(section, "", "note", "No feedback poll answers yet.")]
    rows: list[Row] = []
    met = report.polls.get("met")
    if met is not None:
        rows.append((section, "Did you meet", "respondents", _people(met)))
        for answer in MET_ANSWERS:
            group = report.met.get(answer, Aggregate(0))
            rows.append(
                (section, f"Did you meet: {answer}", "answers", figure(group, str(group.answers)))
            )
    for key, label in POLL_LABELS.items():
        group = report.polls.get(key)
        rows.append((section, label, "mean", _mean(group)))
        rows.append((section, label, "respondents", _people(group)))
    return rows


def _survey(report: ProgrammeReport) -> list[Row]:
    section = "pre/post survey"
    if not any(q.pre or q.post for q in report.survey):
        return [(section, "", "note", "No survey answers yet.")]
    rows: list[Row] = []
    for q in report.survey:
        rows += [
            (section, q.text, "mean before", _mean(q.pre)),
            (section, q.text, "mean after", _mean(q.post)),
            (section, q.text, "change", _change(q.pre, q.post)),
            (section, q.text, "respondents before", _people(q.pre)),
            (section, q.text, "respondents after", _people(q.post)),
        ]
    return rows


def report_rows(report: ProgrammeReport) -> list[Row]:
    return _participation(report) + _sessions(report) + _polls(report) + _survey(report)


def as_text(report: ProgrammeReport, rows: Iterable[Row]) -> str:
    lines = [f"Report for {report.name} ({report.slug})"]
    section = None
    for sec, item, measure, value in rows:
        if sec != section:
            section = sec
            lines += ["", section.capitalize()]
        lines.append(f"  {value}" if measure == "note" else f"  {item} — {measure}: {value}")
    lines += [
        "",
        f"Figures from fewer than {MIN_RESPONDENTS} people are hidden so no one can be identified.",
    ]
    return "\n".join(lines)


def as_csv(rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    return out.getvalue()

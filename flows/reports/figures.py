"""Turning report aggregates into the figures people read, with k-anonymity applied.

Pure: no database. No figure describes a group of fewer than 5: every figure that describes
answers passes through `figure()`, which shows "fewer than 5 responses" when fewer than 5
people gave them, and every count of people, pairs or sessions passes through `count()`,
which shows "fewer than 5" for 1 to 4. Where a total is shown too, a small group is counted
together with the next smallest instead, so it cannot be worked out by subtraction. The
console text and the CSV are both made from the same rows, so they can never disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from flows.common.wording import programme_title

MIN_RESPONDENTS = 5
SUPPRESSED = "fewer than 5 responses"
SMALL = "fewer than 5"
TOO_FEW_STATES = "Too few people to show how many are active, paused or withdrawn."
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
    wave: str = ""
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


def count(n: int) -> str:
    """A count of people, pairs or sessions: none, or 5 and more, as it is; else in words."""
    return f"{n:,}" if n == 0 or n >= MIN_RESPONDENTS else SMALL


def _either(labels: list[str], word: str = "or") -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} {word} {labels[-1]}"


def merge_small(groups: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], list[str]]:
    """Groups of one total, with each group of 1 to 4 counted together with the next
    smallest until none is left, so no small group can be worked out from the total and
    the rest. Returns the groups to show (in their order) and a note per merge."""
    parts: list[tuple[list[str], int]] = [([label], n) for label, n in groups]
    notes: list[str] = []
    while True:
        filled = [k for k, (_, n) in enumerate(parts) if n > 0]
        small = [k for k in filled if parts[k][1] < MIN_RESPONDENTS]
        if not small or len(filled) < 2:
            break
        a = min(small, key=lambda k: (parts[k][1], k))
        b = min((k for k in filled if k != a), key=lambda k: (parts[k][1], k))
        first, second = sorted((a, b))
        notes.append(
            f"{_either(parts[first][0] + parts[second][0], 'and').capitalize()} are shown together "
            f"because fewer than {MIN_RESPONDENTS} people are {_either(parts[a][0])}."
        )
        parts[first] = (parts[first][0] + parts[second][0], parts[first][1] + parts[second][1])
        del parts[second]
    return [(_either(labels), n) for labels, n in parts], notes


def _participation(report: ProgrammeReport) -> list[Row]:
    section = "participation"
    if not report.enrolments:
        return [(section, "", "note", "No one has signed up yet.")]
    total = sum(report.enrolments.values())
    rows = [(section, "signed up", "people", count(total))]
    groups, notes = merge_small([(s, report.enrolments.get(s, 0)) for s in ENROLMENT_STATES])
    # Everything merged into one group, or fewer than 5 in all: a breakdown would tell on them.
    collapsed = bool(notes) and len([n for _, n in groups if n]) == 1
    if total >= MIN_RESPONDENTS and not collapsed:
        rows += [(section, label, "people", count(n)) for label, n in groups]
        rows += [(section, "", "note", note) for note in notes]
    else:
        rows.append((section, "", "note", TOO_FEW_STATES))
    matched = sum(n for s, n in report.pairs.items() if s not in ("proposed", "rematch_requested"))
    rows.append((section, "matched pairs", "pairs", count(matched)))
    rows.append((section, "confirmed pairs", "pairs", count(report.pairs.get("confirmed", 0))))
    return rows


def _sessions(report: ProgrammeReport) -> list[Row]:
    if not report.sessions:
        return [("sessions", "", "note", "No sessions booked yet.")]
    return [("sessions", s, "sessions", count(report.sessions.get(s, 0))) for s in SESSION_STATES]


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
    lines = [f"Report for {programme_title(report.name, report.wave)}"]
    section = None
    for sec, item, measure, value in rows:
        if sec != section:
            section = sec
            lines += ["", section.capitalize()]
        lines.append(f"  {value}" if measure == "note" else f"  {item} — {measure}: {value}")
    lines += [
        "",
        f"No figure describes fewer than {MIN_RESPONDENTS} people, so no one can be identified: "
        f'smaller groups show as "{SMALL}", or are counted together with another group.',
    ]
    return "\n".join(lines)


def as_csv(rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    return out.getvalue()

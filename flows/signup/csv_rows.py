"""One row of a participants CSV: its columns, its checks (row, column, problem), and the
Participant a good row becomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.common import catalogue
from flows.common.person_names import looks_like_email
from flows.common.wording import agree

COLUMNS = (
    "user_id",
    "display_name",
    "email",
    "role",
    "job_title",
    "seniority",
    "department",
    "manager",
    "time_zone",
    "work_start",
    "work_end",
    "medium",
    "location",
    "offers",
    "goal_areas",
    "goals",
    "lived_experience",
    "consent",
    "capacity",
)
SHORT_LIMIT = 120
GOALS_LIMIT = 2000
YES = {"yes", "y", "true", "1"}
AREA_KEYS = {c.value for c in catalogue.AREAS}
MEDIUMS = {
    "online": "online",
    "in_person": "in_person",
    "in person": "in_person",
    "either": "either",
}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    problem: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # Imported rows with something to fix all the same: a manager no one could be found by.
    warnings: list[RowError] = field(default_factory=list)

    @property
    def skipped_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass(frozen=True, slots=True)
class Participant:
    row: int
    user_id: str
    profile: dict[str, Any]  # Person fields to set
    enrolment: dict[str, Any]  # Enrolment fields to set
    # The line manager's user id or email as written: looked up once every row is in.
    manager: str = ""


def _handle(text: str) -> str:
    return text.strip().removeprefix("<").removesuffix(">").lstrip("@").split("|")[0]


def _minute(text: str) -> int | None:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return None
    value = int(hours) * 60 + int(minutes)
    return value if int(minutes) < 60 and value <= 24 * 60 else None


def _areas(text: str) -> tuple[list[str], list[str]]:
    keys = [k.strip().lower() for k in text.split(";") if k.strip()]
    return [k for k in keys if k in AREA_KEYS], [k for k in keys if k not in AREA_KEYS]


def parse_row(raw: dict[str, str], row: int) -> tuple[Participant | None, list[RowError]]:
    value = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    errors: list[RowError] = []

    def bad(column: str, problem: str) -> None:
        errors.append(RowError(row, column, problem))

    user_id = _handle(value["user_id"])
    if not user_id:
        bad("user_id", "is empty")
    role = value["role"].lower()
    if role not in ("mentor", "mentee", "either"):
        bad("role", f"must be mentor, mentee or either, not {value['role']!r}")
    seniority = value["seniority"]
    if not (seniority.isdigit() and 1 <= int(seniority) <= 5):
        bad("seniority", f"must be a number from 1 to 5, not {seniority!r}")
    if value["consent"].lower() not in YES:
        bad("consent", "must be yes: only people who agreed can be imported")
    for column in ("job_title", "department", "location", "display_name", "manager"):
        if len(value[column]) > SHORT_LIMIT:
            bad(column, f"is longer than {SHORT_LIMIT} characters")
    if value["email"] and not looks_like_email(value["email"]):
        bad("email", f"{value['email']!r} isn't an email address")
    if len(value["goals"]) > GOALS_LIMIT:
        bad("goals", f"is longer than {GOALS_LIMIT:,} characters")
    zone = value["time_zone"]
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            bad("time_zone", f"{zone!r} isn't a time zone name like Europe/London")
    start = _minute(value["work_start"]) if value["work_start"] else 9 * 60
    end = _minute(value["work_end"]) if value["work_end"] else 17 * 60 + 30
    if start is None:
        bad("work_start", f"must be a time like 09:00, not {value['work_start']!r}")
    if end is None:
        bad("work_end", f"must be a time like 17:30, not {value['work_end']!r}")
    if start is not None and end is not None and end - start < 60:
        bad("work_end", "must be at least an hour after work_start")
    medium = MEDIUMS.get(value["medium"].lower() or "online")
    if medium is None:
        bad("medium", f"must be online, in_person or either, not {value['medium']!r}")
    if medium == "in_person" and not value["location"]:
        bad("location", "is needed to meet in person")
    areas: dict[str, list[str]] = {}
    for column in ("offers", "goal_areas", "lived_experience"):
        areas[column], unknown = _areas(value[column])
        if unknown:
            bad(
                column,
                f"unknown {agree(len(unknown), 'area')} {', '.join(unknown)}; "
                "use keys such as digital;leadership",
            )
    if (
        role in ("mentor", "either")
        and not areas["offers"]
        and not any(e.column == "offers" for e in errors)
    ):
        bad("offers", "a mentor needs at least one area they can offer")
    capacity = value["capacity"] or "1"
    if not (capacity.isdigit() and int(capacity) <= 10):
        bad("capacity", f"must be a whole number from 0 to 10, not {capacity!r}")
    if errors:
        return None, errors
    profile: dict[str, Any] = {"work_start_minute": start, "work_end_minute": end}
    if value["display_name"]:
        profile["display_name"] = value["display_name"]
    if zone:
        profile["time_zone"] = zone
    if value["email"]:
        profile["email"] = value["email"]
    enrolment = {
        "role": role,
        "job_title": value["job_title"],
        "seniority": int(seniority),
        "department": value["department"],
        "location": value["location"],
        "medium": medium,
        "offers": areas["offers"],
        "goal_areas": areas["goal_areas"],
        "goals": value["goals"],
        "lived_experience": areas["lived_experience"],
        "capacity": int(capacity),
    }
    return Participant(row, user_id, profile, enrolment, value["manager"]), []

"""The sign-up form: its fields, prefilled from an earlier sign-up, and its checks."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.outbound import Choice, FieldKind, Form, FormField
from flows.common import catalogue, disclosure
from flows.common.actions import SIGNUP_ACTION
from flows.common.form_values import FormValues, many, one, too_long
from flows.common.wording import programme_title
from storage.models import Enrolment, Person, Programme

FORM_ID = "signup"
GOALS_LIMIT = 2000
SHORT_LIMIT = 120
REQUIRED = (
    "programme",
    "role",
    "job_title",
    "seniority",
    "department",
    "time_zone",
    "work_start",
    "work_end",
    "medium",
    "goals",
)


def signup_form(
    programmes: list[Programme],
    existing: Enrolment | None,
    person: Person,
    chosen: Programme | None,
    shared: frozenset[str] = frozenset(),
) -> Form:
    time_zone = person.time_zone
    kind = (chosen or programmes[0]).kind
    zones = (
        catalogue.TIME_ZONES
        if time_zone in catalogue.TIME_ZONES
        else (time_zone, *catalogue.TIME_ZONES)
    )
    e = existing
    return Form(
        form_id=FORM_ID,
        reopen_action=SIGNUP_ACTION,
        title="Join a mentoring programme" if e is None else "Edit your sign-up",
        submit_label="Sign me up" if e is None else "Save changes",
        intro=(
            "Tell us a little about yourself so we can find you a good match. Your match sees "
            "your name and only the answers you choose to share at the end of this form. "
            "Programme admins use your answers to review the proposed matches."
        ),
        fields=(
            FormField(
                "programme",
                "Programme",
                FieldKind.SELECT,
                options=tuple(
                    Choice(programme_title(p.name, p.wave), str(p.id)) for p in programmes
                ),
                initial=str((chosen or programmes[0]).id),
            ),
            FormField(
                "role",
                "I'd like to take part as",
                FieldKind.SELECT,
                options=catalogue.ROLES if kind == "reverse" else catalogue.TRADITIONAL_ROLES,
                initial=e.role if e else None,
            ),
            FormField(
                "job_title",
                "Your role",
                initial=e.job_title if e else None,
                max_length=SHORT_LIMIT,
                placeholder="e.g. Data analyst, Chief Operating Officer",
            ),
            FormField(
                "seniority",
                "Seniority",
                FieldKind.SELECT,
                options=catalogue.SENIORITY,
                initial=str(e.seniority) if e else None,
            ),
            FormField(
                "department",
                "Department",
                initial=e.department if e else None,
                max_length=SHORT_LIMIT,
            ),
            FormField(
                "manager",
                "Your line manager",
                FieldKind.USER,
                required=False,
                initial=(e.manager_user_id or None) if e else None,
                hint=_manager_hint(e),
                placeholder="Start typing their name",
            ),
            FormField(
                "time_zone",
                "Time zone",
                FieldKind.SELECT,
                options=tuple(Choice(z.replace("_", " "), z) for z in zones),
                initial=time_zone,
            ),
            FormField(
                "work_start",
                "Working day starts",
                FieldKind.SELECT,
                options=catalogue.HOURS,
                initial=str(person.work_start_minute),
            ),
            FormField(
                "work_end",
                "Working day ends",
                FieldKind.SELECT,
                options=catalogue.HOURS,
                initial=str(person.work_end_minute),
            ),
            FormField(
                "medium",
                "Meet",
                FieldKind.SELECT,
                options=catalogue.MEDIUMS,
                initial=e.medium if e else "online",
            ),
            FormField(
                "location",
                "Office or city",
                required=False,
                initial=e.location if e else None,
                max_length=SHORT_LIMIT,
                hint="Needed if you'd like to meet in person.",
            ),
            FormField(
                "offers",
                "What I can offer",
                FieldKind.MULTI_SELECT,
                options=catalogue.AREAS,
                initial=tuple(e.offers) if e else None,
            ),
            FormField(
                "goal_areas",
                "What I'd like to learn about",
                FieldKind.MULTI_SELECT,
                required=False,
                options=catalogue.AREAS,
                initial=tuple(e.goal_areas) if e else None,
            ),
            FormField(
                "goals",
                "What I want to get out of it",
                FieldKind.LONG_TEXT,
                initial=e.goals if e else None,
                max_length=GOALS_LIMIT,
            ),
            FormField(
                "lived_experience",
                "Lived experience I choose to share",
                FieldKind.MULTI_SELECT,
                required=False,
                options=catalogue.AREAS,
                initial=tuple(e.lived_experience) if e else None,
                hint="Optional. Helps us find a match you can learn from.",
            ),
            FormField(
                disclosure.FIELD,
                "What may we share with your match when we introduce you?",
                FieldKind.MULTI_SELECT,
                required=False,
                options=disclosure.CHOICES,
                initial=tuple(c.value for c in disclosure.CHOICES if c.value in shared) or None,
                hint="Optional. Nothing is shared unless you choose it here; your match always "
                "sees your name and whether you are their mentor or mentee. Seniority and "
                "line manager are never shared.",
            ),
            FormField(
                "consent",
                "I agree that Tandem keeps these answers to run this programme. "
                "I can pause, withdraw or ask to be forgotten at any time.",
                FieldKind.CHECKBOX,
                initial="yes" if e else None,
            ),
        ),
    )


def _manager_hint(existing: Enrolment | None) -> str:
    hint = "So we never pair you with someone in your reporting line."
    if existing is not None and existing.manager_named:
        # Their own earlier answer, shown back only to them: it named no one Tandem knows.
        return (
            f'{hint} You told us "{existing.manager_named}", and I couldn\'t tell who that '
            "is: please pick them from the list."
        )
    return hint


def validate(values: FormValues) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in REQUIRED:
        if not one(values, name):
            errors[name] = "Please fill this in."
    for name in ("job_title", "department", "location"):
        if message := too_long(one(values, name), SHORT_LIMIT):
            errors[name] = message
    if message := too_long(one(values, "goals"), GOALS_LIMIT):
        errors["goals"] = message
    if one(values, "role") and one(values, "role") not in {"mentor", "mentee", "either"}:
        errors["role"] = "Please choose one of the options."
    if one(values, "seniority") and one(values, "seniority") not in {
        c.value for c in catalogue.SENIORITY
    }:
        errors["seniority"] = "Please choose one of the options."
    if one(values, "medium") and one(values, "medium") not in {c.value for c in catalogue.MEDIUMS}:
        errors["medium"] = "Please choose one of the options."
    if zone := one(values, "time_zone"):
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = "I don't recognise that time zone."
    start, end = one(values, "work_start"), one(values, "work_end")
    if start and end:
        if not (start.isdigit() and end.isdigit()):
            errors["work_end"] = "Please choose times from the list."
        elif int(end) - int(start) < 60:
            errors["work_end"] = "Your working day should end at least an hour after it starts."
    known_areas = {c.value for c in catalogue.AREAS}
    if not many(values, "offers"):
        errors["offers"] = "Choose at least one thing you can offer."
    for name in ("offers", "goal_areas", "lived_experience"):
        if any(v not in known_areas for v in many(values, name)):
            errors[name] = "Please choose from the list."
    if any(v not in disclosure.KEYS for v in many(values, disclosure.FIELD)):
        errors[disclosure.FIELD] = "Please choose from the list."
    if one(values, "medium") == "in_person" and not one(values, "location"):
        errors["location"] = "Tell us where you are so we can find someone nearby."
    if one(values, "consent") not in {"yes", "true", "on"}:
        errors["consent"] = (
            "We need your consent to keep your answers. You can withdraw at any time."
        )
    return errors

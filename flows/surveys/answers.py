"""Pre/post surveys and the quarterly pulse: sent to everyone active, answered in a form.

The scheduler (or an admin, with `tandem survey send`) calls `send_survey` at the
programme's start ("pre"), at its end ("post") and each quarter ("pulse", if switched on).
Sending twice is harmless: each person's survey DM has an idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from bot.core.budget import Lane
from bot.core.clock import Clock
from bot.core.events import ButtonClicked, FormSubmitted
from bot.core.outbound import (
    Button,
    Buttons,
    ButtonStyle,
    Context,
    FieldKind,
    Form,
    FormField,
    Message,
    Text,
)
from bot.core.refs import Platform, UserRef, WorkspaceRef
from bot.delivery.sender import Sender
from bot.runtime.context import FlowContext
from flows.common.form_values import FormValues, one
from flows.common.people import person_for
from flows.surveys.questions import (
    PHASE_KINDS,
    SCALE,
    SCALE_VALUES,
    Question,
    closed_reason,
    closes_on,
    pulse_enabled,
    pulse_round,
    questions_for,
    subject_for,
)
from storage.models import Enrolment, Person, Programme, Workspace
from storage.repositories import deliveries
from storage.repositories.answers import AnswerRepository
from storage.uow import Database

FORM_ID = "survey"
ACTION_ID = "survey"
BUTTON_LABEL = "Take the 2-minute survey"
PRIVACY = (
    "Your answers are confidential: admins only ever see totals from 5 or more people, "
    "never your own answers."
)


class Services(Protocol):
    """What sending needs; a FlowContext and bootstrap's Services both have it."""

    db: Database
    clock: Clock
    sender: Sender


@dataclass(frozen=True, slots=True)
class SendResult:
    phase: str
    sent: int
    skipped: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class SurveyRef:
    """Which survey a button or form is about; round-trips as `programme:phase[:round]`."""

    programme_id: int
    phase: str
    round: str = ""

    def encode(self) -> str:
        return ":".join(p for p in (str(self.programme_id), self.phase, self.round) if p)

    @classmethod
    def decode(cls, text: str) -> SurveyRef | None:
        parts = text.split(":")
        if len(parts) < 2 or not parts[0].isdigit() or parts[1] not in PHASE_KINDS:
            return None
        if parts[1] == "pulse" and len(parts) != 3:
            return None
        return cls(int(parts[0]), parts[1], parts[2] if len(parts) > 2 else "")

    @property
    def kind(self) -> str:
        return PHASE_KINDS[self.phase]

    @property
    def subject(self) -> str:
        return subject_for(self.programme_id, self.phase, self.round)


def invitation(programme: Programme, survey: SurveyRef) -> Message:
    closes = closes_on(survey.phase, programme.ends_on, programme.settings).strftime("%-d %B %Y")
    intro = {
        "pre": (
            f"*{programme.name}* is starting. Before your first session, please take two "
            "minutes to say where you are today. We'll ask the same questions at the end "
            "to see what changed."
        ),
        "post": (
            f"*{programme.name}* has come to an end. Thank you for taking part! Please answer "
            "the same short survey you took at the start, so we can see what changed."
        ),
        "pulse": f"A quick check-in for *{programme.name}*: how are things going?",
    }[survey.phase]
    return Message(
        summary=f"{programme.name}: {BUTTON_LABEL.lower()}",
        blocks=(
            Text(intro),
            Buttons((Button(BUTTON_LABEL, ACTION_ID, survey.encode(), ButtonStyle.PRIMARY),)),
            Context(f"{PRIVACY} Open until {closes}."),
        ),
    )


async def send_survey(services: Services, programme_id: int, phase: str) -> SendResult:
    """DM the survey to every active enrolled person of the programme.

    `phase` is "pre", "post" or "pulse". Safe to call again: people who already got this
    survey (this quarter's, for a pulse) are skipped.
    """
    if phase not in PHASE_KINDS:
        raise ValueError(f"unknown survey phase {phase!r}")
    now = services.clock.now()
    async with services.db.sessions() as session:
        found = (
            await session.execute(
                select(Programme, Workspace)
                .join(Workspace, Workspace.id == Programme.workspace_id)
                .where(Programme.id == programme_id)
            )
        ).first()
        if found is None:
            raise ValueError(f"no programme {programme_id}")
        programme, workspace = found
        people = list(
            (
                await session.execute(
                    select(Person.id, Person.platform_user_id)
                    .join(Enrolment, Enrolment.person_id == Person.id)
                    .where(
                        Enrolment.programme_id == programme_id,
                        Enrolment.status == "active",
                        Person.reachable.is_(True),
                    )
                    .order_by(Person.id)
                )
            ).tuples()
        )
    if phase == "pulse" and not pulse_enabled(programme.settings):
        return SendResult(phase, 0, 0, "the quarterly pulse is switched off for this programme")
    if closed_reason(phase, programme.ends_on, programme.settings, now.date()):
        return SendResult(phase, 0, 0, "this survey is closed: the programme has ended")
    survey = SurveyRef(programme_id, phase, pulse_round(now) if phase == "pulse" else "")
    message = invitation(programme, survey)
    ref = WorkspaceRef(Platform(workspace.platform), workspace.external_id)
    await _release_planned(services.db, workspace.id, survey, [p for p, _ in people])
    sent = 0
    for person_id, user_id in people:
        delivered = await services.sender.send_now(
            workspace.id,
            UserRef(ref, user_id),
            message,
            kind=survey.kind,
            key=f"{survey.kind}:{survey.encode()}:{person_id}",
            lane=Lane.BULK,
        )
        sent += delivered is not None
    return SendResult(phase, sent, len(people) - sent)


def survey_key(survey: SurveyRef, person_id: int) -> str:
    return f"{survey.kind}:{survey.encode()}:{person_id}"


async def _release_planned(
    db: Database, workspace_id: int, survey: SurveyRef, person_ids: list[int]
) -> None:
    """Sending now replaces an invitation still waiting in the outbox under the same key
    (flows/surveys/calendar.py plans them), so each person gets it once, now."""
    keys = [survey_key(survey, person_id) for person_id in person_ids]
    async with db.sessions() as session:
        await deliveries.release_pending(session, workspace_id, keys)
        await session.commit()


def survey_form(programme: Programme, survey: SurveyRef, previous: dict[str, float]) -> Form:
    questions = questions_for(programme.settings)
    title = {"pre": "Starting survey", "post": "Closing survey", "pulse": "Check-in"}
    return Form(
        form_id=FORM_ID,
        title=title[survey.phase],
        submit_label="Send my answers",
        intro=f"How much do you agree? {PRIVACY}",
        context=survey.encode(),
        fields=tuple(
            FormField(
                q.key,
                q.text,
                FieldKind.SELECT,
                options=SCALE,
                initial=_initial(previous.get(q.key)),
            )
            for q in questions
        ),
    )


def _initial(value: float | None) -> str | None:
    return str(int(value)) if value is not None else None


async def _load(
    ctx: FlowContext, survey: SurveyRef | None
) -> tuple[Programme, Person, dict[str, float]] | str:
    """The programme, the person and their earlier answers, or why they can't answer."""
    if survey is None:
        return "That survey link has expired."
    async with ctx.uow() as uow:
        programme = await uow.programmes.get(survey.programme_id)
        person = await person_for(ctx, uow)
        await uow.commit()
        if programme is None:
            return "That survey link has expired."
        enrolment = await uow.enrolments.find(programme.id, person.id)
        if enrolment is None or enrolment.status == "withdrawn":
            return f"This survey is for people taking part in {programme.name}."
        today = ctx.clock.now().date()
        if reason := closed_reason(survey.phase, programme.ends_on, programme.settings, today):
            return reason
        answers = AnswerRepository(uow.session, uow.workspace_id)
        previous = await answers.of_person(person.id, survey.kind, survey.subject)
    return programme, person, previous


async def open_survey(ctx: FlowContext, click: ButtonClicked) -> None:
    loaded = await _load(ctx, SurveyRef.decode(click.value))
    if isinstance(loaded, str):
        await ctx.reply_text(loaded)
        return
    programme, _, previous = loaded
    survey = SurveyRef.decode(click.value)
    assert survey is not None
    await ctx.open_form(survey_form(programme, survey, previous))


def validate(values: FormValues) -> dict[str, str]:
    """Field checks that need no database: every given answer is on the 1-5 scale."""
    return {
        name: "Please choose one of the options."
        for name in values
        if one(values, name) and one(values, name) not in SCALE_VALUES
    }


def _missing(values: FormValues, questions: tuple[Question, ...]) -> dict[str, str]:
    return {q.key: "Please choose an answer." for q in questions if not one(values, q.key)}


async def submit(ctx: FlowContext, form: FormSubmitted) -> dict[str, str] | None:
    survey = SurveyRef.decode(form.context)
    loaded = await _load(ctx, survey)
    if isinstance(loaded, str):
        await ctx.reply_text(loaded)
        return None
    assert survey is not None
    programme, person, previous = loaded
    questions = questions_for(programme.settings)
    if errors := _missing(form.values, questions):
        return errors
    async with ctx.uow() as uow:
        await AnswerRepository(uow.session, uow.workspace_id).record(
            person_id=person.id,
            programme_id=programme.id,
            kind=survey.kind,
            subject=survey.subject,
            answers={q.key: float(one(form.values, q.key)) for q in questions},
            now=ctx.clock.now(),
        )
        await uow.commit()
    closes = closes_on(survey.phase, programme.ends_on, programme.settings).strftime("%-d %B %Y")
    verb = "updated" if previous else "saved"
    await ctx.reply_text(
        f"Thank you, your answers are {verb}. You can change them until {closes} "
        f"with the same button; only your latest answers count."
    )
    return None

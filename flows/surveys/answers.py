"""Pre/post surveys and the quarterly pulse: sent to everyone active, answered in a form.

The calendar (flows/surveys/calendar.py) plans each person's invitation for the programme's
start ("pre"), its end ("post") and each quarter ("pulse", if switched on); an admin can
bring one forward with `tandem survey send`, which calls `send_survey`. Either way the
invitation is a row of the outbox, held for the person's working hours, and sending twice is
harmless: each person's invitation has one idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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
from storage.models import Delivery, Enrolment, Person, Programme
from storage.repositories import deliveries
from storage.repositories.answers import AnswerRepository
from storage.uow import Database

FORM_ID = "survey"
# The outbox kind of an invitation, whether the calendar planned it or an admin sent it.
INVITE_KIND = "survey_invite"
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
    queued: int  # invitations now in the outbox, each sent in its person's working hours
    skipped: int  # people who already had this survey
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
    """Queue the survey for every active enrolled person of the programme, through the outbox.

    `phase` is "pre", "post" or "pulse". Each invitation is due now and, like every message
    Tandem starts, waits for the person's working hours. Safe to call again: people who
    already got this survey (this quarter's, for a pulse) are skipped, and an invitation the
    calendar planned for later is brought forward, never sent twice.
    """
    if phase not in PHASE_KINDS:
        raise ValueError(f"unknown survey phase {phase!r}")
    now = services.clock.now()
    async with services.db.sessions() as session:
        programme = await session.get(Programme, programme_id)
        if programme is None:
            raise ValueError(f"no programme {programme_id}")
        people = list(
            (
                await session.execute(
                    select(Person.id, Person.platform_user_id)
                    .join(Enrolment, Enrolment.person_id == Person.id)
                    .where(
                        Enrolment.workspace_id == programme.workspace_id,
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
        keys = {survey_key(survey, person_id): (person_id, user) for person_id, user in people}
        states = await _states(session, programme.workspace_id, list(keys))
        # Sent, on its way or settled: never again. Still waiting (planned for later): now.
        done = {key for key, state in states.items() if state not in ("pending", "cancelled")}
        await deliveries.release_pending(session, programme.workspace_id, list(keys))
        rows = [
            deliveries.row(
                workspace_id=programme.workspace_id,
                key=key,
                kind=INVITE_KIND,
                due_at=now,
                now=now,
                channel_id=f"@{user_id}",
                person_id=person_id,
                payload={"programme_id": programme_id, "phase": phase, "round": survey.round},
            )
            for key, (person_id, user_id) in keys.items()
            if key not in done
        ]
        await deliveries.plan(session, rows)
        await session.commit()
    services.sender.wake()
    return SendResult(phase, len(rows), len(done))


def survey_key(survey: SurveyRef, person_id: int) -> str:
    return f"{survey.kind}:{survey.encode()}:{person_id}"


async def _states(session: AsyncSession, workspace_id: int, keys: list[str]) -> dict[str, str]:
    states: dict[str, str] = {}
    for start in range(0, len(keys), 500):  # older SQLite builds bind at most 999 parameters
        found = await session.execute(
            select(Delivery.idempotency_key, Delivery.state).where(
                Delivery.workspace_id == workspace_id,
                Delivery.idempotency_key.in_(keys[start : start + 500]),
            )
        )
        states.update((key, state) for key, state in found.tuples())
    return states


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

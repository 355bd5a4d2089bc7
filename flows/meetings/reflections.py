"""Private reflections after a meeting: written by one person, readable by that person only.

There is deliberately no admin or partner view: every query here is filtered by the
author's own person id, and nothing here logs what was written.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.core.events import ButtonClicked, Command, FormSubmitted
from bot.core.outbound import Context, FieldKind, Form, FormField, Message, Section, Text
from bot.core.working_hours import describe
from bot.runtime.context import FlowContext
from flows.common.form_values import FormValues, one, text_problem
from flows.common.people import person_for
from storage.models import Enrolment, Meeting, Pair, Response
from storage.uow import UnitOfWork
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)

ACTION_ID = "reflect"
FORM_ID = "reflection"
KIND = "reflection"
MAX_LENGTH = 3000
QUESTIONS = (
    ("learned", "What I learned", True),
    ("will_do", "What I will do", True),
    ("raise", "Anything to raise", False),
    # Shown back to the author in their next prep prompt (flows/sessions/prep.py).
    ("actions", "Actions we agreed (for next time)", False),
)
SHOWN = 10
# The same answers saved again within this time are a double click, not a second save.
REPEAT_WINDOW = timedelta(seconds=30)


def subject_of(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


async def latest_own_answer(uow: UnitOfWork, person_id: int, before: Meeting, question: str) -> str:
    """The person's own answer from their pair's previous meeting (for the next prep nudge)."""
    earlier = await uow.session.scalars(
        select(Meeting.id)
        .where(
            Meeting.workspace_id == uow.workspace_id,
            Meeting.pair_id == before.pair_id,
            Meeting.starts_at < before.starts_at,
        )
        .order_by(Meeting.starts_at.desc())
    )
    subjects = [subject_of(m) for m in earlier]
    if not subjects:
        return ""
    answers = {
        r.subject: r.value_text
        for r in await uow.session.scalars(
            select(Response).where(
                Response.workspace_id == uow.workspace_id,
                Response.person_id == person_id,
                Response.kind == KIND,
                Response.question == question,
                Response.subject.in_(subjects),
            )
        )
    }
    return next((answers[s] for s in subjects if answers.get(s)), "")


async def _attended(uow: UnitOfWork, person_id: int, meeting_id: int) -> Meeting | None:
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        return None
    pair = await uow.session.get(Pair, meeting.pair_id)
    if pair is None:
        return None
    people = await uow.session.scalars(
        select(Enrolment.person_id).where(
            Enrolment.id.in_((pair.mentor_enrolment_id, pair.mentee_enrolment_id))
        )
    )
    return meeting if person_id in set(people) else None


async def open_form(ctx: FlowContext, click: ButtonClicked) -> None:
    """The "Write my reflection" button: the form, prefilled with what they wrote before."""
    _, _, raw = click.action_id.partition(":")
    meeting_id = int(raw) if raw.isdigit() else 0
    async with ctx.uow() as uow:
        person = await person_for(ctx, uow)
        meeting = await _attended(uow, person.id, meeting_id)
        if meeting is None:
            await ctx.reply_text("That reflection button isn't for a meeting of yours.")
            return
        existing = await _answers(uow, person.id, subject_of(meeting_id))
        when = describe(meeting.starts_at, person.time_zone)
        await uow.commit()
    fields = tuple(
        FormField(
            name,
            label,
            FieldKind.LONG_TEXT,
            required=required,
            initial=existing.get(name) or None,
            max_length=MAX_LENGTH,
        )
        for name, label, required in QUESTIONS
    )
    await ctx.open_form(
        Form(
            FORM_ID,
            "Your reflection",
            fields,
            submit_label="Save",
            intro=f"About your meeting on {when}. Only you will ever see this.",
            context=str(meeting_id),
        )
    )


def validate(values: FormValues) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, _, required in QUESTIONS:
        if problem := text_problem(
            values, name, MAX_LENGTH, "A few words are enough." if required else None
        ):
            errors[name] = problem
    return errors


async def submit(ctx: FlowContext, event: FormSubmitted) -> dict[str, str] | None:
    meeting_id = int(event.context) if event.context.isdigit() else 0
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        person = await person_for(ctx, uow)
        if await _attended(uow, person.id, meeting_id) is None:
            await ctx.reply_text("That reflection form isn't for a meeting of yours.")
            return None
        subject = subject_of(meeting_id)
        answers = {name: one(event.values, name) for name, _, _ in QUESTIONS}
        changed = await _save(uow, person.id, subject, answers, now)
        last_saved = await uow.session.scalar(
            select(func.max(Response.updated_at)).where(*_own(uow, person.id, subject))
        )
        await uow.commit()
    if not changed and last_saved is not None and now - last_saved < REPEAT_WINDOW:
        return None  # the same answers again straight away: a double click, already answered
    if changed:
        log.info("reflection saved", extra={"meeting_id": meeting_id})
    await ctx.reply_text(
        "Saved. Only you can read your reflections: type `reflections` to see them again."
    )
    return None


def _own(uow: UnitOfWork, person_id: int, subject: str) -> tuple[Any, ...]:
    return (
        Response.workspace_id == uow.workspace_id,
        Response.person_id == person_id,
        Response.kind == KIND,
        Response.subject == subject,
    )


async def _save(
    uow: UnitOfWork, person_id: int, subject: str, answers: dict[str, str], now: datetime
) -> bool:
    """Store the answers; True if anything was new or different. Two saves at once (a double
    click) cannot both insert: the database keeps one row per question and skips the other."""
    rows = [
        {
            "workspace_id": uow.workspace_id,
            "person_id": person_id,
            "kind": KIND,
            "subject": subject,
            "question": name,
            "value_text": text,
            "shared_with_partner": False,
            "created_at": now,
            "updated_at": now,
        }
        for name, text in answers.items()
    ]
    inserted = set(
        await uow.session.scalars(
            insert_ignore(uow.session, Response, rows).returning(Response.question)
        )
    )
    changed = bool(inserted)
    for name, text in answers.items():
        if name in inserted:
            continue
        result = await uow.session.execute(
            update(Response)
            .where(*_own(uow, person_id, subject), Response.question == name)
            .where(Response.value_text != text)
            .values(value_text=text, updated_at=now)
        )
        changed |= bool(result.rowcount)  # type: ignore[attr-defined]
    return changed


async def _answers(uow: UnitOfWork, person_id: int, subject: str) -> dict[str, str]:
    rows = await uow.session.scalars(
        select(Response).where(
            Response.person_id == person_id, Response.kind == KIND, Response.subject == subject
        )
    )
    return {r.question: r.value_text for r in rows}


async def list_own(ctx: FlowContext, command: Command) -> None:
    """`reflections`: the author's own past reflections, newest first. Nobody else's, ever."""
    async with ctx.uow() as uow:
        person = await uow.people.by_user_id(ctx.user.user_id)
        rows = (
            list(
                await uow.session.scalars(
                    select(Response)
                    .where(
                        Response.workspace_id == uow.workspace_id,
                        Response.person_id == person.id,
                        Response.kind == KIND,
                    )
                    .order_by(Response.updated_at.desc(), Response.id)
                )
            )
            if person
            else []
        )
        by_subject: dict[str, dict[str, str]] = {}
        for row in rows:
            by_subject.setdefault(row.subject, {})[row.question] = row.value_text
        meetings = {
            subject_of(m.id): m
            for m in await uow.session.scalars(
                select(Meeting).where(
                    Meeting.workspace_id == uow.workspace_id,
                    Meeting.id.in_(
                        [int(s.split(":")[1]) for s in by_subject if s.split(":")[-1].isdigit()]
                    ),
                )
            )
        }
    if not by_subject:
        await ctx.reply_text(
            "You haven't written any reflections yet. After each meeting I'll send you a "
            "button to write one; only you will ever see it."
        )
        return
    blocks: list[Text | Section | Context] = [Text("*Your reflections* (only you can see these)")]
    for subject, answers in list(by_subject.items())[:SHOWN]:
        meeting = meetings.get(subject)
        title = (
            f"Meeting on {describe(meeting.starts_at, person.time_zone)}"
            if meeting and person
            else "A meeting"
        )
        fields = tuple((label, answers[name]) for name, label, _ in QUESTIONS if answers.get(name))
        blocks.append(Section(title, fields=fields))
    if len(by_subject) > SHOWN:
        blocks.append(Context(f"Showing your {SHOWN} most recent of {len(by_subject)}."))
    await ctx.reply(Message(summary="Your reflections", blocks=tuple(blocks)), kind="reflections")

"""The feedback poll the working morning after each session.

Did you meet (yes / rescheduled / no), how valuable was it (1-5), did it feel like a safe
space (1-5), and an optional comment. Stored as Response(kind="poll", subject="meeting:ID")
per question, the format flows/reports/queries.py reads; answering again replaces the answer.

The comment is private: it is never shown to admins and never read by reports. Admins are
alerted, without any comment or who answered what, when a pair may need support: a
safe-space score of 1-2, or two sessions in a row that did not happen.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.core.events import ButtonClicked, FormSubmitted
from bot.core.outbound import (
    Button,
    Buttons,
    ButtonStyle,
    Choice,
    Context,
    FieldKind,
    Form,
    FormField,
    Message,
    Text,
)
from bot.core.working_hours import describe
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, send_late
from bot.runtime.context import FlowContext
from flows.common.actions import SESSION_BOOK_ACTION, support_button
from flows.common.form_values import FormValues, one, too_long
from flows.common.pair_view import (
    admin_user_ids,
    answers_of,
    meeting_subject,
    pair_view,
    save_answers,
)
from flows.common.people import name_of
from flows.sessions.plan import POLL
from storage.models import Meeting, Response
from storage.uow import UnitOfWork

KIND = "poll"
ACTION_ID = "poll_open"
FORM_ID = "poll"
COMMENT_LIMIT = 1000
MET = (
    Choice("Yes, we met", "yes"),
    Choice("We rescheduled", "rescheduled"),
    Choice("No, we didn't meet", "no"),
)
SCORES = tuple(Choice(str(n), str(n)) for n in range(1, 6))
CANCELLED = "That session was cancelled, so there's no poll to answer. Thank you for checking!"
LOW_SAFE_SPACE = 2


async def render(req: RenderRequest) -> Message | Drop:
    meeting = await req.uow.meetings.get(int(req.payload.get("meeting_id", 0)))
    if meeting is None or meeting.status in ("cancelled", "proposed"):
        return Drop("session cancelled")
    if meeting.starts_at.isoformat() != req.payload.get("starts_at"):
        return Drop("session moved")
    view = await pair_view(req.uow, meeting.pair_id, req.delivery.person_id or 0)
    if view is None or view.pair.status != "confirmed":
        return Drop("the pair is no longer active")
    partner = name_of(view.partner)
    when = describe(meeting.starts_at, view.me.time_zone)
    return Message(
        summary=f"How was your session with {partner}? (1 minute)",
        blocks=(
            Text(
                f"How was your session with *{partner}* on {when}? A few quick questions "
                "help us see the programme is working."
            ),
            Buttons(
                (
                    Button("Answer the poll", ACTION_ID, str(meeting.id), ButtonStyle.PRIMARY),
                    support_button(view.programme.id),
                )
            ),
            Context(
                "Admins only ever see totals from 5 or more people. Your comment stays private."
            ),
        ),
    )


KINDS = (DeliveryKind(POLL, render, send_late),)


async def _meeting_for(uow: UnitOfWork, meeting_id: int, user_id: str):  # type: ignore[no-untyped-def]
    me = await uow.people.by_user_id(user_id)
    meeting = await uow.meetings.get(meeting_id)
    if me is None or meeting is None or meeting.kind != "session":
        return None, None
    return meeting, await pair_view(uow, meeting.pair_id, me.id)


async def open_poll(ctx: FlowContext, click: ButtonClicked) -> None:
    meeting_id = int(click.value) if click.value.isdigit() else 0
    async with ctx.uow() as uow:
        meeting, view = await _meeting_for(uow, meeting_id, ctx.user.user_id)
        if meeting is None or view is None:
            await ctx.reply_text("That poll isn't for a session of yours.")
            return
        if meeting.status == "cancelled":
            await ctx.reply_text(CANCELLED)
            return
        previous = await answers_of(uow, view.me.id, KIND, meeting_subject(meeting_id))

    def initial(question: str) -> str | None:
        row = previous.get(question)
        if row is None:
            return None
        return row.value_text or (str(int(row.value_number)) if row.value_number else None)

    await ctx.open_form(
        Form(
            FORM_ID,
            "How was your session?",
            (
                FormField(
                    "met", "Did you meet?", FieldKind.SELECT, options=MET, initial=initial("met")
                ),
                FormField(
                    "valuable",
                    "How valuable was it? (1 = not at all, 5 = very)",
                    FieldKind.SELECT,
                    required=False,
                    options=SCORES,
                    initial=initial("valuable"),
                ),
                FormField(
                    "safe_space",
                    "Did it feel like a safe space? (1 = not at all, 5 = completely)",
                    FieldKind.SELECT,
                    required=False,
                    options=SCORES,
                    initial=initial("safe_space"),
                ),
                FormField(
                    "comment",
                    "Anything else? (private: never shown to admins)",
                    FieldKind.LONG_TEXT,
                    required=False,
                    max_length=COMMENT_LIMIT,
                ),
            ),
            submit_label="Send",
            intro=f"About your session with {name_of(view.partner)}. The last answer counts.",
            context=str(meeting_id),
        )
    )


def validate(values: FormValues) -> dict[str, str]:
    errors: dict[str, str] = {}
    met = one(values, "met")
    if met not in {c.value for c in MET}:
        errors["met"] = "Please choose one."
    for name in ("valuable", "safe_space"):
        score = one(values, name)
        if score and score not in {c.value for c in SCORES}:
            errors[name] = "Please choose 1 to 5."
        elif met == "yes" and not score:
            errors[name] = "Please choose 1 to 5."
    if problem := too_long(one(values, "comment"), COMMENT_LIMIT):
        errors["comment"] = problem
    return errors


async def submit(ctx: FlowContext, form: FormSubmitted) -> dict[str, str] | None:
    meeting_id = int(form.context) if form.context.isdigit() else 0
    met = one(form.values, "met")
    numbers = {
        q: float(one(form.values, q)) for q in ("valuable", "safe_space") if one(form.values, q)
    }
    texts = {"met": met}
    if comment := one(form.values, "comment"):
        texts["comment"] = comment
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        meeting, view = await _meeting_for(uow, meeting_id, ctx.user.user_id)
        if meeting is None or view is None:
            await ctx.reply_text("That poll isn't for a session of yours.")
            return None
        if meeting.status == "cancelled":
            await ctx.reply_text(CANCELLED)
            return None
        subject = meeting_subject(meeting.id)
        await save_answers(
            uow,
            person_id=view.me.id,
            programme_id=view.programme.id,
            kind=KIND,
            subject=subject,
            texts=texts,
            numbers=numbers,
            now=now,
            replace=True,
        )
        met_answers = await _met_answers(uow, subject)
        meeting.status = _status_from(met_answers, meeting.status)
        meeting.updated_at = now
        reasons = []
        if numbers.get("safe_space", 5) <= LOW_SAFE_SPACE:
            reasons.append(("safe_space", "a session didn't feel like a safe space"))
        if await _two_missed_in_a_row(uow, meeting):
            reasons.append(("missed", "two sessions in a row didn't happen"))
        admins = await admin_user_ids(uow, view.programme.id) if reasons else []
        pair_id, programme = view.pair.id, view.programme
        await uow.commit()
    names = " and ".join(sorted((name_of(view.me), name_of(view.partner))))
    for code, reason in reasons:
        for admin in admins:
            await ctx.dm(
                admin,
                Message(
                    summary=f"A pair in {programme.name} may need support",
                    blocks=(
                        Text(f"{names} in *{programme.name}* may need support: {reason}."),
                        Text("Please reach out to both of them kindly and privately."),
                        Context("Poll answers and comments stay private; this is all we share."),
                    ),
                ),
                kind="pair_support_alert",
                key=f"pair_alert:{code}:{meeting.id}:{admin}",
            )
    await ctx.reply(_thanks(met, pair_id, programme.id), kind="poll_thanks")
    return None


def _thanks(met: str, pair_id: int, programme_id: int) -> Message:
    if met == "yes":
        return Message(
            summary="Thank you for your answers",
            blocks=(Text("Thank you! Your answers are saved; only your latest answers count."),),
        )
    text = (
        "Sorry you couldn't meet. Would you like to book a new time?"
        if met == "no"
        else "Thanks for letting me know. Book the new time here if you haven't yet."
    )
    return Message(
        summary="Book a new time?",
        blocks=(
            Text(text),
            Buttons(
                (
                    Button(
                        "Book a new time", SESSION_BOOK_ACTION, str(pair_id), ButtonStyle.PRIMARY
                    ),
                    support_button(programme_id),
                )
            ),
        ),
    )


async def _met_answers(uow: UnitOfWork, subject: str) -> list[str]:
    rows = await uow.session.scalars(
        select(Response.value_text).where(
            Response.workspace_id == uow.workspace_id,
            Response.kind == KIND,
            Response.subject == subject,
            Response.question == "met",
        )
    )
    return list(rows)


def _status_from(answers: Sequence[str], current: str) -> str:
    if "yes" in answers:
        return "held"
    if "no" in answers:
        return "missed"
    return current


async def _two_missed_in_a_row(uow: UnitOfWork, meeting: Meeting) -> bool:
    past = [
        m
        for m in await uow.meetings.for_pair(meeting.pair_id)
        if m.kind == "session"
        and m.status in ("scheduled", "held", "missed")
        and m.starts_at <= meeting.starts_at
    ]
    last_two = past[-2:]
    return len(last_two) == 2 and all(m.status == "missed" for m in last_two)

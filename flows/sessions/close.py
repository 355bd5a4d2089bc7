"""The close: after the final session each person chooses "keep in touch informally" or
"close"; the closing survey follows; the pair may write its lessons learned together.

Once both have chosen, the pair is ended (reason "completed"): its pending messages are
cancelled and every session-cycle renderer drops messages for pairs that are not confirmed.
Lessons learned are stored once per pair (under the mentor's person id, shared with both):
either can write them, the last save counts, and the partner is shown what was written.
"""

from __future__ import annotations

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
    Section,
    Text,
)
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, send_late
from bot.runtime.context import FlowContext
from flows.common.actions import support_button
from flows.common.form_values import FormValues, check_text, one
from flows.common.pair_lifecycle import end_pair
from flows.common.pair_view import PairView, answers_of, pair_subject, pair_view, save_answers
from flows.common.people import name_of
from flows.sessions.plan import CLOSE
from flows.surveys.answers import SurveyRef, invitation
from storage.repositories import deliveries
from storage.uow import UnitOfWork

CHOICES = {"keep": "Keep in touch informally", "close": "Close"}
CHOICE_ACTION = "close_choice"
LESSONS_ACTION = "lessons_open"
LESSONS_FORM = "lessons"
LESSONS_KIND = "lessons"
CHOICE_KIND = "close"
MAX_LESSONS = 3000
ENDED_REASON = "completed"


async def render(req: RenderRequest) -> Message | Drop:
    meeting = await req.uow.meetings.get(int(req.payload.get("meeting_id", 0)))
    if meeting is None or meeting.status == "cancelled":
        return Drop("session cancelled")
    view = await pair_view(req.uow, meeting.pair_id, req.delivery.person_id or 0)
    if view is None or view.pair.status != "confirmed":
        return Drop("the pair is no longer active")
    return choice_message(view)


def choice_message(view: PairView) -> Message:
    partner = name_of(view.partner)
    return Message(
        summary=f"Your final session with {partner}: how would you like to finish?",
        blocks=(
            Text(
                f"That was your final session of {view.programme.name} with *{partner}*. "
                "Thank you both! How would you like to finish?"
            ),
            Buttons(
                tuple(
                    Button(
                        label,
                        CHOICE_ACTION,
                        f"{view.pair.id}:{code}",
                        ButtonStyle.PRIMARY if code == "keep" else ButtonStyle.DEFAULT,
                    )
                    for code, label in CHOICES.items()
                )
                + (support_button(view.programme.id),)
            ),
            Context(f"Your choice is yours: {partner} won't be told which you picked."),
        ),
    )


KINDS = (DeliveryKind(CLOSE, render, send_late),)


async def _view(ctx: FlowContext, uow: UnitOfWork, raw_pair: str) -> PairView | None:
    me = await uow.people.by_user_id(ctx.user.user_id)
    if me is None or not raw_pair.isdigit():
        return None
    return await pair_view(uow, int(raw_pair), me.id)


def _closed_by_completion(view: PairView) -> bool:
    return view.pair.status == "ended" and view.pair.end_reason == ENDED_REASON


async def choose(ctx: FlowContext, click: ButtonClicked) -> None:
    raw_pair, _, code = click.value.partition(":")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        view = await _view(ctx, uow, raw_pair)
        if view is None or code not in CHOICES:
            await ctx.reply_text(
                "That button has expired. Type `status` to see where things stand."
            )
            return
        if view.pair.status != "confirmed" and not _closed_by_completion(view):
            await ctx.reply_text("This pairing has already ended. Thank you for taking part.")
            return
        await save_answers(
            uow,
            person_id=view.me.id,
            programme_id=view.programme.id,
            kind=CHOICE_KIND,
            subject=pair_subject(view.pair.id),
            texts={"choice": code},
            now=now,
        )
        partner_chose = (
            await answers_of(uow, view.partner.id, CHOICE_KIND, pair_subject(view.pair.id))
        ).get("choice")
        if partner_chose and view.pair.status == "confirmed":
            await end_pair(uow, view.pair, ENDED_REASON, now)
        survey = SurveyRef(view.programme.id, "post")
        key = f"{survey.kind}:{survey.encode()}:{view.me.id}"
        # The closing survey may already be planned for the programme's end: send it now.
        await deliveries.release_pending(uow.session, uow.workspace_id, [key])
        await uow.commit()
    words = (
        f"Lovely: keep in touch with {name_of(view.partner)} however suits you both. "
        "Tandem won't send you any more programme messages about this pairing."
        if code == "keep"
        else "Thank you: your pairing is closed, and Tandem won't send you any more "
        "programme messages about it."
    )
    await ctx.reply(
        Message(
            summary="Thank you for taking part",
            blocks=(
                Text(words),
                Text(
                    "One last, optional thing: write down your lessons learned together. "
                    "Either of you can write them; you'll both see them."
                ),
                Buttons((Button("Write our lessons learned", LESSONS_ACTION, str(view.pair.id)),)),
            ),
        ),
        kind="close_done",
    )
    await ctx.reply(invitation(view.programme, survey), kind=survey.kind, key=key)


async def open_lessons(ctx: FlowContext, click: ButtonClicked) -> None:
    async with ctx.uow() as uow:
        view = await _view(ctx, uow, click.value)
        if view is None or (view.pair.status != "confirmed" and not _closed_by_completion(view)):
            await ctx.reply_text("This pairing isn't active any more. Type `status` to check.")
            return
        existing = (
            await answers_of(uow, view.mentor_id, LESSONS_KIND, pair_subject(view.pair.id))
        ).get("lessons")
    await ctx.open_form(
        Form(
            LESSONS_FORM,
            "Our lessons learned",
            (
                FormField(
                    "lessons",
                    "What did you learn together? What would you tell the next pairs?",
                    FieldKind.LONG_TEXT,
                    initial=existing.value_text if existing else None,
                    max_length=MAX_LESSONS,
                ),
            ),
            submit_label="Save for both of us",
            intro=f"Shared with {name_of(view.partner)}: either of you can edit it.",
            context=str(view.pair.id),
        )
    )


def validate_lessons(values: FormValues) -> dict[str, str]:
    return check_text(values, "lessons", MAX_LESSONS, "A few words are enough.")


async def submit_lessons(ctx: FlowContext, form: FormSubmitted) -> dict[str, str] | None:
    text = one(form.values, "lessons")
    async with ctx.uow() as uow:
        view = await _view(ctx, uow, form.context)
        if view is None or (view.pair.status != "confirmed" and not _closed_by_completion(view)):
            await ctx.reply_text("This pairing isn't active any more, so nothing was saved.")
            return None
        await save_answers(
            uow,
            person_id=view.mentor_id,
            programme_id=view.programme.id,
            kind=LESSONS_KIND,
            subject=pair_subject(view.pair.id),
            texts={"lessons": text},
            shared=True,
            now=ctx.clock.now(),
        )
        await uow.commit()
    await ctx.reply_text(f"Saved for you both. {name_of(view.partner)} can read and edit it too.")
    await ctx.dm(
        view.partner.platform_user_id,
        Message(
            summary=f"{name_of(view.me)} wrote your lessons learned",
            blocks=(
                Text(f"*{name_of(view.me)}* wrote down the lessons learned from your pairing:"),
                Section("Our lessons learned", text[:MAX_LESSONS]),
                Buttons((Button("Edit our lessons learned", LESSONS_ACTION, str(view.pair.id)),)),
            ),
        ),
        kind="lessons_shared",
    )
    return None

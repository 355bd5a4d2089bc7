"""Prep prompts: a few working days before each session, a role-specific private DM.

The mentee (in reverse mentoring, the senior leader) is asked to revisit their aims and
note what they want to ask; the mentor to think about the topic and any article or insight
to bring. Each sees their own goals, their partner's goals if shared, the actions they
noted last time, and agenda items: their own, and their partner's if shared. Agenda items
are added in a form and, if shared, reach the partner at once.
"""

from __future__ import annotations

from typing import Any

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
    Section,
    Text,
)
from bot.core.working_hours import describe
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, drop_once_past
from bot.runtime.context import FlowContext
from flows.common.actions import support_button
from flows.common.form_values import FormValues, check_text, many, one
from flows.common.pair_view import (
    PairView,
    answers_of,
    meeting_subject,
    pair_view,
    save_answers,
    shared_text,
)
from flows.common.people import name_of
from flows.meetings.reflections import latest_own_answer
from flows.sessions.goals import goals_text
from flows.sessions.plan import PREP
from storage.models import Meeting
from storage.uow import UnitOfWork

AGENDA_ACTION = "agenda"
AGENDA_FORM = "agenda"
AGENDA_KIND = "agenda"
MAX_AGENDA = 2000
SHARE = Choice("Share these with my partner", "yes")
MENTEE_ASK = "Revisit your aims and note what you want to ask {partner}."
MENTOR_ASK = "Think about the topic you'll cover and any article or insight to bring for {partner}."


async def _session_view(
    uow: UnitOfWork, meeting_id: int, person_id: int
) -> tuple[Meeting, PairView] | None:
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None or meeting.kind != "session":
        return None
    view = await pair_view(uow, meeting.pair_id, person_id)
    return (meeting, view) if view else None


async def render(req: RenderRequest) -> Message | Drop:
    found = await _session_view(
        req.uow, int(req.payload.get("meeting_id", 0)), req.delivery.person_id or 0
    )
    if found is None:
        return Drop("session or pair gone")
    meeting, view = found
    if meeting.status != "scheduled" or meeting.starts_at.isoformat() != req.payload.get(
        "starts_at"
    ):
        return Drop("session cancelled or moved")
    if view.pair.status != "confirmed":
        return Drop("the pair is no longer active")
    return await prep_message(req.uow, meeting, view)


async def prep_message(uow: UnitOfWork, meeting: Meeting, view: PairView) -> Message:
    partner = name_of(view.partner)
    when = describe(meeting.starts_at, view.me.time_zone)
    ask = (MENTEE_ASK if view.is_mentee else MENTOR_ASK).format(partner=partner)
    blocks: list[Any] = [
        Text(f"Your session {meeting.sequence} with *{partner}* is on *{when}*. {ask}")
    ]
    mine = await goals_text(uow, view.me.id, view.programme.id) or view.mine.goals
    if mine:
        blocks.append(Section("Your goals", mine[:600]))
    theirs = await shared_text(uow, view.partner.id, "goal", f"programme:{view.programme.id}")
    if theirs:
        blocks.append(Section(f"{partner}'s goals (shared with you)", theirs[:600]))
    actions = await latest_own_answer(uow, view.me.id, meeting, "actions")
    if actions:
        blocks.append(Section("Actions you agreed last time", actions[:600]))
    subject = meeting_subject(meeting.id)
    own = (await answers_of(uow, view.me.id, AGENDA_KIND, subject)).get("items")
    if own and own.value_text:
        blocks.append(Section("Your agenda", own.value_text[:600]))
    shared = await shared_text(uow, view.partner.id, AGENDA_KIND, subject)
    if shared:
        blocks.append(Section(f"{partner}'s agenda (shared with you)", shared[:600]))
    blocks.append(
        Buttons(
            (
                Button("Add agenda items", AGENDA_ACTION, str(meeting.id), ButtonStyle.PRIMARY),
                support_button(view.programme.id),
            )
        )
    )
    blocks.append(Context("Only you can see this, apart from anything you choose to share."))
    return Message(
        summary=f"Prepare for your session with {partner} on {when}", blocks=tuple(blocks)
    )


KINDS = (DeliveryKind(PREP, render, drop_once_past("starts_at", "the session has started")),)


async def open_agenda(ctx: FlowContext, click: ButtonClicked) -> None:
    meeting_id = int(click.value) if click.value.isdigit() else 0
    async with ctx.uow() as uow:
        me = await uow.people.by_user_id(ctx.user.user_id)
        found = await _session_view(uow, meeting_id, me.id) if me else None
        if found is None or found[0].status != "scheduled":
            await ctx.reply_text("That session isn't booked any more, so there's no agenda to add.")
            return
        existing = (await answers_of(uow, me.id, AGENDA_KIND, meeting_subject(meeting_id))).get(
            "items"
        )
    await ctx.open_form(
        Form(
            AGENDA_FORM,
            "Agenda items",
            (
                FormField(
                    "items",
                    "What would you like to cover?",
                    FieldKind.LONG_TEXT,
                    initial=existing.value_text if existing else None,
                    max_length=MAX_AGENDA,
                ),
                FormField(
                    "share",
                    "Sharing",
                    FieldKind.CHECKBOX,
                    required=False,
                    options=(SHARE,),
                    initial=("yes",) if existing and existing.shared_with_partner else None,
                ),
            ),
            submit_label="Save",
            intro=f"For your session with {name_of(found[1].partner)}. Private unless you share.",
            context=str(meeting_id),
        )
    )


def validate_agenda(values: FormValues) -> dict[str, str]:
    return check_text(values, "items", MAX_AGENDA, "Add at least one item.")


async def submit_agenda(ctx: FlowContext, form: FormSubmitted) -> dict[str, str] | None:
    meeting_id = int(form.context) if form.context.isdigit() else 0
    text = one(form.values, "items")
    shared = SHARE.value in many(form.values, "share")
    async with ctx.uow() as uow:
        me = await uow.people.by_user_id(ctx.user.user_id)
        found = await _session_view(uow, meeting_id, me.id) if me else None
        if found is None or found[0].status != "scheduled":
            await ctx.reply_text("That session isn't booked any more, so nothing was saved.")
            return None
        meeting, view = found
        await save_answers(
            uow,
            person_id=view.me.id,
            programme_id=view.programme.id,
            kind=AGENDA_KIND,
            subject=meeting_subject(meeting_id),
            texts={"items": text},
            shared=shared,
            now=ctx.clock.now(),
        )
        await uow.commit()
    if not shared:
        await ctx.reply_text("Saved. Your agenda is private to you.")
        return None
    await ctx.reply_text(f"Saved and shared with {name_of(view.partner)}.")
    await ctx.dm(
        view.partner.platform_user_id,
        Message(
            summary=f"{name_of(view.me)} shared agenda items for your next session",
            blocks=(
                Text(
                    f"*{name_of(view.me)}* shared agenda items for your session on "
                    f"{describe(meeting.starts_at, view.partner.time_zone)}:"
                ),
                Section("Their agenda", text[:MAX_AGENDA]),
            ),
        ),
        kind="agenda_shared",
    )
    return None

"""Goals: what each person wants to get out of the programme, written after the fit is
confirmed and revisited at the midpoint.

Stored as a Response of kind "goal" about the programme: private to its author unless they
tick "share with my partner", in which case the partner sees it in their prep prompts.
Nothing here reaches admins or reports.
"""

from __future__ import annotations

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
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, send_late
from bot.runtime.context import FlowContext
from flows.common.actions import support_button
from flows.common.form_values import FormValues, check_text, many, one
from flows.common.pair_view import answers_of, pair_view, save_answers
from flows.common.people import name_of
from flows.sessions.plan import MIDPOINT
from storage.uow import UnitOfWork

KIND = "goal"
ACTION_ID = "goals_open"
FORM_ID = "goals"
MAX_LENGTH = 2000
SHARE = Choice("Share my goals with my partner", "yes")


def subject(programme_id: int) -> str:
    return f"programme:{programme_id}"


async def goals_text(uow: UnitOfWork, person_id: int, programme_id: int) -> str:
    row = (await answers_of(uow, person_id, KIND, subject(programme_id))).get("goals")
    return row.value_text if row else ""


async def open_form(ctx: FlowContext, click: ButtonClicked) -> None:
    pair_id = int(click.value) if click.value.isdigit() else 0
    async with ctx.uow() as uow:
        me = await uow.people.by_user_id(ctx.user.user_id)
        view = await pair_view(uow, pair_id, me.id) if me else None
        if view is None or view.pair.status != "confirmed":
            await ctx.reply_text("This pairing isn't active any more. Type `status` to check.")
            return
        row = (await answers_of(uow, me.id, KIND, subject(view.programme.id))).get("goals")
    await ctx.open_form(
        Form(
            FORM_ID,
            "Your goals",
            (
                FormField(
                    "goals",
                    "What do you want to get out of the programme?",
                    FieldKind.LONG_TEXT,
                    initial=(row.value_text if row else view.mine.goals) or None,
                    max_length=MAX_LENGTH,
                ),
                FormField(
                    "share",
                    "Sharing",
                    FieldKind.CHECKBOX,
                    required=False,
                    options=(SHARE,),
                    initial=("yes",) if row and row.shared_with_partner else None,
                ),
            ),
            submit_label="Save my goals",
            intro=(
                "Private to you unless you share them; if you do, "
                f"{name_of(view.partner)} sees them when preparing for your sessions."
            ),
            context=str(pair_id),
        )
    )


def validate(values: FormValues) -> dict[str, str]:
    return check_text(values, "goals", MAX_LENGTH, "A sentence or two is enough.")


async def submit(ctx: FlowContext, form: FormSubmitted) -> dict[str, str] | None:
    pair_id = int(form.context) if form.context.isdigit() else 0
    shared = SHARE.value in many(form.values, "share")
    async with ctx.uow() as uow:
        me = await uow.people.by_user_id(ctx.user.user_id)
        view = await pair_view(uow, pair_id, me.id) if me else None
        if view is None:
            await ctx.reply_text("This pairing isn't active any more, so nothing was saved.")
            return None
        await save_answers(
            uow,
            person_id=me.id,
            programme_id=view.programme.id,
            kind=KIND,
            subject=subject(view.programme.id),
            texts={"goals": one(form.values, "goals")},
            shared=shared,
            now=ctx.clock.now(),
        )
        await uow.commit()
    where = (
        f"shared with {name_of(view.partner)}, who'll see them when preparing"
        if shared
        else "private to you"
    )
    await ctx.reply_text(f"Saved. Your goals are {where}; they'll be in each prep prompt.")
    return None


# ---- the midpoint


async def render_midpoint(req: RenderRequest) -> Message | Drop:
    meeting = await req.uow.meetings.get(int(req.payload.get("meeting_id", 0)))
    if meeting is None or meeting.status == "cancelled":
        return Drop("session cancelled")
    view = await pair_view(req.uow, meeting.pair_id, req.delivery.person_id or 0)
    if view is None or view.pair.status != "confirmed":
        return Drop("the pair is no longer active")
    blocks: list = [
        Text(
            f"You're halfway through {view.programme.name} with *{name_of(view.partner)}*. "
            "A good moment to revisit your goals: are they still the right ones? What has "
            "changed?"
        )
    ]
    if mine := await goals_text(req.uow, view.me.id, view.programme.id):
        blocks.append(Section("Your goals", mine[:600]))
    blocks.append(
        Buttons(
            (
                Button("Revisit my goals", ACTION_ID, str(view.pair.id), ButtonStyle.PRIMARY),
                support_button(view.programme.id),
            )
        )
    )
    blocks.append(Context("Only you can see this message."))
    return Message(summary="Halfway: revisit your goals", blocks=tuple(blocks))


KINDS = (DeliveryKind(MIDPOINT, render_midpoint, send_late),)

"""Withdrawing from a programme: confirm first, then end any pair and tell the partner kindly."""

from __future__ import annotations

from bot.core.events import ButtonClicked, Command
from bot.core.outbound import Button, Buttons, ButtonStyle, Message, Text
from bot.runtime.context import FlowContext
from flows.account.enrolments import NOT_ENROLLED, choose_enrolment, own_enrolment
from flows.common.actions import REMATCH_BUTTON
from flows.common.pair_lifecycle import end_pair, partner_of

CONFIRM_ACTION = "leave_confirm"
CANCEL_ACTION = "leave_cancel"


async def leave(ctx: FlowContext, command: Command) -> None:
    enrolments = await choose_enrolment(ctx, command, "leave")
    if not enrolments:
        await ctx.reply_text(NOT_ENROLLED)
        return
    for enrolment in enrolments:
        await _ask_to_confirm_leave(ctx, enrolment.id)


async def _ask_to_confirm_leave(ctx: FlowContext, enrolment_id: int) -> None:
    await ctx.reply(
        Message(
            summary="Withdraw from the programme?",
            blocks=(
                Text(
                    "Withdraw from this mentoring programme? If you have a match, "
                    "they'll be told kindly and offered someone new. Your answers are kept "
                    "so you can sign up again; use `forget-me` to erase them."
                ),
                Buttons(
                    (
                        Button(
                            "Yes, withdraw", CONFIRM_ACTION, str(enrolment_id), ButtonStyle.DANGER
                        ),
                        Button("Keep me in", CANCEL_ACTION, str(enrolment_id)),
                    )
                ),
            ),
        ),
        kind="confirm",
    )


async def leave_clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    if await own_enrolment(ctx, click.value) is None:
        await ctx.reply_text("That sign-up isn't active any more. Type `status` to check.")
        return
    await _ask_to_confirm_leave(ctx, int(click.value))


async def leave_confirmed(ctx: FlowContext, click: ButtonClicked) -> None:
    found = await own_enrolment(ctx, click.value)
    if found is None:
        await ctx.reply_text("That sign-up isn't active any more. Type `status` to check.")
        return
    now = ctx.clock.now()
    partner_id = None
    async with ctx.uow() as uow:
        enrolment = await uow.enrolments.get(found[1].id)
        assert enrolment is not None
        if enrolment.status == "withdrawn":
            await ctx.reply_text("You've already withdrawn. Type `signup` to join again.")
            return
        enrolment.status = "withdrawn"
        enrolment.updated_at = now
        pair = await uow.pairs.live_for_enrolment(enrolment.id)
        if pair:
            partner = await partner_of(uow, pair, enrolment.id)
            partner_id = partner.platform_user_id if partner else None
            await end_pair(uow, pair, "withdrawn", now)
        await uow.commit()
    await ctx.reply_text(
        "You've withdrawn. Thank you for taking part. Type `signup` whenever you'd like to come back."
    )
    if partner_id:
        await ctx.dm(
            partner_id, PARTNER_LEFT, kind="partner_left", key=f"partner_left:{click.value}"
        )


PARTNER_LEFT = Message(
    summary="Your mentoring partner has had to step back",
    blocks=(
        Text(
            "Your mentoring partner has had to step back from the programme. "
            "This isn't about you: people's circumstances change."
        ),
        Text(
            "We'd love to find you someone new. You're back in the pool for the next matching round."
        ),
        Buttons((REMATCH_BUTTON,)),
    ),
)


async def leave_cancelled(ctx: FlowContext, click: ButtonClicked) -> None:
    await ctx.reply_text("Great, you're still in. Nothing has changed.")

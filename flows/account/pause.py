"""Taking a break and coming back: pause and resume a sign-up, by command or button."""

from __future__ import annotations

from bot.core.events import ButtonClicked, Command
from bot.runtime.context import FlowContext
from flows.account.enrolments import choose_enrolment, own_enrolment
from flows.common.actions import PAUSE_ACTION

RESUME_ACTION = "resume"


async def _set_status(ctx: FlowContext, value: str, old: str, new: str, done: str) -> None:
    found = await own_enrolment(ctx, value)
    if found is None:
        await ctx.reply_text("That sign-up isn't active any more. Type `status` to check.")
        return
    async with ctx.uow() as uow:
        enrolment = await uow.enrolments.get(found[1].id)
        assert enrolment is not None
        if enrolment.status != old:
            await ctx.reply_text(
                f"Your sign-up is {enrolment.status}, so there's nothing to change."
            )
            return
        enrolment.status = new
        enrolment.updated_at = ctx.clock.now()
        await uow.commit()
    await ctx.reply_text(done)


async def pause_clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    await _set_status(
        ctx,
        click.value,
        "active",
        "paused",
        "You're paused: no new matches or reminders until you come back. "
        "Type `resume` whenever you're ready.",
    )


async def resume_clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    await _set_status(ctx, click.value, "paused", "active", "Welcome back! You're active again.")


async def pause(ctx: FlowContext, command: Command) -> None:
    enrolments = [e for e in await choose_enrolment(ctx, command, "pause") if e.status == "active"]
    if not enrolments:
        await ctx.reply_text("You have no active sign-up to pause. Type `status` to check.")
    for enrolment in enrolments:
        await pause_clicked(
            ctx, ButtonClicked(user=ctx.user, action_id=PAUSE_ACTION, value=str(enrolment.id))
        )


async def resume(ctx: FlowContext, command: Command) -> None:
    enrolments = [e for e in await choose_enrolment(ctx, command, "resume") if e.status == "paused"]
    if not enrolments:
        await ctx.reply_text("You have no paused sign-up. Type `status` to check.")
    for enrolment in enrolments:
        await resume_clicked(
            ctx, ButtonClicked(user=ctx.user, action_id=RESUME_ACTION, value=str(enrolment.id))
        )

"""A person's own account: help, status, pause and resume, leave, and forget-me."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from bot.core.events import ButtonClicked, Command
from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Text
from bot.runtime.context import FlowContext
from flows.account.home import programme_blocks
from flows.chemistry.rematch import BUTTON as REMATCH_BUTTON
from flows.common.pair_lifecycle import end_pair, partner_of
from storage.erasure import erase_platform_traces
from storage.models import Delivery, Enrolment, Person, Response

HELP = Message(
    summary="Here's what I can do",
    blocks=(
        Text("*Tandem* pairs colleagues for mentoring, including reverse mentoring. You can:"),
        Text(
            "• `signup`: join a programme, or edit your answers\n"
            "• `status`: your programme, your match and your next session\n"
            "• `pause` / `resume`: take a break without losing your place\n"
            "• `leave`: withdraw from a programme\n"
            "• `reflections`: read your own private reflections\n"
            "• `support`: ask the programme team for support, privately\n"
            "• `forget-me`: erase everything Tandem holds about you\n"
            "• `help`: this list"
        ),
        Context(
            "Programme admins and champions can also use `announce` and `match`. "
            "In Slack, type these after `/mentoring`; in Teams or a DM, just type them."
        ),
    ),
)


async def show_help(ctx: FlowContext, command: Command) -> None:
    await ctx.reply(HELP, kind="help")


async def unknown(ctx: FlowContext, command: Command) -> None:
    await ctx.reply(
        Message(
            summary=f"I don't know '{command.name}'",
            blocks=(Text(f"Sorry, I don't know `{command.name[:40]}`."), *HELP.blocks[1:]),
        ),
        kind="help",
    )


NOT_ENROLLED = (
    "You're not signed up to any mentoring programme yet. "
    "Type `signup` to join one, or `help` to see what I can do."
)


async def status(ctx: FlowContext, command: Command) -> None:
    blocks = await programme_blocks(ctx)
    if not blocks:
        await ctx.reply_text(NOT_ENROLLED)
        return
    await ctx.reply(Message(summary="Your mentoring status", blocks=blocks), kind="status")


async def _own_enrolment(ctx: FlowContext, value: str) -> tuple[Person, Enrolment] | None:
    """The clicker's enrolment named by a button, or None if it is not theirs (or gone)."""
    async with ctx.uow() as uow:
        person = await uow.people.by_user_id(ctx.user.user_id)
        enrolment = await uow.enrolments.get(int(value)) if value.isdigit() else None
        if person is None or enrolment is None or enrolment.person_id != person.id:
            return None
        return person, enrolment


async def _choose_enrolment(ctx: FlowContext, command: Command, verb: str) -> list[Enrolment]:
    async with ctx.uow() as uow:
        person = await uow.people.by_user_id(ctx.user.user_id)
        if person is None:
            return []
        return [e for e, _ in await uow.enrolments.of_person(person.id) if e.status != "withdrawn"]


async def leave(ctx: FlowContext, command: Command) -> None:
    enrolments = await _choose_enrolment(ctx, command, "leave")
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
                            "Yes, withdraw", "leave_confirm", str(enrolment_id), ButtonStyle.DANGER
                        ),
                        Button("Keep me in", "leave_cancel", str(enrolment_id)),
                    )
                ),
            ),
        ),
        kind="confirm",
    )


async def leave_clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    if await _own_enrolment(ctx, click.value) is None:
        await ctx.reply_text("That sign-up isn't active any more. Type `status` to check.")
        return
    await _ask_to_confirm_leave(ctx, int(click.value))


async def leave_confirmed(ctx: FlowContext, click: ButtonClicked) -> None:
    found = await _own_enrolment(ctx, click.value)
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


async def _set_status(ctx: FlowContext, value: str, old: str, new: str, done: str) -> None:
    found = await _own_enrolment(ctx, value)
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
        "You're paused: no new matches or reminders until you resume. Type `status` to resume.",
    )


async def resume_clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    await _set_status(ctx, click.value, "paused", "active", "Welcome back! You're active again.")


async def pause(ctx: FlowContext, command: Command) -> None:
    enrolments = [e for e in await _choose_enrolment(ctx, command, "pause") if e.status == "active"]
    if not enrolments:
        await ctx.reply_text("You have no active sign-up to pause. Type `status` to check.")
    for enrolment in enrolments:
        await pause_clicked(
            ctx, ButtonClicked(user=ctx.user, action_id="pause", value=str(enrolment.id))
        )


async def resume(ctx: FlowContext, command: Command) -> None:
    enrolments = [
        e for e in await _choose_enrolment(ctx, command, "resume") if e.status == "paused"
    ]
    if not enrolments:
        await ctx.reply_text("You have no paused sign-up. Type `status` to check.")
    for enrolment in enrolments:
        await resume_clicked(
            ctx, ButtonClicked(user=ctx.user, action_id="resume", value=str(enrolment.id))
        )


async def forget_me(ctx: FlowContext, command: Command) -> None:
    async with ctx.uow() as uow:
        person = await uow.people.by_user_id(ctx.user.user_id)
    if person is None:
        await ctx.reply_text("I don't hold any data about you, so there's nothing to erase.")
        return
    await ctx.reply(
        Message(
            summary="Erase everything Tandem holds about you?",
            blocks=(
                Text(
                    "This erases your profile, every sign-up, your private reflections, your "
                    "answers to polls and surveys, and our record of messages sent to you. "
                    "If you have a match, they'll be told kindly. *This can't be undone.*"
                ),
                Buttons(
                    (
                        Button("Erase my data", "forget_confirm", "", ButtonStyle.DANGER),
                        Button("Cancel", "forget_cancel", ""),
                    )
                ),
            ),
        ),
        kind="confirm",
    )


async def forget_confirmed(ctx: FlowContext, click: ButtonClicked) -> None:
    now = ctx.clock.now()
    partners: list[str] = []
    async with ctx.uow() as uow:
        person = await uow.people.by_user_id(ctx.user.user_id)
        if person is None:
            await ctx.reply_text("There's nothing left to erase: your data is already gone.")
            return
        counts = await _count_personal_data(uow.session, uow.workspace_id, person.id)
        for enrolment, _ in await uow.enrolments.of_person(person.id):
            pair = await uow.pairs.live_for_enrolment(enrolment.id)
            if pair:
                partner = await partner_of(uow, pair, enrolment.id)
                if partner:
                    partners.append(partner.platform_user_id)
                await end_pair(uow, pair, "withdrawn", now)
        await uow.session.flush()
        # Cascades remove enrolments (and their pairs and meetings), roles, answers and log rows.
        await uow.session.execute(
            delete(Person).where(Person.workspace_id == uow.workspace_id, Person.id == person.id)
        )
        await erase_platform_traces(uow.session, uow.workspace_id, ctx.user.user_id)
        await uow.commit()
    erased = [
        "your profile (name, time zone, working hours)",
        f"{counts['enrolments']} sign-up(s)",
        f"{counts['reflections']} private reflection(s)",
        f"{counts['answers']} poll, survey and goal answer(s)",
        f"{counts['deliveries']} record(s) of messages sent to you",
    ]
    await ctx.reply(
        Message(
            summary="Your data has been erased",
            blocks=(
                Text("Done. I've erased:\n" + "\n".join(f"• {item}" for item in erased)),
                Context(
                    "Programme totals that never named you (for example, how many sessions took "
                    "place) stay as they are. You can sign up again any time."
                ),
            ),
        ),
        kind="forget_me_done",
    )
    for partner_id in partners:
        await ctx.dm(partner_id, PARTNER_LEFT, kind="partner_left")


async def forget_cancelled(ctx: FlowContext, click: ButtonClicked) -> None:
    await ctx.reply_text("Okay, nothing was erased.")


async def _count_personal_data(session, workspace_id: int, person_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async def count(model, *where) -> int:  # type: ignore[no-untyped-def]
        return int(
            await session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.workspace_id == workspace_id, *where)
            )
            or 0
        )

    return {
        "enrolments": await count(Enrolment, Enrolment.person_id == person_id),
        "reflections": await count(
            Response, Response.person_id == person_id, Response.kind == "reflection"
        ),
        "answers": await count(
            Response, Response.person_id == person_id, Response.kind != "reflection"
        ),
        "deliveries": await count(Delivery, Delivery.person_id == person_id),
    }

"""`forget-me`: erase everything Tandem holds about a person, after they confirm."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from bot.core.events import ButtonClicked, Command
from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Text
from bot.runtime.context import FlowContext
from flows.account.leave import PARTNER_LEFT
from flows.common.pair_lifecycle import end_pair, partner_of
from storage.erasure import erase_platform_traces
from storage.models import Delivery, Enrolment, Person, Response

CONFIRM_ACTION = "forget_confirm"
CANCEL_ACTION = "forget_cancel"


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
                        Button("Erase my data", CONFIRM_ACTION, "", ButtonStyle.DANGER),
                        Button("Cancel", CANCEL_ACTION, ""),
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

"""`forget-me`: erase everything Tandem holds about a person, after they confirm."""

from __future__ import annotations

import logging

from sqlalchemy import delete, func, select

from bot.core.events import ButtonClicked, Command
from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Text
from bot.delivery.sender import target_key
from bot.runtime.context import FlowContext
from flows.account.leave import PARTNER_LEFT
from flows.common.disclosure import SHARING_KIND
from flows.common.pair_lifecycle import end_pair, partner_of
from flows.common.wording import plural
from storage.db import checkpoint_wal
from storage.erasure import erase_deliveries_to, erase_platform_traces
from storage.models import Delivery, Enrolment, Person, Response

log = logging.getLogger(__name__)

CONFIRM_ACTION = "forget_confirm"
CANCEL_ACTION = "forget_cancel"


async def forget_me(ctx: FlowContext, command: Command) -> None:
    async with ctx.uow() as uow:
        person = await uow.people.by_user_id(ctx.user.user_id)
    if person is None:
        await _reply_and_keep_no_record(
            ctx, "I don't hold any data about you, so there's nothing to erase."
        )
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
            await _reply_and_keep_no_record(
                ctx, "There's nothing left to erase: your data is already gone."
            )
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
        await erase_deliveries_to(uow.session, uow.workspace_id, target_key(ctx.user))
        await uow.commit()
    # The erased text must not outlive the commit in SQLite's write-ahead log.
    await _checkpoint(ctx)
    erased = [
        "your profile (name, time zone, working hours)",
        plural(counts["enrolments"], "sign-up"),
        plural(counts["reflections"], "private reflection"),
        plural(counts["answers"], "poll, survey and goal answer"),
        f"{plural(counts['deliveries'], 'record')} of messages sent to you",
    ]
    done = Message(
        summary="Your data has been erased",
        blocks=(
            Text("Done. I've erased:\n" + "\n".join(f"• {item}" for item in erased)),
            Context(
                "Programme totals that never named you (for example, how many sessions took "
                "place) stay as they are. You can sign up again any time."
            ),
        ),
    )
    await _reply_and_keep_no_record(ctx, done, kind="forget_me_done")
    for partner_id in partners:
        await ctx.dm(partner_id, PARTNER_LEFT, kind="partner_left")


async def _reply_and_keep_no_record(
    ctx: FlowContext, message: Message | str, *, kind: str = "reply"
) -> None:
    """Answer someone Tandem holds nothing about, then drop the delivery row that names them
    by platform id: erasing them must not leave the confirmation of it behind."""
    if isinstance(message, str):
        message = Message(summary=message, blocks=(Text(message),))
    await ctx.reply(message, kind=kind)
    async with ctx.uow() as uow:
        await erase_deliveries_to(uow.session, uow.workspace_id, target_key(ctx.user))
        await uow.commit()
    await _checkpoint(ctx)


async def _checkpoint(ctx: FlowContext) -> None:
    if not await checkpoint_wal(ctx.db.engine):
        log.warning("the database log could not be emptied after an erasure; it will be later")


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
            Response,
            Response.person_id == person_id,
            # What they chose to share is part of their sign-up, counted there.
            Response.kind.notin_(("reflection", SHARING_KIND)),
        ),
        "deliveries": await count(Delivery, Delivery.person_id == person_id),
    }
